"""Button payloads (``handlers/payloads.py``): every registered type packs and parses back to
itself; anything forged or malformed parses to None; a name declared twice, or a payload that
could outgrow Telegram's 64 bytes, fails when it is declared; old wire names still press."""

from __future__ import annotations

import enum
import string
import typing
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import build_registry
from handlers.buttons.disputes import AnswerFollowUp
from handlers.buttons.events import AskToCancelEvent, CancelEvent, SignUp
from handlers.buttons.forms import FORM_BUTTONS
from handlers.buttons.language import SetLanguage
from handlers.buttons.notices import ToggleTopic
from handlers.buttons.privacy import EraseData
from handlers.buttons.requests import ClaimRequest
from handlers.payloads import MaxLen, Payload, parse_id
from handlers.router import Registry, Router
from handlers.types import MAX_PAYLOAD_BYTES
from tests.events_support import make_event
from tests.support import give_role

REGISTRY = build_registry()
TYPES = sorted({*(route.kind for route in REGISTRY.button_routes), *FORM_BUTTONS}, key=str)
WORD = string.ascii_letters + string.digits + string.punctuation.replace(":", "")


def strategy(hint: Any) -> st.SearchStrategy[Any]:
    """Any value a field of this annotation may carry."""
    if get_origin(hint) is Annotated:
        base, limit = get_args(hint)
        assert base is str and isinstance(limit, MaxLen)
        return st.text(WORD, min_size=1, max_size=limit.length)
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.integers(0, 999_999_999)
    if get_origin(hint) is Literal:
        return st.sampled_from(get_args(hint))
    assert issubclass(hint, enum.StrEnum), hint
    return st.sampled_from(list(hint))


def instances(kind: type[Payload]) -> st.SearchStrategy[Payload]:
    hints = typing.get_type_hints(kind, include_extras=True)
    return st.builds(kind, **{f.name: strategy(hints[f.name]) for f in fields(kind)})


def test_the_services_declare_their_buttons():
    """The round trip below is over something: every service's buttons are registered."""
    prefixes = {kind.prefix for kind in TYPES}
    assert {"ev", "rq", "dp", "nt", "pv", "lang", "fm"} <= prefixes
    assert len(TYPES) > 60


@pytest.mark.parametrize("kind", TYPES, ids=lambda kind: kind.__name__)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_payload_packs_and_parses_back(kind, data):
    payload = data.draw(instances(kind))
    wire = payload.pack()
    assert len(wire.encode()) <= MAX_PAYLOAD_BYTES
    assert wire.startswith(f"{kind.prefix}:{kind.action}")
    assert kind.parse(wire) == payload
    if kind.prefix != "fm":  # the form engine parses its own
        assert REGISTRY.payloads.parse(wire) == payload


@pytest.mark.parametrize(
    "forged",
    [
        "rq:claim",  # a field missing
        "rq:claim:",  # empty
        "rq:claim:1:2",  # one too many
        "rq:claim:abc",
        "rq:claim:-1",
        "rq:claim: 1",
        "rq:claim:²",  # a digit to str.isdigit, not decimal
        "rq:claim:١",  # decimal, but not ASCII
        "rq:claim:1234567890",  # ten digits: no id is that long
        "rq:claimx:1",
        "xx:claim:1",
        "",
        ":",
        "lang:set:xx_EVIL",  # not a supported language
        "nt:toggle_topic:forged",  # not a topic
        "dp:answer_follow_up:1:maybe",  # neither y nor n
        "pv:erase:1:" + "a" * 17,  # a token longer than declared
        "pv:erase:1:",
        "ev:signup:1",
    ],
)
def test_forged_or_malformed_payloads_parse_to_none(forged):
    assert REGISTRY.payloads.parse(forged) is None


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=70) | st.from_regex(r"\A(ev|rq|dp|nt|pv|lang):[a-z_]+(:.{0,12}){0,3}\Z")
)
def test_any_text_parses_to_none_or_to_what_it_packs_back_to(text):
    """Whatever a client sends, parsing never raises; what it reads packs to a payload that
    reads the same."""
    payload = REGISTRY.payloads.parse(text)
    if payload is not None:
        assert REGISTRY.payloads.parse(payload.pack()) == payload


