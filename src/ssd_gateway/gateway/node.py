"""One gateway serving: the federation listener (mTLS), the local API listener, the compliance
and operations pages on the API listener, the embedded delivery worker with its sweeper, and
the alerts sweeper; state gauges are read from the database at each metrics scrape.
"""

from __future__ import annotations

from typing import Any

import uvicorn

from ssd_gateway.certs.identity import CertificateIdentity
from ssd_gateway.delivery.celery_app import create_app, dispatcher
from ssd_gateway.delivery.embedded import EmbeddedDelivery
from ssd_gateway.gateway import peer_certs
from ssd_gateway.gateway.alert_sweeper import AlertSweeper
from ssd_gateway.gateway.delivery_runtime import runtime_for
from ssd_gateway.gateway.inbox import GatewayInbox
from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.gateway.state_metrics import register_state_metrics
from ssd_gateway.peers import Peer
from ssd_gateway.serving import ServerThread
from ssd_gateway.transport.server import create_federation_app, federation_server_config


class GatewayNode:
    """A started gateway; ``start()`` returns once all listeners accept connections."""

    def __init__(self, gateway: Gateway, *, sweep_interval: float = 1.0) -> None:
        self.gateway = gateway
        self.celery = create_app(gateway.settings, runtime=runtime_for(gateway),
                                 sweep_interval=sweep_interval)
        self.dispatch = dispatcher(self.celery)
        self.delivery = EmbeddedDelivery(self.celery, sweep_interval=sweep_interval)
        self.inbox = GatewayInbox(gateway)
        register_state_metrics(gateway)
        self.alerts = AlertSweeper(gateway)
        tls, listen = gateway.settings.tls, gateway.settings.listen
        assert tls.cert_file and tls.key_file and tls.ca_file
        federation = create_federation_app(gateway.directory, gateway.trust, self.inbox,
                                           signer=gateway.key,
                                           on_certificate=self._peer_certificate)
        self.federation = ServerThread(federation_server_config(
            federation, cert_file=tls.cert_file, key_file=tls.key_file, ca_file=tls.ca_file,
            host=listen.federation_host, port=listen.federation_port))
        self.api = ServerThread(uvicorn.Config(
            self._local_app(), host=listen.api_host, port=listen.api_port, log_level="warning",
            lifespan="off", access_log=False))

    def _peer_certificate(self, peer: Peer, identity: CertificateIdentity) -> None:
        with self.gateway.sessions.begin() as session:
            peer_certs.remember(session, peer.org_id, identity, self.gateway.now())

    def _local_app(self) -> Any:
        from ssd_gateway.api.app import create_api_app
        from ssd_gateway.gateway.services import Services
        from ssd_gateway.gateway.web import pages_app

        api = create_api_app(Services(self.gateway, self.dispatch))
        api.mount("/", pages_app(self.gateway))
        return api

    @property
    def federation_url(self) -> str:
        """Where peers reach this gateway."""
        return f"https://{self.gateway.settings.listen.federation_host}:{self.federation.port}"

    @property
    def api_url(self) -> str:
        """Where journal systems, operators and compliance officers reach this gateway."""
        return f"http://{self.gateway.settings.listen.api_host}:{self.api.port}"

    def start(self) -> GatewayNode:
        """Start delivery, then both listeners."""
        self.delivery.start()
        self.federation.start()
        self.api.start()
        self.alerts.start_thread()
        return self

    def stop(self) -> None:
        """Stop the listeners, then delivery; close the database."""
        self.alerts.stop()
        self.api.stop()
        self.federation.stop()
        self.delivery.stop()
        self.gateway.close()

    def __enter__(self) -> GatewayNode:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

