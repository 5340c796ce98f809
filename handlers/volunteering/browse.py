"""Residents: ``/volunteer`` (the upcoming opportunities, those whose roles fit the person
first), the card with its shifts and the places left per role, signing up for a shift in a role
(or its waiting list), cancelling, the shift in a calendar, ``/myshifts``."""

from __future__ import annotations

from db import shift_hours as hours_ops
from db import shift_reads as reads
from db import shifts as ops
from db.request_models import VolunteerProfile
from db.shift_models import Opportunity, Shift, ShiftRole
from db.shift_models import ShiftSignupStatus as Status
from handlers import common
from handlers.buttons.volunteering import (
    AskToLeaveShift,
    ChooseRole,
    LeaveShift,
    ListOpportunities,
    ManageOpportunity,
    MyHours,
    MyShifts,
    OpportunityLink,
    ShiftCalendar,
    ShowOpportunity,
    SignUpShift,
)
from handlers.i18n import N_, for_reader, is_chinese
from handlers.types import Attachment, Button, Ctx, keyboard, pressed
from handlers.volunteering.common import (
    GONE,
    hours_text,
    needs_list,
    role_name,
    router,
    shift_when,
    title,
    visible,
)

PAGE_SIZE = 6


def person_tags(ctx: Ctx) -> set[str]:
    """What a role may ask for that this person has: their language, the languages and help
    they offer as a volunteer of the team."""
    tags = {"zh" if is_chinese(ctx.lang.code) else "en"}
    profile = ctx.session.get(VolunteerProfile, ctx.user.id)
    if profile is not None:
        tags |= {str(tag).casefold() for tag in (*profile.languages, *profile.categories)}
    return tags


def _matches(roles: list[ShiftRole], tags: set[str]) -> bool:
    return any(set(map(str.casefold, needs_list(role))) & tags for role in roles)


