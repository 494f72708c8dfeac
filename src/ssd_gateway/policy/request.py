"""The decision request (``decision.schema.json`` ``request``) parsed into light dataclasses.

Plain functions and slotted dataclasses rather than pydantic: the bulk path decides tens of
thousands of requests a second. A request that breaks the contract raises ``Invalid`` with a
path and a code (never the offending value, which may be personal data); the engine turns it
into a ``RECORD_INVALID`` refusal (GEN-3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeGuard
from zoneinfo import ZoneInfo

from ssd_gateway.policy import vocab

#: Danish law counts days in Danish local time
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
_CPR = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d)\d{3}$")
#: a CPR-like number inside free text, with or without the dash
CPR_IN_TEXT = re.compile(r"(?<!\d)(\d{6})-?(\d{4})(?!\d)")
_MUNICIPALITY = re.compile(r"^[0-9]{4}$")


class Invalid(Exception):
    """The request breaks the contract at ``path`` (``code`` says how)."""

    def __init__(self, path: str, code: str) -> None:
        super().__init__(f"{path}: {code}")
        self.path = path
        self.code = code


@dataclass(frozen=True, slots=True)
class Party:
    """Sender or recipient of a transfer."""

    org_id: str
    sector: str
    municipality: str | None
    performs_public_task: bool


@dataclass(frozen=True, slots=True)
class Child:
    """The child the transfer is about."""

    id: str
    birth_date: date
    municipality: str
    custody_holders: tuple[str, ...]
    name: str | None

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day`` (a 29 February birthday counts from 1 March)."""
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True)
class ConsentParty:
    """A party a consent covers: a sector, narrowed to one organisation by ``org_id``."""

    sector: str
    org_id: str | None

    def covers(self, party: Party) -> bool:
        """True if ``party`` is this sector (and this organisation, when one is named)."""
        return self.sector == party.sector and self.org_id in (None, party.org_id)


@dataclass(frozen=True, slots=True)
class Consent:
    """A consent the engine may rely on."""

    id: str
    child_id: str
    grants: tuple[tuple[str, str], ...]
    signed_at: date
    valid_until: date | None
    revoked_at: datetime | None
    form: str
    parties: tuple[ConsentParty, ...]
    categories: frozenset[str]
    purposes: frozenset[str]

    def covers(self, party: Party) -> bool:
        """True if any listed party covers ``party``."""
        for listed in self.parties:
            if listed.sector == party.sector and listed.org_id in (None, party.org_id):
                return True
        return False


@dataclass(frozen=True, slots=True)
class Meeting:
    """The §49a meeting a transfer belongs to."""

    id: str | None
    at: datetime | None
    follow_up_of: str | None
    justification: str | None


@dataclass(frozen=True, slots=True)
class PastMeeting:
    """An earlier §49a meeting about the child."""

    meeting_id: str
    at: datetime
    follow_up_of: str | None


@dataclass(frozen=True, slots=True)
class UnderretningFacts:
    """What an underretning says about its notifier and the parents."""

    notifier_kind: str | None
    suspected_violence_or_abuse: bool
    parents_informed: bool | None
    reason_parents_not_informed: str | None
    withhold_from_parents: bool


@dataclass(frozen=True, slots=True)
class FeedbackFacts:
    """What a feedback to a notifier carries."""

    requested: bool
    notifier_kind: str | None
    outcome: str | None
    content: str | None
    parents_accepted_fuller_feedback: bool


@dataclass(frozen=True, slots=True)
class StafetlogState:
    """The state of the stafetlog a transfer concerns."""

    status: str
    holder_org_id: str | None


@dataclass(frozen=True, slots=True)
class Transfer:
    """What is to be sent, by whom, to whom, why, and on which basis."""

    kind: str
    sender: Party
    recipient: Party
    purpose: str
    categories: frozenset[str]
    basis: str | None
    consent_id: str | None
    meeting: Meeting | None
    underretning: UnderretningFacts | None
    feedback: FeedbackFacts | None
    stafetlog: StafetlogState | None
    payload: Any


