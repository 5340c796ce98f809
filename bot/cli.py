"""The ``linli`` command: run the bot, chat in the terminal, migrate, manage roles."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from datetime import UTC, date, datetime, timedelta

from bot.config import ConfigError, Settings, load_settings
from bot.runtime import build_runtime, configure_logging

BANNER = """\
Linli (邻里) — console chat on {database}
No LINLI_TELEGRAM_TOKEN is set (nor LINLI_MATRIX_HOMESERVER), so this is the chat in your terminal.
  • Type a message or a /command; type a button's number or its label to press it.
  • ':as NAME zh' or ':as NAME en' chats as another person. Ctrl-D ends.
To connect Telegram: create a bot with @BotFather, then run
  LINLI_TELEGRAM_TOKEN=123456:ABC… ./scripts/run
"""


#: How long ``linli run`` waits at its start for a database that is away (being restarted).
START_PATIENCE = 120.0


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


async def _run_console(settings: Settings, name: str, lang: str | None, banner: bool) -> None:
    from bot.console import ConsoleChat
    from bot.scheduler import start_scheduler

    runtime = build_runtime(settings)
    chat = ConsoleChat(
        runtime.dispatcher,
        runtime.worker,
        name=name,
        language_hint=lang,
        sweeper=runtime.sweeper,
        stdin=sys.stdin,
        out=sys.stdout,
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


async def _run_transports(settings: Settings, webhook_url: str | None) -> None:
    """Every configured transport in this process, sharing the database, the outbox and the
    clocks. What only one process may do (the Matrix sync, Telegram long polling) runs where
    the PostgreSQL advisory lock is held; the outbox sends what this process can send."""
    from bot.leader import run_as_leader
    from bot.outage import DatabaseUnavailable
    from bot.scheduler import start_scheduler

    try:
        runtime = build_runtime(settings, patience=START_PATIENCE)
    except DatabaseUnavailable as exc:
        raise SystemExit(f"linli: the database is still unreachable: {exc}") from None
    runtime.worker.only_deliverable = True
    stop = _stop_event()
    jobs = []
    if settings.matrix_homeserver:
        jobs.append(run_as_leader(runtime.engine, "matrix-sync", _matrix_job(runtime), stop))
        print("Linli is running on Matrix.", file=sys.stderr)
    if settings.telegram_token:
        job = _telegram_job(settings, runtime, webhook_url)
        if webhook_url:  # every worker may take webhook requests
            jobs.append(job(stop))
        else:
            jobs.append(run_as_leader(runtime.engine, "telegram-polling", job, stop))
        mode = "webhook" if webhook_url else "long polling"
        print(f"Linli is running on Telegram ({mode}).", file=sys.stderr)
    scheduler = start_scheduler(
        runtime.worker,
        runtime.dispatcher,
        interval=settings.outbox_interval,
        sweeper=runtime.sweeper,
    )
    try:
        await asyncio.gather(*jobs)
    finally:
        scheduler.shutdown(wait=False)


def _matrix_job(runtime):
    from bot.matrix.client import MatrixDeliverer, MatrixTransport, matrix_config

    config = matrix_config(runtime.settings, runtime.settings.data_dir)

    async def job(stop: asyncio.Event) -> None:
        assert config is not None
        transport = MatrixTransport(config, runtime.dispatcher)
        runtime.worker.deliverers["matrix"] = MatrixDeliverer(transport)
        try:
            await transport.run(stop)
        finally:
            runtime.worker.deliverers.pop("matrix", None)

    return job


def _telegram_job(settings: Settings, runtime, webhook_url: str | None):
    from bot.telegram.app import Webhook, build_application, serve, webhook_secret

    assert settings.telegram_token is not None
    webhook = None
    if webhook_url:
        webhook = Webhook(
            url=webhook_url,
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            secret=webhook_secret(settings.telegram_token, settings.webhook_secret),
        )

    async def job(stop: asyncio.Event) -> None:
        application = build_application(
            token=settings.telegram_token or "",
            base_url=settings.telegram_base_url,
            dispatcher=runtime.dispatcher,
            worker=runtime.worker,
            outbox_interval=settings.outbox_interval,
            sweeper=runtime.sweeper,
            scheduler=False,
        )
        await serve(application, stop=stop, webhook=webhook)

    return job


def cmd_run(args: argparse.Namespace) -> None:
    settings = _settings()
    configure_logging(settings.log_level)
    if settings.matrix_homeserver or settings.telegram_token:
        asyncio.run(_run_transports(settings, args.webhook))
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
    from handlers.requests.withdraw import withdraw_unless_allowed
    from handlers.roles import RoleChanged, RoleGranted, RoleRevoked, menu_for

    runtime = build_runtime(_settings())
    now = datetime.now(UTC)

    def menu(user) -> list[list[str]]:  # the person's command menu after the change
        return menu_for(runtime.dispatcher.registry, user.role_names)

    with runtime.session_factory() as session, session.begin():
        if args.action in ("block", "unblock"):
            _block(session, args, now, runtime.dispatcher.community)
            return
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

        def tell(told: type[RoleChanged], user) -> None:
            """The person is told of the change (with their new menu) through the outbox."""
            outbox.enqueue(
                session,
                transport=transport,
                user_id=user.id,
                now=now,
                chat_id=user.private_chat_id or external_id,
                params=told(role=args.role, commands=menu(user)),
            )

        if args.action == "grant":
            user = get_or_create_user(
                session, transport=transport, external_id=external_id, now=now
            )
            try:
                changed = grant_role(session, user, args.role, now=now, by="command line")
            except ValueError as exc:
                raise SystemExit(f"linli: {exc}") from None
            if changed:
                tell(RoleGranted, user)
            print(f"{user.ref}: {args.role} {'granted' if changed else 'was already granted'}")
        else:
            user = find_user(session, transport, external_id)
            changed = user is not None and revoke_role(session, user, args.role)
            if changed and user is not None:
                tell(RoleRevoked, user)
                # a volunteer no more: the requests they hold go back to the queue at once
                withdraw_unless_allowed(
                    session, runtime.dispatcher.community, user, blocked=False, now=now
                )
            print(f"{args.ref}: {args.role} {'revoked' if changed else 'was not held'}")


def _block(session, args: argparse.Namespace, now: datetime, community) -> None:
    """``linli users block REF [reason]`` / ``linli users unblock REF``: kept against REF."""
    from db import blocks
    from handlers.requests.withdraw import withdraw_unless_allowed

    try:
        target = blocks.parse_target(session, args.ref)
    except blocks.UnknownUserRef as exc:
        raise SystemExit(f"linli: {exc} (or a reference like #D-0042 / #R-0042)") from None
    if target is None:
        raise SystemExit(f"linli: nobody found for {args.ref}")
    if args.action == "block":
        reason = " ".join(args.reason).strip() or None
        changed = blocks.block(session, target, reason=reason, by="the command line", now=now)
        if changed:
            person = blocks.person_behind(session, target)
            withdraw_unless_allowed(session, community, person, blocked=True, now=now)
        print(f"{target.subject}: {'blocked' if changed else 'was already blocked'}")
    else:
        changed = blocks.unblock(session, target, by="the command line", now=now)
        print(f"{target.subject}: {'unblocked' if changed else 'was not blocked'}")


#: The roles ``linli users grant`` gives (``db.users.GRANTABLE_ROLES``).
ROLE_CHOICES = ["volunteer", "mediator", "organiser", "admin", "announcer", "coordinator"]


def cmd_buildings(args: argparse.Namespace) -> None:
    """The buildings residents choose from (for notices to chosen buildings)."""
    from db import notice_subscriptions as subs

    runtime = build_runtime(_settings())
    with runtime.session_factory() as session, session.begin():
        if args.action == "add":
            added = subs.add_building(session, args.name, now=datetime.now(UTC))
            print(f"{args.name}: {'added' if added else 'already listed'}")
        elif args.action == "remove":
            removed = subs.remove_building(session, args.name)
            print(f"{args.name}: {'removed' if removed else 'not listed'}")
        for building in subs.buildings(session):
            print(building.name)


def _days(texts: list[str]) -> list[date]:
    """``2027-01-01`` and ranges ``2027-02-16..2027-02-22``; a bad one stops with its text."""
    days: list[date] = []
    for text in texts:
        first, _, last = text.partition("..")
        try:
            start, end = date.fromisoformat(first), date.fromisoformat(last or first)
        except ValueError:
            raise SystemExit(f"not a date (YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD): {text}") from None
        if end < start or (end - start).days > 31:
            raise SystemExit(f"a range goes forward, at most a month: {text}")
        days += [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return days


def cmd_holidays(args: argparse.Namespace) -> None:
    """Public holidays kept on top of chinesecalendar (for a year it does not know yet)."""
    from db import holidays as kept_days
    from handlers import workdays

    runtime = build_runtime(_settings())
    with runtime.session_factory() as session, session.begin():
        now = datetime.now(UTC)
        if args.action == "add":
            count = kept_days.keep(
                session, _days(args.days), holiday=not args.workday, note=args.note, now=now
            )
            kind = "make-up working days" if args.workday else "public holidays"
            print(f"{count} {kind} kept")
        elif args.action == "remove":
            print(f"{kept_days.forget(session, _days(args.days))} removed")
        year = int(args.days[0][:4]) if args.action == "list" and args.days else None
        for day in kept_days.kept(session, year):
            kind = "holiday" if day.holiday else "working day"
            print(f"{day.day.isoformat()} {day.day:%a} {kind} {day.note}".rstrip())
        session.flush()
        workdays.set_kept({day.day: day.holiday for day in kept_days.kept(session)})
        coming = now.year + 1
        if not workdays.covers(coming):
            print(f"{coming}: not covered yet (chinesecalendar does not know it; add its holidays)")


def cmd_hours(args: argparse.Namespace) -> None:
    """``linli hours verify CODE``: is this a certificate the community issued, and what did
    it say?"""
    from db.shift_records import verify

    runtime = build_runtime(_settings())
    with runtime.session_factory() as session:
        certificate = verify(session, args.code)
        if certificate is None:
            sys.exit(f"{args.code}: no certificate has this verification code")
        zone = runtime.dispatcher.community.timezone
        print(f"{args.code}: valid — certificate {certificate.number}")
        print(f"issued {certificate.issued_at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})")
        print(f"name: {certificate.name}")
        print(f"confirmed hours: {certificate.minutes / 60:g} in {certificate.shifts} shift(s)")


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
        strict = args.month.count("-") == 1 and args.month.replace("-", "").isdecimal()
        period = parse_month(args.month) if strict else None  # a script says 2026-11
        if period is None:
            raise SystemExit(f"linli: --month must look like 2026-11, got {args.month!r}")
    else:
        period = month_of(now.astimezone(community.timezone).date().replace(day=1)).previous()
    report = Report.from_dict(render.reports().numbers(runtime.engine, community, period, now))
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
    shell.add_argument("--lang", choices=["zh", "zh-hant", "en"], help="your app's language hint")
    shell.set_defaults(func=cmd_shell)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    db.set_defaults(func=cmd_db)

    users = sub.add_parser("users", help="list users; grant or revoke roles; block or unblock")
    users_sub = users.add_subparsers(dest="action", required=True)
    for action in ("grant", "revoke"):
        command = users_sub.add_parser(action, help=f"{action} a role")
        command.add_argument("ref", help="telegram:ID, matrix:@name:server or console:NAME")
        command.add_argument("role", choices=ROLE_CHOICES)
    blocking = users_sub.add_parser("block", help="block a person: one neutral answer, no team")
    blocking.add_argument("ref", help="telegram:ID, console:NAME, or #D-0042 / #R-0042")
    blocking.add_argument("reason", nargs="*", help="why (kept in the audit log)")
    unblocking = users_sub.add_parser("unblock", help="lift a block")
    unblocking.add_argument("ref", help="telegram:ID, console:NAME, or #D-0042 / #R-0042")
    listing = users_sub.add_parser("list", help="list users and their roles")
    listing.add_argument("--role", choices=ROLE_CHOICES)
    users.set_defaults(func=cmd_users)

    buildings = sub.add_parser("buildings", help="the buildings residents choose for notices")
    buildings.add_argument("action", choices=["list", "add", "remove"])
    buildings.add_argument("name", nargs="?", default="")
    buildings.set_defaults(func=cmd_buildings)

    kept = sub.add_parser(
        "holidays", help="public holidays kept on top of chinesecalendar (a year it lacks)"
    )
    kept.add_argument("action", choices=["list", "add", "remove"])
    kept.add_argument("days", nargs="*", help="YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (list: YYYY)")
    kept.add_argument("--workday", action="store_true", help="a make-up working day (调休)")
    kept.add_argument("--note", default="", help="what it is, e.g. 春节")
    kept.set_defaults(func=cmd_holidays)
    hours = sub.add_parser("hours", help="volunteer hours: check a certificate's code")
    hours.add_argument("action", choices=["verify"])
    hours.add_argument("code", help="the verification code printed on the certificate")
    hours.set_defaults(func=cmd_hours)

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

    from bot.cli_rooms import add_parser as add_rooms

    add_rooms(sub)
    return top


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
