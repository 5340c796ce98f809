"""The one permission rule (``handlers/access.py``), walked from the registry itself: every
staff command and every staff button, pressed by a resident, a volunteer, a mediator, an
organiser and an admin — allowed exactly for the role and for admins, refused with the role's
own words for everyone else. A registration added later is covered without touching this file.

Then the staff views that must never open in a group: ``/start dp_<id>``,
``/start rq_<id>``, ``/queue`` and the photos button answer in a team room with a pointer to a
private chat, never with the content. An admin sees *Claim* on ``/queue`` and may press it,
and no sweep takes the request back: the sweeps ask the same rule.
"""

from __future__ import annotations

import pytest

from bot.sweeper import Sweeper
from db import users
from db.notice_models import NoticeStatus
from handlers import build_registry
from handlers.access import PRIVATE_POINTER, REFUSALS
from handlers.i18n import language
from tests.dispute_support import bind_mediators, file_report, make_mediator
from tests.notices_support import neighbour, notices, write_notice
from tests.requests_support import file_request
from tests.support import give_role, in_group, run_outbox

ROLES = ("resident", "volunteer", "mediator", "organiser", "coordinator", "admin")
EN = language("en", "Asia/Shanghai")
APOLOGY = "Sorry, something went wrong"

REGISTRY = build_registry()
STAFF_COMMANDS = sorted(name for name, command in REGISTRY.commands.items() if command.role)
#: Every registered payload type, by name, with its route (handler and rule).
ROUTES = {route.kind.__name__: route for route in REGISTRY.button_routes}
STAFF_BUTTONS = sorted(name for name, route in ROUTES.items() if route.rule and route.rule.role)
PRIVATE_COMMANDS = sorted(
    name for name, command in REGISTRY.commands.items() if command.private_only
)
PRIVATE_BUTTONS = sorted(
    name for name, route in ROUTES.items() if route.rule and route.rule.private_only
)


def test_the_registry_declares_the_staff_entry_points():
    """The walk below is over something: the staff commands and buttons are declared."""
    assert {"queue", "cases", "newevent", "bind", "teamstats"} <= set(STAFF_COMMANDS)
    assert {"ClaimRequest", "AcknowledgeCase", "CasePhotos", "ManageEvent"} <= set(STAFF_BUTTONS)
    assert {"queue", "cases", "mydata"} <= set(PRIVATE_COMMANDS)
    assert {"CasePhotos", "OpenCase", "EraseData", "AskForHelp"} <= set(PRIVATE_BUTTONS)
    links = {route.kind.__name__: route.rule for route in REGISTRY.deep_links.values()}
    assert links["CaseLink"].private_only and links["InvitationLink"].private_only
    assert links["RequestLink"].private_only


def person_as(role: str, resident, session_factory, clock):
    person = resident(f"{role.title()} Lee", "en", user_id=str(7000 + ROLES.index(role)))
    if role != "resident":
        give_role(session_factory, clock, person, role)
    return person


def allowed(role: str, needed: str) -> bool:
    return role in (needed, "admin")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", STAFF_COMMANDS)
def test_every_staff_command_for_every_role(name, role, resident, session_factory, clock):
    needed = REGISTRY.commands[name].role
    refusal = EN.gettext(REFUSALS[needed])
    person = person_as(role, resident, session_factory, clock)
    person.send(f"/{name}")
    assert APOLOGY not in person.text
    if allowed(role, needed):
        assert refusal not in person.text, f"/{name} refused to a {role}"
    else:
        assert person.text == refusal, f"/{name} let a {role} in"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", STAFF_BUTTONS)
def test_every_staff_button_for_every_role(key, role, resident, session_factory, clock):
    route = ROUTES[key]
    rule = route.rule
    assert rule is not None and rule.role is not None
    refusal = EN.gettext(rule.refusal or REFUSALS[rule.role])
    person = person_as(role, resident, session_factory, clock)
    person.press_payload(route.kind.example().pack())
    assert APOLOGY not in person.text
    if allowed(role, rule.role):
        assert refusal not in person.text, f"{key} refused to a {role}"
    else:
        assert person.text == refusal, f"{key} let a {role} in"


@pytest.mark.parametrize("name", PRIVATE_COMMANDS)
def test_every_private_command_in_a_group_answers_with_a_pointer(name, dispatcher, resident):
    command = REGISTRY.commands[name]
    admin = resident("Admin", "en", user_id="9000")  # acts as every role: never refused
    admin.send("/start")
    replies = in_group(dispatcher, "9000", "Admin", command=f"/{name}")
    assert [reply.text for reply in replies] == [
        EN.gettext(command.rule.private_hint or PRIVATE_POINTER)
    ]