class Request:
    """A parsed decision request.

    Consents and the §49a history are parsed when a basis first needs them: an underretning
    is never held up, not even by a malformed consent it does not rely on.
    """

    __slots__ = (
        "_consents", "_history", "_raw_consents", "_raw_history", "at", "child", "day",
        "profile", "rule_pack", "transfer",
    )

    def __init__(
        self,
        at: datetime,
        rule_pack: str | None,
        profile: Mapping[str, Any] | None,
        transfer: Transfer,
        child: Child,
        consents: Any = None,
        ssd_history: Any = None,
    ) -> None:
        self.at = at
        self.day: date = at.astimezone(COPENHAGEN).date()
        self.rule_pack = rule_pack
        self.profile = profile
        self.transfer = transfer
        self.child = child
        self._raw_consents = consents
        self._raw_history = ssd_history
        self._consents: tuple[Consent, ...] | None = None
        self._history: tuple[PastMeeting, ...] | None = None

    @property
    def consents(self) -> tuple[Consent, ...]:
        """The consents given with the request (Invalid if one breaks the contract)."""
        if self._consents is None:
            raw = _list(self._raw_consents, "consents")
            self._consents = tuple(_consent(c, f"consents[{i}]") for i, c in enumerate(raw))
        return self._consents

    @property
    def ssd_history(self) -> tuple[PastMeeting, ...]:
        """Earlier §49a meetings about the child (Invalid if one breaks the contract)."""
        if self._history is None:
            self._history = _history(self._raw_history)
        return self._history


def _obj(data: Any, path: str) -> Mapping[str, Any]:
    if type(data) is dict or isinstance(data, Mapping):
        return data
    raise Invalid(path, "expected_object")


def _list(data: Any, path: str) -> list[Any]:
    if data is None:
        return []
    if type(data) is not list:
        raise Invalid(path, "expected_array")
    return data


def _text(data: Mapping[str, Any], key: str, path: str) -> str:
    value = data.get(key)
    if type(value) is not str or not value:
        raise Invalid(f"{path}.{key}", "required_text")
    return value


def _opt_text(data: Mapping[str, Any], key: str, path: str) -> str | None:
    value = data.get(key)
    if value is None or type(value) is str:
        return value
    raise Invalid(f"{path}.{key}", "expected_text")


def _code(data: Mapping[str, Any], key: str, allowed: frozenset[str], path: str) -> str:
    value = data.get(key)
    if type(value) is not str or value not in allowed:
        raise Invalid(f"{path}.{key}", "unknown_code")
    return value


def _flag(data: Mapping[str, Any], key: str, path: str) -> bool:
    value = data.get(key)
    if value is None:
        return False
    if value is not True and value is not False:
        raise Invalid(f"{path}.{key}", "expected_boolean")
    return value


def parse_date(value: Any, path: str) -> date:
    """An ISO date; Invalid otherwise."""
    if type(value) is str and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise Invalid(path, "expected_date")


def parse_moment(value: Any, path: str) -> datetime:
    """An ISO date-time, aware; a moment without offset is read as Danish local time."""
    if type(value) is str and len(value) >= 16:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise Invalid(path, "expected_date_time") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=COPENHAGEN)
    raise Invalid(path, "expected_date_time")


def _municipality(data: Mapping[str, Any], path: str, required: bool) -> str | None:
    value = data.get("municipality")
    if value is None and not required:
        return None
    if type(value) is not str or len(value) != 4 or not (value.isascii() and value.isdigit()):
        raise Invalid(f"{path}.municipality", "municipality_code")
    return value


#: parsed parties by their four fields (organisations recur across requests; bounded)
_PARTIES: dict[tuple[str, str, str | None, bool], Party] = {}
_CACHE_LIMIT = 4096


def _municipality_ok(value: Any) -> TypeGuard[str]:
    return type(value) is str and len(value) == 4 and value.isascii() and value.isdigit()


def _party(data: Any, path: str) -> Party:
    if type(data) is dict:  # fast path: a well-formed party; anything else is checked below
        org_id, sector = data.get("org_id"), data.get("sector")
        municipality, public = data.get("municipality"), data.get("performs_public_task")
        if (type(org_id) is str and org_id and type(sector) is str and sector in vocab.SECTORS
                and (municipality is None or _municipality_ok(municipality))
                and (public is None or public is True or public is False)):
            key = (org_id, sector, municipality, public is True)
            found = _PARTIES.get(key)
            if found is None:
                found = Party(*key)
                if len(_PARTIES) < _CACHE_LIMIT:
                    _PARTIES[key] = found
            return found
    return _party_checked(data, path)


def _party_checked(data: Any, path: str) -> Party:
    data = _obj(data, path)
    return Party(
        org_id=_text(data, "org_id", path),
        sector=_code(data, "sector", vocab.SECTORS, path),
        municipality=_municipality(data, path, False),
        performs_public_task=_flag(data, "performs_public_task", path),
    )


def cpr_birth_date(value: str) -> date | None:
    """The birth date a CPR-shaped id encodes; None if ``value`` is not CPR-shaped.

    Raises ValueError when the first six digits are no date. The century follows the CPR
    office's table for the seventh digit, as ``ssd_gateway.model.cpr`` does.
    """
    match = _CPR.match(value)
    if not match:
        return None
    dd, mm, yy, seventh = (int(g) for g in match.groups())
    if seventh <= 3:
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:
        century = 2000 if yy <= 57 else 1800
    return date(century + yy, mm, dd)


