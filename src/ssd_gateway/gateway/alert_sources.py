"""What the alerts sweeper looks for: deadlines, handovers, consents, certificates, peers.

Each function here builds an ``AlertSource`` (``(session, now) -> alerts``) that reports what
is wrong *now*; ``ssd_gateway.alerts.sweep`` turns that into edge-triggered alerts. Keys are
stable across sweeps and carry ids only (inbound row, stafetlog, consent, peer organisation,
certificate threshold); texts carry ids, organisation ids, dates and counts, never a CPR
number, a name or message text.

=====================  ==============================================================  =========
kind                   raised when                                                     cleared
=====================  ==============================================================  =========
receipt_overdue        an underretning's receipt deadline (6 working days, computed    receipt
                       at receipt from the rule pack) has passed without a receipt     sent
first_assessment_due   ``first_assessment_days`` after receipt and not yet assessed    receipt
                       (the gateway records no assessment: the receipt marks it)       sent
handover_stale         a stafetlog handover on offer for more than                     accepted,
                       ``handover_stale_days`` (the old holder stays holder)           dropped
consent_expiring       a consent on an open stafetlog ends within 30 days              renewed,
consent_expired        … has ended (``valid_until``, capped at signing + 365 days)     revoked,
                                                                                       log closed
certificate_expiring   this gateway's certificate or the federation CA expires         renewed
certificate_expired    within 60/30/7 days, or has expired
certificate_revoked    the federation CRL lists this gateway's own certificate         new cert
crl_unusable           a changed CRL file cannot be used (the previous lists apply)    fixed file
crl_stale, crl_due     the CRL is past its next update, or due within                  new CRL
                       ``crl_due_days``
peer_unreachable       a peer's transfers in ``transient_error`` have been failing     delivered
                       for longer than ``peer_unreachable_minutes``                    or dead
dead_letters           dead letters for a peer are present                             retried,
                                                                                       purged
=====================  ==============================================================  =========
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from cryptography.x509.oid import NameOID
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ssd_gateway.alerts import Alert, AlertSource, certificate_alert, deadline_alert
from ssd_gateway.delivery.outbox import Transfer
from ssd_gateway.delivery.states import TransferState
from ssd_gateway.exceptions import ConfigurationError
from ssd_gateway.gateway import peer_certs, received
from ssd_gateway.gateway.received import InboundRow
from ssd_gateway.registry.tables import ConsentRecord, StafetlogRecord

if TYPE_CHECKING:
    from ssd_gateway.gateway.runtime import Gateway

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

#: every kind of alert the default sources raise (metrics report each, zero included)
KINDS: tuple[str, ...] = (
    "receipt_overdue", "first_assessment_due", "handover_stale", "consent_expiring",
    "consent_expired", "certificate_expiring", "certificate_expired", "certificate_unreadable",
    "certificate_revoked", "crl_unusable", "crl_stale", "crl_due", "peer_unreachable",
    "dead_letters",
)


def local_day(now: datetime) -> date:
    """The Danish calendar day of ``now`` (deadlines are counted in Danish days)."""
    return now.astimezone(COPENHAGEN).date()


def aware(moment: datetime) -> datetime:
    """``moment`` with a time zone (SQLite hands back naive UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# -- underretninger ------------------------------------------------------------------------


def receipt_overdue_source() -> AlertSource:
    """Underretninger whose receipt deadline has passed without a receipt (DOMAIN.md §3.3)."""

    def source(session: Session, now: datetime) -> Iterator[Alert]:
        today = local_day(now)
        for row in received.receipts_overdue(session, today):
            assert row.receipt_due is not None
            alert = deadline_alert(
                f"receipt_overdue:{row.id}", "receipt_overdue", row.receipt_due, today,
                f"Kvittering for underretning {row.record_id or row.id} fra {row.peer_org_id} "
                "mangler",
                f"Receipt for underretning {row.record_id or row.id} from {row.peer_org_id} "
                "is missing")
            if alert is not None:
                yield alert

    return source


def first_assessment_source(days: int) -> AlertSource:
    """Underretninger not assessed more than ``days`` days (to the minute) after receipt.

    The municipality's deadline for its first assessment (Barnets Lov § 133: within 24 hours).
    The gateway has no record of the assessment itself; sending the receipt (kvittering) is
    taken as the sign that the social authority has looked at the underretning. Underretninger
    waiting for manual review count too: nobody has read them yet.
    """

    def source(session: Session, now: datetime) -> Iterator[Alert]:
        query = select(InboundRow).where(
            InboundRow.kind == "underretning",
            InboundRow.status.in_((received.ACCEPTED, received.MANUAL_REVIEW)),
            InboundRow.receipt_sent_at.is_(None),
            InboundRow.received_at < now - timedelta(days=days))
        for row in session.scalars(query.order_by(InboundRow.received_at)):
            due = aware(row.received_at) + timedelta(days=days)
            if now <= due:  # SQLite compares stored text; check exactly here
                continue
            when = due.astimezone(COPENHAGEN).strftime("%Y-%m-%d %H:%M")
            what = row.record_id or row.id
            yield Alert(
                f"first_assessment:{row.id}", "first_assessment_due", "critical",
                f"Første vurdering af underretning {what} fra {row.peer_org_id} er ikke sket "
                f"inden fristen {when}",
                f"First assessment of underretning {what} from {row.peer_org_id} not done "
                f"by the deadline {when}")

    return source


# -- stafetlog handovers ---------------------------------------------------------------------


def handover_stale_source(days: int) -> AlertSource:
    """Handovers offered more than ``days`` days ago and not accepted (the holder stays)."""

    def source(session: Session, now: datetime) -> Iterator[Alert]:
        query = select(StafetlogRecord).where(
            StafetlogRecord.status == "open", StafetlogRecord.offered_to_org_id.is_not(None),
            StafetlogRecord.updated_at < now - timedelta(days=days))
        for log in session.scalars(query.order_by(StafetlogRecord.log_id)):
            waited = (now - aware(log.updated_at)).days
            yield Alert(
                f"handover_stale:{log.log_id}:{log.offered_to_org_id}", "handover_stale",
                "warning",
                f"Overdragelse af stafetlog {log.log_id} til {log.offered_to_org_id} er ikke "
                f"accepteret efter {waited} dage; {log.holder_org_id} er stadig stafetholder",
                f"Handover of stafetlog {log.log_id} to {log.offered_to_org_id} not accepted "
                f"after {waited} days; {log.holder_org_id} remains the holder")

    return source


# -- consents ----------------------------------------------------------------------------------


def consent_end(consent: ConsentRecord, max_days: int) -> date:
    """The last day ``consent`` is valid: ``valid_until``, capped at signing + ``max_days``."""
    cap = consent.signed_at + timedelta(days=max_days)
    return cap if consent.valid_until is None or consent.valid_until > cap else consent.valid_until


def consent_source(expiring_days: int = 30, max_days: int = 365) -> AlertSource:
    """Consents of children with an open stafetlog that end soon or have ended.

    A consent is left alone once revoked, or once renewed: the child has a later-signed,
    unrevoked consent that lasts longer (which raises its own alert if it, too, ends soon).
    """

    def source(session: Session, now: datetime) -> Iterator[Alert]:
        today = local_day(now)
        logs: dict[str, str] = {}
        for log in session.scalars(select(StafetlogRecord).where(
                StafetlogRecord.status == "open").order_by(StafetlogRecord.log_id)):
            logs.setdefault(log.child_id, log.log_id)
        if not logs:
            return
        consents = list(session.scalars(select(ConsentRecord).where(
            ConsentRecord.child_id.in_(list(logs))).order_by(ConsentRecord.id)))
        live = [c for c in consents if c.revoked_at is None or aware(c.revoked_at) > now]
        for consent in live:
            end = consent_end(consent, max_days)
            if any(other.id != consent.id and other.child_id == consent.child_id
                   and other.signed_at >= consent.signed_at
                   and consent_end(other, max_days) > end for other in live):
                continue
            yield from _consent_alerts(consent, end, today, logs[consent.child_id],
                                       expiring_days)

    return source


def _consent_alerts(consent: ConsentRecord, end: date, today: date, log_id: str,
                    expiring_days: int) -> Iterable[Alert]:
    left = (end - today).days
    if left < 0:
        yield Alert(f"consent_expired:{consent.id}", "consent_expired", "warning",
                    f"Samtykke {consent.id} (stafetlog {log_id}) udløb {end.isoformat()}",
                    f"Consent {consent.id} (stafetlog {log_id}) expired on {end.isoformat()}")
    elif left <= expiring_days:
        yield Alert(f"consent_expiring:{consent.id}", "consent_expiring", "warning",
                    f"Samtykke {consent.id} (stafetlog {log_id}) udløber {end.isoformat()}: "
                    "fornyelse nødvendig",
                    f"Consent {consent.id} (stafetlog {log_id}) expires on {end.isoformat()}: "
                    "renewal needed")


# -- certificates ------------------------------------------------------------------------------


def certificate_expiries(gateway: Gateway) -> list[tuple[str, str, datetime]]:
    """``(label, subject, not_after)`` of this gateway's certificate and each federation CA.

    ``label`` is ``gateway`` or ``ca`` (a metric label); ``subject`` names the certificate in
    alert keys and texts (the organisation id, or the CA's common name).
    """
    from ssd_gateway.certs.files import load_certificates
    from ssd_gateway.certs.identity import identity_of

    found: list[tuple[str, str, datetime]] = []
    tls = gateway.settings.tls
    if tls.cert_file is not None:
        cert = load_certificates(Path(tls.cert_file))[0]
        found.append(("gateway", f"gateway {gateway.party.org_id}",
                      aware(identity_of(cert).not_after)))
    if tls.ca_file is not None:
        for ca in load_certificates(Path(tls.ca_file)):
            names = ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            name = str(names[0].value) if names else identity_of(ca).fingerprint_sha256[:23]
            found.append(("ca", f"CA {name}", aware(identity_of(ca).not_after)))
    return found


def certificate_source(gateway: Gateway) -> AlertSource:
    """This gateway's certificate and the federation CA, 60/30/7 days before expiry."""

    def source(_session: Session, now: datetime) -> Iterator[Alert]:
        try:
            expiries = certificate_expiries(gateway)
        except ConfigurationError:
            yield Alert("cert:unreadable", "certificate_unreadable", "critical",
                        "Gatewayens certifikat eller CA-certifikat kan ikke læses",
                        "The gateway's certificate or the CA certificate cannot be read")
            return
        for _label, subject, not_after in expiries:
            alert = certificate_alert(subject, not_after, now)
            if alert is not None:
                yield alert

    return source


def revocation_source(gateway: Gateway, warn_days: int = 3) -> AlertSource:
    """The federation CRL: unusable, stale or due within ``warn_days``; our own certificate
    revoked."""

    def source(_session: Session, now: datetime) -> Iterator[Alert]:
        watched = gateway.trust.revocations
        if watched is None:
            return
        lists = watched.current()
        if watched.problem is not None:
            yield Alert("crl:unusable", "crl_unusable", "critical",
                        "Den nye spærreliste kan ikke bruges; den forrige gælder stadig",
                        "The new CRL cannot be used; the previous one still applies")
        due = lists.next_update()
        if due is not None and lists.stale(now):
            yield Alert("crl:stale", "crl_stale", "critical",
                        f"Spærrelisten er forældet (næste opdatering var {due.isoformat()})",
                        f"The CRL is stale (next update was due {due.isoformat()})")
        elif due is not None and due - now < timedelta(days=warn_days):
            yield Alert("crl:due", "crl_due", "warning",
                        f"Spærrelisten skal fornyes inden {due.isoformat()}",
                        f"The CRL must be renewed before {due.isoformat()}")
        if lists.revocation(gateway.key.cert) is not None:
            yield Alert("cert:gateway:revoked", "certificate_revoked", "critical",
                        "Gatewayens eget certifikat er spærret", "This gateway's certificate "
                        "is revoked")

    return source


# -- peers ---------------------------------------------------------------------------------------


def peer_unreachable_source(minutes: int) -> AlertSource:
    """Peers whose oldest failing transfer has been failing for more than ``minutes``.

    A transfer in ``transient_error`` has failed since its attempt budget started
    (``budget_from``: when it was queued, or retried by an operator).
    """

    def source(session: Session, now: datetime) -> Iterator[Alert]:
        query = (select(Transfer.peer, func.min(Transfer.budget_from), func.count())
                 .where(Transfer.state == TransferState.TRANSIENT_ERROR.value)
                 .group_by(Transfer.peer).order_by(Transfer.peer))
        for peer, since, count in session.execute(query):
            failing = now - aware(since)
            if failing <= timedelta(minutes=minutes):
                continue
            hours = round(failing.total_seconds() / 3600, 1)
            yield Alert(f"peer_unreachable:{peer}", "peer_unreachable", "critical",
                        f"{peer} har ikke kunnet nås i {hours} timer ({count} overførsler "
                        "venter)",
                        f"{peer} has been unreachable for {hours} hours ({count} transfers "
                        "waiting)")

    return source


def dead_letters_source() -> AlertSource:
    """Peers with dead letters (one alert per peer, cleared when none are left)."""

    def source(session: Session, _now: datetime) -> Iterator[Alert]:
        query = (select(Transfer.peer, func.count())
                 .where(Transfer.state == TransferState.DEAD.value)
                 .group_by(Transfer.peer).order_by(Transfer.peer))
        for peer, count in session.execute(query):
            yield Alert(f"dead_letters:{peer}", "dead_letters", "warning",
                        f"{count} døde breve til {peer}", f"{count} dead letters to {peer}")

    return source


# -- all of them --------------------------------------------------------------------------------


def default_sources(gateway: Gateway, *, first_assessment_days: int | None = None,
                    handover_stale_days: int | None = None,
                    peer_unreachable_minutes: int | None = None) -> list[AlertSource]:
    """Every source above, with thresholds from ``gateway.settings.alerts`` unless given."""
    settings = gateway.settings.alerts
    return [
        receipt_overdue_source(),
        first_assessment_source(settings.first_assessment_days if first_assessment_days is None
                                else first_assessment_days),
        handover_stale_source(settings.handover_stale_days if handover_stale_days is None
                              else handover_stale_days),
        consent_source(settings.consent_expiring_days, settings.consent_max_days),
        certificate_source(gateway),
        revocation_source(gateway, settings.crl_due_days),
        peer_certs.expiry_alerts,
        peer_unreachable_source(settings.peer_unreachable_minutes
                                if peer_unreachable_minutes is None
                                else peer_unreachable_minutes),
        dead_letters_source(),
    ]
