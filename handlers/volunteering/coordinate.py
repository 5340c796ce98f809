"""Coordinators (role ``coordinator``, and admins): ``/newopportunity`` (a form: the words,
then the first shift and its roles), more shifts, edit, publish (and a notice to the “🤝
Volunteer opportunities” topic), cancel, and ``/coordinate`` (their opportunities)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db import notice_states
from db import notices as notice_ops
from db import shifts as ops
from db.notice_models import Topic
from db.shift_models import Opportunity, OpportunityStatus
from handlers.buttons.volunteering import (
    AddShift,
    AskToCancelOpportunity,
    CancelOpportunity,
    EditOpportunity,
    ExportHours,
    ManageOpportunity,
    PublishOpportunity,
    SendOpportunityNotice,
    ShiftPanel,
)
from handlers.forms import engine
from handlers.forms.fields import Field, Invalid, TextField
from handlers.forms.time_fields import DateTimeField, EndField
from handlers.i18n import N_, language
from handlers.notices.common import when_due
from handlers.types import Button, Ctx, Inbound, keyboard
from handlers.volunteering.browse import pressed
from handlers.volunteering.common import (
    COORDINATOR,
    access_opportunity_as_coordinator,
    role_name,
    router,
    shift_when,
    title,
)

MAX_ROLES = 10
BAD_ROLE = N_(
    "I could not read “{line}”. Write each role as: name × places, e.g. 引导 / Usher × 4."
)
ROLE_LINE = re.compile(r"^(?P<names>.+?)\s*[×xX*＊]\s*(?P<count>\d{1,3})\s*$")
STATUS = {
    OpportunityStatus.DRAFT: N_("📝 Draft: only you see it."),
    OpportunityStatus.PUBLISHED: N_("✅ Published: residents can sign up."),
    OpportunityStatus.CANCELLED: N_("❌ Cancelled."),
}


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def parse_roles(text: str) -> list[dict[str, Any]]:
    """``引导 / Usher × 4 | en`` per line (or separated by ;): names, places, needs."""
    roles = []
    for raw in re.split(r"[\n;；]", text):
        line = raw.strip()
        if not line:
            continue
        head, _, needs = line.partition("|")
        match = ROLE_LINE.match(head.strip())
        if match is None:
            raise Invalid(
                BAD_ROLE,
                line=line[:60],
            )
        count = int(match["count"])
        if not 1 <= count <= 500:
            raise Invalid(N_("A role needs from 1 to 500 places."))
        names = [name.strip() for name in match["names"].split("/") if name.strip()]
        zh = next((name for name in names if _has_cjk(name)), None)
        en = next((name for name in names if not _has_cjk(name)), None)
        if len(names) > 2 or any(len(name) > 100 for name in names):
            raise Invalid(
                BAD_ROLE,
                line=line[:60],
            )
        tags = [tag.strip()[:30] for tag in re.split(r"[,，、]", needs) if tag.strip()]
        roles.append({"zh": zh, "en": en, "places": count, "needs": tags[:5]})
    if not roles:
        raise Invalid(N_("Please write at least one role, e.g. 引导 / Usher × 4."))
    if len(roles) > MAX_ROLES:
        raise Invalid(N_("Please keep it to {maximum} roles per shift."), maximum=MAX_ROLES)
    return roles


@dataclass(frozen=True, kw_only=True)
class RolesField(Field):
    """The shift's roles, one per line."""

    def parse(self, ctx: Ctx, inbound: Inbound) -> list[dict[str, Any]]:
        text = TextField(name=self.name, prompt=self.prompt, label=self.label, max_length=1500)
        return parse_roles(text.parse(ctx, inbound))

    def show(self, ctx: Ctx, value: Any) -> str:
        return "; ".join(
            f"{' / '.join(n for n in (role['zh'], role['en']) if n)} × {role['places']}"
            + (f" ({', '.join(role['needs'])})" if role["needs"] else "")
            for role in value
        )


def _no_zh_title(data: dict[str, Any]) -> bool:
    return data.get("title_zh") is None


TEXT_FIELDS = (
    TextField(
        name="title_zh",
        prompt=N_("The title in Chinese (or Skip if there is none)."),
        label=N_("Chinese title"),
        optional=True,
        max_length=200,
    ),
    TextField(
        name="title_en",
        prompt=N_("The title in English (or Skip if there is none)."),
        label=N_("English title"),
        optional=True,
        max_length=200,
    ),
    TextField(
        name="description_zh",
        prompt=N_("A description in Chinese."),
        label=N_("Chinese description"),
        optional=True,
        max_length=2000,
    ),
    TextField(
        name="description_en",
        prompt=N_("A description in English."),
        label=N_("English description"),
        optional=True,
        max_length=2000,
    ),
    TextField(
        name="organiser",
        prompt=N_("Who organises it? The community, or a partner company's name."),
        label=N_("Organiser"),
        max_length=200,
    ),
    TextField(
        name="place",
        prompt=N_("Where is it? e.g. Community centre, 2nd floor hall."),
        label=N_("Place"),
        max_length=300,
    ),
)
SHIFT_FIELDS = (
    DateTimeField(
        name="starts_at",
        prompt=N_(
            "When does the shift start? Local time, e.g. 2026-12-24 09:00 or 12月24日上午9点."
        ),
        label=N_("Shift start"),
    ),
    EndField(
        name="ends_at",
        start_field="starts_at",
        prompt=N_("How long is the shift, or when does it end? e.g. 3h, or 12:00."),
        label=N_("Shift end"),
    ),
    RolesField(
        name="roles",
        prompt=N_(
            "The roles in this shift, one per line: name × places, and after a | the languages "
            "or skills it needs, e.g.\n引导 / Usher × 4\n翻译 / Interpreter × 2 | en, zh"
        ),
        label=N_("Roles"),
    ),
)