def looks_like_cpr(text: str) -> bool:
    """True if ``text`` holds a ten-digit number (dash optional) whose first six are a date."""
    for six, four in CPR_IN_TEXT.findall(text):
        try:
            if cpr_birth_date(six + four):
                return True
        except ValueError:
            continue
    return False


def normalise_child_id(value: str) -> str:
    """A CPR number without its dash; any other id unchanged."""
    return value.replace("-", "") if _CPR.match(value) else value


def _child(data: Any) -> Child:
    if type(data) is dict:  # fast path: a well-formed child with a CPR number as id
        child = _child_fast(data)
        if child is not None:
            return child
    return _child_checked(data)


def _child_fast(data: dict[str, Any]) -> Child | None:
    """The child, or None when anything is unusual (``_child_checked`` then says what)."""
    child_id, born = data.get("id"), data.get("birth_date")
    holders, municipality = data.get("custody_holders"), data.get("municipality")
    name = data.get("name")
    if type(child_id) is not str or type(born) is not str or len(born) != 10:
        return None
    if holders is None:
        holders = []
    elif type(holders) is not list or any(type(h) is not str for h in holders):
        return None
    if not _municipality_ok(municipality) or not (name is None or type(name) is str):
        return None
    try:
        if cpr_birth_date(child_id) is None:  # not CPR-shaped: the checked path handles it
            return None
        birth_date = date.fromisoformat(born)
    except ValueError:
        return None
    return Child(child_id.replace("-", ""), birth_date, municipality, tuple(holders), name)


def _child_checked(data: Any) -> Child:
    data = _obj(data, "child")
    child_id = _text(data, "id", "child")
    try:
        cpr_birth_date(child_id)
    except ValueError:
        raise Invalid("child.id", "cpr_impossible_date") from None
    holders = _list(data.get("custody_holders"), "child.custody_holders")
    for holder in holders:
        if type(holder) is not str:
            raise Invalid("child.custody_holders", "expected_text")
    return Child(
        id=normalise_child_id(child_id),
        birth_date=parse_date(data.get("birth_date"), "child.birth_date"),
        municipality=_municipality(data, "child", True) or "",
        custody_holders=tuple(holders),
        name=_opt_text(data, "name", "child"),
    )


def _grant(grant: Any) -> tuple[str, str]:
    grant = _obj(grant, "")
    return _text(grant, "person_id", ""), _code(grant, "role", vocab.GRANTOR_ROLES, "")


def _consent_party(party: Any) -> ConsentParty:
    party = _obj(party, "")
    return ConsentParty(_code(party, "sector", vocab.SECTORS, ""), _opt_text(party, "org_id", ""))


def _items(values: list[Any], parse: Any, path: str) -> tuple[Any, ...]:
    out = []
    for i, value in enumerate(values):
        try:
            out.append(parse(value))
        except Invalid as exc:  # paths are built only when something is wrong
            raise Invalid(f"{path}[{i}]{exc.path}", exc.code) from None
    return tuple(out)


def _consent(data: Any, path: str) -> Consent:
    try:
        return _consent_at(data)
    except Invalid as exc:
        raise Invalid(f"{path}{exc.path}", exc.code) from None


#: consent parties by (sector, org_id) (bounded)
_CONSENT_PARTIES: dict[tuple[str, str | None], ConsentParty] = {}


def _consent_at(data: Any) -> Consent:
    if type(data) is dict:  # fast path: a well-formed consent
        consent = _consent_fast(data)
        if consent is not None:
            return consent
    return _consent_checked(data)


def _codes_fast(data: Any, allowed: frozenset[str]) -> frozenset[str] | None:
    if data is None:
        return frozenset()
    if type(data) is not list:
        return None
    for item in data:
        if type(item) is not str or item not in allowed:
            return None
    return frozenset(data)


