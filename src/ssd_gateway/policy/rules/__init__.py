"""The checks, one small function per rule id, registered on import of this package."""

from ssd_gateway.policy.rules import (  # noqa: F401 - imported for their registrations
    anonymous,
    consent,
    general,
    ssd,
    stafetlog,
    underretning,
)
from ssd_gateway.policy.rules.base import (
    CONSENT_CHECKS,
    TRANSFER_CHECKS,
    Context,
    Failure,
)

__all__ = ["CONSENT_CHECKS", "TRANSFER_CHECKS", "Context", "Failure"]
