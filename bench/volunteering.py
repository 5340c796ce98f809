"""300 volunteers check in at the venue within one minute, over the full Telegram path, no network.

A shift has begun and its check-in is open. Each volunteer arrives at a random moment of one
minute (``--spread``), reads the code on the coordinator's screen at that moment (a TOTP code
of the real clock) and sends it as a plain message — a real ``telegram.Update`` handed to
python-telegram-bot's ``Application.process_update``, through Linli's Telegram transport, the
dispatcher, the handlers and a SQLite file (or ``--database-url`` PostgreSQL). One in ten sends
it twice (a double tap). The Bot API is answered in-process (``bench.events.InProcessBotApi``).

    python -m bench.volunteering                  # 300 volunteers within 60 s
    python -m bench.volunteering --volunteers 1000 --spread 10

Prints the wall time, the latency per message at p50/p99/max, and what the database holds:
every volunteer checked in exactly once, nobody checked out by their second send.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update

from bench.events import _user, in_process_application, percentile
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.users import get_or_create_user
from db.volunteering import hours as shift_hours
from db.volunteering.models import Opportunity, Shift, ShiftRole, ShiftSignup, ShiftSignupStatus

FIRST_ID = 200_000


def text_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": _user(user_id),
            "text": text,
        },
    }


def make_shift(session_factory: sessionmaker[Session], volunteers: int) -> tuple[int, str]:
    """A shift that began five minutes ago, everyone signed up, check-in open: (id, secret)."""
    now = datetime.now(UTC)
    with session_factory() as session, session.begin():
        opportunity = Opportunity(
            title_zh="社区运动会",
            title_en="Community sports day",
            organiser="南山社区",
            place="Sports ground",
            status="published",
            created_at=now,
            updated_at=now,
        )
        session.add(opportunity)
        session.flush()
        shift = Shift(
            opportunity_id=opportunity.id,
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(hours=3),
        )
        session.add(shift)
        session.flush()
        role = ShiftRole(shift_id=shift.id, name_zh="引导", name_en="Usher", capacity=volunteers)
        session.add(role)
        session.flush()
        for n in range(volunteers):
            user = get_or_create_user(
                session, transport="telegram", external_id=str(FIRST_ID + n), now=now
            )
            session.add(
                ShiftSignup(
                    shift_id=shift.id,
                    role_id=role.id,
                    user_id=user.id,
                    status=ShiftSignupStatus.CONFIRMED,
                    seq=n + 1,
                    created_at=now,
                    updated_at=now,
                )
            )
        opened = shift_hours.open_checkin(session, shift.id)
        assert opened is not None and opened.checkin_secret
        return shift.id, opened.checkin_secret


async def run(volunteers: int, spread: float, database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    session_factory = make_session_factory(engine)
    shift_id, secret = make_shift(session_factory, volunteers)
    application, _ = await in_process_application(session_factory)
    bot = application.bot
    latencies: list[float] = []
    ids = iter(range(1, 10 * volunteers + 10))
    chance = random.Random(20)
    arrivals = sorted((chance.uniform(0, spread), FIRST_ID + n) for n in range(volunteers))
    twice = {user_id for _, user_id in arrivals if chance.random() < 0.1}
    codes = shift_hours.totp(secret)

    async def send(user_id: int) -> None:
        code = codes.at(datetime.now(UTC))  # what the coordinator's screen shows now
        update = Update.de_json(text_update(next(ids), user_id, code), bot)
        began = time.perf_counter()
        await application.process_update(update)
        latencies.append(time.perf_counter() - began)

    async def volunteer(at: float, user_id: int, started: float) -> None:
        await asyncio.sleep(max(0.0, started + at - time.perf_counter()))
        await send(user_id)
        if user_id in twice:
            await send(user_id)

    started = time.perf_counter()
    await asyncio.gather(*(volunteer(at, user_id, started) for at, user_id in arrivals))
    elapsed = time.perf_counter() - started
    await application.shutdown()

    with session_factory() as session:
        checked_in = session.scalar(
            select(func.count()).where(
                ShiftSignup.shift_id == shift_id, ShiftSignup.checked_in_at.is_not(None)
            )
        )
        checked_out = session.scalar(
            select(func.count()).where(
                ShiftSignup.shift_id == shift_id, ShiftSignup.checked_out_at.is_not(None)
            )
        )
    engine.dispose()
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()}; database: "
        f"{database_url.split(':')[0]}; Bot API answered in-process"
    )
    print(
        f"volunteers: {volunteers} arriving within {spread:g} s, {len(twice)} of them sending "
        f"the code twice; messages: {len(latencies)}; wall time: {elapsed:.2f} s"
    )
    print(
        f"latency per message: p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
    )
    print(f"checked in: {checked_in} of {volunteers}; checked out by a second send: {checked_out}")
    if checked_in != volunteers or checked_out:
        raise SystemExit("FAILED: every check-in must be recorded exactly once")
    print("every check-in recorded once")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=300)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds they arrive within")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        asyncio.run(run(args.volunteers, args.spread, url))


if __name__ == "__main__":
    main()
