"""The ``linli`` command: run the bot, chat in the terminal, migrate, manage roles."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from datetime import UTC, datetime

from bot.config import ConfigError, Settings, load_settings
from bot.runtime import build_runtime, configure_logging

BANNER = """\
Linli (邻里) — console chat on {database}
No LINLI_TELEGRAM_TOKEN is set, so this is the chat in your terminal.
  • Type a message or a /command; type a button's number or its label to press it.
  • ':as NAME zh' or ':as NAME en' chats as another person. Ctrl-D ends.
To connect Telegram: create a bot with @BotFather, then run
  LINLI_TELEGRAM_TOKEN=123456:ABC… ./scripts/run
"""


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        print(f"linli: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def _run_telegram(settings: Settings, webhook_url: str | None) -> None:
    from bot.telegram.app import Webhook, build_application, serve, webhook_secret

    assert settings.telegram_token is not None
    runtime = build_runtime(settings)
    application = build_application(
        token=settings.telegram_token,
        base_url=settings.telegram_base_url,
        dispatcher=runtime.dispatcher,
        worker=runtime.worker,
        outbox_interval=settings.outbox_interval,
        sweeper=runtime.sweeper,
    )
    webhook = None
    if webhook_url:
        webhook = Webhook(
            url=webhook_url,
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            secret=webhook_secret(settings.telegram_token, settings.webhook_secret),
        )
    print(
        f"Linli is running on Telegram ({'webhook' if webhook else 'long polling'}).",
        file=sys.stderr,
    )
    await serve(application, stop=_stop_event(), webhook=webhook)


async def _run_console(settings: Settings, name: str, lang: str | None, banner: bool) -> None:
    from bot.console import ConsoleChat
    from bot.scheduler import start_scheduler

    runtime = build_runtime(settings)
    chat = ConsoleChat(
        runtime.dispatcher, runtime.worker, name=name, language_hint=lang, sweeper=runtime.sweeper
    )
    if banner:
        print(BANNER.format(database=runtime.engine.url.render_as_string()), file=sys.stderr)
    scheduler = None
    if chat.interactive:
        scheduler = start_scheduler(
            runtime.worker,
            runtime.dispatcher,
            interval=settings.outbox_interval,
            sweeper=runtime.sweeper,
        )
    try:
        await chat.run()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def cmd_run(args: argparse.Namespace) -> None:
    settings = _settings()
    configure_logging(settings.log_level)
    if settings.telegram_token:
        asyncio.run(_run_telegram(settings, args.webhook))
    else:
        if args.webhook:
            raise SystemExit("linli: --webhook needs LINLI_TELEGRAM_TOKEN")
        asyncio.run(_run_console(settings, "resident", None, banner=True))


def cmd_shell(args: argparse.Namespace) -> None:
    settings = _settings()
    configure_logging("WARNING")
    asyncio.run(_run_console(settings, args.name, args.lang, banner=sys.stdin.isatty()))


def cmd_db(args: argparse.Namespace) -> None:
    from db.engine import make_engine
    from db.migrate import current_revision, upgrade

    engine = make_engine(_settings().database_url)
    if args.action == "upgrade":
        upgrade(engine)
    print(f"database schema at revision {current_revision(engine)}")


def cmd_users(args: argparse.Namespace) -> None:
    from db import outbox
    from db.users import (
        UnknownUserRef,
        find_user,
        get_or_create_user,
        grant_role,
        list_users,
        parse_ref,
        revoke_role,
    )

    runtime = build_runtime(_settings())
    now = datetime.now(UTC)
    with runtime.session_factory() as session, session.begin():
        if args.action == "list":
            for user in list_users(session, role=args.role):
                roles = ", ".join(sorted(user.role_names)) or "resident"
                name = user.display_name + (f" (@{user.username})" if user.username else "")
                print(f"{user.ref:<24} {name:<32} {roles:<28} {user.locale or '-'}")
            return
        try:
            transport, external_id = parse_ref(args.ref)
        except UnknownUserRef as exc:
            raise SystemExit(f"linli: {exc}") from None
        if args.action == "grant":
            user = get_or_create_user(
                session, transport=transport, external_id=external_id, now=now
            )
            try:
                changed = grant_role(session, user, args.role, now=now, by="command line")
            except ValueError as exc:
                raise SystemExit(f"linli: {exc}") from None
            if changed:
                outbox.enqueue(
                    session,
                    transport=transport,
                    user_id=user.id,
                    now=now,
                    chat_id=user.private_chat_id or external_id,
                    template="roles.granted",
                    params={"role": args.role},
                )
            print(f"{user.ref}: {args.role} {'granted' if changed else 'was already granted'}")
        else:
            user = find_user(session, transport, external_id)
            changed = user is not None and revoke_role(session, user, args.role)
            print(f"{args.ref}: {args.role} {'revoked' if changed else 'was not held'}")


def cmd_outbox(args: argparse.Namespace) -> None:
    from db.outbox import failed_messages

    runtime = build_runtime(_settings())
    with runtime.session_factory() as session:
        rows = failed_messages(session, limit=args.limit)
        for row in rows:
            print(
                f"#{row.id} {row.transport}:{row.chat_id} {row.template} "
                f"attempts={row.attempts} error={row.last_error}"
            )
        print(f"{len(rows)} undeliverable message(s)")


def cmd_stats(args: argparse.Namespace) -> None:
    """Write the 五及 report of a month (picture and CSV) into a folder."""
    from pathlib import Path

    from handlers.i18n import language
    from handlers.stats import render
    from handlers.stats.command import replies
    from handlers.stats.measures import Report
    from handlers.stats.periods import month_of, parse_month
    from handlers.types import materialise

    settings = _settings()
    runtime = build_runtime(settings)
    community = settings.community()
    now = datetime.now(UTC)
    if args.month:
        period = parse_month(args.month)
        if period is None:
            raise SystemExit(f"linli: --month must look like 2026-11, got {args.month!r}")
    else:
        period = month_of(now.astimezone(community.timezone).date().replace(day=1)).previous()
    report = Report.from_dict(
        render.numbers(render.database_url(runtime.engine), community, period, now)
    )
    lang = language(args.lang or community.default_locale, community.timezone.key)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for reply in replies(report, lang):  # drawn here, the transaction over
        attachment = materialise(reply).attachment
        assert attachment is not None
        (out / attachment.filename).write_bytes(attachment.content)
        print(out / attachment.filename)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="linli", description="Linli (邻里) community chatbot")
    sub = top.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (Telegram with a token, else the console)")
    run.add_argument("--webhook", metavar="URL", help="serve a webhook at this public URL")
    run.set_defaults(func=cmd_run)

    shell = sub.add_parser("shell", help="chat with the bot in the terminal (or scripted)")
    shell.add_argument("--as", dest="name", default="resident", help="who you are (a name)")
    shell.add_argument("--lang", choices=["zh", "en"], help="your app's language hint")
    shell.set_defaults(func=cmd_shell)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    db.set_defaults(func=cmd_db)

    users = sub.add_parser("users", help="list users; grant or revoke roles")
    users_sub = users.add_subparsers(dest="action", required=True)
    for action in ("grant", "revoke"):
        command = users_sub.add_parser(action, help=f"{action} a role")
        command.add_argument("ref", help="telegram:ID or console:NAME")
        command.add_argument("role", choices=["volunteer", "mediator", "organiser", "admin"])
    listing = users_sub.add_parser("list", help="list users and their roles")
    listing.add_argument("--role", choices=["volunteer", "mediator", "organiser", "admin"])
    users.set_defaults(func=cmd_users)

    box = sub.add_parser("outbox", help="messages that could not be delivered")
    box.add_argument("action", choices=["failed"])
    box.add_argument("--limit", type=int, default=50)
    box.set_defaults(func=cmd_outbox)

    from handlers.i18n import SUPPORTED

    stats = sub.add_parser("stats", help="the 五及 report of a month: a PNG and a CSV")
    stats.add_argument("--month", metavar="YYYY-MM", help="the month (default: last month)")
    stats.add_argument("--out", metavar="DIR", required=True, help="folder to write them into")
    stats.add_argument("--lang", choices=SUPPORTED, help="labels' language (default: community's)")
    stats.set_defaults(func=cmd_stats)
    return top


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
