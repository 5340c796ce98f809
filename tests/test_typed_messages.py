"""What the bot reads back is typed: every outbox template declares its parameters, a wrong one
is refused where the message is queued (not later, when the worker sends it), rows an older
release queued as plain JSON still send, and every /start link is declared, round-trips, and a
forged one gets the same polite answer as before, in the reader's language."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db import outbox
from db.events.messages import Offer
from db.models import OutboxMessage, OutboxStatus
from db.outbox_params import Params
from db.users import get_or_create_user
from handlers import build_registry
from handlers.disputes.messages import tell_room
from handlers.i18n import language
from handlers.payloads import LINK_CHARACTERS
from handlers.stats.measures import Report
from tests.support import run_outbox

REGISTRY = build_registry()
TZ = "Asia/Shanghai"
#: The monthly report cannot be made up from its fields: the example is given.
GIVEN = {"report": Report(kind="month", start="2026-11-01", end="2026-12-01", targets={})}


def declared(kind: type[Params]) -> set[type[Params]]:
    """Every subclass of ``kind`` that names a template, however deep."""
    found = set()
    for sub in kind.__subclasses__():
        if sub.template and not sub.__module__.startswith("tests."):
            found.add(sub)
        found |= declared(sub)
    return found


def test_every_registered_template_declares_its_parameters():
    """Each registered template is rendered from its declared type, whose name it carries;
    each declared type is registered (or its messages could never be sent); and each one's
    example survives the trip through the row's JSON unchanged."""
    assert len(REGISTRY.templates) >= 60
    for name, route in REGISTRY.templates.items():
        assert issubclass(route.kind, Params), name
        assert route.kind.template == name
        example = route.kind.example(**{k: v for k, v in GIVEN.items() if k in _fields(route)})
        stored = json.loads(json.dumps(example.to_json()))
        assert route.kind.from_json(stored) == example, name
    assert {kind.template for kind in declared(Params)} == set(REGISTRY.templates)


def _fields(route) -> set[str]:
    return {field.name for field in dataclasses.fields(route.kind)}


def make_user(session_factory, clock, external_id: str, locale: str) -> int:
    with session_factory() as session, session.begin():
        user = get_or_create_user(
            session, transport="telegram", external_id=external_id, now=clock()
        )
        user.locale, user.private_chat_id = locale, external_id
        session.flush()
        return user.id


def queued(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_a_wrong_or_missing_parameter_fails_at_the_queue_call(session_factory, clock, community):
    """The mistake shows in the test that queues the message, with the field named; nothing
    is queued for the worker to trip over later."""
    make_user(session_factory, clock, "501", "en")
    start = datetime(2026, 12, 20, 1, tzinfo=UTC)
    named = dict(event_id=1, title_en="Run", starts_at=start, place="Hall")
    with pytest.raises(TypeError, match=r"Offer.party must be int, not '2'"):
        Offer(**named, signup_id=3, party="2", expires_at=start)
    with pytest.raises(TypeError, match="party"):
        Offer(**named, signup_id=3, expires_at=start)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"expires_at must be datetime \(aware\)"):
        Offer(**named, signup_id=3, party=2, expires_at=start.replace(tzinfo=None))
    with session_factory() as session, session.begin():
        with pytest.raises(TypeError, match="declared type"):
            outbox.enqueue(
                session,
                transport="telegram",
                chat_id="501",
                params={"role": "volunteer"},  # type: ignore[arg-type]
                now=clock(),
            )
        with pytest.raises(TypeError, match=r"RoomNote.ref must be str"):
            tell_room(session, community, "new", clock(), ref=42)
        with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
            tell_room(session, community, "new", clock(), ref="#D-0001", colour="red")
    assert queued(session_factory) == 0


#: Rows as the release before typed parameters wrote them: plain JSON, times as ISO text,
#: lists for tuples, a key no field declares any more, a field added since missing.
OLD_ROWS = {
    "rq.card": {
        "id": 7,
        "ref": "#R-0007",
        "category": "translation",
        "language": "en",
        "urgent": False,
        "needed": "date",
        "needed_at": "2026-12-08T02:00:00+00:00",
        "created_at": "2026-12-07T01:00:00+00:00",
        "description": "Please help me read a letter from the bank.",
        "status": "in_progress",
        "volunteer": "Ada",
    },
    "ev.offer": {
        "event_id": 4,
        "title_zh": "冬季运动会",
        "title_en": "Winter sports day",
        "starts_at": "2026-12-20T01:00:00+00:00",
        "place": "Nanshan park",
        "signup_id": 3,
        "party": 2,
        "expires_at": "2026-12-19T01:00:00+00:00",
        "window_s": 43200,
        "retired_key": "kept by an older release",
    },
    "nt.report": {
        "id": 3,
        "status": "sent",
        "sent": 10,
        "unreachable": 1,
        "failed": 1,
        "reasons": [["Forbidden: bot was blocked by the user", 1]],
        "total": 12,
    },
    "roles.granted": {"role": "volunteer"},  # queued before menus were sent with it
}


