"""The Matrix mapping without a server: events → ``Inbound``, ``Reply`` → event content."""

from __future__ import annotations

from nio import Event, RoomSendError

from bot.matrix.client import MatrixTransport
from bot.matrix.convert import reacted_payload, strip_reply_fallback, to_inbound
from bot.matrix.media import content as file_content
from bot.matrix.render import BUTTONS_KEY, Renderer, buttons_of
from bot.media import origin
from handlers.types import Attachment, Button, Kind, Reply, keyboard

BOT = "@linli:example.org"
LI = "@li:example.org"


def _event(
    content: dict, *, type_: str = "m.room.message", sender: str = LI, decrypted: bool = False
):
    """The event as nio hands it over from a sync (decrypted: from an encrypted room)."""
    source = {
        "type": type_,
        "sender": sender,
        "event_id": "$e1",
        "origin_server_ts": 1,
        "content": content,
    }
    if not decrypted:
        return Event.parse_event(source)
    event = Event.parse_decrypted_event(source)
    event.decrypted = True  # as nio's Olm machine marks what it decrypted
    return event


def _in(content: dict, *, group: bool = False, **kwargs):
    return to_inbound(_event(content, **kwargs), room_id="!r:x", is_group=group, bot_user_id=BOT)


def test_commands_start_with_a_bang_or_a_slash_and_text_is_text():
    command = _in({"msgtype": "m.text", "body": "!Lang zh"})
    assert (command.kind, command.command, command.args) == (Kind.COMMAND, "lang", "zh")
    assert command.sender.transport == "matrix" and command.sender.external_id == LI
    assert _in({"msgtype": "m.text", "body": "/start ev_42"}).args == "ev_42"
    text = _in({"msgtype": "m.text", "body": "2"})
    assert text.kind is Kind.TEXT and text.text == "2" and text.numbered_buttons
    assert not text.chat.is_group and text.chat.chat_id == "!r:x"


def test_in_a_team_room_only_commands_and_replies_to_cards_count():
    assert _in({"msgtype": "m.text", "body": "hello all"}, group=True) is None
    assert _in({"msgtype": "m.image", "url": "mxc://x/y", "body": "p"}, group=True) is None
    reply = to_inbound(
        _event(
            {
                "msgtype": "m.text",
                "body": "> <@linli:example.org> card\n\n1",
                "m.relates_to": {"m.in_reply_to": {"event_id": "$card"}},
            }
        ),
        room_id="!team:x",
        is_group=True,
        bot_user_id=BOT,
        reply_buttons=(("✋ Claim", "rq:claim:1"),),
    )
    assert reply.text == "1" and reply.reply_to == "$card"
    assert reply.reply_buttons == (("✋ Claim", "rq:claim:1"),)


def test_a_reply_in_a_private_chat_carries_the_message_it_replies_to():
    relates = {"m.relates_to": {"m.in_reply_to": {"event_id": "$relayed"}}}
    reply = _in(
        {"msgtype": "m.text", "body": "> <@linli:example.org> Ana: hi\n\nThanks!", **relates}
    )
    assert (reply.kind, reply.text, reply.reply_to) == (Kind.TEXT, "Thanks!", "$relayed")
    assert reply.reply_buttons == ()  # not a card's options: free text for its conversation
    photo = _in({"msgtype": "m.image", "url": "mxc://x/p", "body": "p.jpg", **relates})
    assert (photo.kind, photo.reply_to) == (Kind.PHOTO, "$relayed")
    assert _in({"msgtype": "m.text", "body": "Thanks!"}).reply_to is None


def test_files_photos_and_places():
    photo = _in({"msgtype": "m.image", "url": "mxc://x/p", "body": "p.jpg"})
    assert (photo.kind, photo.file_id) == (Kind.PHOTO, "mxc://x/p")
    document = _in({"msgtype": "m.file", "url": "mxc://x/f", "body": "lease.pdf"})
    assert (document.kind, document.file_name) == (Kind.DOCUMENT, "lease.pdf")
    place = _in({"msgtype": "m.location", "body": "here", "geo_uri": "geo:30.5,104.06"})
    assert (place.kind, place.location) == (Kind.LOCATION, (30.5, 104.06))


def test_what_the_bot_cannot_use_is_answered_or_ignored():
    assert _in({"body": "s", "url": "mxc://x/s"}, type_="m.sticker").kind is Kind.STICKER
    assert _in({"msgtype": "m.audio", "body": "voice"}).kind is Kind.OTHER
    assert _in({"body": "?"}, type_="org.matrix.msc3381.poll.start").kind is Kind.OTHER
    assert _in({"msgtype": "m.location", "body": "x", "geo_uri": "nonsense"}).kind is Kind.OTHER
    # Ignored: its own messages, any bot's notices, edits, redactions, state.
    assert _in({"msgtype": "m.text", "body": "!events"}, sender=BOT) is None
    assert _in({"msgtype": "m.notice", "body": "!events"}) is None
    edit = {"msgtype": "m.text", "body": "* hi", "m.relates_to": {"rel_type": "m.replace"}}
    assert _in(edit) is None
    assert _in({"redacts": "$x"}, type_="m.room.redaction") is None
    assert _in({"membership": "join"}, type_="m.room.member") is None
    assert _in("not a dict") is None  # type: ignore[arg-type]


