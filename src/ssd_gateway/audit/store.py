"""The append-only evidence log in the gateway's database (SQLite or PostgreSQL).

Tables (on the shared ``Base``):

- ``audit_entry``: one row per entry: ``seq`` (1, 2, …, no gaps), the sealed canonical JSON,
  its leaf hash, and copies of the searchable fields as indexed columns. The canonical JSON is
  the truth; the columns only find it, and verification checks they agree with it.
- ``audit_entry_reason``: one row per (reason code, entry), so a reason code query uses an index.
- ``audit_log_state``: a single row whose lock, taken by every appending transaction until
  it commits, makes ``max(seq) + 1`` a gap-free sequence number in commit order (PostgreSQL
  READ COMMITTED, or SQLite's single writer). Appenders are serialised; a rolled-back
  transaction leaves no gap.
- ``audit_tree_head``: signed tree heads, with the Merkle frontier at that size (so the next
  head is computed from the entries appended since, never from the whole log) and the RFC 9162
  consistency proof from the previous head.

``AuditLog.append`` writes in the caller's session and never commits: an outbox row and its
evidence entry commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import SecretStr
from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    Index,
    Integer,
    LargeBinary,
    Select,
    String,
    Table,
    Text,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from ssd_gateway.audit import merkle
from ssd_gateway.audit.entry import (
    TEXT_FIELDS,
    EntryView,
    canonical,
    child_hash,
    entry_object,
)
from ssd_gateway.audit.signing import HeadSigner, TreeHead
from ssd_gateway.contracts import AuditEvent
from ssd_gateway.db import Base
from ssd_gateway.exceptions import ConfigurationError

if TYPE_CHECKING:
    from cryptography import x509

    from ssd_gateway.audit.verify import VerificationReport

_SEQ = BigInteger().with_variant(Integer(), "sqlite")  # SQLite: a rowid alias, much faster


class AuditEntryRow(Base):
    """One sealed entry of the evidence log."""

    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    transfer_id: Mapped[str | None] = mapped_column(String(200))
    child: Mapped[str | None] = mapped_column(String(64))
    sender_org: Mapped[str | None] = mapped_column(String(200))
    recipient_org: Mapped[str | None] = mapped_column(String(200))
    sender_sector: Mapped[str | None] = mapped_column(String(64))
    recipient_sector: Mapped[str | None] = mapped_column(String(64))
    record_kind: Mapped[str | None] = mapped_column(String(64))
    basis: Mapped[str | None] = mapped_column(String(32))
    decision: Mapped[str | None] = mapped_column(String(32))
    rule_pack: Mapped[str | None] = mapped_column(String(64))
    consent_id: Mapped[str | None] = mapped_column(String(200))
    meeting_id: Mapped[str | None] = mapped_column(String(200))
    reason_codes: Mapped[str] = mapped_column(Text, default="")
    canonical: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))

    __table_args__ = (
        Index("ix_audit_entry_child_seq", "child", "seq"),
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_sender_org", "sender_org"),
        Index("ix_audit_entry_recipient_org", "recipient_org"),
        Index("ix_audit_entry_sender_sector", "sender_sector"),
        Index("ix_audit_entry_recipient_sector", "recipient_sector"),
        Index("ix_audit_entry_basis", "basis"),
        Index("ix_audit_entry_decision", "decision"),
        Index("ix_audit_entry_transfer", "transfer_id"),
        Index("ix_audit_entry_kind", "kind"),
    )


class AuditReasonRow(Base):
    """Index of reason codes: one row per (code, entry)."""

    __tablename__ = "audit_entry_reason"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=False)


class AuditLogState(Base):
    """The single row whose lock serialises appenders (and so keeps ``seq`` gap-free)."""

    __tablename__ = "audit_log_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class AuditTreeHeadRow(Base):
    """A signed tree head, with what the next head needs to be computed incrementally."""

    __tablename__ = "audit_tree_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    signed_at: Mapped[str] = mapped_column(String(40))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    cert_sha256: Mapped[str] = mapped_column(String(64))
    cert_pem: Mapped[str] = mapped_column(Text)
    frontier: Mapped[str] = mapped_column(Text)
    consistency: Mapped[str] = mapped_column(Text, default="")


#: lock the state row, then (new statement, new snapshot) read the highest sequence number
_PG_LOCK_AND_MAX = ("SELECT id FROM audit_log_state WHERE id = 1 FOR UPDATE; "
                    "SELECT coalesce(max(seq), 0) FROM audit_entry")

ENTRY = cast(Table, AuditEntryRow.__table__)
REASON = cast(Table, AuditReasonRow.__table__)
STATE = cast(Table, AuditLogState.__table__)
HEAD = cast(Table, AuditTreeHeadRow.__table__)
AUDIT_TABLES = (ENTRY, REASON, STATE, HEAD)


@dataclass(frozen=True)
class LogQuery:
    """Filters of a log search; every given filter must match. Times are inclusive."""

    cpr: str | None = None
    child: str | None = None
    org: str | None = None
    sector: str | None = None
    basis: str | None = None
    decision: str | None = None
    reason_code: str | None = None
    kind: str | None = None
    transfer_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int = 0
    limit: int | None = 100
    newest_first: bool = False


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _hexes(text: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in text.split(",") if h]


def head_from_row(row: Any) -> TreeHead:
    """Turn an ``audit_tree_head`` row into a ``TreeHead``."""
    return TreeHead(size=row.size, root=bytes(row.root), timestamp=row.signed_at,
                    signature=bytes(row.signature), cert_sha256=row.cert_sha256,
                    consistency=tuple(_hexes(row.consistency)))


class AuditLog:
    """The gateway's evidence log: implements ``contracts.AuditSink``.

    ``secret`` keys the child hash (``Settings.audit_secret``); ``signer`` signs tree heads
    and may be None on a gateway that only appends or reads.
    """

    def __init__(self, secret: bytes | str | SecretStr, signer: HeadSigner | None = None) -> None:
        if isinstance(secret, SecretStr):
            secret = secret.get_secret_value()
        self._secret = secret.encode() if isinstance(secret, str) else secret
        if not self._secret:
            raise ConfigurationError("the audit secret must not be empty")
        self.signer = signer

    @staticmethod
    def create_tables(engine: Engine) -> None:
        """Create the log's tables and its state row if they do not exist."""
        Base.metadata.create_all(engine, tables=list(AUDIT_TABLES))
        with Session(engine) as session, session.begin():
            if session.execute(select(STATE.c.id)).first() is None:
                session.execute(insert(STATE).values(id=1))

    def child_hash(self, child_id: str) -> str:
        """The keyed hash standing for a child (CPR or replacement id) in the log."""
        return child_hash(self._secret, child_id)

    # -- appending ---------------------------------------------------------------------

    def append(self, session: Session, event: AuditEvent) -> None:
        """Add ``event`` as the next entry, inside the caller's transaction (not committed)."""
        self.append_entry(session, event)

    def append_entry(self, session: Session, event: AuditEvent) -> int:
        """Like ``append`` but return the entry's sequence number."""
        obj = entry_object(0, event, self._secret)  # validate before taking a number
        seq = self._next_seq(session)
        obj["seq"] = seq
        text = canonical(obj)
        row = {name: obj[name] for name in TEXT_FIELDS}
        row.update(seq=seq, at=_utc(event.at), child=obj["child"], canonical=text.decode(),
                   reason_codes=" ".join(event.reason_codes),
                   leaf_hash=merkle.leaf_hash(text))
        conn = session.connection()
        conn.execute(insert(ENTRY), row)
        if event.reason_codes:
            conn.execute(insert(REASON),
                            [{"code": c, "seq": seq} for c in dict.fromkeys(event.reason_codes)])
        return seq

    @staticmethod
    def _next_seq(session: Session) -> int:
        """Lock the state row (serialising appenders until commit), then take max(seq) + 1.

        PostgreSQL locks with ``SELECT … FOR UPDATE`` (re-locking in the same transaction is
        free, where a repeated UPDATE would grow a chain of row versions); SQLite takes its
        single write lock with a no-op UPDATE before reading, so the read cannot go stale.
        """
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            # one round trip, two statements: the second gets its snapshot after the lock
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(_PG_LOCK_AND_MAX)
                locked = cursor.fetchone() is not None
                cursor.nextset()
                row = cursor.fetchone()
            finally:
                cursor.close()
            if not locked or row is None:
                raise ConfigurationError("the evidence log is not installed "
                                         "(AuditLog.create_tables)")
            return int(row[0]) + 1
        else:
            locked = conn.execute(update(STATE).where(STATE.c.id == 1)
                                  .values(id=STATE.c.id)).rowcount == 1
        if not locked:
            raise ConfigurationError("the evidence log is not installed (AuditLog.create_tables)")
        return int(conn.execute(select(func.coalesce(func.max(ENTRY.c.seq), 0))).scalar_one()) + 1

    @staticmethod
    def size(session: Session) -> int:
        """The number of entries (the highest sequence number) in the log."""
        return int(session.execute(select(func.coalesce(func.max(ENTRY.c.seq), 0))).scalar_one())

    # -- tree heads --------------------------------------------------------------------

    def sign_tree_head(self, session: Session, now: datetime | None = None) -> TreeHead:
        """Sign the current tree head and store it (in the caller's transaction).

        Cost is proportional to the entries appended since the previous head.
        """
        if self.signer is None:
            raise ConfigurationError("no signing key configured for the evidence log")
        size = self._next_seq(session) - 1  # holds the append lock: no entry slips in
        last = session.execute(
            select(HEAD).order_by(HEAD.c.size.desc(), HEAD.c.id.desc()).limit(1)).first()
        frontier = merkle.Frontier(last.size, _hexes(last.frontier)) if last else merkle.Frontier()
        if last is not None and frontier.root() != bytes(last.root):
            raise ConfigurationError("the last tree head's frontier does not match its root")
        old = merkle.Frontier(frontier.size, frontier.nodes)
        new = [bytes(h) for h in session.execute(
            select(ENTRY.c.leaf_hash).where(ENTRY.c.seq > frontier.size, ENTRY.c.seq <= size)
            .order_by(ENTRY.c.seq)).scalars()]
        if len(new) != size - frontier.size:
            raise ConfigurationError("entries are missing from the evidence log; run verify")
        for leaf in new:
            frontier.append(leaf)
        proof = tuple(merkle.consistency_proof_from(old, new)) if old.size else ()
        timestamp = _utc(now or datetime.now(UTC)).isoformat(timespec="microseconds")
        head = self.signer.sign(size, frontier.root(), timestamp, proof)
        session.execute(insert(HEAD).values(
            size=size, root=head.root, signed_at=timestamp, signature=head.signature,
            cert_sha256=head.cert_sha256, frontier=",".join(n.hex() for n in frontier.nodes),
            consistency=",".join(p.hex() for p in proof),
            cert_pem=self.signer.cert.public_bytes(Encoding.PEM).decode()))
        return head

    @staticmethod
    def heads(session: Session) -> list[TreeHead]:
        """Every signed tree head, in the order they were signed."""
        rows = session.execute(select(HEAD).order_by(HEAD.c.id)).all()
        return [head_from_row(r) for r in rows]

    @staticmethod
    def stored_certificates(session: Session) -> dict[str, str]:
        """The PEM certificates stored beside the heads, by SHA-256 fingerprint."""
        rows = session.execute(select(HEAD.c.cert_sha256, HEAD.c.cert_pem).distinct()).all()
        return {fp: pem for fp, pem in rows}

    # -- reading -----------------------------------------------------------------------

    @staticmethod
    def entries(session: Session, after_seq: int = 0, batch: int = 10_000
                ) -> Iterator[EntryView]:
        """Every entry after ``after_seq`` in sequence order, parsed from its sealed JSON."""
        stmt = (select(ENTRY.c.canonical, ENTRY.c.leaf_hash).where(ENTRY.c.seq > after_seq)
                .order_by(ENTRY.c.seq).execution_options(yield_per=batch))
        for text, leaf in session.execute(stmt):
            yield EntryView.from_canonical(text, bytes(leaf).hex())

    def _filtered(self, q: LogQuery) -> Select[Any]:
        stmt: Select[Any] = select(ENTRY.c.canonical, ENTRY.c.leaf_hash)
        child = self.child_hash(q.cpr) if q.cpr else q.child
        equal = {"child": child, "basis": q.basis, "decision": q.decision, "kind": q.kind,
                 "transfer_id": q.transfer_id}
        for name, value in equal.items():
            if value is not None:
                stmt = stmt.where(ENTRY.c[name] == value)
        if q.org is not None:
            stmt = stmt.where(or_(ENTRY.c.sender_org == q.org, ENTRY.c.recipient_org == q.org))
        if q.sector is not None:
            stmt = stmt.where(or_(ENTRY.c.sender_sector == q.sector,
                                  ENTRY.c.recipient_sector == q.sector))
        if q.reason_code is not None:
            stmt = stmt.where(ENTRY.c.seq.in_(
                select(REASON.c.seq).where(REASON.c.code == q.reason_code)))
        if q.since is not None:
            stmt = stmt.where(ENTRY.c.at >= _utc(q.since))
        if q.until is not None:
            stmt = stmt.where(ENTRY.c.at <= _utc(q.until))
        return stmt

    def query(self, session: Session, q: LogQuery) -> list[EntryView]:
        """The entries matching ``q``, oldest first unless ``newest_first``."""
        stmt = self._filtered(q)
        if q.newest_first:
            if q.after_seq:
                stmt = stmt.where(ENTRY.c.seq < q.after_seq)
            stmt = stmt.order_by(ENTRY.c.seq.desc())
        else:
            stmt = stmt.where(ENTRY.c.seq > q.after_seq).order_by(ENTRY.c.seq)
        if q.limit is not None:
            stmt = stmt.limit(q.limit)
        return [EntryView.from_canonical(t, bytes(h).hex()) for t, h in session.execute(stmt)]

    def iter_query(self, session: Session, q: LogQuery, batch: int = 5_000
                   ) -> Iterator[EntryView]:
        """Every entry matching ``q`` (ignoring its limit), oldest first, fetched in pages."""
        after = q.after_seq
        while True:
            page = self.query(session, replace(q, after_seq=after, limit=batch,
                                               newest_first=False))
            yield from page
            if len(page) < batch:
                return
            after = page[-1].seq

    def count(self, session: Session, q: LogQuery) -> int:
        """How many entries match ``q`` (ignoring limit and paging)."""
        sub = self._filtered(q).subquery()
        return int(session.execute(select(func.count()).select_from(sub)).scalar_one())

    # -- proofs ------------------------------------------------------------------------

    @staticmethod
    def _leaves(session: Session, size: int) -> list[bytes]:
        stmt = select(ENTRY.c.leaf_hash).where(ENTRY.c.seq <= size).order_by(ENTRY.c.seq)
        return [bytes(h) for h in session.execute(stmt).scalars()]

    def inclusion_proof(self, session: Session, seq: int, size: int) -> list[bytes]:
        """The RFC 9162 inclusion proof of entry ``seq`` in the tree of ``size`` entries."""
        return merkle.inclusion_proof(self._leaves(session, size), seq - 1)

    def consistency_proof(self, session: Session, old_size: int, new_size: int) -> list[bytes]:
        """The RFC 9162 consistency proof from the tree of ``old_size`` to ``new_size``."""
        return merkle.consistency_proof(self._leaves(session, new_size), old_size)

    def verify(self, session: Session, certificate: x509.Certificate | None = None
               ) -> VerificationReport:
        """Verify the whole log in the database; see ``ssd_gateway.audit.verify``."""
        from ssd_gateway.audit.verify import verify_session

        return verify_session(session, certificate)


def audit_log_from_settings(settings: Any) -> AuditLog:
    """Build the gateway's ``AuditLog`` from ``Settings`` (signing with its TLS key if set)."""
    signer = None
    if settings.tls.key_file is not None and settings.tls.cert_file is not None:
        signer = HeadSigner.from_pem_files(settings.tls.key_file, settings.tls.cert_file)
    return AuditLog(settings.audit_secret, signer)


def seq_ranges(seqs: Sequence[int]) -> str:
    """Render sorted sequence numbers compactly: ``3, 7–9``."""
    parts: list[str] = []
    start = prev = None
    for s in seqs:
        if start is None:
            start = prev = s
        elif prev is not None and s == prev + 1:
            prev = s
        else:
            parts.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = prev = s
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
    return ", ".join(parts)
