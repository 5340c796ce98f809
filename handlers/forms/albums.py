"""Photos sent together (a Telegram album, or several Matrix images sent at once) arrive as one
message each. A photo question takes them one after the other up to its most; the ones after
that arrive at the next question and are not answers to it: they are set aside with one line
saying how many were kept, never refused one by one."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.forms import state
from handlers.forms.fields import Field, PhotoField
from handlers.i18n import Np_
from handlers.types import Ctx, Kind

#: Without an album id (Matrix), photos this close together were sent at once.
TOGETHER = timedelta(seconds=5)
KEPT = Np_(
    "I kept the first {count} photo of the ones you sent together; that is the most here.",
    "I kept the first {count} photos of the ones you sent together; that is the most here.",
)


def remember(ctx: Ctx, field: Field) -> None:
    """A photo is being given to ``field``: note its album and the time."""
    if ctx.inbound.kind is not Kind.PHOTO or not isinstance(field, PhotoField):
        return
    now = state.load(ctx.conversation)
    album = now.album or {}
    same = album.get("ref") == ctx.inbound.album and album.get("field") == field.name
    count = (album.get("count", 0) if same else 0) + 1
    now.album = {
        "ref": ctx.inbound.album,
        "at": ctx.now.isoformat(),
        "field": field.name,
        "count": min(count, field.max_count),
        "told": False,
    }
    state.save(ctx.conversation, now)


def rest_of_album(ctx: Ctx, field: Field | None) -> bool:
    """A photo after the photo question was answered, sent with the ones it took: set aside
    (the first time with a line saying how many were kept). True if it was."""
    inbound = ctx.inbound
    if inbound.kind is not Kind.PHOTO or isinstance(field, PhotoField):
        return False
    now = state.load(ctx.conversation)
    album = now.album
    if not album:
        return False
    if inbound.album is not None:
        together = album.get("ref") == inbound.album
    else:
        together = album.get("ref") is None and ctx.now - datetime.fromisoformat(album["at"]) <= (
            TOGETHER
        )
    if not together:
        return False
    if not album.get("told"):
        singular, plural = KEPT
        count = int(album.get("count", 1))
        ctx.reply(ctx.lang.ngettext(singular, plural, count).format(count=count))
        now.album = {**album, "told": True, "at": ctx.now.isoformat()}
        state.save(ctx.conversation, now)
    return True
