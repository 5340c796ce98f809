"""The Matrix transport's own sync loop against the steps of nio's ``sync_forever`` it copies,
and the memory of each card's options, on a stand-in for nio's client (no homeserver).

``docs/architecture.md`` ("The sync loop") says which steps are copied and why the loop is ours.
"""

from __future__ import annotations

import pytest
from nio import (
    SyncError,
)

from bot.matrix.cards import KEPT
from handlers.types import Button, Reply, keyboard
from tests.matrix_sync_support import (
    DM,
    LI,
    POLL_MS,
    TEAM,
    Nio,
    kept_token,
    loop_transport,
    nio_events,
    nio_message,
    nio_reaction,
    run_until,
    sync_batch,
)

# -- the sync loop ---------------------------------------------------------------------------

KEY_STEPS = ["keys_upload", "keys_query", ("keys_claim", {LI: ["LIDEVICE"]})]


async def test_each_sync_is_followed_by_nios_key_steps_and_the_token_is_kept_after_the_batch(
    tmp_path, dispatcher
):
    history = nio_message("an old message", event_id="$old")
    nio = Nio(
        sync_batch("s1", DM, history), sync_batch("s2", DM, nio_message("!start", event_id="$new"))
    )
    transport = loop_transport(tmp_path, dispatcher, nio)
    await run_until(transport, lambda: kept_token(transport) == "s2")

    syncs = [step for step in nio.steps if isinstance(step, tuple) and step[0] == "sync"]
    # The first start: a sync without waiting and from nowhere (as sync_forever's first),
    # whose history is not answered; then long polls from the token of the batch before.
    assert syncs[:3] == [("sync", 0, None), ("sync", POLL_MS, "s1"), ("sync", POLL_MS, "s2")]
    first, second = nio.steps.index(syncs[0]), nio.steps.index(syncs[1])
    # After the first sync, as sync_forever does: upload, query and claim keys (what the Olm
    # account asks for), then send the to-device messages (room keys for encrypted rooms).
    assert nio.steps[first + 1 : second] == [*KEY_STEPS, "send_to_device_messages"]
    # After the second: the batch handled (one welcome to "!start", nothing to the history),
    # then the key steps still asked for (none) and the to-device messages, every time.
    third = nio.steps.index(syncs[2])
    handled = nio.steps[second + 1 : third]
    assert handled.count("room_send") == 1 and handled[-1] == "send_to_device_messages"
    assert len(nio.bodies()) == 1 and "an old message" not in nio.bodies()[0]
    # The token is kept only after its batch was handled: the reply went out while the kept
    # token was still the batch before.
    assert nio.token_at_send == ["s1"]
    assert nio.steps[-1] == "close"


async def test_a_restart_resumes_from_the_kept_token_and_reads_what_came_meanwhile(
    tmp_path, dispatcher
):
    nio = Nio(sync_batch("s1"))
    transport = loop_transport(tmp_path, dispatcher, nio)
    await run_until(transport, lambda: kept_token(transport) == "s1")

    again = Nio(sync_batch("s2", DM, nio_message("!start", event_id="$meanwhile")))
    restarted = loop_transport(tmp_path, dispatcher, again)
    await run_until(restarted, lambda: kept_token(restarted) == "s2")
    assert again.steps[0] == "restore_login"  # the kept device, not a new login
    assert again.steps[1] == ("sync", POLL_MS, "s1")  # from the kept token, not a first start
    assert len(again.bodies()) == 1  # what was said while it was down is answered, once


async def test_a_failed_sync_keeps_the_old_token_and_is_tried_again(tmp_path, dispatcher, caplog):
    refused = SyncError.from_dict({"errcode": "M_UNKNOWN", "error": "busy"})
    nio = Nio(sync_batch("s1"), refused, sync_batch("s2", DM, nio_message("!start", event_id="$e")))
    transport = loop_transport(tmp_path, dispatcher, nio)
    await run_until(transport, lambda: kept_token(transport) == "s2")
    syncs = [step for step in nio.steps if isinstance(step, tuple) and step[0] == "sync"]
    assert syncs[1:3] == [("sync", POLL_MS, "s1"), ("sync", POLL_MS, "s1")]
    assert nio.token_at_send == ["s1"] and len(nio.bodies()) == 1
    outage = [r for r in caplog.records if "homeserver unavailable" in r.getMessage()]
    assert len(outage) == 1


# -- each card's options ----------------------------------------------------------------------


def _card(number: int) -> Reply:
    return Reply(f"Card {number}", keyboard(Button("✋ Claim", f"rq:claim:{number}")))


async def test_the_memory_of_cards_stays_bounded_and_an_old_card_is_read_back(tmp_path, dispatcher):
    nio = Nio()
    transport = loop_transport(tmp_path, dispatcher, nio)
    for number in range(KEPT + 50):
        await transport.send(DM, _card(number))
    assert len(transport.cards) == KEPT  # the oldest 50 were dropped
    assert "$out0" not in transport.cards and f"$out{KEPT + 49}" in transport.cards
    # The oldest card is read back from the homeserver, where its options travel.
    assert await transport.cards.options(DM, "$out0") == (("✋ Claim", "rq:claim:0"),)
    assert ("room_get_event", "$out0") in nio.steps
    assert len(transport.cards) == KEPT and "$out0" in transport.cards
    # A card seen lately is answered from memory, without asking the homeserver.
    asked = len(nio.steps)
    assert await transport.cards.options(DM, f"$out{KEPT + 49}") == (
        ("✋ Claim", f"rq:claim:{KEPT + 49}"),
    )
    assert len(nio.steps) == asked


FORGOTTEN = {
    "en": "That card is too old: I no longer know its options. Please choose on a newer "
    "card, or send !menu.",
    "zh_Hans": "这张卡片太旧了，我已记不得它的选项。请在较新的卡片上选择，或发送 !menu。",
}


@pytest.mark.parametrize("code", ["en", "zh_Hans"])
async def test_a_choice_on_a_card_whose_options_are_gone_gets_one_polite_line(
    tmp_path, dispatcher, code
):
    nio = Nio()
    transport = loop_transport(tmp_path, dispatcher, nio)
    if code == "en":
        await transport._handle_room(DM, nio_events(nio_message("!lang en", event_id="$lang")))
    for number in range(KEPT + 1):
        await transport.send(TEAM, _card(number))
    del nio.events["$out0"]  # the homeserver no longer gives it (redacted, purged)
    before = len(nio.bodies(TEAM))

    replying = {"m.relates_to": {"m.in_reply_to": {"event_id": "$out0"}}}
    await transport._handle_room(
        TEAM,
        nio_events(
            nio_reaction("1️⃣", "$out0", event_id="$r1"),  # a keycap: meant to choose
            nio_reaction("👍", "$out0", event_id="$r2"),  # just a reaction: silence
            nio_message("> <@linli:linli.test> Card 0\n\n1", event_id="$m1", **replying),
            nio_message("thanks", event_id="$m2", **replying),  # words to someone: silence
            nio_message("!lang en", event_id="$m3", **replying),  # a command is still read
        ),
    )
    # One line for the keycap, one for the number; nothing pressed; the command answered.
    said = nio.bodies(TEAM)[before:]
    assert said[:2] == [FORGOTTEN[code]] * 2
    assert len(said) == 3 and said[2].startswith("From now on I will write to you in English.")