def test_old_wire_names_parse_to_the_same_type_and_are_never_packed():
    assert AskToCancelEvent.parse("ev:kill:42") == AskToCancelEvent(42)
    assert CancelEvent.parse("ev:killok:42") == CancelEvent(42)
    assert SignUp.parse("ev:ok:42:2") == SignUp(event=42, places=2)
    assert AnswerFollowUp.parse("dp:fu:7:n") == AnswerFollowUp(case=7, solved=False)
    assert ToggleTopic.parse("nt:t:news") is not None
    assert CancelEvent(42).pack() == "ev:cancel_event:42"
    assert REGISTRY.payloads.parse("nt:stop:") is not None  # older buttons ended in a colon
    for kind in TYPES:
        for alias in kind.aliases:
            assert REGISTRY.payloads.types[(kind.prefix, alias)] is kind
            assert kind.example().pack().split(":")[1] == kind.action != alias


def test_ids_are_read_in_one_place():
    assert parse_id("42") == 42
    assert parse_id("0") == 0
    for forged in ("", "-1", "²", "١", "1e3", " 1", "1234567890"):
        assert parse_id(forged) is None, forged


def test_a_value_a_payload_cannot_carry_is_refused_when_packing():
    for bad in (ClaimRequest(-1), ClaimRequest(10**9), EraseData(1, "a:b"), SetLanguage("xx")):
        with pytest.raises(ValueError):
            bad.pack()


def test_a_payload_that_could_exceed_64_bytes_is_refused_when_declared():
    with pytest.raises(TypeError, match="64"):

        class TooLong(Payload, prefix="zz", action="much_too_long"):
            first: int
            second: int
            third: int
            fourth: int
            fifth: int

    class JustFits(Payload, prefix="zz", action="fits"):  # 7 + 5 × 10 = 57 bytes at most
        first: int
        second: int
        third: int
        fourth: int
        fifth: int

    assert len(JustFits(*[999_999_999] * 5).pack()) == 57


def test_a_field_type_a_payload_cannot_carry_is_refused_when_declared():
    with pytest.raises(TypeError, match="cannot carry"):

        class Unbounded(Payload, prefix="zz", action="text"):
            text: str


class First(Payload, prefix="zz", action="go", aliases=("g",)):
    n: int


class Second(Payload, prefix="zz", action="go"):
    n: int


class Third(Payload, prefix="zz", action="gone", aliases=("g",)):
    n: int


def _router(name: str, kind: type[Payload]) -> Router:
    router = Router(name)
    router.button(kind)(lambda ctx, payload: None)
    return router


@pytest.mark.parametrize("clash", [Second, Third], ids=["action", "alias"])
def test_the_registry_refuses_a_name_declared_twice(clash):
    with pytest.raises(ValueError, match="declared twice"):
        Registry([_router("one", First), _router("two", clash)])


def test_a_router_refuses_a_type_registered_twice():
    router = _router("one", First)
    with pytest.raises(ValueError, match="twice"):
        router.button(First)(lambda ctx, payload: None)


def test_old_buttons_still_work(resident, session_factory, clock):
    """Cards sent before the rename carry ``ev:kill:<id>`` and ``ev:killok:<id>``: pressing
    them still asks to cancel the event, then cancels it; the menu's old ``rq:new`` still
    opens the request form."""
    admin = give_role(session_factory, clock, resident("Olga", "en"), "admin")
    event_id = make_event(session_factory, clock())
    admin.press_payload(f"ev:kill:{event_id}")
    assert "Cancel “Mid-Autumn Garden Party” for everyone?" in admin.text
    admin.press_payload(f"ev:killok:{event_id}")
    assert "The event is cancelled." in admin.text
    admin.press_payload("rq:new")
    assert "Ask a volunteer for help" in admin.text


def test_the_architecture_page_lists_every_payload_type():
    """docs/architecture.md's table of payload types names every registered type (and the
    form engine's) with its wire form, so the page stays true when a button is added."""
    page = (Path(__file__).parent.parent / "docs" / "architecture.md").read_text("utf-8")
    kinds = {route.kind for route in REGISTRY.button_routes} | set(FORM_BUTTONS)
    missing = [
        kind.__name__
        for kind in kinds
        if f"| `{kind.__name__}` | `{kind.prefix}:{kind.action}" not in page
    ]
    assert missing == []
