"""The form engine's buttons (``fm:<action>:<token>…``): see ``handlers/buttons/__init__.py``.

Every form button carries the open form's token (new with every form), so a button from an
earlier form is recognised as stale rather than obeyed. The wire form changed from
``fm:<token>:<code>`` to ``fm:<action>:<token>``: a form button from before that upgrade is
answered as one from an earlier message (the question is asked again) — forms expire anyway.
"""

from __future__ import annotations

from typing import Annotated

from handlers.payloads import MaxLen, Payload

#: The form's token (``secrets.token_hex(3)`` today).
Token = Annotated[str, MaxLen(8)]


class FormBack(Payload, prefix="fm", action="back"):
    """Back to the previous question (or, changing an answer, keep the one given)."""

    token: Token


class FormSkip(Payload, prefix="fm", action="skip"):
    """Skip an optional question."""

    token: Token


class FormCancel(Payload, prefix="fm", action="cancel"):
    """Close the form; nothing is kept (also Discard on a form that was left)."""

    token: Token


class FormDone(Payload, prefix="fm", action="done"):
    """Enough answers to a question that takes several (photos)."""

    token: Token


class FormConfirm(Payload, prefix="fm", action="confirm"):
    """Confirm the summary: the form is submitted (``option``: which of the summary's confirm
    buttons, when the form offers several — e.g. a notice sent now as urgent or in the
    morning; 0 is the plain Confirm)."""

    token: Token
    option: int = 0


class FormContinue(Payload, prefix="fm", action="continue"):
    """Take up a form that was left where it was."""

    token: Token


class FormChoose(Payload, prefix="fm", action="choose"):
    """Choice ``index`` of the current question."""

    token: Token
    index: int


class FormEdit(Payload, prefix="fm", action="edit"):
    """From the summary: change the answer to question ``step``."""

    token: Token
    step: int


class FormChange(Payload, prefix="fm", action="change"):
    """Answer the earlier question ``step`` again (the Change under an echoed date)."""

    token: Token
    step: int


FORM_BUTTONS = (
    FormBack,
    FormSkip,
    FormCancel,
    FormDone,
    FormConfirm,
    FormContinue,
    FormChoose,
    FormEdit,
    FormChange,
)
