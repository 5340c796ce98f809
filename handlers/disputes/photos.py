"""A report's photos and voice notes: how they are kept on the case, shown to a mediator one
by one, and relayed to the mediators' room (by the transport's file id, once each)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.disputes import operations as dp
from db.disputes.models import DisputeCase
from db.outbox_params import Params
from db.teams import MEDIATORS, notify_team
from handlers.disputes.common import router
from handlers.i18n import Language
from handlers.types import Attachment, Community, Reply


class CasePhoto(Params, template="dp.photo"):
    """One of a report's photos (or voice notes) relayed to the mediators' room."""

    ref: str
    file_id: str  # as kept in ``DisputeCase.photos`` (``VOICE_MARK`` for a voice note)
    number: int
    count: int


#: How a voice note is kept among a case's photos (a transport's file id never starts so).
VOICE_MARK = "voice:"


def kept_media(item: dict[str, Any]) -> str:
    """A photo (or voice note) the form took, as kept in ``DisputeCase.photos``."""
    voice = item.get("kind") == "voice"
    return f"{VOICE_MARK}{item['file_id']}" if voice else item["file_id"]


def media(lang: Language, ref: str, kept: str, number: int, count: int) -> Reply:
    """One of a case's photos or voice notes, to see or play."""
    if kept.startswith(VOICE_MARK):
        return Reply(
            lang.gettext("{ref}: voice message {number} of {count}").format(
                ref=ref, number=number, count=count
            ),
            attachment=Attachment(
                "voice.ogg", file_id=kept.removeprefix(VOICE_MARK), is_voice=True
            ),
        )
    return Reply(
        lang.gettext("{ref}: photo {number} of {count}").format(
            ref=ref, number=number, count=count
        ),
        attachment=Attachment("photo.jpg", file_id=kept, is_photo=True),
    )


@router.template(CasePhoto)
def render_photo(lang: Language, params: CasePhoto) -> Reply:
    return media(lang, params.ref, params.file_id, params.number, params.count)


def relay_photos(session: Session, community: Community, case: DisputeCase, now: datetime) -> None:
    """Send a report's photos to the mediators' room by file id, once each."""
    root = dp.root_of(session, case)
    count = len(case.photos or [])
    for number, file_id in enumerate(case.photos or [], start=1):
        notify_team(
            session,
            MEDIATORS,
            community.team_chats,
            params=CasePhoto(ref=root.ref, file_id=file_id, number=number, count=count),
            dedup_key=f"dp:{case.id}:photo:{number}",
            now=now,
        )
