"""A local federation on loopback: a development CA and one gateway per organisation.

``write_sandbox(DIR)`` writes ``DIR/ca.pem`` (and ``ca-key.pem``), an empty CRL ``DIR/crl.pem``
(``ssd-gateway certs revoke --ca DIR CERT`` adds to it), ``DIR/peers.toml`` and, per
organisation, ``DIR/<org>/cert.pem``, ``key.pem`` and ``gateway.toml`` with free loopback
ports. ``ssd-gateway serve --config DIR/<org>/gateway.toml`` starts that organisation's gateway.
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from ssd_gateway.certs.authority import DevelopmentCA, OrganisationSubject
from ssd_gateway.model.codes import RecordKind
from ssd_gateway.samples import ORGANISATIONS

#: every kind a sandbox gateway accepts (private notes are never sent)
ACCEPTED_KINDS = [k.value for k in RecordKind if k is not RecordKind.PRIVATE_NOTE]


@dataclass(frozen=True)
class SandboxGateway:
    """One organisation's gateway in the sandbox."""

    org_id: str
    directory: Path
    federation_port: int
    api_port: int

    @property
    def config(self) -> Path:
        """Its ``gateway.toml``."""
        return self.directory / "gateway.toml"

    @property
    def federation_url(self) -> str:
        """Base URL of its federation listener."""
        return f"https://127.0.0.1:{self.federation_port}"

    @property
    def api_url(self) -> str:
        """Base URL of its local API listener."""
        return f"http://127.0.0.1:{self.api_port}"


def free_port() -> int:
    """A TCP port on loopback that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_sandbox(directory: Path,
                  organisations: dict[str, dict[str, Any]] | None = None) -> list[SandboxGateway]:
    """Write a CA, a peer directory and one gateway config per organisation into ``directory``."""
    orgs = list((organisations or ORGANISATIONS).values())
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    ca = DevelopmentCA.create()
    ca.write(directory)
    ca.publish_crl(directory)  # empty: every gateway checks it (certs revoke --ca DIR …)
    gateways = [_write_gateway(directory, ca, org) for org in orgs]
    peers = [_peer_entry(org, gw) for org, gw in zip(orgs, gateways, strict=True)]
    (directory / "peers.toml").write_text(tomli_w.dumps({"version": 1, "peer": peers}),
                                          encoding="utf-8")
    return gateways


def _write_gateway(directory: Path, ca: DevelopmentCA, org: dict[str, Any]) -> SandboxGateway:
    home = directory / org["org_id"]
    home.mkdir(parents=True, exist_ok=True)
    subject = OrganisationSubject(org_id=org["org_id"], name=org["name"], sector=org["sector"],
                                  cvr=org.get("cvr"), municipality=org.get("municipality"))
    ca.issue(subject).write(home)
    gateway = SandboxGateway(org["org_id"], home, free_port(), free_port())
    settings = {
        "data_dir": str(home / "data"),
        "peers_file": str(directory / "peers.toml"),
        "audit_secret": secrets.token_urlsafe(32),
        "organisation": {key: org[key] for key in ("org_id", "name", "sector", "municipality")},
        "tls": {"ca_file": str(directory / "ca.pem"), "cert_file": str(home / "cert.pem"),
                "key_file": str(home / "key.pem"), "crl_file": str(directory / "crl.pem")},
        "listen": {"federation_host": "127.0.0.1", "federation_port": gateway.federation_port,
                   "api_host": "127.0.0.1", "api_port": gateway.api_port},
    }
    gateway.config.write_text(tomli_w.dumps(settings), encoding="utf-8")
    return gateway


def _peer_entry(org: dict[str, Any], gateway: SandboxGateway) -> dict[str, Any]:
    entry = {"org_id": org["org_id"], "name": org["name"], "sector": org["sector"],
             "municipality": org["municipality"], "endpoint": gateway.federation_url,
             "certificate_identity": f"urn:ssd-gateway:org:{org['org_id']}",
             "kinds": ACCEPTED_KINDS, "formats": ["fhir", "xml"]}
    for key in ("cvr", "sor", "kombit_org_id"):
        if org.get(key):
            entry[key] = org[key]
    return entry
