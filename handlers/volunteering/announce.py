"""Publishing offers a notice to everyone who follows “🤝 Volunteer opportunities”: the
coordinator presses 📢 and the notices' sweep sends it (quiet hours apply), once per
opportunity."""

from __future__ import annotations

from datetime import datetime

from db import notice_states
from db import notices as notice_ops
from db import shift_reads as reads
from db.notice_models import Topic
from db.shift_models import Opportunity, OpportunityStatus
from handlers.buttons.volunteering import OpportunityLink, SendOpportunityNotice
from handlers.i18n import language
from handlers.notices.common import when_due
from handlers.types import Ctx
from handlers.volunteering.common import COORDINATOR, router
from handlers.volunteering.coordinate import managed, show_panel


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
    opportunity = managed(ctx, payload.opportunity)
    if opportunity is None:
        return
    shifts = [s for s in reads.shifts_of(ctx.session, opportunity.id) if s.starts_at > ctx.now]
    if opportunity.status != OpportunityStatus.PUBLISHED or not shifts:
        show_panel(
            ctx,
            opportunity,
            note=ctx._("Only a published opportunity with a shift ahead can be announced."),
        )
        return
    readers = notice_ops.count_by_language(
        ctx.session, Topic.VOLUNTEER, [], default_locale=ctx.community.default_locale
    )
    if readers.total == 0:
        show_panel(
            ctx,
            opportunity,
            note=ctx._("Nobody follows “🤝 Volunteer opportunities” yet, so no notice was sent."),
        )
        return
    link = ctx.community.start_link(OpportunityLink(opportunity.id).pack())
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
            readers.total,
        ).format(when=ctx.lang.datetime(notice.due_at), count=readers.total),
    )
