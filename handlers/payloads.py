"""Button payloads: small declared, frozen types, packed and parsed in one place.

A payload is what a button carries back when pressed: ``ev:signup:42:1``. Each kind is declared
once, with its prefix (the service), its action (what pressing does) and typed fields::

    class SignUp(Payload, prefix="ev", action="signup"):
        event: int
        places: int = 1

``SignUp(event=42).pack()`` is ``"ev:signup:42:1"``; ``SignUp.parse(text)`` is the instance,
or None for anything forged or malformed — a payload is never trusted. Field types: ``int``
(an id or a count: decimal, non-negative, at most nine digits), ``bool`` (``y``/``n``),
``Annotated[str, MaxLen(n)]`` (printable ASCII but the colon, at most ``n`` characters),
and a ``StrEnum`` or ``Literal`` of fixed choices. Telegram's 64-byte limit is checked when
the class is declared, from the fields' widest values, so a payload that could be too long
fails at import.

Buttons already sent carry the wire names of older releases: ``aliases=("kill",)`` parses
``ev:kill:42`` to the same type (never packed). Trailing fields with a default may be missing
(``ev:list`` is page 0), so a field added at the end with a default keeps old buttons working.

Start links (``/start ev_42``, Telegram's ``t.me/<bot>?start=ev_42``) are declared the same way,
as ``StartLink`` types: a prefix, an optional ``tag`` (letters right after the underscore) and
typed fields, each an ``int`` or an ``Annotated[str, MaxLen(n)]`` of the characters Telegram
allows (letters, digits, ``_`` and ``-``)::

    class CaseLink(StartLink, prefix="dp", tag="c"):
        case: int

``CaseLink(42).pack()`` is ``"dp_c42"``; ``StartLinks.parse`` finds the type of any ``/start``
payload in one place. Several types may share a prefix: they are tried in the order registered,
and when none reads the payload (a forged link) the last one's handler answers, with None.
"""

from __future__ import annotations

import enum
import string
import typing
from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, fields
from typing import Annotated, Any, ClassVar, Literal, Self, get_args, get_origin

from handlers.types import MAX_PAYLOAD_BYTES

#: Ids are at most nine digits in a payload (an integer column holds them everywhere).
MAX_ID_DIGITS = 9
SEPARATOR = ":"
#: A start link's parts are joined by this; Telegram allows 64 of [A-Za-z0-9_-] after start=.
LINK_SEPARATOR = "_"
MAX_START_LINK = 64
LINK_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_-")


def parse_id(text: str) -> int | None:
    """A non-negative id (at most nine decimal digits) from untrusted text, or None."""
    if not text.isdecimal() or not text.isascii() or len(text) > MAX_ID_DIGITS:
        return None  # "²" is a digit, not decimal; "١" is decimal, not ASCII
    return int(text)


@dataclass(frozen=True, slots=True)
class MaxLen:
    """The longest a ``str`` field may be: ``Annotated[str, MaxLen(8)]``."""

    length: int


@dataclass(frozen=True, slots=True)
class _Codec:
    """How one field is written and read back, and its widest written form."""

    width: int
    pack: Callable[[Any], str]
    parse: Callable[[str], Any]  # raises ValueError for a value it refuses
    example: str  # a value it reads, for ``Payload.example``


def _refuse(text: str) -> Any:
    raise ValueError(text)


def _int_codec() -> _Codec:
    def pack(value: int) -> str:
        if isinstance(value, bool) or not isinstance(value, int) or parse_id(str(value)) is None:
            raise ValueError(f"not an id: {value!r}")
        return str(value)

    def parse(text: str) -> int:
        number = parse_id(text)
        return _refuse(text) if number is None else number

    return _Codec(MAX_ID_DIGITS, pack, parse, "1")


def _bool_codec() -> _Codec:
    values = {"y": True, "n": False}

    def parse(text: str) -> bool:
        return values[text] if text in values else _refuse(text)

    return _Codec(1, lambda value: "y" if value else "n", parse, "y")


def _is_word(text: str, length: int) -> bool:
    """Printable ASCII without a colon, one to ``length`` characters (a token, a code)."""
    return 0 < len(text) <= length and text.isascii() and text.isprintable() and ":" not in text


def _str_codec(length: int) -> _Codec:
    def pack(value: str) -> str:
        if not isinstance(value, str) or not _is_word(value, length):
            raise ValueError(f"not a payload word of at most {length}: {value!r}")
        return value

    def parse(text: str) -> str:
        return text if _is_word(text, length) else _refuse(text)

    return _Codec(length, pack, parse, "a" * length)


def _choice_codec(choices: Iterable[str], make: Callable[[str], Any]) -> _Codec:
    allowed = tuple(choices)
    if any(SEPARATOR in choice or not choice for choice in allowed):
        raise TypeError(f"a payload choice is a non-empty word without a colon: {allowed}")

    def pack(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"not one of {allowed}: {value!r}")
        return str(value)

    def parse(text: str) -> Any:
        return make(text) if text in allowed else _refuse(text)

    return _Codec(max(len(choice.encode()) for choice in allowed), pack, parse, allowed[0])


