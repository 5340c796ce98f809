"""What the volunteering screens share: the router, bilingual names, hours as people read
them, and who may change an opportunity."""

from __future__ import annotations

from db.models import Role
from db.volunteering.models import Opportunity, OpportunityStatus, Shift, ShiftRole
from handlers.common import pick_text
from handlers.i18n import N_, Language
from handlers.router import Router
from handlers.types import Ctx

router = Router("volunteering")

COORDINATOR = Role.COORDINATOR
GONE = N_("Sorry, that volunteer opportunity is no longer available.")


def title(lang: Language, opportunity: Opportunity) -> str:
    return pick_text(lang.code, opportunity.title_zh, opportunity.title_en)


def role_name(lang: Language, role: ShiftRole) -> str:
    return pick_text(lang.code, role.name_zh, role.name_en)


def hours_text(lang: Language, minutes: int) -> str:
    """``2.5 h`` / ``2.5 小时``: hours with at most one decimal."""
    hours = lang.number(round(minutes / 60, 1))
    return lang.gettext("{hours} h").format(hours=hours)


def shift_when(lang: Language, shift: Shift) -> str:
    """``Sat, Dec 12, 09:00–12:00``."""
    return lang.gettext("{start}–{end}").format(
        start=lang.datetime(shift.starts_at), end=lang.time(shift.ends_at)
    )


def needs_list(role: ShiftRole) -> list[str]:
    return [need.strip() for need in role.needs.split(",") if need.strip()]


def visible(ctx: Ctx, opportunity_id: int) -> Opportunity | None:
    """A published opportunity, or one its coordinator (or an admin) may see."""
    opportunity = ctx.session.get(Opportunity, opportunity_id)
    if opportunity is None:
        return None
    if opportunity.status == OpportunityStatus.PUBLISHED:
        return opportunity
    return access_opportunity_as_coordinator(ctx, opportunity_id)


def access_opportunity_as_coordinator(ctx: Ctx, opportunity_id: int) -> Opportunity | None:
    """The opportunity if this person leads it (or is an admin); None otherwise."""
    opportunity = ctx.session.get(Opportunity, opportunity_id)
    if opportunity is None:
        return None
    if ctx.has_role("admin") or (
        ctx.acts_as(COORDINATOR) and opportunity.coordinator_id == ctx.user.id
    ):
        return opportunity
    return None
