"""The policy engine: is this transfer lawful, on which basis, and why (DOMAIN.md §4–§6).

``decide(request)`` takes a request shaped as ``decision.schema.json`` and returns a
``Decision``. Rules live in versioned rule packs (``packs/*.yaml``), municipal parameters in
profiles (``profiles/*.yaml``); the checks are small functions keyed by rule id
(``ssd_gateway.policy.rules``).
"""

from ssd_gateway.policy.decision import Decision, Reason
from ssd_gateway.policy.engine import decide
from ssd_gateway.policy.packs import RulePack
from ssd_gateway.policy.packs import load as load_pack
from ssd_gateway.policy.profile import Profile

__all__ = ["Decision", "Profile", "Reason", "RulePack", "decide", "load_pack"]
