"""Volunteering in /mydata, /deleteme and the 五及 report: the person's shifts and hours are
exported; erasing them cancels the shifts ahead (the next in line moves up) and keeps the hours
given in the community's totals without the person."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db.volunteering.models import Certificate, CertificateName
from db.volunteering.models import ShiftSignupStatus as Status
from db.volunteering.records import given_between
from handlers.i18n import language
from handlers.stats.measures import compute
from handlers.stats.periods import parse_month
from handlers.stats.table import rows
from tests.volunteering_support import coordinator, lines, make_opportunity, user_id


def _given(session_factory) -> tuple[int, int]:
    with session_factory() as session:
        return given_between(
            session, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
        )


def test_mydata_deleteme_and_the_report(resident, session_factory, clock, community):
    cora = coordinator(resident, session_factory, clock)
    cora_id = user_id(session_factory, cora)
    _, past, _ = make_opportunity(
        session_factory, clock(), starts_in=timedelta(hours=1), coordinator_id=cora_id
    )
    _, ahead, _ = make_opportunity(
        session_factory,
        clock(),
        title_en="Winter fair",
        title_zh="冬季集市",
        starts_in=timedelta(days=3),
        roles=(("引导", "Usher", 1, ""),),
        coordinator_id=cora_id,
    )
    lin, bob = resident("Lin", "zh-hans"), resident("Bob")
    lin.send("/volunteer")
    lin.press("运动会")
    lin.press("引导")
    lin.press("确认")
    for person, label, confirm in ((lin, "冬季集市", "确认"), (bob, "Winter fair", "Confirm")):
        person.send("/volunteer")
        person.press(label)
        person.press("引导" if person is lin else "Usher")
        person.press(confirm)
    clock.advance(hours=5)
    cora.press_payload(f"vs:shift:{past}")
    cora.press("Lin was here")
    cora.press("Confirm the hours")
    lin.send("/myhours")
    lin.press("证明")
    lin.send("林小雨")
    lin.press("确认")
    assert _given(session_factory) == (180, 1)

    lin.send("/mydata")
    [reply] = lin.replies
    data = json.loads(reply.attachment.content)["volunteering"]
    assert [(s["opportunity"], s["hours"], s["confirmed"]) for s in data["shifts"]] == [
        ("社区运动会", 3.0, True),
        ("冬季集市", None, False),
    ]
    assert data["name_for_certificates"] == "林小雨"
    assert len(data["certificates"]) == 1

    with session_factory() as session:
        report = compute(session, community, parse_month("2026-11"), clock())
    assert (report.volunteer_hours, report.volunteers) == (3.0, 1)
    table = {item: value for _m, item, value, _u in rows(report, language("en", "Asia/Shanghai"))}
    assert table["Volunteer hours given"] == "3" and table["People who gave them"] == "1"

    lin.send("/deleteme")
    lin.press("是")
    assert "删除" in lin.text
    # The hours stay in the totals, without her; Bob moves up into her place ahead.
    assert _given(session_factory) == (180, 1)
    assert [row[:2] for row in lines(session_factory, past)] == [(None, Status.CONFIRMED)]
    assert [row[:2] for row in lines(session_factory, ahead)] == [
        (None, Status.CANCELLED),
        (bob.user_id, Status.CONFIRMED),
    ]
    with session_factory() as session:
        assert session.scalars(select(CertificateName)).all() == []
        [certificate] = session.scalars(select(Certificate)).all()
        assert certificate.user_id is None and "林小雨" not in certificate.name
