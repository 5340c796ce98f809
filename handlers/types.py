"""The transport-neutral vocabulary: what comes in (``Inbound``), what goes out (``Reply``), and
what a handler is given (``Ctx``). Transports translate their own objects to and from these."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from db.models import Conversation, User
from db.users import acting_roles
from handlers.i18n import NO_NAME, Language, neutral_names

if TYPE_CHECKING:  # for annotations only: handlers.router imports this module
    from handlers.router import Registry

T = TypeVar("T")

#: Telegram's limit for one message; a longer inbound text is refused with a clear answer.
MAX_MESSAGE_LENGTH = 4096
#: Telegram's limit for callback data, which every payload must respect.
MAX_PAYLOAD_BYTES = 64


class Kind(enum.StrEnum):
    """What kind of thing a user sent."""

    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    PHOTO = "photo"
    DOCUMENT = "document"
    LOCATION = "location"
    STICKER = "sticker"
    VOICE = "voice"  # a voice note or an audio file: kept where a form takes a file
    OTHER = "other"  # video, contact, poll…: answered, never crashes


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A chat on one transport. ``chat_id`` is a string so every transport fits."""

    transport: str
    chat_id: str
    is_group: bool = False

    @property
    def key(self) -> str:
        return f"{self.transport}:{self.chat_id}"


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote, as the transport knows them. ``language_hint`` is e.g. Telegram's
    ``language_code``; the user's own choice, stored in the database, wins over it."""

    transport: str
    external_id: str
    display_name: str = ""
    username: str | None = None
    language_hint: str | None = None


