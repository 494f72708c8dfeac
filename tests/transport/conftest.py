"""A real federation on loopback: a development CA, organisations, a receiving gateway."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ssd_gateway.contracts import OutboundMessage
from ssd_gateway.peers import ORG_ID_SYSTEM
from ssd_gateway.samples import sample_messages
from ssd_gateway.signing import sign_bundle, sign_xml
from ssd_gateway.testing import ServerThread, ThrowawayFederation
from ssd_gateway.transport.client import HttpxTransport
from ssd_gateway.transport.inbox import MemoryInbox
from ssd_gateway.transport.server import create_federation_app, federation_server_config
from ssd_gateway.xml import message_to_xml

RECEIVER = "sosial"


def fhir_bundle(sender: str, *, bundle_id: str | None = None,
                message_id: str | None = None) -> dict[str, Any]:
    """A minimal MedCom-shaped message Bundle from ``sender``."""
    return {
        "resourceType": "Bundle", "id": bundle_id or str(uuid.uuid4()), "type": "message",
        "timestamp": "2026-03-10T09:00:00+01:00",
        "entry": [
            {"fullUrl": "urn:uuid:h", "resource": {
                "resourceType": "MessageHeader", "id": message_id or str(uuid.uuid4()),
                "sender": {"reference": "Organization/afsender"}}},
            {"fullUrl": "urn:uuid:o", "resource": {
                "resourceType": "Organization", "id": "afsender",
                "identifier": [{"system": ORG_ID_SYSTEM, "value": sender}]}},
        ],
    }


def xml_message(sender: str, *, envelope_id: str | None = None,
                message_id: str | None = None) -> bytes:
    """A real XML message (schemas/envelope.xsd) from ``sender``."""
    sample = sample_messages(date.today())["consent"]
    message = sample.model_copy(update={
        "message_id": message_id or str(uuid.uuid4()),
        "sender": sample.sender.model_copy(update={"org_id": sender})})
    return message_to_xml(message, envelope_id=envelope_id or str(uuid.uuid4()))


@dataclass
class Gateway:
    """The receiving gateway under test and the federation around it."""

    fed: ThrowawayFederation
    inbox: MemoryInbox
    server: ServerThread

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.port}"

    def signed_fhir(self, sender: str, signer: str | None = None, **ids: Any) -> bytes:
        import json

        key = self.fed.orgs[signer or sender].signing_key
        bundle = sign_bundle(fhir_bundle(sender, **ids), key)
        return json.dumps(bundle).encode()

    def signed_xml(self, sender: str, signer: str | None = None, **ids: Any) -> bytes:
        return sign_xml(xml_message(sender, **ids), self.fed.orgs[signer or sender].signing_key)

    def transport(self, org_id: str) -> HttpxTransport:
        creds = self.fed.orgs[org_id]
        return HttpxTransport(self.fed.directory(), ca_file=self.fed.ca_file,
                              cert_file=creds.cert_file, key_file=creds.key_file, timeout=5.0,
                              crl_file=self.fed.crl_file)

    def message(self, body: bytes, fmt: str = "fhir", *, message_id: str = "",
                bundle_id: str = "") -> OutboundMessage:
        import json

        if fmt == "fhir" and not message_id:
            parsed = json.loads(body)
            message_id = parsed["entry"][0]["resource"]["id"]
            bundle_id = parsed["id"]
        return OutboundMessage(transfer_id="t-1", peer_org_id=RECEIVER, format=fmt,  # type: ignore[arg-type]
                               body=body, message_id=message_id, bundle_id=bundle_id)


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    """The social authority's federation listener on a free loopback port, mTLS required."""
    fed = ThrowawayFederation(tmp_path)
    receiver = fed.add(RECEIVER, "social_authority")
    fed.add("skole", "school")
    fed.add("dagtilbud", "daycare")
    inbox = MemoryInbox(key=receiver.signing_key)
    # The app reads the directory at creation; endpoints only matter to clients.
    app = create_federation_app(fed.directory(), fed.trust(), inbox,
                                signer=receiver.signing_key)
    config = federation_server_config(app, cert_file=receiver.cert_file,
                                      key_file=receiver.key_file, ca_file=fed.ca_file, port=0)
    server = ServerThread(config).start()
    fed.set_endpoint(RECEIVER, f"https://127.0.0.1:{server.port}")
    try:
        yield Gateway(fed, inbox, server)
    finally:
        server.stop()
