"""GEN-1 and GEN-2: what no basis can carry. (GEN-3, an invalid record, is the parser's.)"""

from __future__ import annotations

from ssd_gateway.policy import vocab
from ssd_gateway.policy.rules.base import Context, Failure, transfer_check


@transfer_check("GEN-1")
def private_note(ctx: Context) -> Failure | None:
    """A professional's own note is never transferable."""
    return {} if ctx.request.transfer.kind == "private_note" else None


@transfer_check("GEN-2")
def barred_by_profile(ctx: Context) -> Failure | None:
    """Wellbeing screening results leave the institution only where the profile allows it."""
    if ctx.profile.share_wellbeing_screening:
        return None
    if vocab.WELLBEING_SCREENING not in ctx.request.transfer.categories:
        return None
    return {
        "detail_da": ": kommunen tillader ikke deling af trivselsvurderinger",
        "detail_en": ": the municipality does not allow wellbeing screening to be shared",
    }
