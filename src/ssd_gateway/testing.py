"""Test helpers other parts need: a fake transport, a throwaway federation, a server thread.

- ``FakeTransport``: an in-memory ``contracts.Transport`` that records what was sent and
  answers from a script (acknowledgements or delivery errors), ``ok`` by default.
- ``ThrowawayFederation``: a development CA in a temporary directory that issues organisation
  certificates and builds the matching ``PeerDirectory`` and ``FederationTrust``.
- ``ServerThread``: runs a ``uvicorn.Config`` in a background thread on a free port.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import uvicorn

from ssd_gateway.certs.authority import CRL_FILE, DevelopmentCA, OrganisationSubject
from ssd_gateway.certs.files import certificate_pem, write_public
from ssd_gateway.certs.identity import ORG_URI_PREFIX, fingerprint
from ssd_gateway.certs.trust import FederationTrust
from ssd_gateway.contracts import Acknowledgement, MessageFormat, OutboundMessage
from ssd_gateway.exceptions import DeliveryError
from ssd_gateway.model.records import RECORD_CLASSES
from ssd_gateway.peers import Peer, PeerDirectory
from ssd_gateway.serving import ServerThread
from ssd_gateway.signing.keys import SigningKey

Scripted = Acknowledgement | DeliveryError | Callable[[OutboundMessage], Acknowledgement]


@dataclass
class FakeTransport:
    """Records every message and answers from ``script`` (then ``ok``)."""

    script: deque[Scripted] = field(default_factory=deque)
    sent: list[OutboundMessage] = field(default_factory=list)
    per_peer: dict[str, deque[Scripted]] = field(default_factory=dict)

    def answer(self, *answers: Scripted, peer_org_id: str | None = None) -> None:
        """Queue answers for the next sends (to any peer, or only to ``peer_org_id``)."""
        queue = self.script if peer_org_id is None else self.per_peer.setdefault(peer_org_id,
                                                                                 deque())
        queue.extend(answers)

    def send(self, message: OutboundMessage) -> Acknowledgement:
        """Record ``message``; return or raise the next scripted answer."""
        self.sent.append(message)
        queue = self.per_peer.get(message.peer_org_id) or self.script
        answer = queue.popleft() if queue else None
        if isinstance(answer, DeliveryError):
            raise answer
        if callable(answer):
            return answer(message)
        return answer or Acknowledgement("ok", message.message_id, message.bundle_id)


@dataclass(frozen=True)
class OrgCredentials:
    """One organisation's files and loaded key."""

    org_id: str
    directory: Path
    cert_file: Path
    key_file: Path
    signing_key: SigningKey

    @property
    def fingerprint(self) -> str:
        """The certificate's SHA-256 fingerprint."""
        return fingerprint(self.signing_key.cert)


class ThrowawayFederation:
    """A development CA under ``root`` plus organisations and their directory entries."""

    def __init__(self, root: Path, ca: DevelopmentCA | None = None) -> None:
        self.root = root
        self.ca = ca or DevelopmentCA.create()
        self.ca_file = root / "ca.pem"
        write_public(self.ca_file, certificate_pem(self.ca.cert))
        #: the federation's CRL (empty until ``revoke``); ``trust()`` checks it
        self.crl_file = root / CRL_FILE
        self.ca.publish_crl(root)
        self.orgs: dict[str, OrgCredentials] = {}
        self.peers: dict[str, Peer] = {}

    def add(
        self,
        org_id: str,
        sector: str = "school",
        *,
        cvr: str | None = None,
        endpoint: str = "https://127.0.0.1:9",
        formats: Iterable[MessageFormat] = ("fhir", "xml"),
        in_directory: bool = True,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        pin: bool = False,
    ) -> OrgCredentials:
        """Issue a certificate for ``org_id`` and (unless told not to) list it as a peer."""
        issued = self.ca.issue(OrganisationSubject(org_id, f"Org {org_id}", sector, cvr=cvr),
                               not_before=not_before, not_after=not_after)
        where = self.root / org_id
        issued.write(where)
        creds = OrgCredentials(org_id, where, where / "cert.pem", where / "key.pem",
                               SigningKey(issued.key, issued.cert))
        self.orgs[org_id] = creds
        if in_directory:
            self.peers[org_id] = Peer(
                org_id=org_id, name=f"Org {org_id}", sector=sector, municipality="0101",
                endpoint=endpoint, certificate_identity=ORG_URI_PREFIX + org_id,
                fingerprint_sha256=creds.fingerprint if pin else None,
                kinds=frozenset(RECORD_CLASSES), formats=frozenset(formats), cvr=cvr,
            )
        return creds

    def set_endpoint(self, org_id: str, endpoint: str) -> None:
        """Point ``org_id``'s directory entry at ``endpoint``."""
        old = self.peers[org_id]
        self.peers[org_id] = Peer(**{**old.__dict__, "endpoint": endpoint})

    def directory(self) -> PeerDirectory:
        """The peer directory of the organisations added so far."""
        return PeerDirectory(self.peers.values())

    def trust(self) -> FederationTrust:
        """Trust in this federation's CA, less the certificates its CRL revokes."""
        return FederationTrust.from_file(self.ca_file, self.crl_file)

    def revoke(self, org_id: str) -> None:
        """Put ``org_id``'s certificate on the federation's CRL."""
        self.ca.publish_crl(self.root, revoke=self.orgs[org_id].signing_key.cert)


@contextmanager
def running(config: uvicorn.Config) -> Iterator[ServerThread]:
    """Run ``config`` in a thread for the duration of a ``with`` block."""
    thread = ServerThread(config).start()
    try:
        yield thread
    finally:
        thread.stop()
