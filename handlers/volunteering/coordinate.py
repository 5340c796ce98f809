"""Coordinators (role ``coordinator``, and admins): ``/newopportunity`` (a form: the words,
then the first shift and its roles), more shifts, edit, publish (and a notice to the “🤝
Volunteer opportunities” topic), cancel, and ``/coordinate`` (their opportunities)."""

from __future__ import annotations

from typing import Any

from db import shift_reads as reads
from db import shifts as ops
from db.shift_models import Opportunity, OpportunityStatus
from handlers import common
from handlers.buttons.volunteering import (
    AddShift,
    AskToCancelOpportunity,
    CancelOpportunity,
    EditOpportunity,
    ExportHours,
    ManageOpportunity,
    NewOpportunity,
    PublishOpportunity,
    SendOpportunityNotice,
    ShiftPanel,
)
from handlers.forms import engine
from handlers.forms.fields import Invalid
from handlers.i18n import N_
from handlers.types import Button, Ctx, pressed
from handlers.volunteering.common import (
    COORDINATOR,
    access_opportunity_as_coordinator,
    role_name,
    router,
    shift_when,
    title,
)
from handlers.volunteering.fields import SHIFT_FIELDS, TEXT_FIELDS, add_shift_from, texts

STATUS = {
    OpportunityStatus.DRAFT: N_("📝 Draft: only you see it."),
    OpportunityStatus.PUBLISHED: N_("✅ Published: residents can sign up."),
    OpportunityStatus.CANCELLED: N_("❌ Cancelled."),
}


def _submit_new(ctx: Ctx, data: dict[str, Any]) -> None:
    """Keep the draft and its first shift, then show the coordinator's panel."""
    if not ctx.acts_as(COORDINATOR):
        raise Invalid(N_("Sorry, only volunteer coordinators can do this."))
    new = texts(data)
    opportunity = ops.create_opportunity(ctx.session, ctx.user, new, now=ctx.now)
    add_shift_from(ctx, opportunity, data)
    show_panel(
        ctx,
        opportunity,
        note=ctx._("📝 Saved as a draft. Add more shifts if you need them, then publish it."),
    )


NEW_OPPORTUNITY = router.form(
    engine.Form(
        name="vs.new",
        title=N_("New volunteer opportunity"),
        fields=(*TEXT_FIELDS, *SHIFT_FIELDS),
        on_submit=_submit_new,
    )
)


def managed(ctx: Ctx, opportunity_id: int) -> Opportunity | None:
    opportunity = access_opportunity_as_coordinator(ctx, opportunity_id)
    if opportunity is None:
        ctx.reply(ctx._("Sorry, only this opportunity's coordinator and admins can do that."))
    return opportunity


def _submit_shift(ctx: Ctx, data: dict[str, Any]) -> None:
    opportunity = managed(ctx, int(data["opportunity_id"]))
    if opportunity is None:
        return
    if opportunity.status == OpportunityStatus.CANCELLED:
        raise Invalid(N_("Sorry, this opportunity can no longer be changed."))
    add_shift_from(ctx, opportunity, data)
    show_panel(ctx, opportunity, note=ctx._("Shift added."))


ADD_SHIFT = router.form(
    engine.Form(
        name="vs.shift", title=N_("Add a shift"), fields=SHIFT_FIELDS, on_submit=_submit_shift
    )
)


def _submit_edit(ctx: Ctx, data: dict[str, Any]) -> None:
    opportunity = ops.edit_opportunity(
        ctx.session, int(data["opportunity_id"]), texts(data), now=ctx.now
    )
    if opportunity is None or access_opportunity_as_coordinator(ctx, opportunity.id) is None:
        raise Invalid(N_("Sorry, this opportunity can no longer be changed."))
    show_panel(ctx, opportunity, note=ctx._("Changes saved."))


EDIT = router.form(
    engine.Form(
        name="vs.edit", title=N_("Edit the opportunity"), fields=TEXT_FIELDS, on_submit=_submit_edit
    )
)


@router.command("newopportunity", role=COORDINATOR, private_only=True)
def new_opportunity(ctx: Ctx, args: str) -> None:
    engine.start(ctx, NEW_OPPORTUNITY)


@router.command(
    "coordinate", description=N_("Opportunities I coordinate"), role=COORDINATOR, private_only=True
)
def coordinate(ctx: Ctx, args: str) -> None:
    """The coordinator's opportunities (admins: all), each opening its panel."""
    found = reads.coordinated(ctx.session, ctx.user, everyone=ctx.has_role("admin"))
    month = int(ctx.now.astimezone(ctx.community.timezone).strftime("%Y%m"))
    tools = (
        Button(ctx._("➕ New opportunity"), NewOpportunity().pack()),
        Button(ctx._("📊 This month's hours (.xlsx)"), ExportHours(month).pack()),
    )
    if not found:
        ctx.reply(
            ctx._("You have no volunteer opportunities. Send /newopportunity to create one."),
            (tools,),
        )
        return
    lines = [ctx._("Opportunities you coordinate:")]
    rows = []
    for opportunity in found:
        lines.append(
            f"• {title(ctx.lang, opportunity)} — "
            f"{ctx._(STATUS[OpportunityStatus(opportunity.status)])}"
        )
        rows.append(
            (
                Button(
                    f"🛠 {title(ctx.lang, opportunity)}"[:60],
                    ManageOpportunity(opportunity.id).pack(),
                ),
            )
        )
    rows.append(tools)
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


