"""Message ⇄ message Bundle: MedCom conventions, losslessness, and errors with FHIR paths."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.fhir import bundle_to_message, message_header_id, message_to_bundle, urls
from ssd_gateway.model import Message, RecordKind, message_to_json, parse_message
from tests.fhir.conftest import SETTINGS, STAMP, resources

KINDS = [k.value for k in RecordKind]
_TZ = re.compile(r"T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_is_lossless(kind: str, messages: dict[str, Message],
                                bundles: dict[str, dict[str, Any]]) -> None:
    """Reading the Bundle of every sample message gives back an equal Message."""
    back = bundle_to_message(bundles[kind], SETTINGS)
    assert back == messages[kind]
    assert back.model_dump(mode="json") == messages[kind].model_dump(mode="json")


def test_every_record_kind_has_a_sample(messages: dict[str, Message]) -> None:
    """The round-trip test covers all 12 record kinds."""
    assert sorted(messages) == sorted(KINDS) and len(KINDS) == 12


@pytest.mark.parametrize("kind", KINDS)
def test_message_bundle_shape(kind: str, bundles: dict[str, dict[str, Any]]) -> None:
    """Bundle.type is message, the MessageHeader comes first, and a Provenance targets it."""
    bundle = bundles[kind]
    assert bundle["type"] == "message"
    first = bundle["entry"][0]
    assert first["resource"]["resourceType"] == "MessageHeader"
    provenance = resources(bundle, "Provenance")
    assert [p["target"] for p in provenance] == [[{"reference": first["fullUrl"]}]]
    assert first["resource"]["eventCoding"]["code"] == kind


def test_bundle_id_is_new_per_send_and_header_id_stable(messages: dict[str, Message]) -> None:
    """Two sends of one logical message share MessageHeader.id but never Bundle.id."""
    one, two = (message_to_bundle(messages["consent"]) for _ in range(2))
    assert one["id"] != two["id"]
    assert one["entry"][0]["resource"]["id"] == two["entry"][0]["resource"]["id"]
    assert one["entry"][0]["resource"]["id"] == message_header_id(
        messages["consent"].message_id)
    assert one["identifier"]["value"] == f"urn:uuid:{one['id']}"


def test_given_bundle_id_and_timestamp_make_rendering_deterministic(
        messages: dict[str, Message]) -> None:
    """With bundle_id and timestamp given, rendering the same message twice is identical."""
    args: dict[str, Any] = {"bundle_id": "b-1", "timestamp": STAMP}
    assert message_to_bundle(messages["stafetlog"], **args) == message_to_bundle(
        messages["stafetlog"], **args)


def test_bundle_id_must_be_a_fhir_id(messages: dict[str, Message]) -> None:
    """A bundle_id FHIR cannot carry is refused before anything is rendered."""
    with pytest.raises(ValueError, match="FHIR id"):
        message_to_bundle(messages["consent"], bundle_id="not a valid id!")


def _datetimes(value: Any, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [d for k, v in value.items() for d in _datetimes(v, k)]
    if isinstance(value, list):
        return [d for v in value for d in _datetimes(v, key)]
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT", value):
        return [value]
    return []


@pytest.mark.parametrize("kind", KINDS)
def test_every_timestamp_has_a_time_zone(kind: str, bundles: dict[str, dict[str, Any]]) -> None:
    """Every dateTime/instant the Bundle carries states its UTC offset."""
    stamps = _datetimes(bundles[kind])
    assert len(stamps) >= 3  # Bundle.timestamp, Provenance.occurred and .recorded
    assert all(_TZ.search(s) for s in stamps), stamps


def test_offsets_survive_the_round_trip(messages: dict[str, Message]) -> None:
    """A send time in +02:00 is written with +02:00 and read back with the same offset."""
    local = datetime.fromisoformat("2026-03-10T13:00:00+02:00")
    message = messages["feedback"].model_copy(update={"sent_at": local})
    bundle = message_to_bundle(message)
    assert resources(bundle, "Provenance")[0]["occurredDateTime"] == "2026-03-10T13:00:00+02:00"
    assert bundle_to_message(bundle, SETTINGS).sent_at.utcoffset() == local.utcoffset()


def test_sender_and_receiver_carry_dk_core_identifiers(
        bundles: dict[str, dict[str, Any]]) -> None:
    """The bundled sender has the project org id, CVR and SOR; the receiver its KOMBIT id."""
    bundle = bundles["stafetlog"]
    header = bundle["entry"][0]["resource"]
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    sender = by_url[header["sender"]["reference"]]
    receiver = by_url[header["destination"][0]["receiver"]["reference"]]
    systems = {i["system"]: i["value"] for i in sender["identifier"]}
    assert systems == {urls.ORG_ID: "bh-solsikken", urls.CVR: "29189846",
                       urls.SOR: "1234561000016008"}
    assert {i["system"] for i in receiver["identifier"]} >= {urls.KOMBIT_ORG, urls.ORG_ID}
    assert sender["address"][0]["extension"][0]["url"] == urls.MUNICIPALITY_EXTENSION


def test_child_is_a_patient_with_an_official_cpr(bundles: dict[str, dict[str, Any]]) -> None:
    """The child's CPR number is a Patient identifier of system urn:oid:1.2.208.176.1.2."""
    [patient] = resources(bundles["underretning"], "Patient")
    assert patient["identifier"] == [{"use": "official", "system": urls.CPR,
                                      "value": "1201194321"}]