def show_list(ctx: Ctx, page: int = 0, *, note: str | None = None) -> None:
    """Upcoming opportunities, matching ones first, a page at a time."""
    found = reads.upcoming(ctx.session, now=ctx.now)
    lines = [note] if note else []
    if not found:
        lines.append(
            ctx._("There are no volunteer opportunities right now. Please look again later.")
        )
        ctx.reply("\n".join(lines), edit=pressed(ctx))
        return
    shifts = {o.id: reads.shifts_of(ctx.session, o.id) for o in found}
    shifts = {key: [s for s in each if s.starts_at > ctx.now] for key, each in shifts.items()}
    roles = reads.roles_of(ctx.session, [s.id for each in shifts.values() for s in each])
    by_opportunity: dict[int, list[ShiftRole]] = {}
    shift_owner = {s.id: o_id for o_id, each in shifts.items() for s in each}
    for role in roles:
        by_opportunity.setdefault(shift_owner[role.shift_id], []).append(role)
    tags = person_tags(ctx)
    found.sort(key=lambda o: not _matches(by_opportunity.get(o.id, []), tags))
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    lines.append(
        ctx._("🤝 Volunteer opportunities (page {page} of {pages}):").format(
            page=page + 1, pages=pages
        )
    )
    rows = []
    for opportunity in found[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        first = shifts[opportunity.id][0]
        mark = "⭐ " if _matches(by_opportunity.get(opportunity.id, []), tags) else ""
        lines.append(
            ctx._("• {mark}{title} — {when} — {organiser}").format(
                mark=mark,
                title=title(ctx.lang, opportunity),
                when=ctx.lang.datetime(first.starts_at),
                organiser=for_reader(ctx.lang.code, opportunity.organiser),
            )
        )
        label = f"{mark}{title(ctx.lang, opportunity)}"[:60]
        rows.append((Button(label, ShowOpportunity(opportunity.id).pack()),))
    if any("⭐" in line for line in lines):
        lines.append(ctx._("⭐ means it needs your language or what you offer."))
    turn = []
    if page > 0:
        turn.append(Button(ctx._("‹ Previous"), ListOpportunities(page - 1).pack()))
    if page + 1 < pages:
        turn.append(Button(ctx._("Next ›"), ListOpportunities(page + 1).pack()))
    if turn:
        rows.append(tuple(turn))
    rows.append(
        (
            Button(ctx._("📋 My shifts"), MyShifts().pack()),
            Button(ctx._("⏱ My hours"), MyHours().pack()),
        )
    )
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


@router.command("volunteer", description=N_("Volunteer opportunities"))
def volunteer_command(ctx: Ctx, args: str) -> None:
    """The list of opportunities."""
    show_list(ctx)


@router.button(ListOpportunities)
def _list(ctx: Ctx, payload: ListOpportunities) -> None:
    show_list(ctx, payload.page)


def show_card(ctx: Ctx, opportunity: Opportunity, *, note: str | None = None) -> None:
    """The opportunity: what, who, where, then each shift with its roles and places left; a
    button per role with places (or a waiting list) and, where they are in, Cancel."""
    lines = [note] if note else []
    lines.append(f"🤝 {title(ctx.lang, opportunity)}")
    description = common.pick_text(
        ctx.lang.code, opportunity.description_zh, opportunity.description_en
    )
    if description:
        lines.append(description)
    organiser = for_reader(ctx.lang.code, opportunity.organiser)
    lines.append(ctx._("🏢 Organised by {organiser}").format(organiser=organiser))
    lines.append(ctx._("📍 {place}").format(place=for_reader(ctx.lang.code, opportunity.place)))
    shifts = [s for s in reads.shifts_of(ctx.session, opportunity.id) if s.ends_at > ctx.now]
    roles = reads.roles_of(ctx.session, [shift.id for shift in shifts])
    taken = reads.taken_by_role(ctx.session, [role.id for role in roles])
    rows: list[tuple[Button, ...]] = []
    for shift in shifts:
        lines.append("")
        lines.append(ctx._("🕒 {when}").format(when=shift_when(ctx.lang, shift)))
        mine = reads.find_signup(ctx.session, shift.id, ctx.user.id)
        for role in (r for r in roles if r.shift_id == shift.id):
            left = max(0, role.capacity - taken[role.id])
            needs = ", ".join(needs_list(role))
            line = ctx.lang.ngettext(
                "  • {role}: {left} place left of {capacity}",
                "  • {role}: {left} places left of {capacity}",
                left,
            ).format(role=role_name(ctx.lang, role), left=left, capacity=role.capacity)
            if needs:
                line += " " + ctx._("(needs: {needs})").format(needs=needs)
            if mine is not None and mine.role_id == role.id and mine.status == Status.CONFIRMED:
                line += " " + ctx._("✅ you")
            elif mine is not None and mine.role_id == role.id and mine.status == Status.WAITING:
                line += " " + ctx._("⏳ you are on the waiting list")
            lines.append(line)
            if shift.starts_at > ctx.now and (mine is None or mine.status == Status.CANCELLED):
                label = (
                    ctx._("🙋 {role}, {when}")
                    if left
                    else ctx._("⏳ {role}, {when} (waiting list)")
                )
                text = label.format(
                    role=role_name(ctx.lang, role), when=ctx.lang.datetime(shift.starts_at)
                )
                rows.append((Button(text[:60], ChooseRole(role.id).pack()),))
        if mine is not None and mine.status in (Status.CONFIRMED, Status.WAITING):
            rows.append(
                (
                    Button(ctx._("❌ Cancel my signup"), AskToLeaveShift(shift.id).pack()),
                    Button(ctx._("📅 Add to calendar"), ShiftCalendar(shift.id).pack()),
                )
            )
    if ctx.acts_as("coordinator") and not ctx.inbound.chat.is_group:
        rows.append((Button(ctx._("🛠 Manage"), ManageOpportunity(opportunity.id).pack()),))
    rows.append((Button(ctx._("« All opportunities"), ListOpportunities().pack()),))
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


@router.button(ShowOpportunity)
def _card(ctx: Ctx, payload: ShowOpportunity) -> None:
    opportunity = visible(ctx, payload.opportunity)
    if opportunity is None:
        show_list(ctx, note=ctx._(GONE))
        return
    show_card(ctx, opportunity)


@router.deep_link(OpportunityLink)
def _deep_card(ctx: Ctx, link: OpportunityLink | None) -> None:
    """``/start vo_<opportunity>``: the card (the notice links here)."""
    opportunity = visible(ctx, link.opportunity) if link is not None else None
    if opportunity is None:
        show_list(ctx, note=ctx._(GONE))
        return
    show_card(ctx, opportunity)


def _role(ctx: Ctx, role_id: int) -> tuple[ShiftRole, Shift] | None:
    role = ctx.session.get(ShiftRole, role_id)
    if role is None:
        return None
    shift = ctx.session.get(Shift, role.shift_id)
    if shift is None or visible(ctx, shift.opportunity_id) is None:
        return None
    return role, shift


@router.button(ChooseRole)
def _choose(ctx: Ctx, payload: ChooseRole) -> None:
    """Ask to confirm; someone with three no-shows lately is gently reminded first."""
    found = _role(ctx, payload.role)
    if found is None:
        show_list(ctx, note=ctx._(GONE))
        return
    role, shift = found
    lines = []
    if hours_ops.no_shows(ctx.session, ctx.user, now=ctx.now) >= hours_ops.NO_SHOW_NOTE_AT:
        lines.append(
            ctx._(
                "A gentle note: you signed up for several shifts lately and could not come. "
                "If you cannot come, please cancel your signup in time, so someone else can "
                "take the place. Thank you!"
            )
        )
    lines.append(
        ctx._("Sign up as {role} for {when} ({title})?").format(
            role=role_name(ctx.lang, role),
            when=shift_when(ctx.lang, shift),
            title=title(ctx.lang, shift.opportunity),
        )
    )
    ctx.reply(
        "\n\n".join(lines),
        keyboard(
            (
                Button(ctx._("✅ Confirm"), SignUpShift(role.id).pack()),
                Button(ctx._("« Back"), ShowOpportunity(shift.opportunity_id).pack()),
            )
        ),
        edit=pressed(ctx),
    )


@router.button(SignUpShift)
def _sign_up(ctx: Ctx, payload: SignUpShift) -> None:
    found = _role(ctx, payload.role)
    if found is None:
        show_list(ctx, note=ctx._(GONE))
        return
    role, shift = found
    result = ops.sign_up(
        ctx.session, role.id, ctx.user, now=ctx.now, reminders=ctx.community.event_reminders
    )
    name = role_name(ctx.lang, role)
    if result.outcome in (ops.Outcome.CONFIRMED, ops.Outcome.WAITING):
        ctx.completed()
    if result.outcome == ops.Outcome.CONFIRMED:
        note = ctx._(
            "✅ You are signed up as {role} for {when}. Thank you! We will remind you before "
            "the shift. At the venue, send me the check-in code the coordinator shows."
        ).format(role=name, when=shift_when(ctx.lang, shift))
    elif result.outcome == ops.Outcome.WAITING:
        note = ctx._(
            "⏳ The role is full. You are number {position} on the waiting list; if a place "
            "frees up, it is yours and I will tell you."
        ).format(position=result.position)
    elif result.outcome == ops.Outcome.EXISTS:
        note = ctx._("You are already signed up for this shift.")
    elif result.outcome == ops.Outcome.CLOSED:
        note = ctx._("Sorry, this shift has already started.")
    else:
        show_list(ctx, note=ctx._(GONE))
        return
    show_card(ctx, shift.opportunity, note=note)


@router.button(AskToLeaveShift)
def _ask_leave(ctx: Ctx, payload: AskToLeaveShift) -> None:
    shift = ctx.session.get(Shift, payload.shift)
    if shift is None or reads.find_signup(ctx.session, shift.id, ctx.user.id) is None:
        show_list(ctx, note=ctx._(GONE))
        return
    common.ask_to_cancel(
        ctx,
        ctx._("Cancel your signup for {when}?").format(when=shift_when(ctx.lang, shift)),
        cancel=LeaveShift(shift.id),
        keep=ShowOpportunity(shift.opportunity_id),
    )


@router.button(LeaveShift)
def _leave(ctx: Ctx, payload: LeaveShift) -> None:
    result = ops.cancel_signup(
        ctx.session, payload.shift, ctx.user, now=ctx.now, reminders=ctx.community.event_reminders
    )
    shift = ctx.session.get(Shift, payload.shift)
    if result.outcome == ops.Outcome.CANCELLED and shift is not None:
        show_card(ctx, shift.opportunity, note=ctx._("Your signup is cancelled."))
    elif result.outcome == ops.Outcome.CLOSED:
        ctx.reply(ctx._("Sorry, this shift has already started; please tell the coordinator."))
    else:
        show_list(ctx, note=ctx._("You are not signed up for that shift."))


@router.button(ShiftCalendar)
def _calendar(ctx: Ctx, payload: ShiftCalendar) -> None:
    shift = ctx.session.get(Shift, payload.shift)
    if shift is None or visible(ctx, shift.opportunity_id) is None:
        show_list(ctx, note=ctx._(GONE))
        return
    opportunity = shift.opportunity
    ctx.reply(
        ctx._("📅 Open this file to add the shift to your calendar."),
        attachment=Attachment(
            filename=f"shift-{shift.id}.ics",
            content=common.ics_bytes(
                uid=f"shift-{shift.id}@linli",
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                summary=title(ctx.lang, opportunity),
                location=opportunity.place,
                description=common.pick_text(
                    ctx.lang.code, opportunity.description_zh, opportunity.description_en
                ),
                now_stamp=ctx.now,
            ),
            mime_type="text/calendar",
        ),
    )


@router.command("myshifts")
def my_shifts(ctx: Ctx, args: str) -> None:
    """The shifts ahead that this person signed up for."""
    signups = reads.my_signups(ctx.session, ctx.user, now=ctx.now)
    if not signups:
        ctx.reply(
            ctx._("You have no volunteer shifts ahead. Send /volunteer to find one."),
            keyboard(Button(ctx._("🤝 Volunteer opportunities"), ListOpportunities().pack())),
            edit=pressed(ctx),
        )
        return
    lines = [ctx._("Your volunteer shifts:")]
    rows = []
    for signup in signups:
        opportunity = signup.shift.opportunity
        state = ctx._("✅") if signup.status == Status.CONFIRMED else ctx._("⏳ waiting list")
        lines.append(
            f"• {title(ctx.lang, opportunity)} — {role_name(ctx.lang, signup.role)} — "
            f"{shift_when(ctx.lang, signup.shift)} {state}"
        )
        rows.append(
            (Button(title(ctx.lang, opportunity)[:60], ShowOpportunity(opportunity.id).pack()),)
        )
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


@router.button(MyShifts)
def _mine(ctx: Ctx, payload: MyShifts) -> None:
    my_shifts(ctx, "")


__all__ = ["hours_text", "show_card", "show_list"]