def _texts(data: dict[str, Any]) -> ops.NewOpportunity:
    if not data.get("title_zh") and not data.get("title_en"):
        raise Invalid(
            N_("Please give the opportunity a title in at least one language."), field="title_zh"
        )
    return ops.NewOpportunity(
        title_zh=data.get("title_zh"),
        title_en=data.get("title_en"),
        description_zh=data.get("description_zh"),
        description_en=data.get("description_en"),
        organiser=data["organiser"],
        place=data["place"],
    )


def _shift(ctx: Ctx, opportunity: Opportunity, data: dict[str, Any]) -> None:
    starts_at = datetime.fromisoformat(data["starts_at"])
    ends_at = datetime.fromisoformat(data["ends_at"])
    if starts_at <= ctx.now:
        raise Invalid(
            N_("The start has already passed. Please change the start."), field="starts_at"
        )
    if ends_at <= starts_at:
        raise Invalid(
            N_("The end must be after the start. Please change the end."), field="ends_at"
        )
    roles = [
        ops.NewRole(role["zh"], role["en"], int(role["places"]), tuple(role["needs"]))
        for role in data["roles"]
    ]
    ops.add_shift(ctx.session, opportunity, starts_at=starts_at, ends_at=ends_at, roles=roles)


def _submit_new(ctx: Ctx, data: dict[str, Any]) -> None:
    """Keep the draft and its first shift, then show the coordinator's panel."""
    if not ctx.acts_as(COORDINATOR):
        raise Invalid(N_("Sorry, only volunteer coordinators can do this."))
    new = _texts(data)
    opportunity = ops.create_opportunity(ctx.session, ctx.user, new, now=ctx.now)
    _shift(ctx, opportunity, data)
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


def _managed(ctx: Ctx, opportunity_id: int) -> Opportunity | None:
    opportunity = access_opportunity_as_coordinator(ctx, opportunity_id)
    if opportunity is None:
        ctx.reply(ctx._("Sorry, only this opportunity's coordinator and admins can do that."))
    return opportunity


def _submit_shift(ctx: Ctx, data: dict[str, Any]) -> None:
    opportunity = _managed(ctx, int(data["opportunity_id"]))
    if opportunity is None:
        return
    if opportunity.status == OpportunityStatus.CANCELLED:
        raise Invalid(N_("Sorry, this opportunity can no longer be changed."))
    _shift(ctx, opportunity, data)
    show_panel(ctx, opportunity, note=ctx._("Shift added."))


ADD_SHIFT = router.form(
    engine.Form(
        name="vs.shift", title=N_("Add a shift"), fields=SHIFT_FIELDS, on_submit=_submit_shift
    )
)


def _submit_edit(ctx: Ctx, data: dict[str, Any]) -> None:
    opportunity = ops.edit_opportunity(
        ctx.session, int(data["opportunity_id"]), _texts(data), now=ctx.now
    )
    if opportunity is None or access_opportunity_as_coordinator(ctx, opportunity.id) is None:
        raise Invalid(N_("Sorry, this opportunity can no longer be changed."))
    show_panel(ctx, opportunity, note=ctx._("Changes saved."))


EDIT = router.form(
    engine.Form(
        name="vs.edit", title=N_("Edit the opportunity"), fields=TEXT_FIELDS, on_submit=_submit_edit
    )
)


@router.command(
    "newopportunity",
    description=N_("Create a volunteer opportunity"),
    role=COORDINATOR,
    private_only=True,
)
def new_opportunity(ctx: Ctx, args: str) -> None:
    engine.start(ctx, NEW_OPPORTUNITY)


