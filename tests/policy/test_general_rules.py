"""GEN-1…GEN-3, ANO-1, STA-1, STA-2, rule-pack and profile selection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ssd_gateway.exceptions import PolicyError
from ssd_gateway.policy import decide
from tests.policy.builders import DAYCARE, HEALTH, SCHOOL, child, request


def test_gen1_private_note_never() -> None:
    """A private note is refused even under a covering consent, with no other reason."""
    decision = decide(request("private_note"))
    assert decision.codes == ("PRIVATE_NOTE_NOT_TRANSFERABLE",)


def test_gen1_other_kinds_not_affected() -> None:
    """The same content as a stafetlog under the same consent is permitted."""
    assert decide(request("stafetlog")).permitted


def test_gen2_basis_that_does_not_fit_kind() -> None:
    """Naming a basis that does not apply to the record kind: NO_LEGAL_BASIS."""
    decision = decide(request("stafetlog", basis="underretning"))
    assert decision.codes == ("NO_LEGAL_BASIS",)
    assert "underretning" in decision.reasons[0].message_en


def test_gen2_fitting_basis_named() -> None:
    """Naming the fitting basis permits."""
    assert decide(request("stafetlog", basis="consent")).permitted


@pytest.mark.parametrize("child_id", ["3102154321", "0213154321", "000115-4321"])
def test_gen3_impossible_cpr(child_id: str) -> None:
    """A CPR whose first six digits are no date is an invalid record."""
    decision = decide(request(child_=child(id=child_id)))
    assert (decision.decision, decision.codes) == ("deny", ("RECORD_INVALID",))
    assert "child.id" in decision.reasons[0].message_en
    assert child_id not in decision.reasons[0].message_en


@pytest.mark.parametrize("child_id", ["0203154321", "020315-4321", "erstatning-77"])
def test_gen3_valid_ids(child_id: str) -> None:
    """A real CPR date (with or without dash) or a replacement id is valid."""
    consents = [dict(request()["consents"][0], child_id=child_id)]
    assert decide(request(child_=child(id=child_id), consents=consents)).permitted


@pytest.mark.parametrize("path,value", [
    (("transfer", "sender", "sector"), "bakery"),
    (("transfer", "kind"), "letter"),
    (("child", "municipality"), "101"),
    (("at",), "yesterday"),
    (("transfer", "categories"), ["identity", "gossip"]),
])
def test_gen3_contract_violations(path: tuple[str, ...], value: object) -> None:
    """Unknown codes, bad municipality codes and bad moments are RECORD_INVALID."""
    body = request()
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert decide(body).codes == ("RECORD_INVALID",)


def test_ano1_cpr_with_and_without_dash() -> None:
    """An anonymous consultation carrying a CPR-like number is refused, dash or not."""
    for text in ("barnet 020315-4321 har det svært", "cpr 0203154321", "1105124321"):
        anonymous = request("anonymous_consultation", categories=(), consents=[],
                            purpose="consultation", payload={"question": text})
        assert "ANONYMOUS_CONTAINS_IDENTIFIER" in decide(anonymous).codes, text


def test_ano1_child_name() -> None:
    """The child's name in the consultation is an identifier."""
    named = request("anonymous_consultation", categories=(), consents=[], purpose="consultation",
                    child_=child(name="Emma Hansen"),
                    payload={"question": "Hvordan hjælper vi emma bedst?"})
    assert "ANONYMOUS_CONTAINS_IDENTIFIER" in decide(named).codes


def test_ano1_identity_category() -> None:
    """Declaring identity information makes the consultation non-anonymous."""
    with_identity = request("anonymous_consultation", categories=("identity",), consents=[],
                            purpose="consultation", payload={"question": "?"})
    assert "ANONYMOUS_CONTAINS_IDENTIFIER" in decide(with_identity).codes


def test_ano1_clean_consultation_permits() -> None:
    """No identifier (a ten-digit number that is no date is fine): permitted, basis anonymous."""
    clean = request("anonymous_consultation", categories=("private_family",), consents=[],
                    purpose="consultation", sender=SCHOOL, recipient=HEALTH,
                    child_=child(name="Emma Hansen"),
                    payload={"question": "En pige på 9 år græder hver morgen; sag 9999999999",
                             "age_years": 9})
    decision = decide(clean)
    assert (decision.decision, decision.basis) == ("permit", "anonymous")