def _consent_fast(data: dict[str, Any]) -> Consent | None:
    """The consent, or None when anything is unusual (``_consent_checked`` then says what)."""
    consent_id, child_id = data.get("id"), data.get("child_id")
    if type(consent_id) is not str or not consent_id or type(child_id) is not str or not child_id:
        return None
    raw_grants = data.get("granted_by")
    if raw_grants is not None and type(raw_grants) is not list:
        return None
    grants: list[tuple[str, str]] = []
    for grant in raw_grants or ():
        if type(grant) is not dict:
            return None
        person, role = grant.get("person_id"), grant.get("role")
        if (type(person) is not str or not person or type(role) is not str
                or role not in vocab.GRANTOR_ROLES):
            return None
        grants.append((person, role))
    signed, until, revoked = data.get("signed_at"), data.get("valid_until"), data.get("revoked_at")
    form = data.get("form") or "written"
    if (type(signed) is not str or len(signed) != 10
            or not (until is None or (type(until) is str and len(until) == 10))
            or not (revoked is None or (type(revoked) is str and len(revoked) >= 16))
            or type(form) is not str or form not in vocab.CONSENT_FORMS):
        return None
    parties: list[ConsentParty] = []
    raw_parties = data.get("parties")
    if raw_parties is not None and type(raw_parties) is not list:
        return None
    for party in raw_parties or ():
        if type(party) is not dict:
            return None
        sector, org_id = party.get("sector"), party.get("org_id")
        if type(sector) is not str or sector not in vocab.SECTORS or not (
                org_id is None or type(org_id) is str):
            return None
        found = _CONSENT_PARTIES.get((sector, org_id))
        if found is None:
            found = ConsentParty(sector, org_id)
            if len(_CONSENT_PARTIES) < _CACHE_LIMIT:
                _CONSENT_PARTIES[(sector, org_id)] = found
        parties.append(found)
    categories = _codes_fast(data.get("categories"), vocab.CATEGORIES)
    purposes = _codes_fast(data.get("purposes"), vocab.PURPOSES)
    if categories is None or purposes is None:
        return None
    try:
        signed_at = date.fromisoformat(signed)
        valid_until = None if until is None else date.fromisoformat(until)
        revoked_at = None if revoked is None else datetime.fromisoformat(revoked)
    except ValueError:
        return None
    if revoked_at is not None and revoked_at.tzinfo is None:
        revoked_at = revoked_at.replace(tzinfo=COPENHAGEN)
    return Consent(consent_id, normalise_child_id(child_id), tuple(grants), signed_at,
                   valid_until, revoked_at, form, tuple(parties), categories, purposes)


def _consent_checked(data: Any) -> Consent:
    data = _obj(data, "")
    until = data.get("valid_until")
    revoked = data.get("revoked_at")
    return Consent(
        id=_text(data, "id", ""),
        child_id=normalise_child_id(_text(data, "child_id", "")),
        grants=_items(_list(data.get("granted_by"), ".granted_by"), _grant, ".granted_by"),
        signed_at=parse_date(data.get("signed_at"), ".signed_at"),
        valid_until=None if until is None else parse_date(until, ".valid_until"),
        revoked_at=None if revoked is None else parse_moment(revoked, ".revoked_at"),
        form=_code(data, "form", vocab.CONSENT_FORMS, "") if data.get("form") else "written",
        parties=_items(_list(data.get("parties"), ".parties"), _consent_party, ".parties"),
        categories=_codes(data.get("categories"), vocab.CATEGORIES, ".categories"),
        purposes=_codes(data.get("purposes"), vocab.PURPOSES, ".purposes"),
    )


def _codes(data: Any, allowed: frozenset[str], path: str) -> frozenset[str]:
    items = _list(data, path)
    for item in items:
        if type(item) is not str or item not in allowed:
            raise Invalid(path, "unknown_code")
    return frozenset(items)


def _meeting(data: Any) -> Meeting | None:
    if data is None:
        return None
    data = _obj(data, "transfer.meeting")
    at = data.get("at")
    return Meeting(
        id=_opt_text(data, "id", "transfer.meeting") or None,
        at=None if at is None else parse_moment(at, "transfer.meeting.at"),
        follow_up_of=_opt_text(data, "follow_up_of", "transfer.meeting") or None,
        justification=_opt_text(data, "special_case_justification", "transfer.meeting"),
    )


def _history(data: Any) -> tuple[PastMeeting, ...]:
    past = []
    for i, entry in enumerate(_list(data, "ssd_history")):
        path = f"ssd_history[{i}]"
        entry = _obj(entry, path)
        past.append(PastMeeting(
            meeting_id=_text(entry, "meeting_id", path),
            at=parse_moment(entry.get("at"), f"{path}.at"),
            follow_up_of=_opt_text(entry, "follow_up_of", path) or None,
        ))
    return tuple(past)


def _notifier(data: Mapping[str, Any], path: str) -> str | None:
    if data.get("notifier_kind") is None:
        return None
    return _code(data, "notifier_kind", vocab.NOTIFIER_KINDS, path)


