"""Check-in at the venue and the hours that count, in English and Chinese: the coordinator's
code (new every minute) and its QR, check-in and check-out by the code or the QR's link, an old
code refused, a forgotten check-out that stops at the shift's end, marking present, confirming
in one tap, corrections and make-up hours, no-shows and the gentle note, /myhours, the
certificate PDF and ``linli hours verify``, the monthly export."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest

from db.engine import make_engine, make_session_factory
from db.users import get_or_create_user
from db.volunteering.hours import Rounding
from db.volunteering.models import Certificate
from db.volunteering.models import ShiftSignupStatus as Status
from handlers.i18n import language
from handlers.volunteering import certificate
from tests.volunteering_support import coordinator, lines, make_opportunity, user_id


@pytest.mark.parametrize(
    ("minutes", "counted"), [(0, 0), (14, 0), (15, 30), (44, 30), (45, 60), (170, 180)]
)
def test_the_default_rounding(minutes, counted):
    """Under 15 minutes count 0; then the nearest half hour."""
    assert Rounding().apply(minutes) == counted


def sign_up(person, label: str, confirm: str) -> None:
    person.send("/volunteer")
    person.press(label)
    person.press("Usher" if confirm == "Confirm" else "引导")
    person.press(confirm)


def code_of(person) -> str:
    match = re.search(r"(?:Code|签到码)：?:? ?(\d{6})", person.text)
    assert match, person.text
    return match[1]


@pytest.fixture
def shift_day(resident, session_factory, clock):
    """Cora's shift in two days (3 hours, 4 ushers); Lin (中文), Bob and Kim signed up."""
    cora = coordinator(resident, session_factory, clock)
    _, shift, _ = make_opportunity(
        session_factory,
        clock(),
        starts_in=timedelta(days=2),
        coordinator_id=user_id(session_factory, cora),
    )
    lin, bob, kim = resident("Lin", "zh-hans"), resident("Bob"), resident("Kim")
    sign_up(lin, "运动会", "确认")
    sign_up(bob, "sports day", "Confirm")
    sign_up(kim, "sports day", "Confirm")
    clock.advance(days=2, minutes=-10)  # ten minutes before the start
    return cora, shift, lin, bob, kim


def test_check_in_and_out_with_the_code_and_the_hours_confirmed(
    shift_day, session_factory, clock, deliver, postbox
):
    cora, shift, lin, bob, kim = shift_day
    cora.send("/coordinate")
    cora.press("Community sports day")
    cora.press_payload(f"vs:shift:{shift}")
    cora.press("Open check-in")
    code = code_of(cora)
    [qr] = [reply.attachment for reply in cora.replies if reply.attachment]
    assert qr.content.startswith(b"\x89PNG") and qr.is_photo

    lin.send(code)
    assert "已于" in lin.text and "签到" in lin.text
    lin.send(code)  # the same code again at once is not a check-out
    assert "您已于" in lin.text
    bob.send(f"/start vc_{code}")  # the QR's link
    assert "Checked in at" in bob.text

    clock.advance(minutes=3)
    kim.send(code)
    assert kim.text == (
        "That code is old: it changes every minute. Please send the code shown now."
    )
    kim.send("123456")
    assert "That code is not right" in kim.text

    # Lin leaves 2 h 40 min after the start; Bob forgets to check out.
    clock.advance(hours=2, minutes=47)
    cora.press("New code")
    lin.send(code_of(cora))
    assert "签退" in lin.text
    clock.advance(hours=5)  # long after the end: Bob's hours stop at the end
    cora.press_payload(f"vs:shift:{shift}")
    cora.press("Confirm the hours")
    assert "Hours confirmed" in cora.text
    assert lines(session_factory, shift) == [
        ("1001", Status.CONFIRMED, 150, True),  # 2 h 40 min → 2.5 h
        ("1002", Status.CONFIRMED, 180, True),  # until the end: 3 h, not 8
        ("1003", Status.NO_SHOW, None, False),
    ]
    deliver()
    assert any("已确认：2.5 小时" in text for text in postbox.texts(lin.user_id)), postbox.texts(
        lin.user_id
    )
    assert any("are confirmed: 3 h" in text for text in postbox.texts(bob.user_id))
    assert not any("confirmed" in text for text in postbox.texts(kim.user_id))

    lin.send("/myhours")
    assert "本月：2.5 小时" in lin.text and "累计：2.5 小时" in lin.text
    bob.send("/myhours")
    assert "In all: 3 h" in bob.text


def test_mark_present_correct_and_make_up(shift_day, session_factory, clock):
    cora, shift, _lin, bob, _kim = shift_day
    clock.advance(hours=4)
    cora.press_payload(f"vs:shift:{shift}")
    cora.press("Lin was here")
    assert "Marked present" in cora.text
    cora.press_payload(f"vs:shift:{shift}")
    [makeup] = [b for b in cora.buttons() if b.payload.startswith("vs:makeup")][:1]
    cora.press_payload(makeup.payload)  # Bob's make-up
    cora.send("two hours")
    assert "Please send the hours as a number" in cora.text
    cora.send("2")
    cora.send("forgot to check in")
    cora.press("Confirm")
    assert "Make-up hours added" in cora.text
    cora.press("Confirm the hours")
    cora.press("✏️ Lin")
    cora.send("2.5")
    cora.press("Confirm")
    assert "Hours corrected" in cora.text
    assert lines(session_factory, shift) == [
        ("1001", Status.CONFIRMED, 150, True),
        ("1002", Status.CONFIRMED, 120, True),
        ("1003", Status.NO_SHOW, None, False),
    ]
    bob.send("/myhours")
    assert "(make-up)" in bob.text


