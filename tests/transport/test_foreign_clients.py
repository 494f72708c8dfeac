"""Clients nobody here wrote (curl, openssl s_client) against the federation listener."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ssd_gateway.transport.server import FHIR_PATH
from tests.transport.conftest import Gateway

CURL = shutil.which("curl")
OPENSSL = shutil.which("openssl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl binary not installed")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl binary not installed")


def curl(gw: Gateway, body: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CURL is not None
    return subprocess.run(
        [CURL, "-sS", "--max-time", "10", "--cacert", str(gw.fed.ca_file), *extra,
         "-H", "Content-Type: application/fhir+json", "--data-binary", f"@{body}",
         "-w", "\n%{http_code}", f"{gw.url}{FHIR_PATH}"],
        capture_output=True, text=True, check=False,
    )


@needs_curl
def test_curl_with_the_school_certificate_is_acknowledged(gateway: Gateway,
                                                          tmp_path: Path) -> None:
    """curl presenting the school's certificate delivers a signed Bundle and gets an ok ack."""
    body = tmp_path / "bundle.json"
    body.write_bytes(gateway.signed_fhir("skole"))
    creds = gateway.fed.orgs["skole"]
    result = curl(gateway, body, "--cert", str(creds.cert_file), "--key", str(creds.key_file))
    assert result.returncode == 0, result.stderr
    answer, status = result.stdout.rsplit("\n", 1)
    assert status == "200"
    ack = json.loads(answer)
    assert ack["entry"][0]["resource"]["response"]["code"] == "ok"
    assert len(gateway.inbox.received) == 1


@needs_curl
def test_curl_without_a_certificate_is_refused(gateway: Gateway, tmp_path: Path) -> None:
    """curl without a client certificate never gets an HTTP answer."""
    body = tmp_path / "bundle.json"
    body.write_bytes(gateway.signed_fhir("skole"))
    result = curl(gateway, body)
    assert result.returncode != 0
    assert not result.stdout.strip().endswith("200")
    assert gateway.inbox.received == []


@needs_openssl
def test_openssl_s_client_sees_mtls_and_no_old_tls(gateway: Gateway) -> None:
    """openssl s_client: TLS 1.2 completes with the school's certificate, fails without one,
    and TLS 1.1 is refused."""
    assert OPENSSL is not None
    common = [OPENSSL, "s_client", "-connect", f"127.0.0.1:{gateway.server.port}",
              "-CAfile", str(gateway.fed.ca_file)]
    creds = gateway.fed.orgs["skole"]
    with_cert = s_client([*common, "-tls1_2", "-cert", str(creds.cert_file),
                          "-key", str(creds.key_file)])
    assert "New, TLSv1.2, Cipher is ECDHE-ECDSA" in with_cert.stdout
    assert "Verify return code: 0 (ok)" in with_cert.stdout
    without = s_client([*common, "-tls1_2"])
    # the server hangs up instead of answering (asyncio sends no alert)
    assert without.returncode != 0
    assert "unexpected eof" in without.stderr or "alert" in without.stderr
    assert "New, (NONE), Cipher is (NONE)" in s_client([*common, "-tls1_1"]).stdout


def s_client(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, input="", capture_output=True, text=True, timeout=20,
                          check=False)
