"""The form engine: a form is a list of fields, then a summary and a confirm.

Every flow that asks a few questions declares a ``Form``; this module does the rest the same way
everywhere: prompts with buttons, re-prompting after bad input (the flow stays where it was),
Back, Skip for optional fields, Cancel (also ``/cancel``), the summary, expiry, and refusing stale
buttons. State lives in the ``conversations`` row (flow, step, token, and the typed
``FormState`` of ``state.py`` under one key of its JSON), so a restart or a second worker
carries on where the user was, and other flows' data in the same row is left alone.

Its buttons are the ``Form…`` payloads of ``handlers/buttons.py`` (``fm:<action>:<token>…``):
the token changes with every new form, so a button from an earlier form is recognised as stale
rather than obeyed. Which questions are asked is ``steps.py``; the summary is ``summary.py``.

A form never takes over later messages: see ``idle.py`` (leaving a form, Continue / Discard).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from db.conversations import clear_flow
from handlers.access import REFUSALS
from handlers.buttons.forms import (
    FORM_BUTTONS,
    FormBack,
    FormCancel,
    FormChange,
    FormChoose,
    FormConfirm,
    FormContinue,
    FormDone,
    FormEdit,
    FormSkip,
)
from handlers.forms import albums, state, steps, summary
from handlers.forms.fields import Field, Invalid
from handlers.forms.state import FormState
from handlers.i18n import N_, SUPPORTED, language
from handlers.payloads import Catalog
from handlers.router import Rule
from handlers.types import Button, Ctx, Inbound, Kind

PREFIX = "fm"
#: The form buttons by wire action (the dispatcher hands every ``fm:…`` press to ``handle``).
PRESSES = Catalog(FORM_BUTTONS)

Submit = Callable[[Ctx, dict[str, Any]], None]
#: The key under which ``on_submit`` finds the confirm option pressed (``Form.confirm_options``).
CONFIRM_OPTION = "confirm_option"


@dataclass(frozen=True, kw_only=True)
class Form:
    """A declared form. ``on_submit`` runs in the same transaction as the confirm press; it may
    raise ``Invalid`` to refuse (the user stays on the summary and is told why)."""

    name: str
    title: str  # msgid, e.g. N_("Sign up for an event")
    fields: tuple[Field, ...]
    on_submit: Submit
    #: Idle this long, the form is dropped (with a note) the next time the person writes.
    ttl: timedelta = timedelta(days=1)
    confirm_label: str = N_("✅ Confirm")
    #: Extra lines under the summary's answers, before Confirm (e.g. how many people a notice
    #: will reach); None: nothing to add.
    preview: Callable[[Ctx, dict[str, Any]], str | None] | None = None
    #: A one-line confirmation instead of the summary when one question was asked (e.g.
    #: "Send to 12 attendees?"), with [confirm_label] [✏️ Change]; None: the full summary.
    compact: Callable[[Ctx, dict[str, Any]], str] | None = None
    #: Several confirm buttons in place of ``confirm_label``, when it returns some: (label,
    #: option) pairs, already translated; the option pressed reaches ``on_submit`` as
    #: ``data[CONFIRM_OPTION]`` (0, the plain Confirm, when absent). Re-check it there: the
    #: moment may have changed between the summary and the press.
    confirm_options: Callable[[Ctx, dict[str, Any]], tuple[tuple[str, int], ...] | None] | None = (
        None
    )
    #: Who may submit it (``Rule.role`` and ``refusal``), asked again at Confirm: the role may
    #: have been taken away since the command that opened it was admitted.
    rule: Rule | None = None


def values(ctx: Ctx) -> dict[str, Any]:
    """The open form's hidden values and answers so far (what a field's condition sees)."""
    return state.load(ctx.conversation).values()


def start(
    ctx: Ctx,
    form: Form,
    *,
    initial: dict[str, Any] | None = None,
    answers: dict[str, Any] | None = None,
    in_place: str | None = None,
) -> None:
    """Open ``form`` for this user in this chat (replacing any open one) and ask the first
    question. ``initial`` pre-fills hidden values the submit needs (e.g. an event id);
    ``answers`` pre-fills answers, which are not asked but shown (and changeable) in the
    summary. ``in_place``: opened by a button on a screen the form is about (a case, a room's
    day), the first question replaces that screen under this heading, instead of the form's
    title and the question as new messages — a finished form leaves one message, not a trail."""
    conversation = ctx.conversation
    if conversation.flow and conversation.flow != form.name:
        ctx.reply(ctx._("Your unfinished form was closed; starting a new one."))
    conversation.flow = form.name
    conversation.token = secrets.token_hex(3)
    opened = FormState(hidden=dict(initial or {}), answers=dict(answers or {}))
    if answers:
        opened.hidden[steps.PREFILLED] = sorted(answers)
    state.save(conversation, opened)
    conversation.step = steps.next_step(form, opened.values(), -1)
    conversation.expires_at = ctx.now + form.ttl
    if in_place is None:
        ctx.reply(f"📝 {ctx._(form.title)}")
        prompt(ctx, form)
        return
    before = len(ctx.replies)
    prompt(ctx, form)
    if len(ctx.replies) > before:
        first = ctx.replies[before]
        heading = f"{in_place}\n" if in_place else ""
        ctx.replies[before] = replace(
            first, text=heading + first.text, edit=ctx.inbound.kind == Kind.BUTTON
        )


def prompt(
    ctx: Ctx, form: Form, *, error: str | None = None, echo: tuple[str, Button] | None = None
) -> None:
    """Ask the current question (or show the summary), after ``error`` if there was one, or
    under ``echo`` (how the last answer was understood, with its Change button)."""
    step = ctx.conversation.step
    if step >= len(form.fields):
        summary.show(ctx, form, error=error)
        return
    field = form.fields[step]
    now = state.load(ctx.conversation)
    data = now.values()
    token = ctx.conversation.token
    rows: list[list[Button]] = []
    options = field.choices(ctx)
    columns = field.columns
    for start_at in range(0, len(options), columns):
        rows.append(
            [
                Button(label, FormChoose(token, start_at + i).pack())
                for i, label in enumerate(options[start_at : start_at + columns])
            ]
        )
    collected = now.answers.get(field.name) if field.max_items > 1 else None
    position = steps.asked(form, data)
    question = ctx._(field.prompt)
    if step in position:  # "(2/6) question"; full-width brackets in Chinese
        question = ctx._("({number}/{total}) {question}").format(
            number=position.index(step) + 1, total=len(position), question=question
        )
    lines = [error] if error else []
    if echo is not None:
        lines.append(echo[0])
        rows.append([echo[1]])
    lines.append(question)
    earlier = now.editing[1] if now.editing else None
    if earlier is not None and not collected:
        lines.append(ctx._("Your answer so far: {answer}").format(answer=field.show(ctx, earlier)))
    if field.max_items > 1 and collected:
        lines.append(
            ctx._("Received {count} of at most {maximum}. Send another or press Done.").format(
                count=len(collected), maximum=field.max_items
            )
        )
    if field.optional and not collected and ctx._("Skip") not in ctx._(field.prompt):
        # (a prompt that already says what Skip does is not told twice)
        lines.append(ctx._("(Optional: press Skip if you have nothing to add.)"))
    rows.append(
        summary.nav(
            ctx,
            back=steps.previous_step(form, data, step) is not None or now.editing is not None,
            skip=field.optional and not collected,
            done=bool(collected),
        )
    )
    # transient: the next question (or the result) replaces it, so a finished form leaves
    # the person's answers under its title, not every question asked
    ctx.reply("\n".join(lines), tuple(tuple(row) for row in rows), transient=True)


def cancel(ctx: Ctx, form: Form | None) -> None:
    """Close the open form; nothing it collected is kept."""
    clear_flow(ctx.conversation)
    title = ctx._(form.title) if form else ""
    ctx.reply(ctx._("Cancelled: {form}. Nothing was saved.").format(form=title).strip())


def _advance(ctx: Ctx, form: Form, answers: dict[str, Any]) -> None:
    """Save ``answers`` and move to the next question — or, after an edit made from the
    summary, back to the summary (unless the edit opened a question that still needs an
    answer)."""
    conversation = ctx.conversation
    now = state.load(conversation)
    returning = now.return_to_summary
    kept = steps.prune(form, {**now.hidden, **answers})
    now.answers = {name: value for name, value in kept.items() if name in answers}
    now.editing, now.return_to_summary = None, False
    state.save(conversation, now)
    data = now.values()
    if not returning:
        conversation.step = steps.next_step(form, data, conversation.step)
        return
    missing = [
        i
        for i in steps.applicable(form, data)
        if form.fields[i].name not in data and not form.fields[i].optional
    ]
    conversation.step = missing[0] if missing else len(form.fields)


def _store(ctx: Ctx, form: Form, field: Field, value: Any) -> None:
    """Keep an answer; move on unless a multi-answer field still has room."""
    now = state.load(ctx.conversation)
    answers = dict(now.answers)
    if field.max_items > 1:
        items = list(answers.get(field.name) or [])
        if value not in items:  # the same choice (or file) twice counts once
            items.append(value)
        answers[field.name] = items
        if len(items) < field.max_items:
            now.answers = answers
            state.save(ctx.conversation, now)
            return
    else:
        old = answers.get(field.name)
        if old is None and now.editing and now.editing[0] == field.name:
            old = now.editing[1]  # changed from the summary
        answers[field.name] = value
        for other in form.fields:  # an end keeps its length when the start moves
            if other is not field and answers.get(other.name) is not None:
                answers[other.name] = other.follow(field.name, old, value, answers[other.name])
    _advance(ctx, form, answers)


def handle(ctx: Ctx, form: Form) -> None:
    """Take the inbound message as an answer to the open form."""
    inbound: Inbound = ctx.inbound
    conversation = ctx.conversation
    conversation.expires_at = ctx.now + form.ttl
    step = conversation.step
    field = form.fields[step] if step < len(form.fields) else None

    if inbound.kind is Kind.BUTTON:
        _press(ctx, form, field, inbound.payload or "")
        return
    if inbound.kind is Kind.STICKER:  # a sticker is no mistake: the question again, no error
        prompt(ctx, form)
        return
    if albums.rest_of_album(ctx, field):  # the rest of an album the photo question took
        return
    if field is None:
        prompt(
            ctx, form, error=ctx._("Please use the buttons: Confirm, change an answer, or Cancel.")
        )
        return
    if _typed_skip(ctx, inbound):
        if not field.optional:
            prompt(ctx, form, error=ctx._("This question cannot be skipped. Please answer it."))
            return
        answers = state.load(conversation).answers
        if not answers.get(field.name):  # the word, typed in either language
            _advance(ctx, form, {**answers, field.name: None})
            prompt(ctx, form)
            return
    albums.remember(ctx, field)
    _answer(ctx, form, field, lambda: field.parse(ctx, inbound), echo_step=step)


def _typed_skip(ctx: Ctx, inbound: Inbound) -> bool:
    """The word Skip typed (in either language), rather than pressed: never an answer."""
    if inbound.kind is not Kind.TEXT:
        return False
    typed = inbound.text.strip().casefold()
    tz = ctx.community.timezone.key
    return typed in {language(code, tz).gettext("Skip").casefold() for code in SUPPORTED}


def _press(ctx: Ctx, form: Form, field: Field | None, payload: str) -> None:
    conversation = ctx.conversation
    pressed = PRESSES.parse(payload)
    token = getattr(pressed, "token", None)
    if pressed is None or token != conversation.token:
        prompt(
            ctx,
            form,
            error=ctx._("That button belongs to an earlier message. Here is where you are now:"),
        )
        return
    step = conversation.step
    now = state.load(conversation)
    if now.left:  # any button of the form's own takes it up again
        now.left = False
        state.save(conversation, now)
    match pressed:
        case FormCancel():
            cancel(ctx, form)
        case FormContinue():
            prompt(ctx, form)
        case FormChange(step=index) if index < step:
            _change(ctx, form, index)
        case FormBack() if now.editing is not None:
            # Back while changing an answer from the summary: keep the answer given before.
            name, before = now.editing
            now.answers[name] = before
            now.editing, now.return_to_summary = None, False
            state.save(conversation, now)
            conversation.step = len(form.fields)
            prompt(ctx, form)
        case FormBack():
            previous = steps.previous_step(form, now.values(), step)
            if previous is not None:
                conversation.step = previous
            now.return_to_summary = False
            state.save(conversation, now)
            prompt(ctx, form)
        case FormSkip() if field is not None and field.optional:
            _advance(ctx, form, {**now.answers, field.name: None})
            prompt(ctx, form)
        case FormDone() if field is not None and now.answers.get(field.name):
            _advance(ctx, form, dict(now.answers))
            prompt(ctx, form)
        case FormChoose(index=index) if field is not None:
            # a choice button: the answer, as if typed (its notice too)
            _answer(ctx, form, field, lambda: field.pick(ctx, index))
        case FormEdit(step=index) if field is None:
            _edit(ctx, form, index)
            prompt(ctx, form)
        case FormConfirm(option=option) if field is None:
            _submit(ctx, form, option)
        case _:
            prompt(ctx, form, error=ctx._("That button is not part of this question."))


def _answer(
    ctx: Ctx, form: Form, field: Field, read: Callable[[], Any], *, echo_step: int | None = None
) -> None:
    """An answer, typed or pressed: ``read`` makes the value (the question is asked again with
    the reason when it does not fit); its notice, if any, then the next question (echoing a typed
    answer the reader may want to change when ``echo_step`` is given)."""
    try:
        value = read()
    except Invalid as invalid:
        prompt(ctx, form, error=invalid.text(ctx))
        return
    extra = field.notice(ctx, value) if field.notice else None
    if extra:
        ctx.reply(extra)
    _store(ctx, form, field, value)
    if echo_step is None:
        prompt(ctx, form)
    else:
        prompt(ctx, form, echo=_echo(ctx, form, field, value, echo_step))


def _edit(ctx: Ctx, form: Form, index: int) -> None:
    """Go back to field ``index`` to change its answer, then to the summary."""
    conversation = ctx.conversation
    now = state.load(conversation)
    if index in steps.applicable(form, now.values()):
        conversation.step = index
        name = form.fields[index].name
        now.editing = (name, now.answers.pop(name, None))
        now.return_to_summary = True
        state.save(conversation, now)


def _submit(ctx: Ctx, form: Form, option: int = 0) -> None:
    data = values(ctx)
    if option:
        data[CONFIRM_OPTION] = option
    try:
        rule = form.rule
        if rule is not None and rule.role is not None and not ctx.acts_as(rule.role):
            raise Invalid(rule.refusal or REFUSALS.get(rule.role, REFUSALS["admin"]))
        form.on_submit(ctx, data)
    except Invalid as invalid:
        # A refusal that names the answer to change asks that question again at once.
        names = [f.name for f in form.fields]
        if invalid.field in names:
            _edit(ctx, form, names.index(invalid.field))
        prompt(ctx, form, error=invalid.text(ctx))
        return
    clear_flow(ctx.conversation)


def expire(ctx: Ctx, form: Form | None) -> None:
    """Tell the user their unfinished form timed out, and close it."""
    title = ctx._(form.title) if form else ""
    clear_flow(ctx.conversation)
    ctx.reply(
        ctx._(
            "Your unfinished form “{form}” timed out and was closed. You can start it again."
        ).format(form=title)
    )


def wants_typed_input(ctx: Ctx, form: Form) -> bool:
    """True where the current question is answered by typing (text, number, date, place)
    rather than by choosing a button. A photo cannot be typed, so there a typed number (on the
    console) presses a button such as Skip or Done."""
    step = ctx.conversation.step
    return step < len(form.fields) and form.fields[step].wants_typing(ctx)


def _echo(ctx: Ctx, form: Form, field: Field, value: Any, step: int) -> tuple[str, Button] | None:
    """How a typed answer was understood (a date), with [Change] back to it, to show above the
    next question — when the form moved on to one (the summary shows every answer anyway)."""
    line = field.echo(ctx, value)
    if line and step < ctx.conversation.step < len(form.fields):
        token = ctx.conversation.token
        return line, Button(ctx._("✏️ Change"), FormChange(token, step).pack())
    return None


def _change(ctx: Ctx, form: Form, index: int) -> None:
    """``r<index>``: back to an earlier question (an echoed date) to answer it again."""
    if index in steps.asked(form, values(ctx)):
        ctx.conversation.step = index
    prompt(ctx, form)
