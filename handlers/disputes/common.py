"""What the dispute flows share: the router, the labels, who may see a case (and where), and
the audit log. The emergency check is ``emergency``, the mediators' card ``card``, and the
messages to the room and to reporters ``messages``.

Privacy: the card, the room's notes, the admins' escalation and everything the other side sees
are built from ``card_params`` and the case's own text, which never include an anonymous
reporter's name, username or id. Only messages to the reporter's own private chat go to them.
"""

from __future__ import annotations

from typing import Any

from db import disputes as dp
from db.dispute_models import DisputeCase, DisputeStatus
from db.models import User
from handlers import common
from handlers.buttons.disputes import CaseLink
from handlers.i18n import N_
from handlers.router import Router
from handlers.types import Ctx

router = Router("disputes")


#: Said in a group for a mediator's view of a case; the button beside it opens it privately.
# Translators: staff only
CASE_IN_PRIVATE = N_("Please open the case in a private chat with me: send /cases there.")


def case_link(payload: Any) -> str | None:
    """The start link that opens the payload's case (``dp:photos:42``) in a private chat."""
    return CaseLink(payload.case).pack()


#: A mediator's view of a case or its tools: mediators (and admins), in a private chat only.
MEDIATOR_PRIVATELY: dict[str, Any] = {
    "role": "mediator",
    "private_only": True,
    "private_hint": CASE_IN_PRIVATE,
    "private_link": case_link,
}


CATEGORY_LABELS = {
    "noise": N_("🔊 Noise"),
    "parking": N_("🚗 Parking"),
    "pets": N_("🐕 Pets"),
    "water_leak": N_("💧 Water leak"),
    "shared_spaces": N_("🗑 Shared spaces and rubbish"),
    "property": N_("🏢 Property management"),
    "other": N_("📝 Other"),
}
STATUS_LABELS = {
    DisputeStatus.NEW: N_("new"),
    DisputeStatus.ACKNOWLEDGED: N_("acknowledged"),
    DisputeStatus.IN_PROGRESS: N_("in progress"),
    DisputeStatus.RESOLVED: N_("resolved"),
    DisputeStatus.CLOSED: N_("closed"),
}
REASON_LABELS = {
    "duplicate": N_("a duplicate of another report"),
    "not_neighbours": N_("not a matter between neighbours"),
    "no_response": N_("no response"),
    "other": N_("other reason"),
}


# ---------------------------------------------------------------------------- access


def is_mediator(ctx: Ctx) -> bool:
    """Mediators work cases; admins may too (they act as every staff role)."""
    return ctx.acts_as("mediator")


def access_case_as_mediator(ctx: Ctx, case_id: int | None) -> DisputeCase | None:
    """The case (the one mediators work on) for a mediator; otherwise answer why not."""
    if not is_mediator(ctx):
        ctx.reply(ctx._("Sorry, only the community's mediators can do this."))
        return None
    case = ctx.session.get(DisputeCase, case_id) if case_id is not None else None
    if case is None:
        # Translators: staff only (mediators), so 案件 is right here
        ctx.reply(ctx._("That case does not exist. Send /cases to see the open ones."))
        return None
    return dp.root_of(ctx.session, case)


def log_by(
    ctx: Ctx,
    case: DisputeCase,
    kind: str,
    *,
    role: str,
    named: bool = True,
    audience: str = dp.INTERNAL,
    text: str | None = None,
) -> None:
    """One line in the case's audit log: this person, as ``role``, did ``kind`` now (internal
    unless said). ``named=False`` leaves them out of it: a reporter's answers never say who."""
    dp.log_event(
        ctx.session,
        case,
        now=ctx.now,
        kind=kind,
        audience=audience,
        actor=ctx.user if named else None,
        role=role,
        text=text,
    )


def log_by_mediator(
    ctx: Ctx, root: DisputeCase, kind: str, *, audience: str = dp.INTERNAL, text: str | None = None
) -> None:
    """One line in the case's audit log: this mediator did ``kind`` (internal unless said)."""
    log_by(ctx, root, kind, role="mediator", audience=audience, text=text)


def first_name(user: User | None) -> str:
    """A person's first name on a case; "?" when there is none."""
    return common.first_name(user, missing="?")