@router.button(NewOpportunity, role=COORDINATOR, private_only=True)
def _new(ctx: Ctx, payload: NewOpportunity) -> None:
    engine.start(ctx, NEW_OPPORTUNITY)


def show_panel(ctx: Ctx, opportunity: Opportunity, *, note: str | None = None) -> None:
    """The coordinator's panel: state, shifts with places taken per role, the tools."""
    lines = [note] if note else []
    lines.append(f"🛠 {title(ctx.lang, opportunity)}")
    lines.append(ctx._(STATUS[OpportunityStatus(opportunity.status)]))
    shifts = reads.shifts_of(ctx.session, opportunity.id)
    roles = reads.roles_of(ctx.session, [shift.id for shift in shifts])
    taken = reads.taken_by_role(ctx.session, [role.id for role in roles])
    rows: list[tuple[Button, ...]] = []
    for shift in shifts:
        lines.append(ctx._("🕒 {when}").format(when=shift_when(ctx.lang, shift)))
        for role in (r for r in roles if r.shift_id == shift.id):
            lines.append(
                ctx._("  • {role}: {taken} of {capacity}").format(
                    role=role_name(ctx.lang, role), taken=taken[role.id], capacity=role.capacity
                )
            )
        rows.append(
            (Button(f"🕒 {ctx.lang.datetime(shift.starts_at)}"[:60], ShiftPanel(shift.id).pack()),)
        )
    if opportunity.status != OpportunityStatus.CANCELLED:
        rows.append(
            (
                Button(ctx._("➕ Add a shift"), AddShift(opportunity.id).pack()),
                Button(ctx._("✏️ Change the details"), EditOpportunity(opportunity.id).pack()),
            )
        )
        if opportunity.status == OpportunityStatus.DRAFT:
            rows.append((Button(ctx._("📣 Publish"), PublishOpportunity(opportunity.id).pack()),))
        else:
            rows.append(
                (Button(ctx._("📢 Send a notice"), SendOpportunityNotice(opportunity.id).pack()),)
            )
        rows.append(
            (
                Button(
                    ctx._("❌ Cancel the opportunity"),
                    AskToCancelOpportunity(opportunity.id).pack(),
                ),
            )
        )
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


@router.button(ManageOpportunity, role=COORDINATOR, private_only=True)
def _panel(ctx: Ctx, payload: ManageOpportunity) -> None:
    opportunity = managed(ctx, payload.opportunity)
    if opportunity is not None:
        show_panel(ctx, opportunity)


@router.button(AddShift, role=COORDINATOR, private_only=True)
def _add_shift(ctx: Ctx, payload: AddShift) -> None:
    opportunity = managed(ctx, payload.opportunity)
    if opportunity is not None and opportunity.status != OpportunityStatus.CANCELLED:
        engine.start(ctx, ADD_SHIFT, initial={"opportunity_id": opportunity.id})


@router.button(EditOpportunity, role=COORDINATOR, private_only=True)
def _edit(ctx: Ctx, payload: EditOpportunity) -> None:
    opportunity = managed(ctx, payload.opportunity)
    if opportunity is None or opportunity.status == OpportunityStatus.CANCELLED:
        return
    answers = {
        "title_zh": opportunity.title_zh,
        "title_en": opportunity.title_en,
        "description_zh": opportunity.description_zh,
        "description_en": opportunity.description_en,
        "organiser": opportunity.organiser,
        "place": opportunity.place,
    }
    engine.start(ctx, EDIT, initial={"opportunity_id": opportunity.id}, answers=answers)


@router.button(PublishOpportunity, role=COORDINATOR, private_only=True)
def _publish(ctx: Ctx, payload: PublishOpportunity) -> None:
    opportunity = managed(ctx, payload.opportunity)
    if opportunity is None:
        return
    result = ops.publish(ctx.session, opportunity.id, now=ctx.now)
    if result.outcome == ops.Outcome.CLOSED:
        show_panel(ctx, opportunity, note=ctx._("Please add a shift before publishing."))
        return
    if result.outcome != ops.Outcome.OK:
        show_panel(ctx, opportunity, note=ctx._("It is already published."))
        return
    show_panel(
        ctx,
        opportunity,
        note=ctx._(
            "✅ Published. Send a notice to everyone who follows “🤝 Volunteer opportunities”? "
            "Press 📢 Send a notice."
        ),
    )


@router.button(AskToCancelOpportunity, role=COORDINATOR, private_only=True)
def _ask_cancel(ctx: Ctx, payload: AskToCancelOpportunity) -> None:
    opportunity = managed(ctx, payload.opportunity)
    if opportunity is None:
        return
    common.ask_to_cancel(
        ctx,
        ctx._("Cancel “{title}”? Everyone signed up is told.").format(
            title=title(ctx.lang, opportunity)
        ),
        cancel=CancelOpportunity(opportunity.id),
        keep=ManageOpportunity(opportunity.id),
    )


@router.button(CancelOpportunity, role=COORDINATOR, private_only=True)
def _cancel(ctx: Ctx, payload: CancelOpportunity) -> None:
    opportunity = managed(ctx, payload.opportunity)
    if opportunity is None:
        return
    result = ops.cancel_opportunity(ctx.session, opportunity.id, now=ctx.now)
    if result.outcome != ops.Outcome.OK:
        show_panel(ctx, opportunity, note=ctx._("It was already cancelled."))
        return
    note = ctx.lang.ngettext(
        "The opportunity is cancelled; {count} person signed up is told.",
        "The opportunity is cancelled; {count} people signed up are told.",
        result.count,
    ).format(count=result.count)
    show_panel(ctx, opportunity, note=note)