def test_sta1_offer_from_non_holder() -> None:
    """Only the stafetholder offers a handover."""
    offer = request("stafetlog_handover_offer",
                    stafetlog={"status": "open", "holder_org_id": DAYCARE["org_id"]})
    assert "HANDOVER_NOT_HOLDER" in decide(offer).codes


def test_sta1_offer_from_holder() -> None:
    """The holder's offer is permitted under a covering consent."""
    offer = request("stafetlog_handover_offer",
                    stafetlog={"status": "open", "holder_org_id": SCHOOL["org_id"]})
    assert decide(offer).permitted


@pytest.mark.parametrize("status", ["archived", "destroyed"])
def test_sta2_closed_log(status: str) -> None:
    """Nothing is sent from a closed log, even with a covering consent."""
    for kind in ("stafetlog", "stafetlog_handover_offer", "stafetlog_handover_accept"):
        closed = request(kind, stafetlog={"status": status})
        decision = decide(closed)
        assert decision.decision == "deny" and "STAFETLOG_CLOSED" in decision.codes


def test_sta2_open_log() -> None:
    """An open log with a covering consent is sent, and the parents get a copy."""
    decision = decide(request("stafetlog_handover_accept", stafetlog={"status": "open"}))
    assert decision.permitted and "parent_copy" in decision.obligations


def test_unknown_profile_key_is_an_error() -> None:
    """A misspelt profile key is refused, not ignored."""
    with pytest.raises(PolicyError, match="consent_requires_writen"):
        decide(request(profile={"consent_requires_writen": False}))


@pytest.mark.parametrize("profile", [
    {"consent_max_days": "365"}, {"consent_max_days": 0}, {"share_wellbeing_screening": "no"},
    {"closing_days": ["13-45"]}, {"sla": {"unknown_timer": 3}},
])
def test_malformed_profile_values(profile: dict[str, object]) -> None:
    """Profile values of the wrong type or shape are refused."""
    with pytest.raises(PolicyError):
        decide(request(profile=profile))


def test_named_profile_and_decision_records_it() -> None:
    """A shipped profile is chosen by id and named in the decision."""
    decision = decide(request(profile={"id": "kbh"}))
    assert (decision.profile, decision.rule_pack) == ("kbh", "dk-sel-2011@1")


def test_unknown_rule_pack() -> None:
    """An unknown rule pack or version is an error."""
    body = request()
    body["rule_pack"] = "dk-bl-2024"
    with pytest.raises(PolicyError):
        decide(body)
    body["rule_pack"] = "dk-sel-2011@7"
    with pytest.raises(PolicyError):
        decide(body)


def test_pack_selected_by_date() -> None:
    """Without a named pack the pack in force on the transfer date decides."""
    body = request()
    del body["rule_pack"]
    assert decide(body).rule_pack == "dk-sel-2011@1"
    body["at"] = "2009-06-01T10:00:00+02:00"
    with pytest.raises(PolicyError, match="in force"):
        decide(body)


def test_now_overrides_moment() -> None:
    """Deciding again at send time uses ``now``: a revocation meanwhile refuses."""
    body = request(consents=[dict(request()["consents"][0],
                                  revoked_at="2026-03-10T12:00:00+01:00")])
    assert decide(body).permitted
    later = datetime(2026, 3, 10, 11, 30, tzinfo=UTC)
    assert "CONSENT_REVOKED" in decide(body, now=later).codes


def test_response_shape() -> None:
    """The response has the contract's fields with the contract's types."""
    out = decide(request()).as_dict()
    assert out["decision"] in ("permit", "deny")
    assert out["basis"] in ("consent", "ssd_49a", "underretning", "anonymous", None)
    assert isinstance(out["reasons"], list) and isinstance(out["obligations"], list)
    assert isinstance(out["warnings"], list) and out["rule_pack"] == "dk-sel-2011@1"
    denied = decide(request(consents=[])).as_dict()
    for reason in denied["reasons"]:
        assert {"code", "rule", "message", "message_en"} <= set(reason)
        assert all(isinstance(v, str) for v in reason.values())
    assert denied["basis"] is None and denied["consent_id"] is None
