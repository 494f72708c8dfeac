"""TLS contexts of the federation: trust only the federation CA, TLS 1.2 or newer, mTLS.

Built with ``ssl.SSLContext(PROTOCOL_TLS_*)`` and ``load_verify_locations(ca_file)`` only, so
the system CA bundle never sneaks in (``ssl.create_default_context()`` would add it).
"""

from __future__ import annotations

import ssl
from pathlib import Path

from ssd_gateway.exceptions import ConfigurationError


def server_ssl_context(cert_file: Path, key_file: Path, ca_file: Path,
                       key_password: str | None = None) -> ssl.SSLContext:
    """The federation listener's context: client certificate required, federation CA only."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _configure(ctx, cert_file, key_file, ca_file, key_password)
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def client_ssl_context(cert_file: Path, key_file: Path, ca_file: Path,
                       key_password: str | None = None) -> ssl.SSLContext:
    """The client's context: verifies the peer (hostname included), presents our certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname and CERT_REQUIRED by default
    _configure(ctx, cert_file, key_file, ca_file, key_password)
    return ctx


def _configure(ctx: ssl.SSLContext, cert_file: Path, key_file: Path, ca_file: Path,
               key_password: str | None) -> None:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.options |= ssl.OP_NO_COMPRESSION
    try:
        ctx.load_verify_locations(cafile=str(ca_file))
        ctx.load_cert_chain(str(cert_file), str(key_file), password=key_password)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(f"TLS certificate, key or CA file unusable: {exc}") from exc