def test_replacement_id_uses_the_project_system(messages: dict[str, Message]) -> None:
    """A child without CPR gets a temp identifier of the replacement-id system, and back."""
    data = message_to_json(messages["ssd_meeting"])
    data["record"]["child"] |= {"id": "ERST-77", "id_kind": "replacement"}
    message = parse_message(data, SETTINGS)
    bundle = message_to_bundle(message)
    [patient] = resources(bundle, "Patient")
    assert patient["identifier"][0]["system"] == urls.REPLACEMENT_ID
    assert bundle_to_message(bundle, SETTINGS) == message


def test_private_note_is_representable(bundles: dict[str, dict[str, Any]]) -> None:
    """A private note renders (refusing it is the policy engine's job, not the mapper's)."""
    [comm] = resources(bundles["private_note"], "Communication")
    assert comm["payload"][0] == {"contentString": "Egne noter"}


def test_consent_maps_to_fhir_consent(bundles: dict[str, dict[str, Any]]) -> None:
    """The consent's period, purposes and parties are FHIR Consent elements."""
    [consent] = resources(bundles["consent"], "Consent")
    assert consent["provision"]["period"] == {"start": "2026-02-08", "end": "2027-02-07"}
    assert [c["code"] for c in consent["provision"]["purpose"]] == ["coordination",
                                                                   "transition"]
    assert len(consent["provision"]["actor"]) == 3
    assert consent["status"] == "active"


def test_stafetlog_maps_to_careplan_careteam_and_goals(
        bundles: dict[str, dict[str, Any]]) -> None:
    """The holder is the CareTeam's stafetholder, goals are Goals, agreements activities."""
    bundle = bundles["stafetlog"]
    [plan] = resources(bundle, "CarePlan")
    [team] = resources(bundle, "CareTeam")
    assert team["participant"][0]["role"][0]["coding"][0]["code"] == "stafetholder"
    assert len(resources(bundle, "Goal")) == 2
    assert plan["activity"][0]["detail"]["description"] == "Indkalde til opfølgningsmøde"


def _broken(bundle: dict[str, Any], edit: Any) -> dict[str, Any]:
    copied = copy.deepcopy(bundle)
    edit(copied)
    return copied


def _problem_paths(bundle: dict[str, Any]) -> list[str]:
    with pytest.raises(RecordInvalid) as info:
        bundle_to_message(bundle, SETTINGS)
    return [p.path for p in info.value.problems]


def test_unreadable_element_is_reported_with_its_fhir_path(
        bundles: dict[str, dict[str, Any]]) -> None:
    """A Task status the mapper does not know is reported at Bundle.entry[1].resource.status."""
    bundle = _broken(bundles["stafetlog_handover_offer"],
                     lambda b: b["entry"][1]["resource"].update(status="on-hold"))
    assert _problem_paths(bundle) == ["Bundle.entry[1].resource.status"]


