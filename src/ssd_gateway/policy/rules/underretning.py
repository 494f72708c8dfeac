"""UND-1…UND-4: the underretning goes to the right authority; feedback stays minimal.

An underretning needs no consent and no consent rule is ever consulted on this basis
(001:2290-2292, 001:4745-4747).
"""

from __future__ import annotations

from ssd_gateway.policy.rules.base import Context, Failure, transfer_check


def _moving_notification(ctx: Context) -> bool:
    """§152: the social authority the family moves from notifies the one it moves to."""
    transfer = ctx.request.transfer
    facts = transfer.underretning
    sender, recipient = transfer.sender, transfer.recipient
    authority = ctx.pack.param("underretning", "recipient_sector")
    return (
        facts is not None
        and facts.notifier_kind == ctx.pack.param("underretning", "moving_notifier")
        and sender.sector == authority
        and sender.municipality == ctx.request.child.municipality
        and recipient.municipality is not None
        and recipient.municipality != sender.municipality
    )


@transfer_check("UND-1")
def wrong_recipient(ctx: Context) -> Failure | None:
    """Only the social authority of the child's municipality receives an underretning.

    For a receipt the authority is the sender: it must be a social authority.
    """
    transfer = ctx.request.transfer
    authority = ctx.pack.param("underretning", "recipient_sector")
    municipality = ctx.request.child.municipality
    if transfer.kind == "underretning_receipt":
        if transfer.sender.sector == authority:
            return None
        return {
            "municipality": municipality,
            "detail_da": "En kvittering for en underretning sendes af børne- og familieafdelingen.",
            "detail_en": "A receipt for an underretning comes from the social authority.",
        }
    recipient = transfer.recipient
    if recipient.sector != authority:
        return {
            "municipality": municipality,
            "detail_da": "Modtageren er ikke børne- og familieafdelingen i barnets kommune.",
            "detail_en": "The recipient is not the social authority of the child's municipality.",
        }
    if recipient.municipality == municipality or _moving_notification(ctx):
        return None
    theirs = recipient.municipality
    return {
        "municipality": municipality,
        "detail_da": f"Modtageren hører til kommune {theirs or '(ukendt)'}, "
        f"men barnets kommune er {municipality}.",
        "detail_en": f"The recipient belongs to municipality {theirs or '(unknown)'}, "
        f"but the child's municipality is {municipality}.",
    }


@transfer_check("UND-2")
def feedback_not_requested(ctx: Context) -> Failure | None:
    """Feedback goes only to a notifier who asked for it."""
    feedback = ctx.request.transfer.feedback
    return None if feedback is not None and feedback.requested else {}


@transfer_check("UND-3")
def feedback_content_not_allowed(ctx: Context) -> Failure | None:
    """Only the outcome code, unless the parents accepted fuller feedback."""
    feedback = ctx.request.transfer.feedback
    if feedback is None or not (feedback.content and feedback.content.strip()):
        return None
    if feedback.parents_accepted_fuller_feedback:
        return None
    return {"outcomes": ctx.pack.param("underretning", "feedback_outcomes")}


@transfer_check("UND-4")
def feedback_notifier_not_professional(ctx: Context) -> Failure | None:
    """Feedback under §153 is for professional notifiers only."""
    feedback = ctx.request.transfer.feedback
    if feedback is None or feedback.notifier_kind is None:
        return None
    if feedback.notifier_kind in ctx.pack.param("underretning", "professional_notifiers"):
        return None
    return {"notifier_kind": feedback.notifier_kind}
