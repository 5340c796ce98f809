"""What the notices' modules share: the router, topic names, the text in a reader's
language, quiet hours, and who may write notices."""

from __future__ import annotations

from datetime import datetime

from db.models import Role, User
from db.notices.models import Notice, Topic
from db.users import acting_roles
from handlers.i18n import N_, Language, is_chinese, written
from handlers.quiet import quiet_end
from handlers.router import Router
from handlers.types import Community, Ctx

router = Router("notices")

#: How many times a notice may be corrected: each correction reaches every reader again.
MAX_CORRECTIONS = 3

TOPIC_LABELS = {
    Topic.NEWS: N_("📰 Community news"),
    Topic.WORKS: N_("🔧 Building works and outages"),
    Topic.SAFETY: N_("⚠️ Safety and weather"),
    Topic.EVENTS: N_("🗓 Events"),
    Topic.VOLUNTEER: N_("🤝 Volunteer opportunities"),
}


def topic_label(lang: Language, topic: str) -> str:
    label = TOPIC_LABELS.get(Topic(topic)) if topic in TOPIC_LABELS else None
    return lang.gettext(label) if label else topic


def text_for(lang: Language, zh: str | None, en: str | None) -> tuple[str, str | None]:
    """The text in the reader's language (Traditional characters for a 繁體 reader), else the
    other one with a line saying so (``handlers.i18n.written``)."""
    text, other = written(lang.code, zh, en)
    if not other:
        return text, None
    if is_chinese(lang.code):
        return text, lang.gettext("(This notice was written in English only.)")
    return text, lang.gettext("(This notice was written in Chinese only.)")


def skips_quiet_hours(notice: Notice) -> bool:
    """Only urgent safety notices go out in the quiet hours."""
    return bool(notice.urgent) and notice.topic == Topic.SAFETY


def when_due(community: Community, notice: Notice, requested: datetime) -> datetime:
    return requested if skips_quiet_hours(notice) else quiet_end(community, requested)


def may_announce(user: User | None, community: Community, topic: str | None = None) -> bool:
    """An announcer or an admin (also from the settings); for the volunteer opportunities
    topic, a volunteer coordinator too (publishing an opportunity offers to announce it)."""
    if user is None:
        return False
    roles = user.role_names
    if topic == Topic.VOLUNTEER and Role.COORDINATOR in roles:
        return True
    return bool(roles & acting_roles(Role.ANNOUNCER))


def may_manage(ctx: Ctx, notice: Notice | None) -> bool:
    """Its author (still an announcer) or an admin."""
    if notice is None:
        return False
    if ctx.has_role("admin"):
        return True
    return notice.author_id == ctx.user.id and ctx.has_role(Role.ANNOUNCER)
