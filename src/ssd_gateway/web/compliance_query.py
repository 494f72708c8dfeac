"""Filters, paging and small queries of the compliance pages, on top of ``AuditLog``'s public API.

The CPR number is never part of ``Filters``: it is read from a posted form, hashed by
``LogQuery(cpr=…)`` and never written to a URL. Every other filter is a short code that may
travel in a query string (so a filtered page without a child can be bookmarked and linked).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, get_args
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from ssd_gateway.audit import AuditLog, EntryView, LogQuery
from ssd_gateway.audit import texts as audit_texts
from ssd_gateway.audit.report import DANISH_TIME
from ssd_gateway.contracts import AuditKind
from ssd_gateway.model import cpr as cpr_rules

PAGE_SIZE = 50
#: the filters of the transfer log that may appear in a URL, in form order
FILTER_NAMES = ("org", "sector", "basis", "decision", "reason", "kind", "since", "until")
KINDS: tuple[str, ...] = get_args(AuditKind)
DECISIONS = ("permit", "deny")
MAX_TEXT = 200
_CODE = re.compile(r"^[A-Za-z0-9_.:\-]{1,200}$")


class FilterError(ValueError):
    """A filter value the page refuses; ``key`` is the i18n text key of the message."""

    def __init__(self, key: str, name: str) -> None:
        super().__init__(f"{name}: {key}")
        self.key = key
        self.name = name


@dataclass(frozen=True)
class Filters:
    """The transfer log's filters other than the child."""

    org: str | None = None
    sector: str | None = None
    basis: str | None = None
    decision: str | None = None
    reason: str | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None

    def as_params(self) -> dict[str, str]:
        """The set filters as query parameters (dates as ISO text)."""
        params: dict[str, str] = {}
        for name in FILTER_NAMES:
            value = getattr(self, name)
            if value is not None:
                params[name] = value.isoformat() if isinstance(value, date) else value
        return params

    def query_string(self, **extra: str | int | None) -> str:
        """``org=…&kind=…`` plus ``extra`` (without empty values)."""
        params: dict[str, Any] = self.as_params()
        params.update({k: v for k, v in extra.items() if v is not None and v != ""})
        return urlencode(params)

    def log_query(self, cpr: str | None = None, **changes: Any) -> LogQuery:
        """The ``LogQuery`` of these filters (times are whole Danish days, inclusive)."""
        since = (datetime.combine(self.since, time.min, DANISH_TIME)
                 if self.since else None)
        until = (datetime.combine(self.until + timedelta(days=1), time.min, DANISH_TIME)
                 - timedelta(microseconds=1) if self.until else None)
        q = LogQuery(cpr=cpr, org=self.org, sector=self.sector, basis=self.basis,
                     decision=self.decision, reason_code=self.reason, kind=self.kind,
                     since=since, until=until)
        return replace(q, **changes)


def _choice(name: str, value: str, allowed: Any) -> str:
    if value not in allowed:
        raise FilterError("bad_filter", name)
    return value


def _text(name: str, value: str) -> str:
    if cpr_rules.looks_like_cpr(value):
        raise FilterError("cpr_in_other_field", name)
    if len(value) > MAX_TEXT or not _CODE.match(value):
        raise FilterError("bad_filter", name)
    return value


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError("bad_date", name) from None


def parse_filters(values: Mapping[str, Any]) -> Filters:
    """Read the filters from query parameters or form fields; raise ``FilterError``."""
    raw = {name: str(values.get(name) or "").strip() for name in FILTER_NAMES}
    got: dict[str, Any] = {}
    checks = {
        "org": _text, "reason": _text,
        "sector": lambda n, v: _choice(n, v, audit_texts.SECTORS),
        "basis": lambda n, v: _choice(n, v, audit_texts.BASES),
        "decision": lambda n, v: _choice(n, v, DECISIONS),
        "kind": lambda n, v: _choice(n, v, KINDS),
        "since": _date, "until": _date,
    }
    for name, value in raw.items():
        if value:
            got[name] = checks[name](name, value)
    filters = Filters(**got)
    if filters.since and filters.until and filters.since > filters.until:
        raise FilterError("bad_date", "until")
    return filters


def parse_cpr(value: Any) -> str | None:
    """The CPR number (or replacement id) typed into a form, or None; raise ``FilterError``."""
    text = str(value or "").strip()
    if not text:
        return None
    if len(text) > 40 or not re.match(r"^[0-9A-Za-z\-]+$", text):
        raise FilterError("bad_cpr", "cpr")
    return text


