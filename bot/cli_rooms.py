"""``linli rooms add|list|close|open``: the 格格屋 rooms and their rules, kept on the server."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from bot.config import Settings
from bot.runtime import build_runtime
from db.rooms import clock as room_clock
from db.rooms import operations as ops
from db.rooms import rules
from db.users import UnknownUserRef, find_user, parse_ref


def _when(text: str, tz) -> datetime:
    """``2026-12-24`` or ``2026-12-24T14:00`` in the community's zone, as an aware datetime."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _row(room) -> str:
    state = "open" if room.is_open else "closed"
    hours = ", ".join(f"{day}:{'-'.join(span)}" for day, span in sorted(room.hours.items()))
    who = room.book_role or "everyone"
    return (
        f"{room.code}: {room.name_zh or ''} / {room.name_en or ''} — {state}, "
        f"{room.capacity} people, {room.slot_minutes} min slots, hours {hours}, "
        f"booked by {who}, {room.ahead_days} days ahead, {room.notice_minutes} min notice, "
        f"{room.week_hours} h a week each{', needs approval' if room.needs_approval else ''}"
    )


def cmd_rooms(args: argparse.Namespace, settings_of: Callable[[], Settings]) -> None:
    settings = settings_of()
    runtime = build_runtime(settings)
    tz = settings.community(None).timezone
    now = datetime.now(UTC)
    with runtime.session_factory() as session, session.begin():
        if args.action == "add":
            if not (args.name_zh or args.name_en):
                raise SystemExit("a room needs a name: --name-zh and/or --name-en")
            if rules.find_room(session, args.code):
                raise SystemExit(f"{args.code}: a room with that code exists")
            try:
                hours = rules.parse_hours(args.hours)
            except ValueError as exc:
                raise SystemExit(str(exc)) from None
            room = rules.add_room(
                session,
                rules.NewRoom(
                    code=args.code,
                    name_zh=args.name_zh,
                    name_en=args.name_en,
                    description_zh=args.description_zh,
                    description_en=args.description_en,
                    rules_zh=args.rules_zh,
                    rules_en=args.rules_en,
                    capacity=args.capacity,
                    hours=hours,
                    slot_minutes=args.slot,
                    book_role=args.role,
                    needs_approval=args.approval,
                    ahead_days=args.ahead,
                    notice_minutes=args.notice,
                    week_hours=args.week_hours,
                    door_code=args.door_code,
                ),
                now=now,
            )
            print(f"added {_row(room)}")
            return
        if args.action == "list":
            for room in rules.rooms(session, include_closed=True):
                print(_row(room))
            return
        if args.action == "lift":
            try:
                user = find_user(session, *parse_ref(args.ref))
            except UnknownUserRef as exc:
                raise SystemExit(str(exc)) from None
            if user is None:
                raise SystemExit(f"{args.ref}: no such user")
            lifted = room_clock.lift_pause(session, user, now=now)
            print(f"{args.ref}: {'may book again' if lifted else 'was not paused'}")
            return
        room = rules.find_room(session, args.code)
        if room is None:
            raise SystemExit(f"{args.code}: no such room (see 'linli rooms list')")
        if args.action == "close":
            if bool(args.start) != bool(args.end):
                raise SystemExit("give both --from and --to, or neither (closed until opened)")
            starts = _when(args.start, tz) if args.start else None
            ends = _when(args.end, tz) if args.end else None
            if starts and ends and ends <= starts:
                raise SystemExit("--to must come after --from")
            hit = ops.close(
                session, room, now=now, starts_at=starts, ends_at=ends, reason=args.reason
            )
            print(f"{room.code}: closed; {len(hit)} booking(s) cancelled and their people told")
        else:
            lifted = ops.reopen(session, room, now=now)
            print(f"{room.code}: open ({lifted} closure(s) lifted)")


def add_parser(sub: argparse._SubParsersAction, settings_of: Callable[[], Settings]) -> None:
    """The ``rooms`` command; ``settings_of`` reads the settings (or exits on a bad one)."""
    rooms = sub.add_parser("rooms", help="the 格格屋 rooms residents book: add, list, close, open")
    actions = rooms.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a room with its rules")
    add.add_argument("code", help="a short name, e.g. chess")
    add.add_argument("--name-zh")
    add.add_argument("--name-en")
    add.add_argument("--description-zh")
    add.add_argument("--description-en")
    add.add_argument("--rules-zh", help="house rules shown before confirming")
    add.add_argument("--rules-en")
    add.add_argument("--capacity", type=int, default=10, help="how many people fit")
    add.add_argument(
        "--hours", default="mon-sun 09:00-21:00", help="e.g. 'mon-fri 09:00-21:00; sat 10:00-18:00'"
    )
    add.add_argument("--slot", type=int, default=60, help="slot length in minutes")
    add.add_argument("--role", help="only this role may book (default: everyone)")
    add.add_argument("--approval", action="store_true", help="bookings need an admin's approval")
    add.add_argument("--ahead", type=int, default=28, help="how many days ahead one may book")
    add.add_argument("--notice", type=int, default=60, help="least notice in minutes")
    add.add_argument("--week-hours", type=int, default=6, help="most hours per person a week")
    add.add_argument("--door-code", help="posted at the door: '/checkin CODE' checks in there")
    actions.add_parser("list", help="every room and its rules")
    close = actions.add_parser("close", help="close a room (or a period): bookings are cancelled")
    close.add_argument("code")
    close.add_argument("--from", dest="start", help="2026-12-24 or 2026-12-24T14:00")
    close.add_argument("--to", dest="end")
    close.add_argument("--reason")
    opening = actions.add_parser("open", help="open a room again, lifting its closures")
    opening.add_argument("code")
    lift = actions.add_parser("lift", help="let a person paused after no-shows book again")
    lift.add_argument("ref", help="TRANSPORT:ID, e.g. telegram:12345")
    rooms.set_defaults(func=partial(cmd_rooms, settings_of=settings_of))
