"""The form engine's own state, typed, kept in the conversation's JSON under one key.

A conversation's ``data`` is shared: the form engine keeps its ``FormState`` under ``"form"``
(``FORM_KEY``, defined in ``db/conversations.py`` so that ``clear_flow`` can clear it), and any
other flow keeps what it needs under its own key (``/deleteme``'s confirmation under
``"pv_erase"``, through ``db.conversations.put_aside``). Starting, finishing or cancelling a form
touches only ``"form"``, so a pending confirmation elsewhere survives it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from db.conversations import FORM_KEY
from db.models import Conversation

#: What the engine used to keep beside the answers, before it had its own key.
_OLD_MARKERS = ("__editing__", "__return_to_summary__")


@dataclass(slots=True)
class FormState:
    """``answers`` to the form's fields; ``hidden`` values the flow gave when it opened the form
    (an event id); ``editing``: while an answer is changed from the summary, the field and the
    answer before (Back keeps it); ``return_to_summary``: after that change, back to the
    summary rather than on to the next question."""

    answers: dict[str, Any] = field(default_factory=dict)
    hidden: dict[str, Any] = field(default_factory=dict)
    editing: tuple[str, Any] | None = None
    return_to_summary: bool = False
    #: Set aside by the person (``/menu``, a menu button, or a message after a long pause):
    #: their messages are not answers until they press Continue.
    left: bool = False
    #: The album the last photo taken came with (``albums.py``): its id, when, how many were
    #: kept, whether the rest was told.
    album: dict[str, Any] | None = None

    def values(self) -> dict[str, Any]:
        """What conditions and ``on_submit`` see: the hidden values and the answers."""
        return {**self.hidden, **self.answers}

    def to_json(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "hidden": self.hidden,
            "editing": list(self.editing) if self.editing else None,
            "return_to_summary": self.return_to_summary,
            "left": self.left,
            "album": self.album,
        }

    @classmethod
    def from_json(cls, raw: Any) -> FormState:
        if not isinstance(raw, dict):
            return cls()
        editing = raw.get("editing")
        return cls(
            answers=dict(raw.get("answers") or {}),
            hidden=dict(raw.get("hidden") or {}),
            editing=(str(editing[0]), editing[1]) if isinstance(editing, list | tuple) else None,
            return_to_summary=bool(raw.get("return_to_summary")),
            left=bool(raw.get("left")),
            album=raw.get("album") if isinstance(raw.get("album"), dict) else None,
        )


def load(conversation: Conversation) -> FormState:
    """The open form's state (empty when none). A form left open by an older version, with
    everything in one flat dict, is read as answers (its markers dropped)."""
    data = conversation.data or {}
    if FORM_KEY in data:
        return FormState.from_json(data[FORM_KEY])
    if conversation.flow:
        flat = {k: v for k, v in data.items() if k not in _OLD_MARKERS and k != "pv_erase"}
        return FormState(answers=flat)
    return FormState()


def save(conversation: Conversation, state: FormState) -> None:
    """Write ``state`` back under its key (a new dict, so the JSON column sees the change)."""
    conversation.data = {**(conversation.data or {}), FORM_KEY: state.to_json()}
