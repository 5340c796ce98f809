"""Field kinds for forms. A field turns one inbound message into a JSON-safe value, or raises
``Invalid`` with a message (an English msgid, translated when shown) saying what to send
instead. Values are stored in the conversation row, so they survive restarts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from handlers.forms import typed_answers
from handlers.i18n import N_, SUPPORTED, language
from handlers.types import Ctx, Inbound, Kind


class Invalid(Exception):
    """The input does not fit the field: ``message`` is a msgid with ``{named}`` params. A
    form's ``on_submit`` may name the ``field`` whose answer must change: the form then asks
    that question again instead of showing the summary."""

    def __init__(
        self, message: str | tuple[str, str], *, field: str | None = None, **params: Any
    ) -> None:
        super().__init__(message)
        self.message = message  # a msgid, or an ``Np_`` pair chosen by the ``count`` param
        self.field = field
        self.params = params

    def text(self, ctx: Ctx) -> str:
        if isinstance(self.message, tuple):
            singular, plural = self.message
            return ctx.lang.ngettext(singular, plural, self.params["count"]).format(**self.params)
        return ctx._(self.message).format(**self.params)


#: A voice note where words are wanted, and outside any form: one line.
CANNOT_LISTEN = N_("I can't listen to voice messages yet — please type.")


def _expect_text(inbound: Inbound, message: str = N_("Please send text.")) -> str:
    if inbound.kind is Kind.VOICE:
        raise Invalid(CANNOT_LISTEN)
    if inbound.kind is not Kind.TEXT:
        raise Invalid(message)
    return inbound.text.strip()


@dataclass(frozen=True, kw_only=True)
class Field:
    """What every field has: a key in the form's data, a prompt, a label for the summary."""

    name: str
    prompt: str  # msgid
    label: str  # msgid, shown in the summary
    optional: bool = False
    #: Buttons per row, for fields that offer choices.
    columns: int = 2
    #: Ask this field only when the answers so far satisfy it (e.g. a follow-up question).
    when: Callable[[Mapping[str, Any]], bool] | None = None
    #: Extra text shown before the next question when an answer calls for it (e.g. the
    #: emergency numbers when a description mentions a fire); None: nothing to add.
    notice: Callable[[Ctx, Any], str | None] | None = None

    @property
    def max_items(self) -> int:
        """How many answers the field collects (more than one: a list, ended with Done)."""
        return 1

    def applies(self, data: Mapping[str, Any]) -> bool:
        return self.when is None or self.when(data)

    def choices(self, ctx: Ctx) -> list[str]:
        """Labels of this field's own buttons, in order (pressing one gives its index)."""
        return []

    def wants_typing(self, ctx: Ctx) -> bool:
        """True where the answer is typed (so a typed number is an answer, not button N)."""
        return not self.choices(ctx)

    def pick(self, ctx: Ctx, index: int) -> Any:
        """The value of button ``index``; raises ``Invalid`` for an index out of range."""
        raise Invalid(N_("That button is not part of this question."))

    def parse(self, ctx: Ctx, inbound: Inbound) -> Any:
        raise NotImplementedError

    def show(self, ctx: Ctx, value: Any) -> str:
        return str(value)

    def echo(self, ctx: Ctx, value: Any) -> str | None:
        """A short line saying how a typed answer was understood (``= Sat 5 Dec, 15:00 ✔``),
        shown at once with a Change button; None: nothing to echo."""
        return None

    def follow(self, name: str, old: Any, new: Any, value: Any) -> Any:
        """This field's answer ``value`` after the answer to ``name`` changed from ``old`` to
        ``new`` (an end follows its start); by default unchanged."""
        return value


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def typed_choice(text: str, names: list[tuple[str, ...]]) -> int | None:
    """The index of the one option whose name (in any of its languages) the typed text names:
    the whole label, a word of it at least three letters long ("visa" in "Paperwork & visas"),
    or two or more Chinese characters of it. None when nothing or more than one matches."""
    typed = _letters(text)
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in typed)
    if not typed or (len(typed) < 3 and not (chinese and len(typed) >= 2)):
        return None
    found = set()
    for index, option_names in enumerate(names):
        for name in option_names:
            whole = _letters(name)
            words = [_letters(word) for word in name.split()]
            if (
                typed == whole
                or (chinese and typed in whole)
                or any(word.startswith(typed) for word in words)
            ):
                found.add(index)
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # msgid


