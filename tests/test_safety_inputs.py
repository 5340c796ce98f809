"""Trust and safety, what a person could slip in: formulas in CSV exports, invisible
characters in names and texts, and what a database error or the data folder could leak."""

from __future__ import annotations

import csv
import io
import os
import stat

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from db.disputes.models import DisputeCase
from db.engine import make_engine
from db.models import User
from handlers.cleantext import clean_text
from tests.dispute_support import (
    bind_mediators,
    file_report,
    make_mediator,
    outbox_messages,
    to_chat,
)
from tests.support import GROUP

# ---------------------------------------------------------------------------- 2. CSV injection


def _rows(reply) -> list[list[str]]:
    return list(csv.reader(io.StringIO(reply.attachment.content.decode("utf-8-sig"))))


def test_a_formula_in_a_name_or_place_is_text_in_the_disputes_csv(resident, session_factory, clock):
    mallory = resident('=HYPERLINK("http://evil.example","click")', "en", user_id="1301")
    file_report(mallory, anonymous=False, place="+cmd|' /C calc'!A0")
    eve = resident("@SUM(1+1) Eve", "en", user_id="1302")
    file_report(eve, anonymous=False, category="parking", place="-2+3")
    tab = resident("Tab", "en", user_id="1303")
    file_report(tab, category="parking", place="@Gate 2")
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    mediator.send("/cases")
    mediator.press("CSV")
    rows = _rows(mediator.replies[0])
    header = rows[0]
    place, reporter = header.index("place"), header.index("reporter")
    assert [row[place] for row in rows[1:]] == ["'+cmd|' /C calc'!A0", "'-2+3", "'@Gate 2"]
    assert rows[1][reporter] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows[2][reporter] == "'@SUM(1+1)"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_tab_and_carriage_return_starts_are_neutralised_too():
    from handlers.csvfile import csv_attachment

    reply = csv_attachment("x.csv", ["a", "b", "c"], [["\tcalc", "\r=1", -3]])
    content = reply.content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(content)))[1] == ["'\tcalc", "'\r=1", "-3"]


def test_a_formula_in_an_attendee_name_is_text_in_the_event_csv(resident, session_factory, clock):
    from tests.events_support import make_event
    from tests.support import give_role

    olivia = give_role(session_factory, clock, resident("Olivia", "en"), "organiser")
    with session_factory() as session:
        organiser_id = session.scalar(select(User.id).where(User.external_id == olivia.user_id))
    event_id = make_event(session_factory, clock(), organiser_id=organiser_id)
    attacker = resident("=1+1", "en", user_id="1310")
    attacker.press_payload(f"ev:ok:{event_id}:1")
    olivia.press_payload(f"ev:csv:{event_id}")
    rows = _rows(olivia.replies[0])
    assert [row[0] for row in rows[1:]] == ["'=1+1"], rows


# ---------------------------------------------------------------------------- 7. invisible text


def test_clean_text_keeps_emoji_joiners_and_drops_invisible_characters():
    assert clean_text("eve\u202egpj.exe") == "evegpj.exe"
    assert clean_text("\u2066a\u2069\u200b\u200c\u2060\ufeff\u200e\u200f\u061cb") == "ab"
    assert clean_text("👩\u200d💻 Eve") == "👩\u200d💻 Eve"
    assert clean_text("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"
    assert clean_text("a\u200db") == "ab"
    assert clean_text("楼\u200b3") == "楼3"


def test_clean_text_drops_blank_letters_grapheme_joiners_and_stray_tags():
    # Hangul fillers and the braille blank look like nothing but are letters.
    assert clean_text("\u3164\u115f\u1160\uffa0\u2800") == ""
    assert clean_text("E\u034fve") == "Eve"
    # Tag characters spell invisible text ("ignore") unless they make a flag.
    hidden = "".join(chr(0xE0000 + ord(c)) for c in "ignore")
    assert clean_text(f"noise{hidden} at night") == "noise at night"
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert clean_text(f"{scotland} Fiona") == f"{scotland} Fiona"
    assert clean_text(f"\U0001f3f4{hidden}") == "\U0001f3f4"


def test_a_name_is_one_line_and_a_blank_name_is_no_name(dispatcher, resident, session_factory):
    """A display name with a line break cannot forge a second line on a card ("Eve\nStatus:
    resolved"), and one made of Hangul fillers is stored as no name at all."""
    bind_mediators(dispatcher, "en")
    eve = resident("Eve\nStatus: resolved\u3164", "en", user_id="1322")
    eve.send("/start")
    blank = resident("\u3164\u3164", "en", user_id="1323")
    blank.send("/start")
    with session_factory() as session:
        names = dict(
            session.execute(
                select(User.external_id, User.display_name).where(
                    User.external_id.in_(["1322", "1323"])
                )
            ).all()
        )
    assert names == {"1322": "Eve Status: resolved", "1323": ""}


def test_a_right_to_left_override_never_reaches_the_mediators_card(
    dispatcher, resident, session_factory, registry, community
):
    bind_mediators(dispatcher, "en")
    eve = resident("eve\u202egpj.exe", "en", user_id="1320")
    file_report(
        eve,
        anonymous=False,
        place="Building\u200b 3, unit\u2060 1202",
        description="Loud \u202edrilling\u202c every morning.",
    )
    [card] = to_chat(outbox_messages(session_factory, registry, community), GROUP, "dp.card")
    assert "Reported by: evegpj.exe (contact only through the bot)" in card.text
    assert "Place: Building 3, unit 1202" in card.text
    assert "What happens: Loud drilling every morning." in card.text
    with session_factory() as session:
        user = session.scalar(select(User).where(User.external_id == "1320"))
        case = session.get(DisputeCase, 1)
    assert user.display_name == "evegpj.exe"
    assert case.place_text == "Building 3, unit 1202"
    assert case.place_key == "building3unit1202"


def test_an_emoji_name_keeps_its_joiner(resident, session_factory):
    coder = resident("👩\u200d💻 Mei", "en", user_id="1321")
    coder.send("/start")
    with session_factory() as session:
        user = session.scalar(select(User).where(User.external_id == "1321"))
    assert user.display_name == "👩\u200d💻 Mei"


# ---------------------------------------------------------------------------- 8. leaks


def test_a_database_error_carries_no_bound_values(engine):
    secret = "passport E12345678 of Alice"
    with pytest.raises(DBAPIError) as raised, engine.begin() as connection:
        connection.execute(
            text("INSERT INTO no_such_table (x) VALUES (:secret)"), {"secret": secret}
        )
    assert "no_such_table" in str(raised.value)
    assert secret not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)


def test_a_new_sqlite_file_and_its_folder_are_for_the_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "linli.db"
        engine = make_engine(f"sqlite:///{path}")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
            wal = path.with_name("linli.db-wal")
            wal_mode = stat.S_IMODE(wal.stat().st_mode) if wal.exists() else 0o600
        engine.dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert wal_mode == 0o600