def _codec(name: str, hint: Any) -> _Codec:
    """The codec of a field from its annotation; anything else is a declaration error."""
    if get_origin(hint) is Annotated:
        base, *extras = get_args(hint)
        limits = [extra.length for extra in extras if isinstance(extra, MaxLen)]
        if base is str and limits:
            return _str_codec(limits[0])
        raise TypeError(f"payload field {name!r}: only Annotated[str, MaxLen(n)] is supported")
    if hint is bool:
        return _bool_codec()
    if hint is int:
        return _int_codec()
    if get_origin(hint) is Literal:
        return _choice_codec(get_args(hint), str)
    if isinstance(hint, type) and issubclass(hint, enum.StrEnum):
        return _choice_codec((member.value for member in hint), hint)
    raise TypeError(f"payload field {name!r} has a type a payload cannot carry: {hint!r}")


class Payload:
    """The base of every payload type; subclasses declare ``prefix=`` and ``action=``."""

    prefix: ClassVar[str]
    action: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    _codecs: ClassVar[tuple[tuple[str, _Codec], ...]] = ()
    _required: ClassVar[int] = 0

    def __init_subclass__(
        cls, *, prefix: str, action: str, aliases: tuple[str, ...] = (), **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        for word in (prefix, action, *aliases):
            if not word or SEPARATOR in word:
                raise TypeError(f"{cls.__name__}: {word!r} is not a payload word")
        cls.prefix, cls.action, cls.aliases = prefix, action, tuple(aliases)
        dataclass(frozen=True)(cls)
        hints = typing.get_type_hints(cls, include_extras=True)
        declared = fields(cls)  # type: ignore[arg-type]
        cls._codecs = tuple(
            (field.name, _codec(field.name, hints[field.name])) for field in declared
        )
        cls._required = sum(
            1 for field in declared if field.default is MISSING and field.default_factory is MISSING
        )
        widest = len(f"{prefix}{SEPARATOR}{action}".encode()) + sum(
            1 + codec.width for _, codec in cls._codecs
        )
        if widest > MAX_PAYLOAD_BYTES:
            raise TypeError(
                f"{cls.__name__} may pack to {widest} bytes, over Telegram's {MAX_PAYLOAD_BYTES}"
            )

    def pack(self) -> str:
        """The wire form: ``prefix:action:field:…``."""
        parts = [codec.pack(getattr(self, name)) for name, codec in self._codecs]
        return SEPARATOR.join((self.prefix, self.action, *parts))

    @classmethod
    def parse(cls, text: str) -> Self | None:
        """The payload ``text`` carries, if it is one of this type and well formed; else None."""
        prefix, _, rest = text.partition(SEPARATOR)
        action, _, tail = rest.partition(SEPARATOR)
        if prefix != cls.prefix or action not in (cls.action, *cls.aliases):
            return None
        parts = tail.split(SEPARATOR) if tail or rest.count(SEPARATOR) else []
        if parts == [""] and not cls._codecs:
            parts = []  # ``nt:stop:``: older buttons ended a payload without fields with a colon
        if not cls._required <= len(parts) <= len(cls._codecs):
            return None
        try:
            values = {
                name: codec.parse(part)
                for (name, codec), part in zip(cls._codecs, parts, strict=False)
            }
        except ValueError:
            return None
        return cls(**values)

    @classmethod
    def example(cls) -> Self:
        """An instance with an example value in every field (id 1, the first choice…), for the
        documentation and the tests that press every registered button."""
        parts = [codec.example for _, codec in cls._codecs]
        example = cls.parse(SEPARATOR.join((cls.prefix, cls.action, *parts)))
        assert example is not None
        return example

    @classmethod
    def wire_actions(cls) -> tuple[str, ...]:
        """The action and its aliases: every name a button of this type may carry."""
        return (cls.action, *cls.aliases)


def action_of(text: str) -> tuple[str, str]:
    """The ``(prefix, action)`` a payload names, to look its type up; untrusted."""
    prefix, _, rest = text.partition(SEPARATOR)
    return prefix, rest.partition(SEPARATOR)[0]


class Catalog:
    """Payload types by ``(prefix, action)``, each name (action or alias) declared once."""

    def __init__(self, types: Iterable[type[Payload]] = ()) -> None:
        self.types: dict[tuple[str, str], type[Payload]] = {}
        for kind in types:
            self.add(kind)

    def add(self, kind: type[Payload]) -> None:
        for action in kind.wire_actions():
            key = (kind.prefix, action)
            other = self.types.get(key)
            if other is not None:
                raise ValueError(
                    f"button payload {kind.prefix}:{action} is declared twice: "
                    f"{other.__qualname__} and {kind.__qualname__}"
                )
            self.types[key] = kind

    def parse(self, text: str) -> Payload | None:
        """The payload ``text`` carries, or None if no declared type reads it."""
        kind = self.types.get(action_of(text))
        return kind.parse(text) if kind is not None else None


def _link_codec(owner: str, name: str, hint: Any) -> _Codec:
    """The codec of a start link's field: an id, or a word of the link's characters."""
    if hint is int:
        return _int_codec()
    if get_origin(hint) is Annotated:
        base, *extras = get_args(hint)
        limits = [extra.length for extra in extras if isinstance(extra, MaxLen)]
        if base is str and limits:
            length = limits[0]

            def is_word(text: Any) -> bool:
                return (
                    isinstance(text, str)
                    and 0 < len(text) <= length
                    and (set(text) <= LINK_CHARACTERS)
                )

            def pack(value: str) -> str:
                if not is_word(value):
                    raise ValueError(f"not a start link word of at most {length}: {value!r}")
                return value

            def parse(text: str) -> str:
                return text if is_word(text) else _refuse(text)

            return _Codec(length, pack, parse, "a" * length)
    raise TypeError(f"{owner}.{name}: a start link carries an int or Annotated[str, MaxLen(n)]")


class StartLink:
    """The base of every start link type; subclasses declare ``prefix=`` (and ``tag=``)."""

    prefix: ClassVar[str]
    tag: ClassVar[str] = ""
    _codecs: ClassVar[tuple[tuple[str, _Codec], ...]] = ()

    def __init_subclass__(cls, *, prefix: str, tag: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix or not set(prefix + tag) <= LINK_CHARACTERS - {LINK_SEPARATOR}:
            raise TypeError(f"{cls.__name__}: {prefix!r}/{tag!r} is not a start link prefix")
        cls.prefix, cls.tag = prefix, tag
        dataclass(frozen=True)(cls)
        hints = typing.get_type_hints(cls, include_extras=True)
        cls._codecs = tuple(
            (field.name, _link_codec(cls.__name__, field.name, hints[field.name]))
            for field in fields(cls)  # type: ignore[arg-type]
        )
        widest = len(prefix) + 1 + len(tag) + sum(1 + c.width for _, c in cls._codecs) - 1
        if widest > MAX_START_LINK:
            raise TypeError(f"{cls.__name__} may pack to {widest}, over {MAX_START_LINK}")

    def pack(self) -> str:
        """The wire form: ``prefix_tagfield_field`` (only the last field may hold ``_``: a
        one-time token does)."""
        parts = [codec.pack(getattr(self, name)) for name, codec in self._codecs]
        if any(LINK_SEPARATOR in part for part in parts[:-1]):
            raise ValueError(f"only a start link's last field may hold {LINK_SEPARATOR!r}")
        return f"{self.prefix}{LINK_SEPARATOR}{self.tag}{LINK_SEPARATOR.join(parts)}"

    @classmethod
    def parse(cls, text: str) -> Self | None:
        """The link ``text`` carries, if it is one of this type and well formed; else None."""
        head = f"{cls.prefix}{LINK_SEPARATOR}{cls.tag}"
        if not text.startswith(head) or len(text) > MAX_START_LINK:
            return None
        rest = text[len(head) :]
        parts = rest.split(LINK_SEPARATOR, len(cls._codecs) - 1) if cls._codecs else []
        if len(parts) != len(cls._codecs) or (not cls._codecs and rest):
            return None
        try:
            values = {
                name: codec.parse(part)
                for (name, codec), part in zip(cls._codecs, parts, strict=True)
            }
        except ValueError:
            return None
        return cls(**values)

    @classmethod
    def example(cls) -> Self:
        """An instance with an example value in every field (for the tests)."""
        parts = [codec.example for _, codec in cls._codecs]
        example = cls.parse(f"{cls.prefix}{LINK_SEPARATOR}{cls.tag}{LINK_SEPARATOR.join(parts)}")
        assert example is not None
        return example


def link_prefix(text: str) -> str:
    """The prefix a ``/start`` payload names (``ev`` of ``ev_42``), to look its types up."""
    return text.partition(LINK_SEPARATOR)[0]


class StartLinks:
    """Start link types by prefix, in the order registered; a (prefix, tag) declared twice is
    an error."""

    def __init__(self, types: Iterable[type[StartLink]] = ()) -> None:
        self.types: dict[str, list[type[StartLink]]] = {}
        for kind in types:
            self.add(kind)

    def add(self, kind: type[StartLink]) -> None:
        same = self.types.setdefault(kind.prefix, [])
        if any(other.tag == kind.tag for other in same):
            raise ValueError(f"start link {kind.prefix}_{kind.tag}… is declared twice")
        same.append(kind)

    def parse(self, text: str) -> tuple[type[StartLink], StartLink | None] | None:
        """The type that reads ``text`` and the link it carries; for a prefix that is declared
        but a link none of its types reads (forged), its last type and None; for a prefix
        nobody declared, None."""
        kinds = self.types.get(link_prefix(text))
        if not kinds:
            return None
        for kind in kinds:
            link = kind.parse(text)
            if link is not None:
                return kind, link
        return kinds[-1], None