@dataclass(frozen=True, slots=True)
class RoomFacts:
    """What a transport that can list a group room's members knows of it (Matrix), for the
    team rooms' checks (``handlers/teams.py``)."""

    members: tuple[str, ...]  # external ids of everyone else in it, joined or invited
    foreign: tuple[str, ...] = ()  # of those, the ones on a homeserver that is not allowed
    encrypted: bool = False
    allowed: bool = True  # the room itself lives on an allowed homeserver
    #: Telegram cannot list a group: how many members hold no role in the team it checked.
    unnamed_strangers: int = 0
    needs_encryption: bool = True  # a Matrix team room must be encrypted; a Telegram group can't


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a user did: a message, a command or a button press."""

    chat: ChatRef
    sender: Sender
    kind: Kind
    text: str = ""  # message text or caption
    command: str | None = None  # without the slash or @botname, lower case
    args: str = ""  # the rest of a command line
    payload: str | None = None  # a button's payload
    file_id: str | None = None  # photo or document, as the transport can send it again
    file_name: str | None = None
    location: tuple[float, float] | None = None
    message_ref: str | None = None  # the message a button was on (for edits)
    #: The message this one replies to (Telegram's reply-to, Matrix's ``in_reply_to``): a
    #: reply to a relayed message goes to its conversation (``handlers/answers.py``). For a
    #: Matrix reply to a card, that card's buttons as (label, payload): the text is read as
    #: pressing one of them.
    reply_to: str | None = None
    reply_buttons: tuple[tuple[str, str], ...] = ()
    #: The transport numbers buttons (console, Matrix), so a typed "2" presses button 2.
    numbered_buttons: bool = False
    #: The room's members and settings, where the transport can tell (a Matrix group room).
    room: RoomFacts | None = None
    #: Photos sent together as one album (Telegram's ``media_group_id``).
    album: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: a payload to press, or a link to open."""

    label: str
    payload: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.payload is None) == (self.url is None):
            raise ValueError("a button has a payload or a url, not both")
        if self.payload is not None and len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload over {MAX_PAYLOAD_BYTES} bytes: {self.payload!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file made for the user (an .ics, a CSV) or one they sent earlier (``file_id``)."""

    filename: str
    content: bytes = b""
    mime_type: str = "application/octet-stream"
    file_id: str | None = None
    is_photo: bool = False
    is_voice: bool = False  # a voice note: Telegram ``sendVoice``, Matrix ``m.audio``
    #: Made later: called once, after the transaction that wrote this reply has ended and
    #: outside the event loop, to produce ``content`` (a picture that takes a while to draw).
    make: Callable[[], bytes] | None = field(default=None, compare=False)


def materialise(reply: Reply) -> Reply:
    """The reply with its attachment made, if it was deferred (``Attachment.make``)."""
    attachment = reply.attachment
    if attachment is None or attachment.make is None:
        return reply
    made = replace(attachment, content=attachment.make(), make=None)
    return replace(reply, attachment=made)


def link_button(label: str, url: str | None, payload: str) -> Button:
    """A button that opens ``url`` where the transport has links (Telegram), else one that
    presses ``payload`` (the console)."""
    return Button(label, url=url) if url else Button(label, payload)


Keyboard = tuple[tuple[Button, ...], ...]


def neutral_reply(reply: Reply, gettext: Callable[[str], str]) -> Reply:
    """``reply`` with every ``NO_NAME`` mark (a person with no name to show) in its text and
    button labels replaced by the neutral word in the reader's language."""
    marked = NO_NAME in reply.text or any(
        NO_NAME in button.label for row in reply.buttons for button in row
    )
    if not marked:
        return reply
    buttons = tuple(
        tuple(replace(button, label=neutral_names(gettext, button.label)) for button in row)
        for row in reply.buttons
    )
    return replace(reply, text=neutral_names(gettext, reply.text), buttons=buttons)


@dataclass(frozen=True, slots=True)
class Reply:
    """One message back. ``edit`` replaces the message whose button was pressed (a card that
    changed), where the transport can; otherwise it is sent as a new message.

    ``reaction``: an emoji put on the person's own message instead of a new message (Telegram
    ``setMessageReaction``, a Matrix ``m.annotation``, a short mark on the console); where the
    transport cannot react to that message, ``text`` is sent instead.

    ``transient``: a step (a form's question, its summary) that the next message in the chat
    replaces: the transport deletes it once that one is shown (Telegram ``deleteMessage``), so a
    finished form leaves its result and the person's answers, not its trail of questions."""

    text: str
    buttons: Keyboard = ()
    edit: bool = False
    attachment: Attachment | None = None
    reaction: str | None = None
    transient: bool = False
    #: The recipient's command menu from now on, as (command, description) pairs, where the
    #: transport keeps one per chat (Telegram); () = back to everyone's menu; None = unchanged.
    commands: tuple[tuple[str, str], ...] | None = None


def keyboard(*rows: Button | tuple[Button, ...] | list[Button]) -> Keyboard:
    """Build a keyboard: each argument is a row (a single button is a row of one)."""
    return tuple((row,) if isinstance(row, Button) else tuple(row) for row in rows)


def rows_of(buttons: Sequence[Button], width: int) -> list[tuple[Button, ...]]:
    """``buttons`` laid out ``width`` to a row (party sizes, days, times)."""
    return [tuple(buttons[i : i + width]) for i in range(0, len(buttons), width)]


@dataclass(frozen=True, slots=True)
class Community:
    """What handlers need to know about the deployment (built from the configuration)."""

    timezone: ZoneInfo
    default_locale: str
    admin_refs: frozenset[str] = frozenset()  # "telegram:123": admins from configuration
    bot_username: str | None = None  # for deep links, when the transport has one
    #: Offsets before an event's start at which confirmed attendees are reminded.
    event_reminders: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=2))
    #: The volunteer team's opening and closing time, in the community's zone.
    service_hours: tuple[time, time] = (time(9), time(21))
    #: Closed on China's public holidays (``LINLI_HOLIDAYS=cn``), or every day open ("off").
    holidays: str = "cn"
    #: Team rooms from the settings ("volunteers" → Telegram chat id); /bind overrides them.
    team_chats: Mapping[str, str] = field(default_factory=dict)
    dispute_ack_within: timedelta = timedelta(hours=24)
    dispute_followup_after: timedelta = timedelta(days=3)
    #: Help requests: unclaimed this long in service hours → announced again in the room
    #: (urgent ones sooner); longer → admins. A claimed one whose volunteer is silent this
    #: long → the volunteer is reminded; longer → admins.
    request_claim_within: timedelta = timedelta(minutes=30)
    request_urgent_claim_within: timedelta = timedelta(minutes=10)
    request_admins_after: timedelta = timedelta(hours=2)
    request_remind_after: timedelta = timedelta(hours=24)
    request_silent_admins_after: timedelta = timedelta(hours=48)

    @property
    def closed_on_holidays(self) -> bool:
        """True where service hours skip China's public holidays (``LINLI_HOLIDAYS=cn``)."""
        return self.holidays == "cn"

    #: Sent and failed outbox rows keep their parameters (what the message said) this long.
    outbox_keep: timedelta = timedelta(days=30)
    #: Closed help requests and dispute cases keep what people wrote this long after closure.
    case_keep: timedelta = timedelta(days=365)
    #: Per-person limits against abuse (0: no limit): help requests open at once, dispute
    #: reports in 24 hours, event signups in one hour.
    limit_open_requests: int = 3
    limit_reports_per_day: int = 5
    limit_signups_per_hour: int = 10
    #: Anonymous dispute reports the whole community may file in an hour (0: no limit).
    limit_anonymous_reports_per_hour: int = 10
    #: Community notices wait out these hours (community time; may wrap midnight), except
    #: urgent safety notices.
    quiet_hours: tuple[time, time] = (time(22), time(8))
    #: The 五及 report's targets (``LINLI_TARGET_*``): first answer to a help request (service
    #: hours) and to a dispute report; help given (service hours); a dispute settled; and the
    #: share of cases that should meet each target.
    target_request_claim: timedelta = timedelta(minutes=30)
    target_dispute_ack: timedelta = timedelta(hours=24)
    target_request_resolve: timedelta = timedelta(hours=48)
    target_dispute_resolve: timedelta = timedelta(days=7)
    target_share: float = 0.9
    #: Send every admin last month's report on the first working day (``LINLI_MONTHLY_REPORT``,
    #: on by default in the settings; off here so that a Community made by hand — a test whose
    #: clock crosses a month — sends no report nobody asked for).
    monthly_report: bool = False
    #: Volunteer hours (``LINLI_HOURS_ROUNDING``): under the first number of minutes count 0,
    #: above it the nearest step of the second.
    hours_rounding: tuple[int, int] = (15, 30)
    #: Who issues volunteers' certificates (``LINLI_CERTIFICATE_ISSUER``): the community that
    #: recorded the hours.
    certificate_issuer: str = "邻里社区 Linli Community"
    #: The columns of the monthly hours export, in order (``LINLI_HOURS_COLUMNS``).
    hours_columns: tuple[str, ...] = ("name", "phone", "activity", "date", "hours")

    def deep_link(self, payload: str) -> str | None:
        """``https://t.me/<bot>?start=<payload>`` when the transport has a bot username."""
        if not self.bot_username:
            return None
        return f"https://t.me/{self.bot_username}?start={payload}"

    def start_link(self, payload: str) -> str:
        """The deep link, or on a transport without one (the console) the command that does
        the same: ``/start <payload>``."""
        return self.deep_link(payload) or f"/start {payload}"