@dataclass(frozen=True, kw_only=True)
class ChoiceField(Field):
    """One of a fixed list, by button (or by typing the button's label)."""

    options: tuple[Choice, ...]

    def choices(self, ctx: Ctx) -> list[str]:
        return [ctx._(option.label) for option in self.options]

    def pick(self, ctx: Ctx, index: int) -> str:
        if 0 <= index < len(self.options):
            return self.options[index].value
        return super().pick(ctx, index)

    def parse(self, ctx: Ctx, inbound: Inbound) -> str:
        """A typed word that names exactly one option ("hospital", "就医", "visa") picks it, in
        either language; anything else: use the buttons."""
        if inbound.kind is Kind.TEXT:
            languages = [language(code, ctx.community.timezone.key) for code in SUPPORTED]
            names = [
                tuple(lang.gettext(option.label) for lang in languages) for option in self.options
            ]
            index = typed_choice(inbound.text, names)
            if index is None:
                index = typed_answers.loose_choice(inbound.text, names)  # “hospitl visit”
            if index is not None:
                return self.pick(ctx, index)
        raise Invalid(N_("Please choose one of the buttons."))

    def show(self, ctx: Ctx, value: Any) -> str:
        for option in self.options:
            if option.value == value:
                return ctx._(option.label)
        return str(value)


@dataclass(frozen=True, kw_only=True)
class TextField(Field):
    min_length: int = 1
    max_length: int = 500

    def parse(self, ctx: Ctx, inbound: Inbound) -> str:
        text = _expect_text(inbound)
        if not text:
            raise Invalid(N_("The message was empty. Please write some text."))
        if len(text) < self.min_length:
            raise Invalid(
                N_("That is too short: please write at least {minimum} characters."),
                minimum=self.min_length,
            )
        if len(text) > self.max_length:
            raise Invalid(
                N_("That is too long ({length} characters). Please keep it under {maximum}."),
                length=len(text),
                maximum=self.max_length,
            )
        return text


@dataclass(frozen=True, kw_only=True)
class NumberField(Field):
    minimum: int = 0
    maximum: int = 1_000_000

    def parse(self, ctx: Ctx, inbound: Inbound) -> int:
        text = _expect_text(inbound, N_("Please send a number."))
        try:
            number = int(text.replace(",", "").replace("，", ""))
        except ValueError:
            number = typed_answers.count(text)  # “三位”, “2 people”, “五十”
        if number is None:
            raise Invalid(
                N_("“{text}” is not a whole number. Please send a number, for example {example}."),
                text=text[:40],
                example=self.minimum,
            )
        if not self.minimum <= number <= self.maximum:
            raise Invalid(
                N_("Please send a number from {minimum} to {maximum}."),
                minimum=self.minimum,
                maximum=self.maximum,
            )
        return number

    def show(self, ctx: Ctx, value: Any) -> str:
        return ctx.lang.number(value)


UNLIMITED = "unlimited"


@dataclass(frozen=True, kw_only=True)
class NumberOrUnlimitedField(NumberField):
    """A whole number, or the button meaning "no limit" (stored as ``"unlimited"``)."""

    unlimited_label: str = N_("Unlimited")

    def choices(self, ctx: Ctx) -> list[str]:
        return [ctx._(self.unlimited_label)]

    def wants_typing(self, ctx: Ctx) -> bool:
        return True  # a typed 1 is one place; the button is pressed or its label typed

    def pick(self, ctx: Ctx, index: int) -> int | str:
        if index == 0:
            return UNLIMITED
        return super().pick(ctx, index)

    def show(self, ctx: Ctx, value: Any) -> str:
        return ctx._(self.unlimited_label) if value == UNLIMITED else super().show(ctx, value)


@dataclass(frozen=True, kw_only=True)
class YesNoField(Field):
    def choices(self, ctx: Ctx) -> list[str]:
        return [ctx._("Yes"), ctx._("No")]

    def pick(self, ctx: Ctx, index: int) -> bool:
        if index in (0, 1):
            return index == 0
        return super().pick(ctx, index)

    def parse(self, ctx: Ctx, inbound: Inbound) -> bool:
        """“是的”, “好”, “yes”, “ok” are Yes; “不用”, “no” are No (a consent's No is refused
        as pressing it is)."""
        answer = typed_answers.yes_no(inbound.text) if inbound.kind is Kind.TEXT else None
        if answer is None:
            raise Invalid(N_("Please answer with the Yes or No button."))
        return self.pick(ctx, 0 if answer else 1)

    def show(self, ctx: Ctx, value: Any) -> str:
        return ctx._("Yes") if value else ctx._("No")


