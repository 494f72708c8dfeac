"""Certificate revocation lists: published by the CA, verified, watched, and used by trust."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from typer.testing import CliRunner

from ssd_gateway.certs import DevelopmentCA, FederationTrust, OrganisationSubject
from ssd_gateway.certs.authority import CRL_FILE, IssuedCertificate
from ssd_gateway.certs.files import certificate_pem, write_public
from ssd_gateway.certs.revocation import WatchedRevocationLists, read_revocation_lists
from ssd_gateway.cli.app import app, build
from ssd_gateway.exceptions import ConfigurationError, PeerRefused, SignatureInvalid

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def _registered() -> None:
    build()


@pytest.fixture
def ca_dir(tmp_path: Path) -> Path:
    """A development CA written to ``tmp_path/ca``."""
    ca = DevelopmentCA.create()
    ca.write(tmp_path / "ca")
    return tmp_path / "ca"


def issue(ca_dir: Path, org_id: str) -> IssuedCertificate:
    """A certificate for ``org_id`` from the CA in ``ca_dir``."""
    return DevelopmentCA.load(ca_dir).issue(OrganisationSubject(org_id, org_id, "school"))


def trust(ca_dir: Path) -> FederationTrust:
    """Trust in the CA of ``ca_dir``, less its CRL."""
    return FederationTrust.from_file(ca_dir / "ca.pem", ca_dir / CRL_FILE)


def test_a_revoked_certificate_is_refused_as_peer_and_as_signer(ca_dir: Path) -> None:
    """Once on the CRL, a certificate no longer verifies; others still do."""
    ca = DevelopmentCA.load(ca_dir)
    bad, good = issue(ca_dir, "skole"), issue(ca_dir, "dagtilbud")
    ca.publish_crl(ca_dir, revoke=bad.cert, reason=x509.ReasonFlags.key_compromise)
    checked = trust(ca_dir)
    with pytest.raises(PeerRefused, match=r"revoked.*key_compromise"):
        checked.verify_peer(bad.cert)
    with pytest.raises(SignatureInvalid, match="revoked"):
        checked.verify_signer(bad.cert)
    assert checked.verify_peer(good.cert).org_id == "dagtilbud"


def test_revocation_applies_to_remembered_chains(ca_dir: Path) -> None:
    """A chain verified before the CRL changed is refused after it changed, no restart."""
    ca = DevelopmentCA.load(ca_dir)
    ca.publish_crl(ca_dir)
    cert = issue(ca_dir, "skole").cert
    checked = trust(ca_dir)
    assert checked.verify_peer(cert).org_id == "skole"
    before = checked.revocation_generation
    ca.publish_crl(ca_dir, revoke=cert)
    with pytest.raises(PeerRefused, match="revoked"):
        checked.verify_peer(cert)
    assert checked.revocation_generation == before + 1


def test_publishing_keeps_entries_and_counts_up(ca_dir: Path) -> None:
    """Each publication keeps what was revoked and carries the next CRL number."""
    ca = DevelopmentCA.load(ca_dir)
    first, second = issue(ca_dir, "a").cert, issue(ca_dir, "b").cert
    ca.publish_crl(ca_dir, revoke=first)
    ca.publish_crl(ca_dir, revoke=second)
    crl = ca.publish_crl(ca_dir, revoke=second)  # twice: listed once
    assert sorted(e.serial_number for e in crl) == sorted([first.serial_number,
                                                           second.serial_number])
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 3


def test_a_crl_from_another_ca_is_refused(ca_dir: Path, tmp_path: Path) -> None:
    """A CRL not signed by the federation CA cannot be loaded: it could hide revocations."""
    other = DevelopmentCA.create()
    other.publish_crl(tmp_path)
    with pytest.raises(ConfigurationError, match="not signed by the federation CA"):
        FederationTrust.from_file(ca_dir / "ca.pem", tmp_path / CRL_FILE)


def test_a_crl_with_a_forged_signature_is_refused(ca_dir: Path, tmp_path: Path) -> None:
    """Same issuer name, other key: the signature check, not the name, decides."""
    impostor = DevelopmentCA(DevelopmentCA.load(ca_dir).cert, DevelopmentCA.create().key)
    impostor.publish_crl(tmp_path)
    with pytest.raises(ConfigurationError, match="not signed"):
        read_revocation_lists(tmp_path / CRL_FILE, [DevelopmentCA.load(ca_dir).cert])


def test_a_broken_replacement_keeps_the_old_lists(ca_dir: Path) -> None:
    """A broken or deleted CRL file never un-revokes: the lists read before stay in force."""
    ca = DevelopmentCA.load(ca_dir)
    cert = issue(ca_dir, "skole").cert
    ca.publish_crl(ca_dir, revoke=cert)
    watched = WatchedRevocationLists(ca_dir / CRL_FILE, [ca.cert])
    write_public(ca_dir / CRL_FILE, b"-----BEGIN X509 CRL-----\nbroken\n-----END X509 CRL-----\n")
    assert watched.current().revocation(cert) is not None
    assert watched.problem is not None and "no readable CRL" in watched.problem
    os.remove(ca_dir / CRL_FILE)
    assert watched.current().revocation(cert) is not None
    ca.publish_crl(ca_dir)  # a good file again (the new CRL starts empty)
    assert watched.current().revocation(cert) is None and watched.problem is None


def test_stale_and_fresh(ca_dir: Path) -> None:
    """``stale`` is True only past ``next_update``."""
    from datetime import timedelta

    ca = DevelopmentCA.load(ca_dir)
    crl = ca.publish_crl(ca_dir, valid_days=1)
    lists = read_revocation_lists(ca_dir / CRL_FILE, [ca.cert])
    assert crl.next_update_utc is not None
    assert not lists.stale(crl.next_update_utc - timedelta(seconds=1))
    assert lists.stale(crl.next_update_utc + timedelta(seconds=1))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_openssl_reads_our_crl_and_refuses_the_revoked(ca_dir: Path, tmp_path: Path) -> None:
    """An independent implementation agrees: ``openssl verify -crl_check`` says revoked."""
    ca = DevelopmentCA.load(ca_dir)
    bad, good = issue(ca_dir, "skole"), issue(ca_dir, "dagtilbud")
    ca.publish_crl(ca_dir, revoke=bad.cert)
    for name, issued in (("bad", bad), ("good", good)):
        write_public(tmp_path / f"{name}.pem", certificate_pem(issued.cert))
    common = ["openssl", "verify", "-crl_check", "-CAfile", str(ca_dir / "ca.pem"),
              "-CRLfile", str(ca_dir / CRL_FILE)]
    refused = subprocess.run([*common, str(tmp_path / "bad.pem")], capture_output=True,
                             text=True, check=False)
    accepted = subprocess.run([*common, str(tmp_path / "good.pem")], capture_output=True,
                              text=True, check=False)
    assert refused.returncode != 0 and "revoked" in (refused.stdout + refused.stderr)
    assert accepted.returncode == 0, accepted.stderr


def test_cli_revoke_and_inspect(ca_dir: Path, tmp_path: Path) -> None:
    """``certs revoke`` lists a certificate; ``certs inspect --crl`` then exits 4."""
    issued = issue(ca_dir, "skole")
    issued.write(tmp_path / "skole")
    cert = str(tmp_path / "skole" / "cert.pem")
    inspect = ["certs", "inspect", cert, "--ca", str(ca_dir / "ca.pem"),
               "--crl", str(ca_dir / CRL_FILE)]
    result = runner.invoke(app, ["certs", "crl", "--ca", str(ca_dir)])
    assert result.exit_code == 0 and "0 revoked" in result.stdout
    result = runner.invoke(app, inspect)
    assert result.exit_code == 0 and "revoked: False" in result.stdout
    result = runner.invoke(app, ["certs", "revoke", cert, "--ca", str(ca_dir),
                                 "--reason", "key-compromise"])
    assert result.exit_code == 0 and "revoked: skole" in result.stdout
    assert "1 revoked" in result.stdout
    result = runner.invoke(app, inspect)
    assert result.exit_code == 4 and "key_compromise" in result.stdout
    assert "chains_to_ca: True" in result.stdout and "revoked" in result.stderr


def test_cli_revoke_refuses_unknown_reasons_and_foreign_certificates(ca_dir: Path,
                                                                     tmp_path: Path) -> None:
    """A reason outside the list is a usage error; another CA's certificate is refused."""
    foreign = DevelopmentCA.create().issue(OrganisationSubject("x", "x", "school"))
    foreign.write(tmp_path / "x")
    cert = str(tmp_path / "x" / "cert.pem")
    result = runner.invoke(app, ["certs", "revoke", cert, "--ca", str(ca_dir),
                                 "--reason", "bored"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["certs", "revoke", cert, "--ca", str(ca_dir)])
    assert result.exit_code == 1 and "not issued by this CA" in result.stderr
    assert not (ca_dir / CRL_FILE).exists()
