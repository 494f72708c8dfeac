"""Readiness checks: database, broker, signing key and certificate, CRL, peer directory.

The same checks back ``GET /readyz`` and ``ssd-gateway doctor``; each failure says what is
wrong and how to fix it, in Danish and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ssd_gateway.settings import Settings


@dataclass(frozen=True)
class Check:
    """The outcome of one readiness check."""

    name: str
    ok: bool
    detail_da: str
    detail_en: str
    fix_da: str = ""
    fix_en: str = ""


def _fail(name: str, da: str, en: str, fix_da: str, fix_en: str) -> Check:
    return Check(name, False, da, en, fix_da, fix_en)


def check_database(url: str) -> Check:
    """The database answers ``SELECT 1``."""
    from sqlalchemy import text

    from ssd_gateway.db import make_engine

    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return _fail("database", f"databasen svarer ikke ({type(exc).__name__})",
                     f"the database does not answer ({type(exc).__name__})",
                     "start databasen, eller ret database_url",
                     "start the database or fix database_url")
    return Check("database", True, "databasen svarer", "the database answers")


def check_broker(url: str) -> Check:
    """The message broker accepts a connection (in-process brokers always do)."""
    if not url or url.startswith(("memory://", "sqla+", "sqlalchemy+")):
        return Check("broker", True, "indbygget kø", "embedded queue")
    from kombu.connection import Connection

    try:
        with Connection(url, connect_timeout=2) as conn:  # type: ignore[no-untyped-call]
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        return _fail("broker", f"køserveren svarer ikke ({type(exc).__name__})",
                     f"the broker does not answer ({type(exc).__name__})",
                     "start RabbitMQ (rabbitmq-server -detached) eller ret broker_url",
                     "start RabbitMQ (rabbitmq-server -detached) or fix broker_url")
    return Check("broker", True, "køserveren svarer", "the broker answers")


def check_certificate(cert_file: Path | None, key_file: Path | None,
                      now: datetime | None = None) -> Check:
    """The gateway's certificate and key exist, match each other and have not expired."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if cert_file is None or key_file is None:
        return _fail("certificate", "intet certifikat eller nøgle konfigureret",
                     "no certificate or key configured",
                     "sæt tls.cert_file og tls.key_file (se certs/README.md)",
                     "set tls.cert_file and tls.key_file (see certs/README.md)")
    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        return _fail("certificate", f"kan ikke læse certifikat/nøgle ({type(exc).__name__})",
                     f"cannot read certificate/key ({type(exc).__name__})",
                     "kontrollér filstierne og PEM-formatet", "check the paths and PEM format")
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    enc = serialization.Encoding.DER
    if cert.public_key().public_bytes(enc, pub) != key.public_key().public_bytes(enc, pub):
        return _fail("certificate", "nøglen passer ikke til certifikatet",
                     "the key does not match the certificate",
                     "brug nøglen, certifikatet blev udstedt til", "use the certificate's own key")
    days = (cert.not_valid_after_utc - (now or datetime.now(UTC))).days
    if days < 0:
        return _fail("certificate", "certifikatet er udløbet", "the certificate has expired",
                     "forny certifikatet (ssd-gateway certs issue)",
                     "renew the certificate (ssd-gateway certs issue)")
    return Check("certificate", True, f"gyldigt i {days} dage endnu", f"valid for {days} more days")


def check_revocation(ca_file: Path | None, crl_file: Path | None, cert_file: Path | None,
                     now: datetime | None = None) -> Check:
    """The CRL file (if configured) is signed by the CA, fresh, and does not list us."""
    from ssd_gateway.certs.files import load_certificate, load_certificates
    from ssd_gateway.certs.revocation import read_revocation_lists
    from ssd_gateway.exceptions import ConfigurationError

    if crl_file is None:
        return Check("revocation", True, "ingen spærreliste konfigureret (tls.crl_file)",
                     "no CRL configured (tls.crl_file)")
    if ca_file is None:
        return _fail("revocation", "spærrelisten kan ikke tjekkes uden tls.ca_file",
                     "the CRL cannot be checked without tls.ca_file",
                     "sæt tls.ca_file", "set tls.ca_file")
    try:
        lists = read_revocation_lists(crl_file, load_certificates(ca_file))
        ours = load_certificate(cert_file) if cert_file is not None else None
    except ConfigurationError as exc:
        return _fail("revocation", f"spærrelisten kan ikke bruges: {exc}",
                     f"the CRL cannot be used: {exc}",
                     "hent spærrelisten fra CA'en igen", "fetch the CRL from the CA again")
    revoked = lists.revocation(ours) if ours is not None else None
    if revoked is not None:
        return _fail("revocation", f"gatewayens certifikat er spærret: {revoked.describe()}",
                     f"the gateway's certificate is revoked: {revoked.describe()}",
                     "få et nyt certifikat udstedt", "have a new certificate issued")
    due = lists.next_update()
    if lists.stale(now):
        return _fail("revocation", f"spærrelisten er forældet (næste opdatering var {due})",
                     f"the CRL is stale (next update was due {due})",
                     "hent eller udgiv en ny spærreliste (ssd-gateway certs crl)",
                     "fetch or publish a fresh CRL (ssd-gateway certs crl)")
    return Check("revocation", True, f"spærreliste gyldig til {due}", f"CRL valid until {due}")


def check_peers(peers_file: Path | None) -> Check:
    """The peer directory loads (strictly validated) and names at least one peer."""
    from ssd_gateway.exceptions import GatewayError
    from ssd_gateway.peers import PeerDirectory

    if peers_file is None:
        return _fail("peers", "ingen partnerfortegnelse konfigureret",
                     "no peer directory configured",
                     "sæt peers_file (se docs/peers.md)", "set peers_file (see docs/peers.md)")
    try:
        directory = PeerDirectory.load(peers_file)
    except GatewayError as exc:
        return _fail("peers", f"partnerfortegnelsen kan ikke indlæses: {exc}",
                     f"the peer directory cannot be loaded: {exc}",
                     "ret filen efter docs/peers.md", "fix the file as docs/peers.md describes")
    count = len(directory)
    if not count:
        return _fail("peers", "partnerfortegnelsen er tom", "the peer directory is empty",
                     "tilføj mindst én [[peer]]", "add at least one [[peer]]")
    return Check("peers", True, f"{count} partnere", f"{count} peers")


def readiness(settings: Settings) -> list[Check]:
    """Run every readiness check for ``settings``."""
    return [
        check_database(settings.effective_database_url),
        check_broker(settings.broker_url),
        check_certificate(settings.tls.cert_file, settings.tls.key_file),
        check_revocation(settings.tls.ca_file, settings.tls.crl_file, settings.tls.cert_file),
        check_peers(settings.peers_file),
    ]