@pytest.mark.parametrize("key", PRIVATE_BUTTONS)
def test_every_private_button_in_a_group_answers_with_a_pointer(key, dispatcher, resident):
    route = ROUTES[key]
    rule = route.rule
    assert rule is not None
    example = route.kind.example()
    resident("Admin", "en", user_id="9000").send("/start")
    replies = in_group(dispatcher, "9000", "Admin", payload=example.pack())
    assert [reply.text for reply in replies] == [EN.gettext(rule.private_hint or PRIVATE_POINTER)]
    if rule.private_link is not None:  # a button that opens the same thing privately
        [[button]] = replies[0].buttons
        assert button.url == f"https://t.me/linli_test_bot?start={rule.private_link(example)}"


# ------------------------------------------------------- staff views only in a private chat


@pytest.fixture
def case_with_photo(dispatcher, resident, session_factory, clock):
    """A named report with a photo and an internal note, and a mediator."""
    bind_mediators(dispatcher, "en")
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    alice = resident("Alice Wang", "en")
    file_report(alice, anonymous=False, photos=("photo-of-the-stairs",))
    mediator.send("/start dp_c1")
    mediator.press("Internal note")
    mediator.send("The neighbour upstairs has been warned twice before.")
    mediator.press("Confirm")
    return mediator


def _said(replies) -> str:
    files = [reply.attachment.file_id or "" for reply in replies if reply.attachment]
    return "\n".join([reply.text for reply in replies] + files)


def test_start_dp_in_a_group_points_to_a_private_chat(case_with_photo, dispatcher):
    mediator = case_with_photo
    private = mediator.send("/start dp_c1")
    assert "warned twice" in _said(private)  # the view itself, in private
    replies = in_group(dispatcher, mediator.user_id, "Li", command="/start dp_c1")
    said = _said(replies)
    assert "warned twice" not in said and "Very loud music" not in said and "Alice" not in said
    assert said == "Please open this link in a private chat with me."
    [[button]] = replies[0].buttons
    assert button.url == "https://t.me/linli_test_bot?start=dp_c1"


def test_the_photos_button_in_a_group_points_to_a_private_chat(case_with_photo, dispatcher):
    mediator = case_with_photo
    replies = in_group(dispatcher, mediator.user_id, "Li", payload="dp:pics:1")
    assert all(reply.attachment is None for reply in replies)
    assert "photo-of-the-stairs" not in _said(replies)
    assert _said(replies) == "Please open the case in a private chat with me: send /cases there."
    mediator.press_payload("dp:pics:1")  # in private: the photo
    assert [r.attachment.file_id for r in mediator.replies] == ["photo-of-the-stairs"]


@pytest.fixture
def claimed_request(resident, session_factory, clock):
    volunteer = give_role(session_factory, clock, resident("Bob Chen", "en"), "volunteer")
    file_request(resident("Ana Silva", "en"), description="Please call my landlord for me.")
    volunteer.send("/queue")
    assert "Please call my landlord" in volunteer.text
    volunteer.press("Claim")
    return volunteer


def test_queue_in_a_group_points_to_a_private_chat(resident, session_factory, clock, dispatcher):
    volunteer = give_role(session_factory, clock, resident("Bob Chen", "en"), "volunteer")
    file_request(resident("Ana Silva", "en"), description="Please call my landlord for me.")
    replies = in_group(dispatcher, volunteer.user_id, "Bob", command="/queue")
    assert "landlord" not in _said(replies) and "#R-0001" not in _said(replies)
    assert _said(replies) == EN.gettext(PRIVATE_POINTER)
    assert not any(b.payload for reply in replies for row in reply.buttons for b in row)


def test_start_rq_in_a_group_points_to_a_private_chat(claimed_request, dispatcher):
    volunteer = claimed_request
    assert "Please call my landlord" in _said(volunteer.send("/start rq_1"))
    replies = in_group(dispatcher, volunteer.user_id, "Bob", command="/start rq_1")
    assert "landlord" not in _said(replies)
    assert _said(replies) == EN.gettext(PRIVATE_POINTER)


# ------------------------------------------------------- an admin claims from /queue


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_an_admin_may_claim_what_queue_shows_them(
    hint, resident, session_factory, clock, deliver, postbox
):
    admin = resident("Admin", hint, user_id="9000")
    ana = resident("Ana Silva", "en")
    file_request(ana)
    admin.send("/queue")
    claim = next(b for b in admin.buttons() if b.payload and b.payload.startswith("rq:claim:"))
    admin.press_payload(claim.payload)
    assert "Please translate the letter" in admin.text  # the briefing: it is theirs
    assert "#R-0001" in admin.text
    admin.send("Hello Ana, I can read it for you today.")  # and the conversation is relayed
    deliver()
    assert "Hello Ana, I can read it for you today." in postbox.texts(ana.user_id)[-1]


# ------------------------------------------------------------------------- the sweeps' rule


