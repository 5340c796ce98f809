"""What an outbox message carries: one small declared, frozen type per template, checked when
the message is queued and read back typed when it is sent.

Each template's parameters are declared once, beside the code that queues them, with the
template's name::

    class Offer(EventNamed, template="ev.offer"):
        signup_id: int
        party: int
        expires_at: datetime

``Offer(event_id=42, …)`` refuses a missing field or a value of the wrong type at once — at the
queue call, in the test that queues it — not when the worker renders it later.
``outbox.enqueue(…, params=Offer(…))`` stores ``to_json()``, and the worker renders
``Offer.from_json(row.params)``: the template reads ``params.party``, never ``params["party"]``.

Field types: ``int``, ``float``, ``str``, ``bool``, an aware ``datetime`` (ISO 8601 in the
row), a ``StrEnum`` (its value), ``X | None``, ``tuple[X, ...]`` and ``tuple[X, Y]`` (lists),
``dict[str, X]``, a ``Record`` (a group of fields, an object in the row), and a class that
writes and reads its own JSON form (``to_dict`` and ``from_dict``: the monthly report). A ``Record``
without ``template=`` is also how several templates share fields: they inherit them.

The stored form is the plain JSON object the templates read before they were typed, key for
key, so rows queued by an older release still send: ``from_json`` ignores keys no field
declares and takes a field's default where an older row lacks it.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from datetime import UTC, datetime
from typing import Any, ClassVar, Self, Union, get_args, get_origin


@dataclass(frozen=True, slots=True)
class _Codec:
    """How one field is checked, written to the row and read back from it."""

    name: str  # the type as the error names it
    check: Callable[[Any], Any]  # the value to keep, or raises TypeError
    dump: Callable[[Any], Any]
    load: Callable[[Any], Any]
    example: Callable[[], Any]  # a value it accepts, for ``Record.example``


def _same(value: Any) -> Any:
    return value


def _plain(kind: type) -> _Codec:
    def check(value: Any) -> Any:
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise TypeError(kind.__name__)
        return value

    examples = {int: 1, float: 1.5, str: "a", bool: True}
    return _Codec(kind.__name__, check, _same, check, lambda: examples[kind])


def _datetime() -> _Codec:
    def check(value: Any) -> datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise TypeError("an aware datetime")
        return value

    return _Codec(
        "datetime (aware)",
        check,
        datetime.isoformat,
        lambda text: check(datetime.fromisoformat(text)),
        lambda: datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
    )


def _enum(kind: type[enum.StrEnum]) -> _Codec:
    def check(value: Any) -> Any:
        try:
            return kind(value)
        except ValueError:
            raise TypeError(kind.__name__) from None

    return _Codec(kind.__name__, check, str, check, lambda: next(iter(kind)))


def _optional(inner: _Codec) -> _Codec:
    def wrap(step: Callable[[Any], Any]) -> Callable[[Any], Any]:
        return lambda value: None if value is None else step(value)

    return _Codec(
        f"{inner.name} | None", wrap(inner.check), wrap(inner.dump), wrap(inner.load), inner.example
    )


def _sequence(inner: _Codec) -> _Codec:
    def each(step: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def run(value: Any) -> tuple[Any, ...]:
            if not isinstance(value, list | tuple):
                raise TypeError(f"tuple[{inner.name}, ...]")
            return tuple(step(item) for item in value)

        return run

    return _Codec(
        f"tuple[{inner.name}, ...]",
        each(inner.check),
        lambda v: [inner.dump(i) for i in v],
        each(inner.load),
        lambda: (inner.example(),),
    )


def _pair(inners: tuple[_Codec, ...]) -> _Codec:
    """A fixed ``tuple[X, Y]``: a short list in the row."""
    name = f"tuple[{', '.join(inner.name for inner in inners)}]"

    def each(step: str) -> Callable[[Any], Any]:
        def run(value: Any) -> tuple[Any, ...]:
            if not isinstance(value, list | tuple) or len(value) != len(inners):
                raise TypeError(name)
            return tuple(
                getattr(inner, step)(item) for inner, item in zip(inners, value, strict=True)
            )

        return run

    dump = each("dump")
    return _Codec(
        name,
        each("check"),
        lambda v: list(dump(v)),
        each("load"),
        lambda: tuple(inner.example() for inner in inners),
    )


def _mapping(inner: _Codec) -> _Codec:
    def each(step: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def run(value: Any) -> dict[str, Any]:
            if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
                raise TypeError(f"dict[str, {inner.name}]")
            return {key: step(item) for key, item in value.items()}

        return run

    return _Codec(
        f"dict[str, {inner.name}]",
        each(inner.check),
        each(inner.dump),
        each(inner.load),
        lambda: {"a": inner.example()},
    )


def _record(kind: type[Record]) -> _Codec:
    def check(value: Any) -> Any:
        if not isinstance(value, kind):
            raise TypeError(kind.__name__)
        return value

    return _Codec(kind.__name__, check, lambda v: v.to_json(), kind.from_json, kind.example)


def _own(kind: type) -> _Codec:
    """A value that writes and reads its own JSON form (``to_dict`` / ``from_dict``)."""

    def check(value: Any) -> Any:
        if not isinstance(value, kind):
            raise TypeError(kind.__name__)
        return value

    def example() -> Any:
        raise TypeError(f"an example {kind.__name__} is given to example(), not made")

    dump, load = kind.to_dict, kind.from_dict  # type: ignore[attr-defined]
    return _Codec(kind.__name__, check, dump, load, example)


def _codec(owner: str, name: str, hint: Any) -> _Codec:
    """The codec of a field from its annotation; anything else is a declaration error."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType) and len(args) == 2 and type(None) in args:
        return _optional(_codec(owner, name, next(a for a in args if a is not type(None))))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _sequence(_codec(owner, name, args[0]))
    if origin is tuple and args and Ellipsis not in args:
        return _pair(tuple(_codec(owner, name, arg) for arg in args))
    if origin is dict and args and args[0] is str:
        return _mapping(_codec(owner, name, args[1]))
    if hint in (int, float, str, bool):
        return _plain(hint)
    if hint is datetime:
        return _datetime()
    if isinstance(hint, type) and issubclass(hint, enum.StrEnum):
        return _enum(hint)
    if isinstance(hint, type) and issubclass(hint, Record):
        return _record(hint)
    if isinstance(hint, type) and hasattr(hint, "from_dict") and hasattr(hint, "to_dict"):
        return _own(hint)
    raise TypeError(f"{owner}.{name}: an outbox message cannot carry {hint!r}")