def test_reply_fallback_is_stripped():
    assert strip_reply_fallback("> <@a:x> quoted\n> more\n\nmy answer") == "my answer"
    assert strip_reply_fallback("plain") == "plain"


def test_a_reply_becomes_a_notice_with_html_and_numbered_options():
    renderer = Renderer(frozenset({"help", "events", "start"}))
    reply = Reply(
        "Send /help or /events. <b> stays text.",
        keyboard(
            Button("✋ Claim", "rq:claim:1"), Button("Open", url="https://t.me/bot?start=ev_4")
        ),
    )
    content = renderer.content(reply)
    assert content["msgtype"] == "m.notice"
    assert content["body"].startswith("Send !help or !events.")
    assert "1. ✋ Claim" in content["body"] and "!start ev_4" in content["body"]
    assert "&lt;b&gt; stays text." in content["formatted_body"]
    assert "<b>1.</b> ✋ Claim" in content["formatted_body"]
    assert content[BUTTONS_KEY] == [["✋ Claim", "rq:claim:1"]]
    assert "/path/to" in renderer.bang("see /path/to/help")  # only commands change


def test_an_edit_is_an_m_replace_carrying_the_new_options():
    edit = Renderer().edit(Reply("✅ Claimed by Bob.", keyboard(Button("Release", "rq:r:1"))), "$c")
    assert edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$c"}
    assert edit["m.new_content"]["body"].startswith("✅ Claimed by Bob.")
    assert edit["body"].startswith("* ")
    assert buttons_of(edit) == (("Release", "rq:r:1"),)


def test_files_and_photos_point_at_the_media_repository():
    ics = file_content(Attachment("event-4.ics", b"BEGIN", "text/calendar"), "mxc://x/i")
    assert ics["msgtype"] == "m.file" and ics["url"] == "mxc://x/i" and ics["info"]["size"] == 5
    photo = file_content(Attachment("photo.jpg", file_id="mxc://x/p", is_photo=True), "mxc://x/p")
    assert photo["msgtype"] == "m.image" and photo["info"]["mimetype"] == "image/jpeg"
    secret = {"url": "mxc://x/e", "key": {"k": "K"}, "iv": "I", "hashes": {"sha256": "H"}}
    sealed = file_content(Attachment("photo.jpg", b"..", is_photo=True), None, secret)
    assert sealed["file"] == secret and "url" not in sealed


def test_a_file_id_says_which_transport_holds_the_file():
    plain = _in({"msgtype": "m.image", "body": "p.jpg", "url": "mxc://x/p"})
    assert plain.kind is Kind.PHOTO and plain.file_id == "mxc://x/p"
    key = {"alg": "A256CTR", "k": "K", "kty": "oct", "key_ops": ["decrypt"], "ext": True}
    secret = {"url": "mxc://x/e", "key": key, "iv": "I", "hashes": {"sha256": "H"}, "v": "v2"}
    sealed = _in({"msgtype": "m.file", "body": "a.pdf", "file": secret}, decrypted=True)
    assert sealed.kind is Kind.DOCUMENT and sealed.file_id == "mxc://x/e#K.I.H"
    voice = _in({"msgtype": "m.audio", "body": "v.ogg", "file": secret}, decrypted=True)
    assert voice.kind is Kind.VOICE and voice.file_id == "mxc://x/e#K.I.H"
    keyless = {"msgtype": "m.image", "body": "p", "file": {"url": "mxc://x/e"}}
    assert _in(keyless, decrypted=True).kind is Kind.OTHER
    # A plain file in an encrypted room (not every client encrypts it): still a photo.
    plain_there = _in({"msgtype": "m.image", "body": "p.jpg", "url": "mxc://x/p"}, decrypted=True)
    assert plain_there.kind is Kind.PHOTO and plain_there.file_id == "mxc://x/p"
    assert origin(sealed.file_id) == origin("mxc://x/p") == "matrix"
    assert origin("AgACAgIAAxkBAAIB") == "telegram"


def test_a_reaction_chooses_an_option_by_keycap_or_by_the_label_emoji():
    buttons = (("✋ Claim", "rq:claim:1"), ("🚫 Release", "rq:release:1"))
    assert reacted_payload("2️⃣", buttons) == "rq:release:1"
    assert reacted_payload("✋", buttons) == "rq:claim:1"
    assert reacted_payload("👍", buttons) is None
    assert reacted_payload("9️⃣", buttons) is None


def test_the_homeservers_rate_limit_becomes_the_outboxs_retry_after():
    limited = RoomSendError.from_dict(
        {"errcode": "M_LIMIT_EXCEEDED", "error": "Too many", "retry_after_ms": 2500}, "!r:x"
    )
    error = MatrixTransport._error(limited)
    assert error.retry_after == 2.5 and not error.permanent
    forbidden = RoomSendError.from_dict({"errcode": "M_FORBIDDEN", "error": "no"}, "!r:x")
    assert MatrixTransport._error(forbidden).permanent