def parse_seq(value: Any) -> int | None:
    """A positive sequence number from a paging parameter, or None."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 2**62 else None


@dataclass
class Page:
    """One page of the transfer log, newest first, and where the neighbouring pages start."""

    entries: list[EntryView]
    total: int
    newer: int | None = None  # show entries after this seq (the previous page)
    older: int | None = None  # show entries before this seq (the next page)


def fetch_page(session: Session, log: AuditLog, q: LogQuery, *, before: int | None = None,
               after: int | None = None, size: int = PAGE_SIZE) -> Page:
    """The page of entries matching ``q``: newest first, ``before``/``after`` a sequence number."""
    if after:
        rows = log.query(session, replace(q, after_seq=after, limit=size, newest_first=False))
        rows.reverse()
    else:
        rows = log.query(session, replace(q, after_seq=before or 0, limit=size,
                                          newest_first=True))
    page = Page(rows, log.count(session, q))
    if rows:
        if log.query(session, replace(q, after_seq=rows[0].seq, limit=1, newest_first=False)):
            page.newer = rows[0].seq
        if log.query(session, replace(q, after_seq=rows[-1].seq, limit=1, newest_first=True)):
            page.older = rows[-1].seq
    return page


@dataclass
class ReasonCount:
    """How many denied decisions named one reason code."""

    code: str
    decisions: int
    transfers: int


def denials_by_reason(session: Session, log: AuditLog, filters: Filters) -> tuple[
        int, list[ReasonCount]]:
    """Denied decisions matching ``filters``: their number, and the counts per reason code.

    Streams the matching entries (``iter_query``); a decision naming several codes counts once
    under each of them.
    """
    q = filters.log_query(kind="decision", decision="deny", limit=None)
    decisions: Counter[str] = Counter()
    transfers: dict[str, set[str]] = {}
    total = 0
    for e in log.iter_query(session, q):
        total += 1
        for code in dict.fromkeys(e.reason_codes or ("—",)):
            decisions[code] += 1
            transfers.setdefault(code, set()).add(e.transfer_id or f"#{e.seq}")
    rows = [ReasonCount(code, n, len(transfers[code])) for code, n in decisions.items()]
    rows.sort(key=lambda r: (-r.decisions, r.code))
    return total, rows


@dataclass
class Meeting:
    """One §49a meeting as the child's decisions tell it."""

    meeting_id: str | None
    ordinal: int | None
    at: datetime
    parties: list[str] = field(default_factory=list)
    decisions: list[EntryView] = field(default_factory=list)


def _ordinal(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def meetings_of_child(session: Session, log: AuditLog, child_cpr: str) -> list[Meeting]:
    """The child's §49a decisions grouped by meeting (``meeting_id``), in meeting order.

    A decision counts when its basis is ``ssd_49a`` or it names a meeting. The ordinal is read
    from ``detail.meeting_ordinal`` (the policy decision's ``meeting_ordinal``), the time from
    ``detail.meeting_at`` when present, else the first decision's time; the parties are the
    sending and receiving organisations, plus ``detail.participants`` when it lists org ids.
    """
    q = LogQuery(cpr=child_cpr, kind="decision", limit=None)
    meetings: dict[str | None, Meeting] = {}
    for e in log.iter_query(session, q):
        if e.basis != "ssd_49a" and not e.meeting_id:
            continue
        m = meetings.get(e.meeting_id)
        if m is None:
            m = meetings[e.meeting_id] = Meeting(e.meeting_id, None, _meeting_at(e))
        m.decisions.append(e)
        m.ordinal = _ordinal(e.detail.get("meeting_ordinal")) or m.ordinal
        listed = e.detail.get("participants")
        named = [*(listed if isinstance(listed, list) else []), e.sender_org, e.recipient_org]
        for party in named:
            if isinstance(party, str) and party and party not in m.parties:
                m.parties.append(party)
    return sorted(meetings.values(), key=lambda m: (m.at, m.meeting_id or ""))


def _meeting_at(e: EntryView) -> datetime:
    text = e.detail.get("meeting_at")
    if isinstance(text, str):
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            return e.at
        return at if at.tzinfo else at.replace(tzinfo=DANISH_TIME)
    return e.at