@router.command(
    "coordinate", description=N_("Opportunities I coordinate"), role=COORDINATOR, private_only=True
)
def coordinate(ctx: Ctx, args: str) -> None:
    """The coordinator's opportunities (admins: all), each opening its panel."""
    found = ops.coordinated(ctx.session, ctx.user, everyone=ctx.has_role("admin"))
    month = int(ctx.now.astimezone(ctx.community.timezone).strftime("%Y%m"))
    export = (Button(ctx._("📊 This month's hours (.xlsx)"), ExportHours(month).pack()),)
    if not found:
        ctx.reply(
            ctx._("You have no volunteer opportunities. Send /newopportunity to create one."),
            (export,),
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
    rows.append(export)
    ctx.reply("\n".join(lines), tuple(rows), edit=pressed(ctx))


def show_panel(ctx: Ctx, opportunity: Opportunity, *, note: str | None = None) -> None:
    """The coordinator's panel: state, shifts with places taken per role, the tools."""
    lines = [note] if note else []
    lines.append(f"🛠 {title(ctx.lang, opportunity)}")
    lines.append(ctx._(STATUS[OpportunityStatus(opportunity.status)]))
    shifts = ops.shifts_of(ctx.session, opportunity.id)
    roles = ops.roles_of(ctx.session, [shift.id for shift in shifts])
    taken = ops.taken_by_role(ctx.session, [role.id for role in roles])
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
                Button(ctx._("✏️ Edit"), EditOpportunity(opportunity.id).pack()),
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
    opportunity = _managed(ctx, payload.opportunity)
    if opportunity is not None:
        show_panel(ctx, opportunity)


@router.button(AddShift, role=COORDINATOR, private_only=True)
def _add_shift(ctx: Ctx, payload: AddShift) -> None:
    opportunity = _managed(ctx, payload.opportunity)
    if opportunity is not None and opportunity.status != OpportunityStatus.CANCELLED:
        engine.start(ctx, ADD_SHIFT, initial={"opportunity_id": opportunity.id})


@router.button(EditOpportunity, role=COORDINATOR, private_only=True)
def _edit(ctx: Ctx, payload: EditOpportunity) -> None:
    opportunity = _managed(ctx, payload.opportunity)
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
    opportunity = _managed(ctx, payload.opportunity)
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


def notice_text(code: str, tz: str, opportunity: Opportunity, first: datetime, link: str) -> str:
    """The notice about an opportunity, in one language."""
    lang = language(code, tz)
    name = opportunity.title_zh if code == "zh_Hans" else opportunity.title_en
    return lang.gettext(
        "🤝 A new volunteer opportunity: {title}\n🕒 {when}\n📍 {place}\nSign up: {link}"
    ).format(
        title=name or opportunity.title_zh or opportunity.title_en,
        when=lang.datetime(first),
        place=opportunity.place,
        link=link,
    )


@router.button(SendOpportunityNotice, role=COORDINATOR, private_only=True)
def _notice(ctx: Ctx, payload: SendOpportunityNotice) -> None:
    """A notice to the volunteer opportunities topic, once per opportunity."""
    opportunity = _managed(ctx, payload.opportunity)
    if opportunity is None:
        return
    shifts = [s for s in ops.shifts_of(ctx.session, opportunity.id) if s.starts_at > ctx.now]
    if opportunity.status != OpportunityStatus.PUBLISHED or not shifts:
        show_panel(
            ctx,
            opportunity,
            note=ctx._("Only a published opportunity with a shift ahead can be announced."),
        )
        return
    zh, en = notice_ops.count_by_language(
        ctx.session, Topic.VOLUNTEER, [], default_locale=ctx.community.default_locale
    )
    if zh + en == 0:
        show_panel(
            ctx,
            opportunity,
            note=ctx._("Nobody follows “🤝 Volunteer opportunities” yet, so no notice was sent."),
        )
        return
    link = ctx.community.start_link(f"vo_{opportunity.id}")
    tz = ctx.community.timezone.key
    new = notice_ops.NewNotice(
        topic=Topic.VOLUNTEER,
        text_zh=notice_text("zh_Hans", tz, opportunity, shifts[0].starts_at, link),
        text_en=notice_text("en", tz, opportunity, shifts[0].starts_at, link),
        requested_at=ctx.now,
    )
    notice = notice_ops.create(
        ctx.session, author=ctx.user, submission=f"vs:{opportunity.id}", new=new, now=ctx.now
    )
    if notice is None:
        show_panel(ctx, opportunity, note=ctx._("A notice about it was already sent."))
        return
    notice_states.schedule(ctx.session, notice, due_at=when_due(ctx.community, notice, ctx.now))
    show_panel(
        ctx,
        opportunity,
        note=ctx.lang.ngettext(
            "📢 The notice goes out at {when} to {count} person.",
            "📢 The notice goes out at {when} to {count} people.",
            zh + en,
        ).format(when=ctx.lang.datetime(notice.due_at), count=zh + en),
    )


@router.button(AskToCancelOpportunity, role=COORDINATOR, private_only=True)
def _ask_cancel(ctx: Ctx, payload: AskToCancelOpportunity) -> None:
    opportunity = _managed(ctx, payload.opportunity)
    if opportunity is None:
        return
    ctx.reply(
        ctx._("Cancel “{title}”? Everyone signed up is told.").format(
            title=title(ctx.lang, opportunity)
        ),
        keyboard(
            (
                Button(ctx._("Yes, cancel it"), CancelOpportunity(opportunity.id).pack()),
                Button(ctx._("No, keep it"), ManageOpportunity(opportunity.id).pack()),
            )
        ),
        edit=pressed(ctx),
    )


@router.button(CancelOpportunity, role=COORDINATOR, private_only=True)
def _cancel(ctx: Ctx, payload: CancelOpportunity) -> None:
    opportunity = _managed(ctx, payload.opportunity)
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
