"""``ssd-gateway certs``: init-ca, issue, inspect with expiry warnings and exit codes."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ssd_gateway.certs import DevelopmentCA, FederationTrust, OrganisationSubject, identity_of
from ssd_gateway.certs.files import load_certificate
from ssd_gateway.cli.app import app, build

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def _registered() -> None:
    build()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ca_dir(tmp_path: Path) -> Path:
    code, out, _ = run("certs", "init-ca", str(tmp_path / "ca"))
    assert code == 0 and "SHA-256 fingerprint" in out
    return tmp_path / "ca"


def test_init_ca_writes_a_ca_and_a_private_key(ca_dir: Path) -> None:
    """init-ca writes ca.pem and an owner-only ca-key.pem for a P-256 CA."""
    cert = load_certificate(ca_dir / "ca.pem")
    assert cert.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    assert stat.S_IMODE((ca_dir / "ca-key.pem").stat().st_mode) == 0o600


def test_init_ca_refuses_to_overwrite(ca_dir: Path) -> None:
    """A second init-ca into the same directory fails instead of replacing the key."""
    code, _, err = run("certs", "init-ca", str(ca_dir))
    assert code == 1 and "already holds" in err


def test_issue_puts_the_identity_in_the_san(ca_dir: Path, tmp_path: Path) -> None:
    """issue writes a certificate naming the org (and CVR) that chains to the CA."""
    out = tmp_path / "skole"
    code, stdout, _ = run("certs", "issue", "--ca", str(ca_dir), "--org-id", "skole-a",
                          "--name", "Skovbakkeskolen", "--sector", "school",
                          "--cvr", "29189846", str(out))
    assert code == 0 and "urn:ssd-gateway:org:skole-a" in stdout
    cert = load_certificate(out / "cert.pem")
    identity = identity_of(cert)
    assert identity.org_id == "skole-a" and identity.cvr == "29189846"
    assert FederationTrust.from_file(ca_dir / "ca.pem").verify_peer(cert).org_id == "skole-a"
    assert stat.S_IMODE((out / "key.pem").stat().st_mode) == 0o600


def test_issue_rejects_a_bad_cvr(ca_dir: Path, tmp_path: Path) -> None:
    """A CVR that is not 8 digits is a usage error."""
    code, _, _ = run("certs", "issue", "--ca", str(ca_dir), "--org-id", "x", "--name", "X",
                     "--sector", "school", "--cvr", "123", str(tmp_path / "x"))
    assert code == 2


def issue_with_dates(ca_dir: Path, out: Path, start: datetime, end: datetime) -> Path:
    issued = DevelopmentCA.load(ca_dir).issue(OrganisationSubject("skole", "S", "school"),
                                              not_before=start, not_after=end)
    issued.write(out)
    return out / "cert.pem"


@pytest.mark.parametrize("days,warning", [(90, None), (45, "< 60"), (20, "< 30"), (3, "< 7")])
def test_inspect_warns_before_expiry(ca_dir: Path, tmp_path: Path, days: int,
                                     warning: str | None) -> None:
    """inspect warns at 60, 30 and 7 days before expiry, and still exits 0."""
    now = datetime.now(UTC)
    cert = issue_with_dates(ca_dir, tmp_path / "o", now - timedelta(days=1),
                            now + timedelta(days=days))
    code, out, err = run("certs", "inspect", str(cert), "--ca", str(ca_dir / "ca.pem"))
    assert code == 0 and "chains_to_ca: True" in out
    assert "fingerprint_sha256:" in out and "org_id: skole" in out
    if warning is None:
        assert "WARNING" not in err
    else:
        assert warning in err


def test_inspect_exit_code_signals_expired(ca_dir: Path, tmp_path: Path) -> None:
    """An expired certificate makes inspect exit 2 with a warning."""
    now = datetime.now(UTC)
    cert = issue_with_dates(ca_dir, tmp_path / "o", now - timedelta(days=10),
                            now - timedelta(days=1))
    code, out, _ = run("certs", "inspect", str(cert), "--json")
    assert code == 2
    assert json.loads(out)["status"] == "expired"
    code, _, err = run("certs", "inspect", str(cert))
    assert code == 2 and "expired" in err


def test_inspect_exit_code_signals_another_ca(ca_dir: Path, tmp_path: Path) -> None:
    """A certificate that does not chain to --ca makes inspect exit 3."""
    other = DevelopmentCA.create()
    other.issue(OrganisationSubject("skole", "S", "school")).write(tmp_path / "o")
    code, out, _ = run("certs", "inspect", str(tmp_path / "o" / "cert.pem"),
                       "--ca", str(ca_dir / "ca.pem"))
    assert code == 3 and "chains_to_ca: False" in out


def test_inspect_unreadable_file(tmp_path: Path) -> None:
    """A file without a certificate exits 1."""
    (tmp_path / "x.pem").write_text("nope")
    assert run("certs", "inspect", str(tmp_path / "x.pem"))[0] == 1
