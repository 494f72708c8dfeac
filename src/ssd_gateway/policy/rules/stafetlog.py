"""STA-1 and STA-2: one stafetholder at every moment; a closed log sends nothing (001:1608-1624)."""

from __future__ import annotations

from ssd_gateway.policy.rules.base import Context, Failure, transfer_check


@transfer_check("STA-1")
def handover_not_holder(ctx: Context) -> Failure | None:
    """Only the current stafetholder offers a handover."""
    transfer = ctx.request.transfer
    state = transfer.stafetlog
    if state is None or state.holder_org_id is None:
        return None
    if state.holder_org_id == transfer.sender.org_id:
        return None
    return {"sender": transfer.sender.org_id, "holder": state.holder_org_id}


@transfer_check("STA-2")
def closed(ctx: Context) -> Failure | None:
    """An archived or destroyed log is never changed or sent again."""
    state = ctx.request.transfer.stafetlog
    if state is None or state.status == "open":
        return None
    return {"status": state.status}