@pytest.fixture
def sweep_world(resident, session_factory, registry, community, clock, postbox):
    """The configured admin (``LINLI_ADMINS``: loaded into the roles table at start) has
    claimed Ana's request from /queue and scheduled a notice; Bob, a volunteer, claimed
    Chen's. Returns a function that runs every registered sweep and the outbox."""
    admin = resident("Ada Admin", "en", user_id="9000")
    ana, chen = resident("Ana Silva", "en"), resident("Chen Wei", "en")
    file_request(ana, description="Please read the letter from the water company.")
    admin.send("/queue")
    claim = next(b for b in admin.buttons() if b.payload and b.payload.startswith("rq:claim:"))
    admin.press_payload(claim.payload)
    assert "#R-0001" in admin.text
    bob = give_role(session_factory, clock, resident("Bob Chen", "en"), "volunteer")
    file_request(chen, description="Please read the notice from the landlord.")
    bob.send("/queue")
    bob.press("Claim")
    neighbour(resident, "Dan Wu")
    write_notice(admin, at="2030-01-01 10:00")
    sweeper = Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )

    def sweep_and_send() -> None:
        for _ in range(3):
            assert sweeper.run() == []
            run_outbox(session_factory, registry, community, clock, postbox)
            clock.advance(seconds=30)

    return admin, ana, bob, chen, sweep_and_send


def test_every_sweep_leaves_an_admin_what_they_act_as(sweep_world, postbox, session_factory):
    """The sweeps ask the same rule as the buttons (``acting_roles``): the admin who claimed
    a request keeps it — the resident is never told "could not continue" — and the admin's
    scheduled notice is not held as if its author had lost the role."""
    admin, ana, _bob, _chen, sweep_and_send = sweep_world
    sweep_and_send()
    said_to_ana = "\n".join(postbox.texts(ana.user_id))
    assert "Ada from the volunteer team is helping you" in said_to_ana
    assert "could not continue" not in said_to_ana
    admin.send("Hello Ana, I can read it for you today.")
    sweep_and_send()
    assert "Hello Ana, I can read it for you today." in postbox.texts(ana.user_id)[-1]
    assert [notice.status for notice in notices(session_factory)] == [NoticeStatus.SCHEDULED]


def test_a_sweep_frees_a_request_whose_volunteer_lost_the_role(
    sweep_world, session_factory, postbox
):
    """The same rule the other way: Bob is no longer a volunteer, so the request goes back to
    the queue and Chen is told."""
    _admin, ana, bob, chen, sweep_and_send = sweep_world
    with session_factory() as session, session.begin():
        users.revoke_role(session, users.find_user(session, "telegram", bob.user_id), "volunteer")
    sweep_and_send()
    assert "Bob could not continue with #R-0002" in "\n".join(postbox.texts(chen.user_id))
    assert "could not continue" not in "\n".join(postbox.texts(ana.user_id))


def test_the_settings_admins_are_loaded_into_the_roles_table(session_factory, dispatcher):
    """One source of who is an admin: the settings' admins hold the role in the table (even
    before they ever wrote), and one dropped from the settings loses it at the next start."""
    from dataclasses import replace

    from bot.dispatcher import Dispatcher
    from db.teams import users_with_role

    with session_factory() as session:
        assert [u.ref for u in users_with_role(session, "admin")] == ["telegram:9000"]
    Dispatcher(
        session_factory=session_factory,
        registry=dispatcher.registry,
        community=replace(dispatcher.community, admin_refs=frozenset({"telegram:9001"})),
        clock=dispatcher.clock,
    )
    with session_factory() as session:
        assert [u.ref for u in users_with_role(session, "admin")] == ["telegram:9001"]


@pytest.mark.parametrize(
    ("hint", "refusal"),
    [
        ("en", "Sorry, you can no longer send notices. Please ask an administrator."),
        ("zh-hans", None),
    ],
)
def test_a_forms_rule_is_asked_again_at_confirm(hint, refusal, resident, session_factory, clock):
    """The role that opened a form may be taken away before Confirm: the form's ``Rule``
    refuses the submit in the person's language, and nothing is kept."""
    ann = give_role(session_factory, clock, resident("Ann Lee", hint), "announcer")
    if hint == "en":
        write_notice(ann, at="2030-01-01 10:00", confirm=False)
    else:
        ann.send("/notice")
        assert ann.text  # the form opened, in Chinese
    with session_factory() as session, session.begin():
        users.revoke_role(session, users.find_user(session, "telegram", ann.user_id), "announcer")
    if hint == "en":
        ann.press("Confirm and send")
        assert refusal in ann.text
        assert notices(session_factory) == []
    else:
        ann.send("/notice")  # the command itself is now refused, in Chinese
        assert "抱歉，只有社区的通知发布员可以这样做。" in ann.text
