"""A linked reporter sees only their own time line: in ``/mycases`` and in ``/mydata``, the
case their report was linked to shows its status changes from the moment they reported, never
the earlier ones — "26 Nov status: acknowledged" above "28 Nov you reported it" would tell
them that someone had reported it first."""

from __future__ import annotations

import json

import pytest

from handlers.i18n import language
from tests.dispute_support import bind_mediators, file_report, make_mediator


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_a_linked_reporter_sees_nothing_from_before_they_reported(
    dispatcher, resident, session_factory, clock, hint
):
    lang = language("en" if hint == "en" else "zh_Hans", "Asia/Shanghai")
    bind_mediators(dispatcher, "en")
    mediator = make_mediator(resident, session_factory, clock, hint="en")
    first = resident("Alice", "en", user_id="1501")
    file_report(first, place="Building 3, unit 1202")  # 26 Nov: #D-0001
    mediator.press_payload("dp:ack:1")  # acknowledged the same day
    day_one = lang.date(clock())

    clock.advance(days=2)  # 28 Nov: Bob reports the same place; a mediator links it
    bob = resident("Bob", "en", user_id="1502")
    file_report(bob, place="Building 3, unit 1202")
    if hint == "zh-hans":
        bob.send("/lang")
        bob.press("简体")
    mediator.press_payload("dp:link:2")
    assert mediator.text.startswith("#D-0002 is now linked to #D-0001.")
    clock.advance(days=1)  # 29 Nov: work goes on, and Bob may read that
    mediator.press_payload("dp:prog:1")
    day_three = lang.date(clock())

    bob.send("/mycases")
    said = bob.text
    reported = lang.gettext("you reported it")
    in_progress = lang.gettext("status: {status}").format(status=lang.gettext("in progress"))
    assert reported in said and in_progress in said
    assert f"{day_three} — {in_progress}" in said
    assert day_one not in said, "nothing from before Bob reported"
    assert lang.gettext("acknowledged") not in said.split(reported)[0]

    bob.send("/mydata")
    export = json.loads(bob.replies[0].attachment.content.decode())
    [report] = export["dispute_reports"]
    moments = [entry["at"] for entry in report["updates_sent_to_you"]]
    assert moments and all(at >= report["reported_at"] for at in moments), moments
    assert "in_progress" in [entry["text"] for entry in report["updates_sent_to_you"]]