@dataclass(slots=True)
class Ctx:
    """What a handler is given for one inbound message, inside one database transaction."""

    session: Session
    user: User
    conversation: Conversation
    inbound: Inbound
    lang: Language
    community: Community
    registry: Registry
    now: datetime
    #: An admin blocked this person (read with the person, once per message).
    blocked: bool = False
    #: This message is the first the bot has had from them: their row went in with it, so
    #: nothing else of theirs is in the database yet (no read needs to ask).
    first_seen: bool = False
    replies: list[Reply] = field(default_factory=list)
    #: What several parts of one message's handling read (their open requests, their notices
    #: settings…), read once: ``ctx.once(key, read)``. Lives as long as the message's transaction.
    cache: dict[object, Any] = field(default_factory=dict)
    #: The person finished something (``completed``): what follows a completed action runs
    #: after the handler (``Router.on_completed``).
    finished: bool = False

    def completed(self) -> None:
        """The person came to the end of a flow — signed up, filed a request or a report,
        booked a room. Once the handler has answered, ``Router.on_completed`` hooks run (the
        notices question for someone who never saw the welcome)."""
        self.finished = True

    def once(self, key: object, read: Callable[[], T]) -> T:
        """``read()`` the first time ``key`` is asked for in this message, then the same value.
        A part that changes what it read drops it (``ctx.cache.pop(key, None)``)."""
        if key not in self.cache:
            self.cache[key] = read()
        return self.cache[key]

    def _(self, message: str) -> str:
        """Translate ``message`` into the user's language."""
        return self.lang.gettext(message)

    def reply(
        self,
        text: str,
        buttons: Keyboard = (),
        *,
        edit: bool = False,
        attachment: Attachment | None = None,
        transient: bool = False,
        commands: tuple[tuple[str, str], ...] | None = None,
    ) -> None:
        reply = Reply(
            text, buttons, edit=edit, attachment=attachment, transient=transient, commands=commands
        )
        self.replies.append(neutral_reply(reply, self.lang.gettext))  # nameless: neutral word

    def react(self, emoji: str, fallback: str) -> None:
        """Acknowledge the person's message with ``emoji`` on it (no new message); where the
        transport cannot, ``fallback`` is sent as a message."""
        self.replies.append(neutral_reply(Reply(fallback, reaction=emoji), self.lang.gettext))

    def has_role(self, role: str) -> bool:
        """True if the user holds ``role`` in the roles table (the admins the settings name
        are loaded there at start)."""
        return role in self.user.role_names

    def acts_as(self, role: str) -> bool:
        """The one permission rule (``db.users.acting_roles``): holders of ``role`` act as
        it, and admins act as every staff role. Commands, buttons, deep links, the
        ``access_*`` functions and the sweeps all ask it."""
        return bool(self.user.role_names & acting_roles(role))

    def may_use(self, role: str | None) -> bool:
        """An entry point restricted to ``role`` (None: open to everyone)."""
        return role is None or self.acts_as(role)


def pressed(ctx: Ctx) -> bool:
    """A button was pressed: the answer replaces the message it was on (one message that
    changes, whose old keyboard goes away), instead of adding another (``reply(edit=...)``)."""
    return ctx.inbound.kind == Kind.BUTTON
