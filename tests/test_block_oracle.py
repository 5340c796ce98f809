"""Blocking is no oracle: a block by a report's reference is kept against that reference
(``db/blocks.py``), so an admin who blocks ``#D-0001`` and then tries ``/block telegram:<id>``
guesses gets the same answer for the reporter as for anyone else, and "admins cannot be
blocked" is never said of a report's author. The person behind the report is blocked all the
same (``tests/test_safety_abuse.py``)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditEntry
from tests.dispute_support import file_report
from tests.support import loose_dispatcher

BLOCKED = {
    "en": "{ref} is blocked: they get one neutral answer and reach nobody.",
    "zh-hans": "{ref} 已被屏蔽：对方只会收到一条中性回复，无法联系任何人。",
}
FILED_BLOCKED = {
    "en": "#D-{n:04d} is blocked: whoever filed it gets one neutral answer and reaches nobody.",
    "zh-hans": "#D-{n:04d} 已被屏蔽：提交者只会收到一条中性回复，无法联系任何人。",
}
NEUTRAL = {
    "en": "Sorry, this service is not available to you at the moment.",
    "zh-hans": "抱歉，您目前无法使用此服务。",
}


@pytest.fixture
def dispatcher(session_factory, registry, community, clock):
    return loose_dispatcher(session_factory, registry, community, clock)


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_guessing_ids_after_blocking_a_report_tells_nothing(resident, session_factory, hint):
    reporter = resident("Reporter", hint, user_id="1610")
    file_report(reporter)  # anonymous: #D-0001
    resident("Neighbour", hint, user_id="1611").send("/start")  # someone else who uses Linli
    admin = resident("Admin", hint, user_id="9000")
    admin.send("/block #D-0001")
    assert admin.text == FILED_BLOCKED[hint].format(n=1)
    assert reporter.send("/start")[0].text.startswith(NEUTRAL[hint])

    # Three guesses: the reporter, a neighbour, an id nobody uses. The same answer each time.
    for guess in ("1610", "1611", "1612"):
        admin.send(f"/block telegram:{guess}")
        assert admin.text == BLOCKED[hint].format(ref=f"telegram:{guess}"), guess
    # And lifting them: the same again (the reporter stays blocked by the report's block).
    for guess in ("1610", "1611", "1612"):
        admin.send(f"/unblock telegram:{guess}")
        assert admin.text.startswith(f"telegram:{guess}")
        assert len({admin.text.replace(guess, "?")}) == 1
    assert reporter.send("/start")[0].text.startswith(NEUTRAL[hint])

    with session_factory() as session:
        texts = " ".join(session.scalars(select(AuditEntry.text)))
    assert "#D-0001 blocked" in texts
    assert "user " not in texts, "the audit log of a report's block names no person"


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_a_report_filed_by_an_admin_is_blocked_like_any_other(resident, hint):
    admin = resident("Admin", hint, user_id="9000")
    neighbour = resident("Neighbour", hint, user_id="1613")
    file_report(admin)  # #D-0001, by an admin
    file_report(neighbour)  # #D-0002
    admin.send("/block #D-0001")
    by_admin = admin.text
    admin.send("/block #D-0002")
    assert by_admin.replace("0001", "0002") == admin.text == FILED_BLOCKED[hint].format(n=2)
    admin.send("/block #D-0001")
    again = admin.text
    admin.send("/block #D-0002")
    assert again.replace("0001", "0002") == admin.text  # "was already blocked", both alike
    # Admins are never blocked in effect; the neighbour is.
    assert not admin.send("/start")[0].text.startswith(NEUTRAL[hint])
    assert neighbour.send("/start")[0].text.startswith(NEUTRAL[hint])


def test_a_report_that_does_not_exist_is_refused_and_a_persons_own_admin_ref_too(resident):
    admin = resident("Admin", "en", user_id="9000")
    admin.send("/block #D-0042")
    assert admin.text == "I found nobody for “#D-0042”."
    admin.send("/block telegram:9000")  # named by their own reference: nothing is revealed
    assert admin.text == "Admins cannot be blocked. Revoke the role first."


def test_existing_blocks_become_blocks_of_the_persons_own_reference(tmp_path):
    """Migration 0009: a block kept by user id before is kept by their reference after."""
    from alembic import command
    from sqlalchemy import text

    from db.engine import make_engine
    from db.migrate import alembic_config, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    command.upgrade(alembic_config(engine), "0008")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, transport, external_id, display_name, created_at, "
                "last_seen_at) VALUES (7, 'telegram', '1234', 'Spammer', :at, :at)"
            ),
            {"at": "2026-11-26 08:00:00.000000"},
        )
        connection.execute(
            text(
                "INSERT INTO user_blocks (user_id, reason, blocked_by, blocked_at) "
                "VALUES (7, 'spam', 'admin telegram:9000', '2026-11-26 08:00:00.000000')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT subject, reason, case_id FROM blocks")).all()
    assert [tuple(row) for row in rows] == [("telegram:1234", "spam", None)]
    engine.dispose()


def test_admins_blocking_one_reference_at_once_block_it_once(
    session_factory, registry, community, resident, clock
):
    """The unique reference decides, on SQLite and PostgreSQL: one block, one audit line."""
    from dataclasses import replace

    from handlers.types import ChatRef, Inbound, Kind, Sender
    from tests.concurrency_support import TickingClock, race

    file_report(resident("Reporter", "en", user_id="1620"))
    admins = [str(9100 + n) for n in range(6)]
    community = replace(community, admin_refs=frozenset(f"telegram:{a}" for a in admins))
    racing = loose_dispatcher(session_factory, registry, community, TickingClock())
    answers = race(
        racing,
        [
            Inbound(
                ChatRef("telegram", admin),
                Sender("telegram", admin, "Admin", None, "en"),
                Kind.COMMAND,
                text="/block #D-0001",
                command="block",
                args="#D-0001",
            )
            for admin in admins
        ],
    )
    won = [a for a in answers if a.startswith("#D-0001 is blocked")]
    lost = [a for a in answers if a == "#D-0001 was already blocked."]
    assert (len(won), len(lost)) == (1, len(admins) - 1), answers
    with session_factory() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions == ["blocked"]
