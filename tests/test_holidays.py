"""Next year's public holidays, kept by admins on top of ``chinesecalendar`` (which knows
2026 but not 2027): ``linli holidays add|remove|list``, what the team's hours and working days
make of them, and the weekly word to admins from 1 December while next year is not covered.
In English and 简体."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.sweeper import Sweeper
from db import holidays as kept_days
from handlers import holidays, workdays
from handlers.i18n import language
from handlers.requests.hours import in_service_hours, next_opening
from tests.events_support import queued

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = (time(9), time(21))
NEW_YEAR, SPRING_SATURDAY, A_MONDAY = date(2027, 1, 1), date(2027, 2, 20), date(2027, 1, 4)


@pytest.fixture(autouse=True)
def nothing_kept():
    workdays.set_kept({})
    yield
    workdays.set_kept({})


def test_kept_days_cover_a_year_the_package_does_not_know():
    assert not workdays.package_knows(2027) and not workdays.covers(2027)
    assert not workdays.is_public_holiday(NEW_YEAR)  # unknown: an ordinary Friday
    workdays.set_kept({NEW_YEAR: True, SPRING_SATURDAY: False})
    assert workdays.covers(2027)
    assert workdays.is_public_holiday(NEW_YEAR) and not workdays.is_working_day(NEW_YEAR)
    assert workdays.is_working_day(SPRING_SATURDAY)  # 调休: a Saturday worked
    assert workdays.is_working_day(A_MONDAY) and not workdays.is_working_day(date(2027, 1, 2))
    before = workdays.holidays_before(date(2027, 1, 2))
    assert before == workdays.holidays_before(NEW_YEAR) + 1


def test_the_command_line_adds_lists_and_removes(linli):
    added = linli("holidays", "add", "2027-02-16..2027-02-22", "--note", "春节")
    assert "7 public holidays kept" in added.stdout
    assert "2027-02-16 Tue holiday 春节" in added.stdout
    worked = linli("holidays", "add", "2027-02-14", "--workday")
    assert (
        "1 make-up working days kept" in worked.stdout
        and "2027-02-14 Sun working day" in worked.stdout
    )
    assert "not covered" not in worked.stdout
    listed = linli("holidays", "list", "2027")
    assert listed.stdout.count("2027-02-") == 8
    removed = linli("holidays", "remove", "2027-02-14..2027-02-22")
    assert "8 removed" in removed.stdout and "2027: not covered yet" in removed.stdout
    bad = linli("holidays", "add", "2027-13-01")
    assert bad.returncode != 0 and "not a date" in bad.stderr + bad.stdout


def _sweep(session_factory, registry, community, clock):
    Sweeper(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    ).run()


def test_admins_are_told_weekly_from_december_until_next_year_is_kept(
    resident, session_factory, registry, community, clock
):
    resident("Admin", "zh-hans", user_id="9000").send("/start")
    clock.current = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    _sweep(session_factory, registry, community, clock)
    assert queued(session_factory, "wd.uncovered") == []  # November: not yet
    clock.advance(days=1)  # 1 December
    _sweep(session_factory, registry, community, clock)
    _sweep(session_factory, registry, community, clock)
    assert len(queued(session_factory, "wd.uncovered")) == 1  # once a week
    clock.advance(days=7)
    _sweep(session_factory, registry, community, clock)
    assert len(queued(session_factory, "wd.uncovered")) == 2
    with session_factory() as session, session.begin():
        kept_days.keep(session, [NEW_YEAR], holiday=True, note="元旦", now=clock())
        holidays.load(session)
    clock.advance(days=7)
    _sweep(session_factory, registry, community, clock)
    assert len(queued(session_factory, "wd.uncovered")) == 2  # covered now: quiet


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "The public holidays of 2027 are not known to Linli yet."),
        ("zh_Hans", "Linli 还不知道 2027 年的法定节假日。"),
        ("zh_Hant", "Linli 還不知道 2027 年的法定節假日。"),
    ],
)
def test_the_word_to_admins_in_their_language(code, expected):
    said = holidays.uncovered(language(code, "Asia/Shanghai"), holidays.HolidaysUnknown(year=2027))
    assert said.text.startswith(expected) and "linli holidays add 2027-01-01" in said.text


def test_a_kept_holiday_closes_the_team(session_factory):
    noon = datetime(2027, 1, 1, 12, 0, tzinfo=SHANGHAI)
    assert in_service_hours(noon, HOURS, SHANGHAI)  # unknown year: an ordinary Friday
    with session_factory() as session, session.begin():
        kept_days.keep(session, [NEW_YEAR], holiday=True, note="元旦", now=datetime.now(UTC))
        holidays.load(session)
    assert not in_service_hours(noon, HOURS, SHANGHAI)
    assert next_opening(noon, HOURS, SHANGHAI) == datetime(2027, 1, 2, 9, 0, tzinfo=SHANGHAI)
