"""Form fields for time: a moment typed in the community's time zone (``DateTimeField``), and
when something ends after it, as a length or an end time (``EndField``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from db.durations import parse_duration
from handlers.forms.datetime_input import day_month_swapped, parse_datetime
from handlers.forms.fields import Field, Invalid, _expect_text
from handlers.forms.state import load
from handlers.i18n import N_, Np_
from handlers.types import Ctx, Inbound


@dataclass(frozen=True, kw_only=True)
class DateTimeField(Field):
    """A moment typed in the community's time zone; stored as ISO 8601 in UTC."""

    future_only: bool = True
    default_time: time | None = None

    def parse(self, ctx: Ctx, inbound: Inbound) -> str:
        text = _expect_text(inbound, N_("Please type a day and a time, for example: Sat 3pm"))
        moment = self._read(ctx, text)
        if moment is None and self._read(ctx, text, default=time(12)) is not None:
            raise Invalid(  # a day without an hour: ask for it, with the day as they wrote it
                N_("At what time? Please send the day with the hour, for example: {example}"),
                example=f"{text.strip()[:30]} 19:00",
            )
        if moment is None:
            raise Invalid(
                N_(
                    "I could not read “{text}” as a date. "
                    "Please send a day and a time, like: Sat 3pm"
                ),
                text=text[:40],
            )
        other = day_month_swapped(text) if ctx.lang.code == "en" else None
        moment_too = self._read(ctx, other) if other else None
        if moment_too is not None and moment_too.date() != moment.date():
            # 12/5: month first in China, day first in much of the world; in English, ask.
            raise Invalid(
                N_(
                    "Is that {first} or {second}? Please write the month as a word, like: {example}"
                ),
                first=ctx.lang.date(moment),
                second=ctx.lang.date(moment_too),
                example=f"{moment.day} {moment:%b} {moment:%H:%M}",
            )
        if self.future_only and moment <= ctx.now:
            raise Invalid(
                N_("{when} has already passed. Please send a time in the future."),
                when=ctx.lang.datetime(moment),
            )
        return moment.astimezone(UTC).isoformat()

    def _read(self, ctx: Ctx, text: str, default: time | None = None) -> datetime | None:
        return parse_datetime(
            text, now=ctx.now, tz=ctx.community.timezone, default_time=default or self.default_time
        )

    def echo(self, ctx: Ctx, value: Any) -> str | None:
        return ctx._("= {when} ✔").format(when=self.show(ctx, value))

    def show(self, ctx: Ctx, value: Any) -> str:
        return ctx.lang.datetime(datetime.fromisoformat(value))


@dataclass(frozen=True, kw_only=True)
class EndField(Field):
    """How long something lasts, or when it ends, after the moment stored in ``start_field``:
    ``2h``, ``90 min``, ``2小时``, or ``21:30``, ``2026-12-24 22:00``. Stored as ISO 8601 UTC."""

    start_field: str
    max_length: timedelta = timedelta(days=14)

    def parse(self, ctx: Ctx, inbound: Inbound) -> str:
        text = _expect_text(
            inbound, N_("Please type a duration like 2h or an end time like 21:30.")
        )
        start = datetime.fromisoformat(load(ctx.conversation).values()[self.start_field])
        duration = parse_duration(text)
        if duration is not None:
            end = start + duration
        else:
            # A bare time means that time on the start's day (or the next day, if earlier).
            moment = parse_datetime(text, now=start, tz=ctx.community.timezone)
            if moment is None:
                raise Invalid(
                    N_(
                        "Sorry, I could not read “{text}” as a duration or an end time. "
                        "Please write it like 2h, 90 min, 2小时, 21:30 or 2026-12-24 22:00."
                    ),
                    text=text[:40],
                )
            end = moment.astimezone(UTC)
        if end <= start:
            raise Invalid(
                N_("The end must be after the start ({start}). Please send a later time."),
                start=ctx.lang.datetime(start),
            )
        if end - start > self.max_length:
            raise Invalid(
                Np_(
                    "That is longer than {count} day. Please send a shorter duration.",
                    "That is longer than {count} days. Please send a shorter duration.",
                ),
                count=self.max_length.days,
            )
        return end.astimezone(UTC).isoformat()

    def follow(self, name: str, old: Any, new: Any, value: Any) -> Any:
        """The start moved: the end moves with it, so the length stays (typing the end again
        sets it)."""
        if name != self.start_field or not (old and new and value):
            return value
        moved = datetime.fromisoformat(new) - datetime.fromisoformat(old)
        return (datetime.fromisoformat(value) + moved).astimezone(UTC).isoformat()

    def echo(self, ctx: Ctx, value: Any) -> str | None:
        return ctx._("= {when} ✔").format(when=self.show(ctx, value))

    def show(self, ctx: Ctx, value: Any) -> str:
        return ctx.lang.datetime(datetime.fromisoformat(value))


def future_times(ctx: Ctx, data: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """The ``starts_at`` and ``ends_at`` answers, checked again at submit (the start may have
    been changed after the end was given, or time may have passed): a start in the past or an
    end not after it is refused, naming the answer to change."""
    starts_at = datetime.fromisoformat(data["starts_at"])
    ends_at = datetime.fromisoformat(data["ends_at"])
    if starts_at <= ctx.now:
        raise Invalid(
            N_("The start has already passed. Please change the start."), field="starts_at"
        )
    if ends_at <= starts_at:
        raise Invalid(
            N_("The end must be after the start. Please change the end."), field="ends_at"
        )
    return starts_at, ends_at
