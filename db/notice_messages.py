"""What the outbox carries about a notice: the same parameters for every reader's copy
(rendered by ``handlers/notices/send.py`` in each reader's language when sent)."""

from __future__ import annotations

from typing import Self

from db.notice_models import Notice
from db.outbox_params import Params, Record


class NoticeFile(Record):
    """The notice's photo or file, as the form kept it."""

    file_id: str | None = None
    kind: str | None = None  # "photo", "document"
    name: str | None = None


class NoticeText(Params):
    """The notice itself, in both languages, at its ``v``-th version."""

    id: int
    zh: str | None = None
    en: str | None = None
    topic: str
    urgent: bool = False
    att: NoticeFile | None = None
    v: int = 1

    @classmethod
    def of(cls, notice: Notice) -> Self:
        """What every copy of ``notice`` carries."""
        att = notice.attachment
        return cls(
            id=notice.id,
            zh=notice.text_zh,
            en=notice.text_en,
            topic=notice.topic,
            urgent=notice.urgent,
            att=NoticeFile.from_json(att) if att else None,
            v=notice.version,
        )


class NoticeCopy(NoticeText, template="nt.notice"):
    """One reader's copy, edited in place when the notice is corrected before it is sent."""


class NoticeFix(NoticeText, template="nt.fix"):
    """A corrected notice: edits the one shown, where the transport can."""


class NoticeFixNote(NoticeText, template="nt.fixnote"):
    """A short "corrected" note where the notice cannot be edited (a photo's caption)."""