@pytest.mark.parametrize("code", ["en", "zh_Hans"])
def test_rows_an_older_release_queued_still_send(
    code, session_factory, clock, community, registry, postbox
):
    chat = "600" if code == "en" else "601"
    user_id = make_user(session_factory, clock, chat, code)
    with session_factory() as session, session.begin():
        for template, params in OLD_ROWS.items():
            session.add(
                OutboxMessage(
                    transport="telegram",
                    chat_id=chat,
                    user_id=user_id,
                    template=template,
                    params=params,
                    status=OutboxStatus.PENDING,
                    attempts=0,
                    due_at=clock(),
                    created_at=clock() - timedelta(days=1),
                )
            )
    assert run_outbox(session_factory, registry, community, clock, postbox) == len(OLD_ROWS)
    card, offer, report, granted = postbox.to(chat)
    _ = language(code, TZ).gettext
    assert _("✅ Claimed by {name}.").format(name="Ada") in card.text
    assert "Please help me read a letter from the bank." in card.text
    title = "冬季运动会" if code == "zh_Hans" else "Winter sports day"
    assert title in offer.text and len(offer.buttons[0]) == 2
    assert "1 × Forbidden: bot was blocked by the user" in report.text
    assert _("• delivered: {count}").format(count=10) in report.text
    assert granted.text == _("You are now a volunteer in Linli. Send /help to see what you can do.")
    if code == "zh_Hans":
        assert "Claimed" not in card.text and "delivered" not in report.text


def test_every_start_link_round_trips():
    """Each declared link packs to what /start reads back to the same link, through the one
    place that parses them."""
    routes = list(REGISTRY.deep_links.values())
    assert {route.kind.prefix for route in routes} == {"ev", "rq", "dp", "vo", "vc"}
    for route in routes:
        link = route.kind.example()
        text = link.pack()
        assert text.isascii() and len(text) <= 64, text
        found = REGISTRY.start_link(text)
        assert found is not None and found[0] is route and found[1] == link, text
    assert REGISTRY.start_link("zz_1") is None  # nobody's prefix: the plain welcome


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_start_link_a_type_can_pack_is_read_back_as_itself(data):
    """Ids up to nine digits, tokens of any of Telegram's link characters (``_`` too)."""
    route = data.draw(st.sampled_from(list(REGISTRY.deep_links.values())))
    values = {}
    # Each field's codec says its kind (an id or a token) and widest value, which nothing
    # public tells: the values drawn stay within what the link type can pack.
    for name, codec in route.kind._codecs:
        if codec.example == "1":  # an id
            values[name] = data.draw(st.integers(0, 999_999_999))
        else:
            alphabet = st.sampled_from(sorted(LINK_CHARACTERS))
            values[name] = data.draw(st.text(alphabet, min_size=1, max_size=codec.width))
    link = route.kind(**values)
    found = REGISTRY.start_link(link.pack())
    # an invitation token that reads as a case link ("c42") is one: CaseLink is tried first
    assert found is not None and (found[1] == link or found[0].kind.__name__ == "CaseLink")


#: A forged link of each prefix, and what was said to it before links were typed.
FORGED = {
    "ev_x42": "Sorry, that event is no longer available. Here are the upcoming events:",
    "ev_9999999999": "Sorry, that event is no longer available. Here are the upcoming events:",
    "rq_4_2": "That request is not one you are helping with. Send /queue to see the open ones.",
    "dp_c²": "This invitation link is not valid or was already used by someone else. "
    "Please ask the mediator who sent it for a new one.",
    "dp_forgedtoken123456": "This invitation link is not valid or was already used by someone "
    "else. Please ask the mediator who sent it for a new one.",
    "vo_x": "Sorry, that volunteer opportunity is no longer available.",
    "vc_12ab56": "That code is not right. Please send the six digits the coordinator shows now.",
    "vc_1234567": "That code is not right. Please send the six digits the coordinator shows now.",
}


@pytest.mark.parametrize(("hint", "code"), [("en", "en"), ("zh-hans", "zh_Hans")])
@pytest.mark.parametrize("payload", sorted(FORGED))
def test_a_forged_start_link_is_refused_politely(payload, hint, code, resident):
    person = resident("Mallory", hint)
    person.send(f"/start {payload}")
    said = language(code, TZ).gettext(FORGED[payload])
    assert said in person.text, person.text
    assert "something went wrong" not in person.text.lower()
    if code == "zh_Hans":
        assert said != FORGED[payload]  # translated, not the English fallback
