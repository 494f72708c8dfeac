"""``ssd-gateway certs``: development federation CA, organisation certificates, inspection.

Exit codes of ``certs inspect``: 0 valid (warnings are printed, not failed on), 2 expired or
not yet valid, 3 does not chain to ``--ca`` (when given), 4 revoked by ``--crl``, 1
unreadable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # cryptography loads only when a certs command runs
    from cryptography.x509 import Certificate, ReasonFlags

    from ssd_gateway.certs.expiry import ExpiryStatus

certs_app = typer.Typer(
    name="certs",
    help="Certifikater til føderationen. / Federation certificates (development CA, inspect).",
    no_args_is_help=True,
)

EXIT_EXPIRED = 2
EXIT_UNTRUSTED = 3
EXIT_REVOKED = 4
#: ``certs revoke --reason`` values (RFC 5280 reason codes that apply to an organisation)
REASONS = ("unspecified", "key-compromise", "affiliation-changed", "superseded",
           "cessation-of-operation")


def register(app: typer.Typer) -> None:
    """Add the ``certs`` command group to the root app."""
    app.add_typer(certs_app, name="certs")


@certs_app.command("init-ca")
def init_ca(
    directory: Path = typer.Argument(..., help="Mappe til ca.pem og ca-key.pem. / Output dir."),
    name: str = typer.Option("ssd-gateway development federation CA", help="CA common name."),
    days: int = typer.Option(3650, min=1, help="Gyldighed i dage. / Validity in days."),
) -> None:
    """Opret en udviklings-CA (EC P-256). / Create a development federation CA (EC P-256)."""
    from ssd_gateway.certs.authority import DevelopmentCA
    from ssd_gateway.certs.identity import fingerprint
    from ssd_gateway.exceptions import ConfigurationError

    ca = DevelopmentCA.create(name, valid_days=days)
    try:
        ca.write(directory)
    except ConfigurationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"CA certificate: {directory / 'ca.pem'}")
    typer.echo(f"CA key (keep private): {directory / 'ca-key.pem'}")
    typer.echo(f"SHA-256 fingerprint: {fingerprint(ca.cert)}")


@certs_app.command("issue")
def issue(
    out: Path = typer.Argument(..., help="Mappe til cert.pem og key.pem. / Output dir."),
    ca: Path = typer.Option(..., "--ca", help="CA-mappe fra init-ca. / CA directory."),
    org_id: str = typer.Option(..., "--org-id", help="Organisationens id i føderationen."),
    name: str = typer.Option(..., "--name", help="Organisationens navn. / Name."),
    sector: str = typer.Option(..., "--sector", help="Sektor, fx school, daycare."),
    cvr: str | None = typer.Option(None, "--cvr", help="CVR-nummer (8 cifre)."),
    dns: list[str] = typer.Option(["localhost"], "--dns", help="DNS-navn for TLS (gentag)."),
    ip: list[str] = typer.Option(["127.0.0.1"], "--ip", help="IP-adresse for TLS (gentag)."),
    days: int = typer.Option(397, min=1, help="Gyldighed i dage. / Validity in days."),
) -> None:
    """Udsted et organisationscertifikat. / Issue an organisation certificate (TLS + signing)."""
    from ssd_gateway.certs.authority import DevelopmentCA, OrganisationSubject
    from ssd_gateway.certs.identity import fingerprint

    if cvr is not None and not (len(cvr) == 8 and cvr.isdigit()):
        raise typer.BadParameter("CVR must be 8 digits", param_hint="--cvr")
    subject = OrganisationSubject(org_id, name, sector, cvr=cvr, dns_names=tuple(dns),
                                  ip_addresses=tuple(ip))
    issued = DevelopmentCA.load(ca).issue(subject, valid_days=days)
    issued.write(out)
    typer.echo(f"certificate: {out / 'cert.pem'}")
    typer.echo(f"key (keep private): {out / 'key.pem'}")
    typer.echo(f"identity: {', '.join(subject.uris())}")
    typer.echo(f"SHA-256 fingerprint: {fingerprint(issued.cert)}")


@certs_app.command("revoke")
def revoke(
    cert: Path = typer.Argument(..., help="Certifikatet der spærres. / Certificate to revoke."),
    ca: Path = typer.Option(..., "--ca", help="CA-mappe fra init-ca. / CA directory."),
    reason: str = typer.Option("unspecified", help="Årsag. / Reason: " + ", ".join(REASONS)),
    days: int = typer.Option(30, min=1, help="Spærrelistens gyldighed i dage. / CRL validity."),
) -> None:
    """Spær et certifikat (CA/crl.pem). / Revoke a certificate: add it to CA/crl.pem."""
    from cryptography import x509

    from ssd_gateway.certs.files import load_certificate
    from ssd_gateway.certs.identity import identity_of
    from ssd_gateway.exceptions import ConfigurationError

    if reason not in REASONS:
        raise typer.BadParameter(f"one of {', '.join(REASONS)}", param_hint="--reason")
    flag = None if reason == "unspecified" else x509.ReasonFlags[reason.replace("-", "_")]
    try:
        leaf = load_certificate(cert)
    except ConfigurationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    published = _publish(ca, days, leaf, flag)
    identity = identity_of(leaf)
    typer.echo(f"revoked: {identity.org_id or identity.subject} (serial {leaf.serial_number:x})")
    typer.echo(published)


@certs_app.command("crl")
def publish_crl(
    ca: Path = typer.Option(..., "--ca", help="CA-mappe fra init-ca. / CA directory."),
    days: int = typer.Option(30, min=1, help="Spærrelistens gyldighed i dage. / CRL validity."),
) -> None:
    """Udgiv spærrelisten igen. / Publish the CRL anew (same entries, new next update)."""
    typer.echo(_publish(ca, days))


def _publish(ca: Path, days: int, revoke: Certificate | None = None,
             reason: ReasonFlags | None = None) -> str:
    """Publish ``ca``'s CRL (adding ``revoke``); what it holds, in a line. Exit 1 on an
    error."""
    from ssd_gateway.certs.authority import CRL_FILE, DevelopmentCA
    from ssd_gateway.exceptions import ConfigurationError

    try:
        crl = DevelopmentCA.load(ca).publish_crl(ca, revoke=revoke, reason=reason,
                                                 valid_days=days)
    except ConfigurationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    next_update = crl.next_update_utc.isoformat() if crl.next_update_utc else "-"
    return f"CRL: {ca / CRL_FILE} ({len(list(crl))} revoked, next update {next_update})"


@certs_app.command("inspect")
def inspect(
    cert: Path = typer.Argument(..., help="PEM-certifikat (udvikling eller OCES3)."),
    ca: Path | None = typer.Option(None, "--ca", help="Tjek kæden mod denne CA-fil."),
    crl: Path | None = typer.Option(None, "--crl", help="Tjek mod denne spærreliste (kræver "
                                    "--ca). / Check against this CRL (needs --ca)."),
    as_json: bool = typer.Option(False, "--json", help="Skriv JSON. / Print JSON."),
) -> None:
    """Vis identitet, udløb og fingeraftryk. / Show identity, expiry and fingerprint."""
    from ssd_gateway.certs.expiry import ExpiryStatus, expiry_status
    from ssd_gateway.certs.files import load_certificates
    from ssd_gateway.certs.identity import identity_of
    from ssd_gateway.certs.trust import FederationTrust
    from ssd_gateway.exceptions import ConfigurationError, PeerRefused

    try:
        chain = load_certificates(cert)
    except ConfigurationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    leaf = chain[0]
    identity = identity_of(leaf)
    status = expiry_status(identity)
    if crl is not None and ca is None:
        raise typer.BadParameter("--crl needs --ca (the CA that signs the list)",
                                 param_hint="--crl")
    trusted: bool | None = None
    revoked: str | None = None
    if ca is not None:
        try:
            trust = FederationTrust(load_certificates(ca), ca, crl)
        except ConfigurationError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        found = trust.revocation(leaf)
        revoked = found.describe() if found is not None else None
        if status < ExpiryStatus.EXPIRED:  # an expired chain cannot verify
            try:
                trust.verify_peer(leaf, chain[1:])
                trusted = True
            except PeerRefused:
                trusted = revoked is not None  # it chains; it is revoked (reported below)
    report = {
        "subject": identity.subject,
        "issuer": identity.issuer,
        "org_id": identity.org_id,
        "cvr": identity.cvr,
        "names": sorted(identity.names),
        "dns_names": list(identity.dns_names),
        "not_before": identity.not_before.isoformat(),
        "not_after": identity.not_after.isoformat(),
        "days_left": round(identity.days_left(), 1),
        "fingerprint_sha256": identity.fingerprint_sha256,
        "status": status.name.lower(),
        "chains_to_ca": trusted,
        "revoked": (revoked or False) if crl is not None else None,
    }
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            if value is not None:
                typer.echo(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
        warning = _warning(status, identity.days_left())
        if warning:
            typer.echo(warning, err=True)
    if status in (ExpiryStatus.EXPIRED, ExpiryStatus.NOT_YET_VALID):
        raise typer.Exit(EXIT_EXPIRED)
    if trusted is False:
        raise typer.Exit(EXIT_UNTRUSTED)
    if revoked is not None:
        typer.echo("ADVARSEL/WARNING: certifikatet er spærret / the certificate is revoked",
                   err=True)
        raise typer.Exit(EXIT_REVOKED)


def _warning(status: ExpiryStatus, days_left: float) -> str:
    from ssd_gateway.certs.expiry import ExpiryStatus

    if status == ExpiryStatus.EXPIRED:
        return "ADVARSEL/WARNING: certifikatet er udløbet / the certificate has expired"
    if status == ExpiryStatus.NOT_YET_VALID:
        return "ADVARSEL/WARNING: certifikatet er endnu ikke gyldigt / not yet valid"
    if status in (ExpiryStatus.WARN_7, ExpiryStatus.WARN_30, ExpiryStatus.WARN_60):
        limit = {ExpiryStatus.WARN_7: 7, ExpiryStatus.WARN_30: 30, ExpiryStatus.WARN_60: 60}
        return (f"ADVARSEL/WARNING: udløber om {days_left:.0f} dage / expires in "
                f"{days_left:.0f} days (< {limit[status]}): forny certifikatet / renew it")
    return ""
