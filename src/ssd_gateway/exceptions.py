"""The whole error tree of ssd_gateway, drawn once.

A leaf module: it imports nothing from the package. Callers of ssd_gateway never catch an
exception from lxml, httpx, sqlalchemy or pydantic; each foreign error is translated at one
boundary into one of these::

    GatewayError
    ├── RecordInvalid            a record (or message) fails validation; carries Problems
    ├── UnsafeInput              XML with a DTD/entity, or input over the size limit
    ├── PolicyError              a rule pack or profile is unknown or malformed
    ├── ConfigurationError       settings, certificates or keys are missing or wrong
    ├── SignatureInvalid         a signature does not verify, or covers the wrong content
    ├── PeerRefused              the peer is unknown, or not who the message says it is
    ├── DeliveryError
    │   ├── RecoverableDeliveryError   worth retrying (connect, timeout, 5xx, 429, transient-error)
    │   └── PermanentDeliveryError     not worth retrying (4xx, fatal-error, bad certificate)
    └── NotFound                 an id that the registry does not know

Whether an error is worth retrying is a property of its class (``recoverable``), never of
the call site.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One validation problem, addressed by a path into the record (``child.id``)."""

    path: str
    code: str
    message_da: str
    message_en: str

    def render(self, lang: str = "da") -> str:
        """Return ``path: message`` in the requested language (Danish by default)."""
        message = self.message_en if lang == "en" else self.message_da
        return f"{self.path or '<root>'}: {message}"


class GatewayError(Exception):
    """Base of every error ssd_gateway raises on purpose."""

    recoverable = False
    code = "GATEWAY_ERROR"


class RecordInvalid(GatewayError):
    """A record failed validation; ``problems`` says where and why."""

    code = "RECORD_INVALID"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.render("en") for p in problems))


class UnsafeInput(GatewayError):
    """Input refused before parsing: DTDs, entities, network access or oversize."""

    code = "UNSAFE_INPUT"


class PolicyError(GatewayError):
    """A rule pack or municipal profile is unknown or malformed."""

    code = "POLICY_CONFIGURATION"


class ConfigurationError(GatewayError):
    """Settings, certificates or keys are missing or inconsistent."""

    code = "CONFIGURATION"


class SignatureInvalid(GatewayError):
    """A signature does not verify against the sender's certificate."""

    code = "SIGNATURE_INVALID"


class PeerRefused(GatewayError):
    """The calling or called organisation is unknown or not who it claims to be."""

    code = "PEER_REFUSED"


class DeliveryError(GatewayError):
    """A transfer could not be delivered."""

    code = "DELIVERY_FAILED"


class RecoverableDeliveryError(DeliveryError):
    """Delivery failed in a way worth retrying later."""

    recoverable = True
    code = "DELIVERY_TRANSIENT"


class PermanentDeliveryError(DeliveryError):
    """Delivery failed in a way no retry will fix."""

    code = "DELIVERY_PERMANENT"


class NotFound(GatewayError):
    """The registry does not know the id asked for."""

    code = "NOT_FOUND"
