"""The notices buttons (``nt:…``): see ``handlers/buttons/__init__.py``."""

from __future__ import annotations

from typing import Literal

from db.notice_models import Topic
from handlers.payloads import Payload


class WelcomeNotices(Payload, prefix="nt", action="welcome"):
    """The welcome's offer answered."""

    answer: Literal["yes", "choose", "no"]


class ToggleTopic(Payload, prefix="nt", action="toggle_topic", aliases=("t",)):
    """Receive a topic's notices, or stop: ``to`` is what the button showed it would do, so a
    press on an older panel does not undo a newer one (``flip``: a button of an older release)."""

    topic: Topic
    to: Literal["on", "off", "flip"] = "flip"


class NoticeSettings(Payload, prefix="nt", action="settings"):
    """Back to the /notices panel."""


class StopNotices(Payload, prefix="nt", action="stop"):
    """Receive no notices."""


class ChooseBuilding(Payload, prefix="nt", action="choose_building", aliases=("b",)):
    """Show the buildings to choose from."""


class SetBuilding(Payload, prefix="nt", action="set_building", aliases=("bs",)):
    """Live in this building (0: none)."""

    building: int


class RecentNotices(Payload, prefix="nt", action="recent"):
    """The last notices for me."""


class CancelNotice(Payload, prefix="nt", action="cancel"):
    """Its author (or an admin) cancels a notice."""

    notice: int


class CorrectNotice(Payload, prefix="nt", action="correct", aliases=("edit",)):
    """Open the form that corrects a notice already sent."""

    notice: int


class ReleaseNotice(Payload, prefix="nt", action="release"):
    """An admin sends a held notice."""

    notice: int