@dataclass(frozen=True, kw_only=True)
class ConsentField(YesNoField):
    """Yes or No, where only Yes lets the form go on: No is answered with ``refusal`` (a msgid
    saying why the consent is needed and that Cancel stops without keeping anything), and the
    question stays."""

    refusal: str

    def pick(self, ctx: Ctx, index: int) -> bool:
        if index == 1:
            raise Invalid(self.refusal)
        return super().pick(ctx, index)


@dataclass(frozen=True, kw_only=True)
class MultiChoiceField(ChoiceField):
    """Several of a fixed list: each press adds one (again: no change), Done ends. The value is
    the list of chosen values."""

    @property
    def max_items(self) -> int:
        return len(self.options)

    def show(self, ctx: Ctx, value: Any) -> str:
        return ctx.lang.list([ChoiceField.show(self, ctx, item) for item in value])


@dataclass(frozen=True, kw_only=True)
class LocationField(Field):
    """A shared location, or (``allow_text``) a place written out, like “Building 3, 1202”."""

    allow_text: bool = True
    max_length: int = 200

    def parse(self, ctx: Ctx, inbound: Inbound) -> dict[str, Any]:
        if inbound.kind is Kind.LOCATION and inbound.location is not None:
            latitude, longitude = inbound.location
            return {"latitude": latitude, "longitude": longitude}
        if self.allow_text and inbound.kind is Kind.TEXT:
            text = TextField(
                name=self.name, prompt=self.prompt, label=self.label, max_length=self.max_length
            ).parse(ctx, inbound)
            return {"text": text}
        if self.allow_text:
            raise Invalid(N_("Please share a location or write the place as text."))
        raise Invalid(N_("Please share a location (the paperclip button, then Location)."))

    def show(self, ctx: Ctx, value: Any) -> str:
        if "text" in value:
            return value["text"]
        return f"📍 {value['latitude']:.5f}, {value['longitude']:.5f}"


@dataclass(frozen=True, kw_only=True)
class PhotoField(Field):
    """One or more photos (or, with ``accept_documents``, files), kept as transport file ids.

    With ``max_count`` above 1 the user sends photos one by one and presses Done; the field's
    value is then a list.
    """

    max_count: int = 1
    accept_documents: bool = False
    #: A voice note is kept too (``kind: voice``), for the volunteer or mediator to play.
    accept_voice: bool = False

    @property
    def max_items(self) -> int:
        return self.max_count

    def wants_typing(self, ctx: Ctx) -> bool:
        return False  # a photo cannot be typed: on the console a typed number presses Skip/Done

    def parse(self, ctx: Ctx, inbound: Inbound) -> dict[str, Any]:
        if inbound.kind is Kind.PHOTO and inbound.file_id:
            return {"file_id": inbound.file_id, "kind": "photo"}
        if self.accept_documents and inbound.kind is Kind.DOCUMENT and inbound.file_id:
            return {"file_id": inbound.file_id, "kind": "document", "name": inbound.file_name}
        if self.accept_voice and inbound.kind is Kind.VOICE and inbound.file_id:
            return {"file_id": inbound.file_id, "kind": "voice", "name": inbound.file_name}
        if self.accept_documents and self.accept_voice:
            raise Invalid(N_("Please send a photo, a file or a voice message."))
        if self.accept_documents:
            raise Invalid(N_("Please send a photo or a file."))
        raise Invalid(N_("Please send a photo."))

    def show(self, ctx: Ctx, value: Any) -> str:
        items = value if isinstance(value, list) else [value]
        if all(item.get("kind") == "voice" for item in items):
            return ctx.lang.ngettext(
                "{count} voice message", "{count} voice messages", len(items)
            ).format(count=len(items))
        if any(item.get("kind") in ("document", "voice") for item in items):
            return ctx.lang.ngettext("{count} file", "{count} files", len(items)).format(
                count=len(items)
            )
        return ctx.lang.ngettext("{count} photo", "{count} photos", len(items)).format(
            count=len(items)
        )
