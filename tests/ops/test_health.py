"""Readiness checks report each failure with a fix, and pass on a healthy setup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from ssd_gateway.cli.app import build
from ssd_gateway.health import (
    check_broker,
    check_certificate,
    check_database,
    check_peers,
    check_revocation,
)
from ssd_gateway.sandbox import write_sandbox


def _write_pair(tmp_path: Path, days_valid: int) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - timedelta(days=400))
            .not_valid_after(now + timedelta(days=days_valid)).sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "c.pem", tmp_path / "k.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_sqlite_database_is_ready(tmp_path: Path) -> None:
    """A SQLite file database answers."""
    assert check_database(f"sqlite:///{tmp_path / 'g.db'}").ok


def test_unreachable_database_says_how_to_fix() -> None:
    """A PostgreSQL URL on a closed port fails with a fix in Danish and English."""
    check = check_database("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=1")
    assert not check.ok and "database_url" in check.fix_da and "database_url" in check.fix_en


def test_real_rabbitmq_is_ready(rabbitmq_url: str) -> None:
    """The machine's RabbitMQ accepts a connection."""
    assert check_broker(rabbitmq_url).ok


def test_closed_broker_port_fails() -> None:
    """A broker URL on a closed port fails with a fix."""
    check = check_broker("amqp://guest:guest@127.0.0.1:1//")
    assert not check.ok and "rabbitmq" in check.fix_en.lower()


def test_valid_certificate_and_matching_key(tmp_path: Path) -> None:
    """A trustme leaf certificate with its key passes."""
    ca = trustme.CA()
    leaf = ca.issue_cert("gw.test")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    assert check_certificate(cert, key).ok


def test_expired_certificate_fails(tmp_path: Path) -> None:
    """A certificate past notAfter fails with a renewal fix."""
    cert, key = _write_pair(tmp_path, days_valid=-1)
    check = check_certificate(cert, key)
    assert not check.ok and "renew" in check.fix_en


def test_key_of_another_certificate_fails(tmp_path: Path) -> None:
    """A key that does not belong to the certificate fails."""
    cert, _ = _write_pair(tmp_path, days_valid=30)
    other = tmp_path / "other"
    other.mkdir()
    _, wrong_key = _write_pair(other, days_valid=30)
    assert not check_certificate(cert, wrong_key).ok


def test_peer_directory_is_loaded_strictly(tmp_path: Path) -> None:
    """A malformed peer directory fails with the loader's reason; a sandbox's passes."""
    peers = tmp_path / "peers.toml"
    peers.write_text('[[peer]]\norg_id = "skole-valby"\n')
    check = check_peers(peers)
    assert not check.ok and "docs/peers.md" in check.fix_en
    write_sandbox(tmp_path / "sandbox")
    good = check_peers(tmp_path / "sandbox" / "peers.toml")
    assert good.ok and good.detail_en == "4 peers"


def test_doctor_exits_non_zero_and_explains(tmp_path: Path) -> None:
    """doctor without certificate or peers exits 1 and prints the fixes."""
    config = tmp_path / "gateway.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n')
    result = CliRunner().invoke(build(), ["doctor", "--config", str(config), "--lang", "en"])
    assert result.exit_code == 1
    assert "tls.cert_file" in result.output and "peers_file" in result.output


def test_revocation_check_on_a_sandbox(tmp_path: Path) -> None:
    """The sandbox's CRL passes; stale, foreign or listing our certificate, it fails."""
    from ssd_gateway.certs import DevelopmentCA

    gateways = write_sandbox(tmp_path / "sandbox")
    fed = tmp_path / "sandbox"
    ca, crl, cert = fed / "ca.pem", fed / "crl.pem", gateways[0].directory / "cert.pem"
    fresh = check_revocation(ca, crl, cert)
    assert fresh.ok and fresh.detail_en.startswith("CRL valid until")
    assert check_revocation(ca, None, cert).ok
    stale = check_revocation(ca, crl, cert, now=datetime.now(UTC) + timedelta(days=31))
    assert not stale.ok and "certs crl" in stale.fix_en
    DevelopmentCA.create().publish_crl(tmp_path)
    assert "not signed" in check_revocation(ca, tmp_path / "crl.pem", cert).detail_en
    DevelopmentCA.load(fed).publish_crl(
        fed, revoke=x509.load_pem_x509_certificate(cert.read_bytes()))
    check = check_revocation(ca, crl, cert)
    assert not check.ok and "is revoked" in check.detail_en
