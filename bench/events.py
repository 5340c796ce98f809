"""How fast a crowd signs up for one event: N residents over the full Telegram path, no network.

Each simulated resident opens the event card from a shared link (``/start ev_<id>``), presses
Sign up, then Confirm — three real ``telegram.Update`` objects (``Update.de_json``) handed to
python-telegram-bot's ``Application.process_update``, through Linli's Telegram transport, the
dispatcher, the handlers and a SQLite file database. The Bot API is answered in-process: the
application's ``telegram.request.BaseRequest`` builds the JSON a Bot API server would return,
so what is measured is the bot, not a network. Each button pressed is the one the bot sent.

    python -m bench.events                    # 1,000 residents, 64 at a time, 100 places
    python -m bench.events --users 200 --concurrency 1

Prints updates per second, the latency per update (``process_update`` from call to return,
replies included) at p50/p99/max, how the signups ended, and peak memory (RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, TypeHandler
from telegram.request import BaseRequest, RequestData

from bot.dispatcher import Dispatcher
from bot.flood import FloodGuard
from bot.telegram.app import TelegramTransport
from db.engine import make_engine, make_session_factory
from db.events.models import Event, EventSignup, EventStatus
from db.migrate import upgrade
from handlers import build_registry
from handlers.types import Community

TOKEN = "123456:BENCH-not-a-real-token"
BOT = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Linli",
    "username": "linli_bench_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class InProcessBotApi(BaseRequest):
    """Answers every Bot API call as the server would, in memory, and keeps what each chat was
    last sent (so a simulated resident presses a button the bot really showed)."""

    def __init__(self) -> None:
        self.message_ids = 0
        self.calls: dict[str, int] = {}
        self.last_markup: dict[int, dict[str, Any]] = {}

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        self.calls[endpoint] = self.calls.get(endpoint, 0) + 1
        params = request_data.parameters if request_data is not None else {}
        result: Any = True
        if endpoint == "getMe":
            result = BOT
        elif endpoint in ("sendMessage", "sendDocument", "editMessageText"):
            chat_id = int(params["chat_id"])
            self.message_ids += 1
            result = {
                "message_id": params.get("message_id") or self.message_ids,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT,
                "text": params.get("text") or params.get("caption") or "",
            }
            markup = params.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            self.last_markup[chat_id] = markup or {}
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def button(self, chat_id: int, action: str) -> str:
        """The callback data of the button for ``action`` (``join``, ``signup``) last shown."""
        for row in self.last_markup.get(chat_id, {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data") or ""
                if data.startswith(f"ev:{action}:"):
                    return data
        raise LookupError(f"chat {chat_id} was not shown an ev:{action} button")


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"N{user_id}", "language_code": "zh"}


def start_update(update_id: int, user_id: int, event_id: int) -> dict[str, Any]:
    text = f"/start ev_{event_id}"
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": _user(user_id),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def press_update(update_id: int, user_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": _user(user_id),
            "chat_instance": str(user_id),
            "data": data,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": BOT,
                "text": "…",
            },
        },
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def make_event(session_factory: sessionmaker[Session], places: int) -> int:
    now = datetime.now(UTC)
    with session_factory() as session, session.begin():
        event = Event(
            title_zh="端午龙舟赛",
            title_en="Dragon-boat race",
            starts_at=now + timedelta(days=7),
            ends_at=now + timedelta(days=7, hours=3),
            place="Jincheng Lake",
            capacity=places,
            max_party=1,
            status=EventStatus.PUBLISHED,
            created_at=now,
            updated_at=now,
        )
        session.add(event)
        session.flush()
        return event.id


async def in_process_application(
    session_factory: sessionmaker[Session],
) -> tuple[Application, InProcessBotApi]:
    """Linli's real python-telegram-bot application and dispatcher over ``session_factory``,
    initialised, with the Bot API answered in this process (no flood limit: a crowd is the
    point)."""
    community = Community(timezone=ZoneInfo("Asia/Shanghai"), default_locale="zh_Hans")
    dispatcher = Dispatcher(
        session_factory=session_factory,
        registry=build_registry(),
        community=community,
        flood=FloodGuard(limit=10_000),
    )
    api = InProcessBotApi()
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(api)
        .get_updates_request(InProcessBotApi())
        .build()
    )
    application.add_handler(TypeHandler(Update, TelegramTransport(dispatcher).on_update))
    await application.initialize()
    return application, api


async def run(users: int, concurrency: int, places: int, database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    session_factory = make_session_factory(engine)
    event_id = make_event(session_factory, places)
    application, api = await in_process_application(session_factory)
    bot = application.bot
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    ids = iter(range(1, 10 * users + 10))

    async def process(data: dict[str, Any]) -> None:
        update = Update.de_json(data, bot)
        began = time.perf_counter()
        await application.process_update(update)
        latencies.append(time.perf_counter() - began)

    async def resident(user_id: int) -> None:
        async with gate:
            await process(start_update(next(ids), user_id, event_id))
            await process(press_update(next(ids), user_id, api.button(user_id, "join")))
            await process(press_update(next(ids), user_id, api.button(user_id, "signup")))

    started = time.perf_counter()
    await asyncio.gather(*(resident(100_000 + n) for n in range(users)))
    elapsed = time.perf_counter() - started
    await application.shutdown()

    with session_factory() as session:
        outcome = dict(
            session.execute(
                select(EventSignup.status, func.count()).group_by(EventSignup.status)
            ).all()
        )
    engine.dispose()
    updates = len(latencies)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()}; database: "
        f"{database_url.split(':')[0]}; Bot API answered in-process; "
        f"{concurrency} residents at a time"
    )
    print(f"residents: {users}, updates: {updates}, wall time: {elapsed:.2f} s")
    print(f"throughput: {updates / elapsed:.1f} updates/s")
    print(
        f"latency per update: p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
    )
    print(f"signups: {outcome} (places: {places}); Bot API calls: {api.calls}")
    print(f"peak memory (RSS): {peak_mib:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64, help="residents at a time")
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        asyncio.run(run(args.users, args.concurrency, args.places, url))


if __name__ == "__main__":
    main()