def _underretning(data: Any) -> UnderretningFacts | None:
    if data is None:
        return None
    path = "transfer.underretning"
    data = _obj(data, path)
    informed = data.get("parents_informed")
    if informed is not None and not isinstance(informed, bool):
        raise Invalid(f"{path}.parents_informed", "expected_boolean")
    return UnderretningFacts(
        notifier_kind=_notifier(data, path),
        suspected_violence_or_abuse=_flag(data, "suspected_violence_or_abuse", path),
        parents_informed=informed,
        reason_parents_not_informed=_opt_text(data, "reason_parents_not_informed", path),
        withhold_from_parents=_flag(data, "withhold_from_parents", path),
    )


def _feedback(data: Any) -> FeedbackFacts | None:
    if data is None:
        return None
    path = "transfer.feedback"
    data = _obj(data, path)
    return FeedbackFacts(
        requested=_flag(data, "requested", path),
        notifier_kind=_notifier(data, path),
        outcome=None if data.get("outcome") is None else _code(
            data, "outcome", vocab.FEEDBACK_OUTCOMES, path),
        content=_opt_text(data, "content", path),
        parents_accepted_fuller_feedback=_flag(data, "parents_accepted_fuller_feedback", path),
    )


def _stafetlog(data: Any) -> StafetlogState | None:
    if data is None:
        return None
    path = "transfer.stafetlog"
    data = _obj(data, path)
    return StafetlogState(
        status=_code(data, "status", vocab.STAFETLOG_STATUSES, path)
        if data.get("status") is not None else "open",
        holder_org_id=_opt_text(data, "holder_org_id", path),
    )


def _transfer(data: Any) -> Transfer:
    if type(data) is dict:  # fast path: the common fields well-formed, in the checked order
        kind, purpose = data.get("kind"), data.get("purpose")
        basis, consent_id = data.get("basis"), data.get("consent_id")
        if type(kind) is str and kind in vocab.KINDS:
            sender = _party(data.get("sender"), "transfer.sender")
            recipient = _party(data.get("recipient"), "transfer.recipient")
            categories = _codes_fast(data.get("categories"), vocab.CATEGORIES)
            if (type(purpose) is str and purpose in vocab.PURPOSES and categories is not None
                    and (basis is None or (type(basis) is str and basis in vocab.BASES))
                    and (consent_id is None or type(consent_id) is str)):
                return Transfer(
                    kind, sender, recipient, purpose, categories, basis, consent_id or None,
                    _meeting(data.get("meeting")), _underretning(data.get("underretning")),
                    _feedback(data.get("feedback")), _stafetlog(data.get("stafetlog")),
                    data.get("payload"),
                )
    return _transfer_checked(data)


def _transfer_checked(data: Any) -> Transfer:
    data = _obj(data, "transfer")
    return Transfer(
        kind=_code(data, "kind", vocab.KINDS, "transfer"),
        sender=_party(data.get("sender"), "transfer.sender"),
        recipient=_party(data.get("recipient"), "transfer.recipient"),
        purpose=_code(data, "purpose", vocab.PURPOSES, "transfer"),
        categories=_codes(data.get("categories"), vocab.CATEGORIES, "transfer.categories"),
        basis=None if data.get("basis") is None else _code(data, "basis", vocab.BASES, "transfer"),
        consent_id=_opt_text(data, "consent_id", "transfer") or None,
        meeting=_meeting(data.get("meeting")),
        underretning=_underretning(data.get("underretning")),
        feedback=_feedback(data.get("feedback")),
        stafetlog=_stafetlog(data.get("stafetlog")),
        payload=data.get("payload"),
    )


def parse_request(data: Any, now: datetime | None = None) -> Request:
    """Parse a decision request; raise Invalid (path + code) where it breaks the contract.

    ``now``, when given, replaces the request's ``at`` (deciding again just before sending).
    """
    data = _obj(data, "")
    if now is not None:
        at = now if now.tzinfo else now.replace(tzinfo=COPENHAGEN)
    else:
        at = parse_moment(data.get("at"), "at")
    profile = data.get("profile")
    pack = data.get("rule_pack")
    if pack is not None and not isinstance(pack, str):
        raise Invalid("rule_pack", "expected_text")
    if "transfer" not in data or "child" not in data:
        raise Invalid("transfer" if "transfer" not in data else "child", "required")
    return Request(
        at=at,
        rule_pack=pack,
        profile=profile,
        transfer=_transfer(data["transfer"]),
        child=_child(data["child"]),
        consents=data.get("consents"),
        ssd_history=data.get("ssd_history"),
    )


def parse_consent(data: Any, path: str = "consent") -> Consent:
    """Parse one consent shaped as the contract's ``consent``; Invalid where it breaks it."""
    return _consent(data, path)