def test_three_no_shows_bring_a_gentle_note(resident, session_factory, clock):
    cora = coordinator(resident, session_factory, clock)
    cora_id = user_id(session_factory, cora)
    kim = resident("Kim")
    for _day in range(3):
        _, shift, _ = make_opportunity(
            session_factory, clock(), starts_in=timedelta(hours=2), coordinator_id=cora_id
        )
        sign_up(kim, "sports day", "Confirm")
        clock.advance(hours=3)
        cora.press_payload(f"vs:confirm_hours:{shift}")
        clock.advance(days=1)
    make_opportunity(session_factory, clock(), title_en="Garden day", coordinator_id=cora_id)
    kim.send("/volunteer")
    kim.press("Garden day")
    kim.press("Usher")
    assert "A gentle note" in kim.text


def test_the_certificate_and_its_verification(shift_day, session_factory, clock, linli):
    cora, shift, lin, _bob, _kim = shift_day
    clock.advance(hours=4)
    cora.press_payload(f"vs:shift:{shift}")
    cora.press("Lin was here")
    cora.press("Confirm the hours")
    lin.send("/myhours")
    lin.press("证明")
    assert "姓名" in lin.text
    lin.send("林小雨")
    lin.press("确认")
    [pdf] = [reply.attachment for reply in lin.replies if reply.attachment]
    assert pdf.content.startswith(b"%PDF") and pdf.filename.endswith(".pdf")
    assert re.search(r"验证码 ([0-9A-F]{10})", lin.text)
    # The second time the name is not asked again.
    lin.send("/myhours")
    lin.press("证明")
    assert any(reply.attachment for reply in lin.replies)


def test_linli_hours_verify(linli, tmp_path, clock):
    """The command line checks a code against the certificates the database holds."""
    assert "no certificate" in linli("hours", "verify", "NOPE000000").stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with make_session_factory(engine)() as session, session.begin():
        user = get_or_create_user(session, transport="telegram", external_id="5", now=clock())
        session.add(
            Certificate(
                code="ABCDE12345",
                user_id=user.id,
                name="林小雨",
                minutes=150,
                shifts=1,
                issued_at=clock(),
            )
        )
    engine.dispose()
    result = linli("hours", "verify", "abcde12345")
    assert result.returncode == 0
    assert "valid — certificate VS-2026-00001" in result.stdout
    assert "name: 林小雨" in result.stdout and "confirmed hours: 2.5 in 1 shift(s)" in result.stdout


def test_the_certificate_words_in_both_languages(clock):
    from datetime import UTC, datetime

    lines_ = [certificate.ShiftLine(datetime(2026, 11, 28, 1, tzinfo=UTC), "运动会 · 引导", 150)]
    zh = certificate.contents(
        language("zh_Hans", "Asia/Shanghai"),
        name="林小雨",
        issuer="南山社区",
        number="VS-2026-00001",
        code="ABCDEF1234",
        issued_at=datetime(2026, 12, 1, tzinfo=UTC),
        lines=lines_,
        total_minutes=150,
    )
    assert zh.heading == "志愿服务记录证明 / Volunteer Service Record"
    assert ("姓名 / Name", "林小雨") in zh.fields
    assert ("已确认时长 / Confirmed hours", "2.5") in zh.fields
    assert zh.rows == [("2026年11月28日", "运动会 · 引导", "2.5")]
    en = certificate.contents(
        language("en", "Asia/Shanghai"),
        name="Bob Lee",
        issuer="南山社区",
        number="VS-2026-00002",
        code="ABCDEF1235",
        issued_at=datetime(2026, 12, 1, tzinfo=UTC),
        lines=lines_,
        total_minutes=150,
    )
    assert en.heading == "Volunteer Service Record / 志愿服务记录证明"
    assert certificate.pdf(en).startswith(b"%PDF")


def test_the_monthly_export(shift_day, session_factory, clock):
    cora, shift, _lin, _bob, _kim = shift_day
    clock.advance(hours=4)
    cora.press_payload(f"vs:shift:{shift}")
    cora.press("Lin was here")
    cora.press("Confirm the hours")
    cora.send("/hoursexport 2026-11")
    [book] = [reply.attachment for reply in cora.replies if reply.attachment]
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [
        ["姓名", "手机号", "活动名称", "服务日期", "服务时长（小时）"],
        ["Lin", None, "社区运动会", "2026-11-28", 3],
    ]
    cora.press("CSV")
    [file] = [reply.attachment for reply in cora.replies if reply.attachment]
    table = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig"))))
    assert table[1] == ["Lin", "", "社区运动会", "2026-11-28", "3.0"]
    cora.send("/hoursexport last month")
    assert "Please name a month like 2026-12." in cora.text


def test_the_code_checks_in_even_while_a_help_request_waits_for_words(
    shift_day, session_factory, clock
):
    """Bob has a help request open (his words go to its volunteer): the six digits he sends
    at the venue check him in, and are not relayed to the volunteer."""
    from sqlalchemy import select

    from db.requests.models import RequestMessage
    from tests.requests_support import file_request

    cora, shift, _lin, bob, kim = shift_day
    clock.advance(days=-2)
    file_request(bob)
    clock.advance(days=2)
    bob.send("Also the second page, please.")  # goes to the request
    cora.press_payload(f"vs:checkin:{shift}")
    bob.send(code_of(cora))
    assert "Checked in at" in bob.text
    with session_factory() as session:
        texts = session.scalars(select(RequestMessage.text)).all()
    assert "Also the second page, please." in texts
    assert not any(text and text.isdecimal() for text in texts)
    kim.send("Hello, is anyone there?")  # not six digits: not a check-in
    assert "Checked in" not in kim.text
