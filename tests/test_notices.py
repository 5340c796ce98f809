"""Community notices, as residents and announcers meet them: subscribing, writing, sending in
each reader's language, quiet hours, cancel, correction, bad input."""

from __future__ import annotations

from tests.notices_support import announcer, neighbour, notices, run_all, write_notice


def test_a_notice_reaches_subscribers_in_their_language(
    resident, session_factory, registry, community, clock, postbox
):
    li = neighbour(resident, "Li", "zh")
    ana = neighbour(resident, "Ana", "en")
    neighbour(resident, "Bo", "en", topics="no")
    ann = announcer(resident, session_factory, clock)
    write_notice(ann, confirm=False)
    assert "It will reach 2 people now: 1 in Chinese, 1 in English." in ann.text
    ann.press("Confirm and send")
    assert "Notice #1 is going out now" in ann.text
    run_all(session_factory, registry, community, clock, postbox)
    assert any("明天 9:00 至 12:00 停水。" in t for t in postbox.texts(li.user_id))
    assert any("Water is off tomorrow" in t for t in postbox.texts(ana.user_id))
    assert not postbox.texts("1002")
    [notice] = notices(session_factory)
    assert notice.status == "sent"
    card = postbox.cards_in(ann.user_id)
    assert any("Sent 2 of 2 · 0 unreachable" in c.text for c in card), [c.text for c in card]
