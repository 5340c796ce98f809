"""A form's buttons under each question (Done, Back, Skip, Cancel) and its summary: every
answer with a button to change it, then Confirm — or, for a form that asked one question and
declares ``compact``, a one-line confirmation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handlers.buttons.forms import FormBack, FormCancel, FormConfirm, FormDone, FormEdit, FormSkip
from handlers.forms import state
from handlers.forms.steps import applicable
from handlers.types import Button, Ctx, rows_of

if TYPE_CHECKING:
    from handlers.forms.engine import Form


def nav(ctx: Ctx, *, back: bool, skip: bool, done: bool = False) -> list[Button]:
    token = ctx.conversation.token
    row = []
    if done:
        row.append(Button(ctx._("Done"), FormDone(token).pack()))
    if back:
        row.append(Button(ctx._("Back"), FormBack(token).pack()))
    if skip:
        row.append(Button(ctx._("Skip"), FormSkip(token).pack()))
    row.append(Button(ctx._("Cancel"), FormCancel(token).pack()))
    return row


def _compact(ctx: Ctx, form: Form, data: dict[str, Any], error: str | None) -> bool:
    """The one-line confirmation of a form that declares one and asked one question."""
    asked = applicable(form, data)
    if form.compact is None or len(asked) != 1:
        return False
    token = ctx.conversation.token
    lines = [error] if error else []
    lines.append(form.compact(ctx, data))
    row = (
        Button(ctx._(form.confirm_label), FormConfirm(token).pack()),
        # Translators: a button beside Send on a one-line confirmation: change the answer
        Button(ctx._("✏️ Change"), FormEdit(token, asked[0]).pack()),
        Button(ctx._("Cancel"), FormCancel(token).pack()),
    )
    ctx.reply("\n".join(lines), (row,), transient=True)  # replaced like a question
    return True


def show(ctx: Ctx, form: Form, *, error: str | None = None) -> None:
    """The summary (after ``error`` if there was one), replaced like a question."""
    data = state.load(ctx.conversation).values()
    if _compact(ctx, form, data, error):
        return
    token = ctx.conversation.token
    lines = [error] if error else []
    lines.append(ctx._("Please check your answers:"))
    edit_buttons = []
    for index in applicable(form, data):
        field = form.fields[index]
        value = data.get(field.name)
        shown = ctx._("(skipped)") if value is None else field.show(ctx, value)
        lines.append("• " + ctx._("{label}: {value}").format(label=ctx._(field.label), value=shown))
        edit_buttons.append(
            Button(
                ctx._("✏️ {field}").format(field=ctx._(field.label)), FormEdit(token, index).pack()
            )
        )
    extra = form.preview(ctx, data) if form.preview else None
    if extra:
        lines.append(extra)
    options = form.confirm_options(ctx, data) if form.confirm_options else None
    if options:
        rows = [
            tuple(Button(label, FormConfirm(token, option).pack()) for label, option in options)
        ]
    else:
        rows = [(Button(ctx._(form.confirm_label), FormConfirm(token).pack()),)]
    rows += rows_of(edit_buttons, 2)
    rows.append(tuple(nav(ctx, back=True, skip=False)))
    ctx.reply("\n".join(lines), tuple(rows), transient=True)
