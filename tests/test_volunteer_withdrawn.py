"""A volunteer who may no longer help — blocked by an admin, or their role taken away on the
command line — loses the requests they hold at once (``handlers/requests/withdraw.py``): each
goes back to the queue, the resident is told as on a release (in their language), the relay
stops (the resident's words wait in the request), and ``/start rq_N`` refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.dispatcher import Dispatcher
from db.engine import make_engine, make_session_factory
from db.requests.models import HelpRequest, RequestStatus
from handlers.types import Kind
from standin.people import Resident
from tests.requests_support import file_request, make_volunteer

RELEASED = {
    "en": "Bob could not continue with #R-0001. It is back with the volunteer team, and "
    "someone else will take it; you will be told who.",
    "zh-hans": "Bob 无法继续处理 #R-0001。求助已退回志愿服务队，"
    "会有其他志愿者认领，届时会告诉您是谁。",
}
WAITING = {
    "en": "Your request #R-0001 is still waiting for a volunteer.",
    "zh-hans": "您的求助 #R-0001 还在等待志愿者认领。",
}
NOT_YOURS = "That request is not one you are helping with."


def _claimed(make, session_factory, clock, hint: str) -> tuple[Resident, Resident]:
    """Alice (in ``hint``'s language) asked; Bob claimed it from /queue."""
    bob = make_volunteer(session_factory, clock, make("Bob", "en", user_id="2001"))
    alice = make("Alice", "en", user_id="1001")
    file_request(alice)
    if hint == "zh-hans":
        alice.send("/lang")
        alice.press("简体")
    bob.send("/queue")
    bob.press("Claim")
    assert "You are now helping with #R-0001" in bob.text
    bob.send("Hello, I am reading your letter.")
    return alice, bob


def _request(session_factory) -> HelpRequest:
    with session_factory() as session:
        return session.scalars(select(HelpRequest)).one()


def _after(
    alice: Resident, bob: Resident, session_factory, postbox, deliver, hint: str, refusal: str
):
    """What everyone sees once the volunteer was withdrawn."""
    request = _request(session_factory)
    assert request.status == RequestStatus.OPEN and request.volunteer_id is None
    deliver()
    assert RELEASED[hint] in postbox.texts(alice.user_id)
    # The relay stops: Alice's words stay in the request for whoever takes it next.
    alice.send("Are you still there?")
    assert alice.text.startswith(WAITING[hint])
    before = len(postbox.texts(bob.user_id))
    deliver()
    assert not any("Are you still there?" in t for t in postbox.texts(bob.user_id)[before:])
    # And the request no longer opens for Bob.
    said = bob.send("/start rq_1")[0].text
    assert refusal in said and "translate" not in said


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_a_blocked_volunteer_loses_their_requests_at_once(
    resident, session_factory, clock, postbox, deliver, hint
):
    alice, bob = _claimed(resident, session_factory, clock, hint)
    admin = resident("Admin", "en", user_id="9000")
    admin.send("/block telegram:2001 rude to residents")
    assert admin.text.startswith("telegram:2001 is blocked")
    _after(alice, bob, session_factory, postbox, deliver, hint, "not available to you")


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_a_volunteer_whose_role_is_revoked_loses_their_requests(
    linli, tmp_path, registry, community, clock, postbox, hint
):
    linli("users", "list")  # the command line's database, migrated
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    session_factory = make_session_factory(engine)
    dispatcher = Dispatcher(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    made: dict[str, Resident] = {}

    def make(name: str, language_code: str = "en", **kwargs) -> Resident:
        return made.setdefault(name, Resident(dispatcher, name, language_code, **kwargs))

    alice, bob = _claimed(make, session_factory, clock, hint)
    revoked = linli("users", "revoke", "telegram:2001", "volunteer")
    assert revoked.stdout.strip() == "telegram:2001: volunteer revoked", revoked.stderr
    clock.current = datetime.now(UTC)  # the command line wrote on the real clock

    from tests.support import run_outbox

    def deliver() -> int:
        return run_outbox(session_factory, registry, community, clock, postbox)

    _after(alice, bob, session_factory, postbox, deliver, hint, NOT_YOURS)
    engine.dispose()


def test_the_relay_and_rq_link_refuse_a_volunteer_without_the_role_even_before_release(
    resident, session_factory, clock
):
    """Belt and braces: a role gone by any road (here straight in the database) already stops
    ``/start rq_N`` and the volunteer's words."""
    from db.users import get_or_create_user, revoke_role

    alice, bob = _claimed(resident, session_factory, clock, "en")
    with session_factory() as session, session.begin():
        user = get_or_create_user(session, transport="telegram", external_id="2001", now=clock())
        revoke_role(session, user, "volunteer")
    assert NOT_YOURS in bob.send("/start rq_1")[0].text
    bob.send_kind(Kind.TEXT, text="Here is the translation.")
    assert "Here is the translation." not in " ".join(r.text for r in alice.history)


def test_the_sweep_releases_what_a_volunteer_holds_after_any_other_road(
    resident, session_factory, registry, community, clock, postbox, deliver
):
    """A role removed straight in the database, or a block set by a report's reference on
    another worker: within one sweep the request is back in the queue and the resident told.
    An admin who claimed a request keeps it."""
    from bot.sweeper import Sweeper
    from db.users import get_or_create_user, revoke_role

    sweeper = Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    alice, _bob = _claimed(resident, session_factory, clock, "en")
    admin = resident("Admin", "en", user_id="9000")
    file_request(resident("Chen", "en", user_id="1002"), description="Please call the clinic.")
    admin.send("/queue")
    admin.press("Claim")
    assert "You are now helping with #R-0002" in admin.text
    with session_factory() as session, session.begin():
        user = get_or_create_user(session, transport="telegram", external_id="2001", now=clock())
        revoke_role(session, user, "volunteer")
    clock.advance(seconds=10)
    assert sweeper.run() == []
    with session_factory() as session:
        statuses = dict(session.execute(select(HelpRequest.id, HelpRequest.status)).all())
    assert statuses == {1: RequestStatus.OPEN, 2: RequestStatus.IN_PROGRESS}
    deliver()
    assert RELEASED["en"] in postbox.texts(alice.user_id)
