"""Helpers for the notices' tests: neighbours who subscribe, an announcer who writes a notice
through the real form, and a sweep + outbox run that sends what is due."""

from __future__ import annotations

from sqlalchemy import select

from bot.sweeper import Sweeper
from db.notices import subscriptions as subs
from db.notices.models import Notice
from tests.support import FakeClock, Resident, give_role, run_outbox


def neighbour(
    resident, name: str, lang: str = "en", *, topics: str = "yes", **kwargs: str
) -> Resident:
    """A new neighbour who says /start and answers the welcome's question about notices."""
    person = resident(name, lang, **kwargs)
    person.send("/start")
    if topics == "yes":
        person.press("news and safety" if lang == "en" else "接收新闻和安全")
    elif topics == "no":
        person.press("No, thanks" if lang == "en" else "不用了")
    return person


def announcer(resident, session_factory, clock: FakeClock, name: str = "Ann", lang: str = "en"):
    return give_role(session_factory, clock, resident(name, lang), "announcer")


def write_notice(
    author: Resident,
    *,
    zh: str | None = "明天 9:00 至 12:00 停水。",
    en: str | None = "Water is off tomorrow 9:00–12:00.",
    topic: str = "Community news",
    buildings: list[str] | None = None,
    urgent: bool = False,
    at: str | None = None,
    confirm: bool = True,
) -> Resident:
    """Fill in /notice (in English) up to the summary, and confirm."""
    author.send("/notice")
    author.send(zh) if zh else author.press("Skip")
    author.send(en) if en else author.press("Skip")
    author.press("Skip")  # no photo
    author.press(topic)
    if buildings:
        author.press("Chosen buildings")
        for name in buildings:
            author.press(name)
        author.press("Done")
    else:
        author.press("Everyone subscribed")
    author.press("Yes" if urgent else "No")
    if at:
        author.press("At a time")
        author.send(at)
    else:
        author.press("Now")
    if confirm:
        author.press("Confirm and send")
    return author


def sweeper(session_factory, registry, community, clock) -> Sweeper:
    return Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )


def run_all(session_factory, registry, community, clock, postbox, rounds: int = 6) -> int:
    """Sweep and send until nothing moves (a round whose sweeps queued nothing and sent
    nothing), at most ``rounds`` times; returns how many messages went out."""
    sent = 0
    queued: list[bool] = []
    sweep = sweeper(session_factory, registry, community, clock)
    sweep.on_outbox = lambda: queued.append(True)
    for _ in range(rounds):
        queued.clear()
        sweep.run()
        went = run_outbox(session_factory, registry, community, clock, postbox)
        sent += went
        if not queued and not went:
            break
    return sent


def notices(session_factory) -> list[Notice]:
    with session_factory() as session:
        rows = list(session.scalars(select(Notice).order_by(Notice.id)))
        session.expunge_all()
        return rows


def add_buildings(session_factory, clock, *names: str) -> None:
    with session_factory() as session, session.begin():
        for name in names:
            subs.add_building(session, name, now=clock())