def test_missing_message_header_is_reported(bundles: dict[str, dict[str, Any]]) -> None:
    """A Bundle whose first entry is not a MessageHeader is refused at that entry."""
    bundle = _broken(bundles["consent"], lambda b: b["entry"].reverse())
    assert _problem_paths(bundle) == ["Bundle.entry[0].resource.resourceType"]


def test_dangling_reference_is_reported(bundles: dict[str, dict[str, Any]]) -> None:
    """A focus that does not resolve inside the Bundle is reported at the reference."""
    bundle = _broken(bundles["consent"], lambda b: b["entry"][0]["resource"]["focus"][0].update(
        reference="urn:uuid:00000000-0000-0000-0000-000000000001"))
    assert _problem_paths(bundle) == ["Bundle.entry[0].resource.focus[0].reference"]


def test_model_error_points_at_the_fhir_element(bundles: dict[str, dict[str, Any]]) -> None:
    """A CPR with an impossible date is reported at the Patient it was read from."""
    def corrupt(b: dict[str, Any]) -> None:
        for e in b["entry"]:
            if e["resource"]["resourceType"] == "Patient":
                e["resource"]["identifier"][0]["value"] = "3202194321"
    bundle = _broken(bundles["underretning"], corrupt)
    with pytest.raises(RecordInvalid) as info:
        bundle_to_message(bundle, SETTINGS)
    [problem] = info.value.problems
    assert problem.path == "Bundle.entry[1].resource.subject"
    assert problem.code == "cpr_impossible_date" and "record.child.id" in problem.message_en


def test_residual_error_points_at_the_questionnaire_item(
        bundles: dict[str, dict[str, Any]]) -> None:
    """A residual value of the wrong type is reported at its QuestionnaireResponse answer."""
    def corrupt(b: dict[str, Any]) -> None:
        qr = b["entry"][2]["resource"]
        assert qr["item"][0]["linkId"] == "version"
        qr["item"][0]["answer"][0] = {"valueString": "three"}
    bundle = _broken(bundles["stafetlog"], corrupt)
    paths = _problem_paths(bundle)
    assert paths == ["Bundle.entry[2].resource.item[0].answer[0]"]


def test_not_a_bundle_is_refused() -> None:
    """Anything but a message Bundle is refused with the path of what is wrong."""
    assert _problem_paths({"resourceType": "Patient"}) == ["Bundle.resourceType"]
    assert _problem_paths({"resourceType": "Bundle", "type": "collection"}) == ["Bundle.type"]


def test_rendering_is_fast_enough(messages: dict[str, Message]) -> None:
    """Rendering and reading a stafetlog message takes well under 50 ms (warm)."""
    import time

    message = messages["stafetlog"]
    bundle_to_message(message_to_bundle(message), SETTINGS)
    start = time.perf_counter()
    for _ in range(20):
        bundle_to_message(message_to_bundle(message), SETTINGS)
    assert (time.perf_counter() - start) / 20 < 0.05


def test_sent_at_is_provenance_occurred(bundles: dict[str, dict[str, Any]],
                                        messages: dict[str, Message]) -> None:
    """Provenance.occurredDateTime is the message's send time; recorded is the render time."""
    [prov] = resources(bundles["consent"], "Provenance")
    assert prov["occurredDateTime"] == messages["consent"].sent_at.isoformat()
    assert prov["recorded"] == STAMP.isoformat()
    assert datetime.fromisoformat(prov["recorded"]).tzinfo == UTC


def test_sub_minute_utc_offset_is_refused(messages: dict[str, Message]) -> None:
    """FHIR offsets are hh:mm, so a send time at +00:00:30 is refused with RecordInvalid."""
    from datetime import timedelta, timezone

    odd = datetime(2026, 3, 10, 11, tzinfo=timezone(timedelta(seconds=30)))
    with pytest.raises(RecordInvalid):
        message_to_bundle(messages["consent"].model_copy(update={"sent_at": odd}))