class Record:
    """Declared fields, checked when made, written to and read from a JSON object. Subclass it
    for a group of fields several templates share, or a nested item (one entry of a list)."""

    _codecs: ClassVar[tuple[tuple[str, _Codec], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclass(frozen=True, kw_only=True)(cls)
        hints = typing.get_type_hints(cls)
        cls._codecs = tuple(
            (field.name, _codec(cls.__qualname__, field.name, hints[field.name]))
            for field in fields(cls)  # type: ignore[arg-type]
        )

    def __post_init__(self) -> None:
        for name, codec in self._codecs:
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, codec.check(value))
            except TypeError:
                raise TypeError(
                    f"{type(self).__qualname__}.{name} must be {codec.name}, not {value!r}"
                ) from None

    def to_json(self) -> dict[str, Any]:
        """The row's form: a JSON object, key for key the fields."""
        return {name: codec.dump(getattr(self, name)) for name, codec in self._codecs}

    @classmethod
    def example(cls, **given: Any) -> Self:
        """An instance with an example value in every field but those ``given`` (for the
        tests that check every template's declaration)."""
        values = {name: codec.example() for name, codec in cls._codecs if name not in given}
        return cls(**values, **given)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """The typed value of a stored row (also one queued by an older release: keys no field
        declares are ignored, a field with a default may be missing). Raises TypeError for a
        row it cannot read."""
        if not isinstance(data, Mapping):
            raise TypeError(f"{cls.__qualname__}: not an object: {data!r}")
        values = {}
        for name, codec in cls._codecs:
            if name in data:
                try:
                    values[name] = codec.load(data[name])
                except (TypeError, ValueError):
                    raise TypeError(
                        f"{cls.__qualname__}.{name} must be {codec.name}, not {data[name]!r}"
                    ) from None
        missing = [
            field.name
            for field in fields(cls)  # type: ignore[arg-type]
            if field.name not in values
            and field.default is MISSING
            and field.default_factory is MISSING
        ]
        if missing:
            raise TypeError(f"{cls.__qualname__}: the row lacks {', '.join(missing)}")
        return cls(**values)


class Params(Record):
    """The parameters of one outbox template; subclasses declare ``template=``. A subclass
    without it is a group of shared fields (``Record``) that templates inherit."""

    template: ClassVar[str] = ""

    def __init_subclass__(cls, *, template: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.template = template
