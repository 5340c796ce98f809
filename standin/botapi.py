"""A local stand-in for the Telegram Bot API, for end-to-end tests and benchmarks.

:class:`BotApiStandin` is a small tornado HTTP server that runs inside the caller's asyncio
loop on ``127.0.0.1`` (OS-assigned port). python-telegram-bot's real ``Bot`` / ``Application``
talk to it when built with ``base_url=standin.base_url``. It answers only what Linli's bot
calls (and what python-telegram-bot calls for it); everything else is a 404. It

* answers the Bot API methods a chatbot such as Linli uses (``getMe``, ``getUpdates``,
  ``sendMessage``, ``editMessageText``, ``answerCallbackQuery``, ``setMyCommands``,
  ``setWebhook`` ... see :data:`METHODS`) with objects PTB can de-serialise, and rejects the
  same mistakes Telegram rejects (empty or over-long texts, editing a message that does not
  exist or would not change, callback data over 64 bytes, answering a callback query twice);
* records every call (:attr:`BotApiStandin.calls`, :meth:`BotApiStandin.wait_for`) and the
  messages the bot sent (:meth:`BotApiStandin.sent_messages`);
* plays the users (:meth:`BotApiStandin.user_sends_text`, :meth:`BotApiStandin.user_presses`,
  ...) and delivers their updates through long polling (``getUpdates``) or, once ``setWebhook``
  was called, by POSTing them to the webhook;
* injects faults (:meth:`BotApiStandin.fail_next`) and latency (:attr:`BotApiStandin.latency`).

Typical use::

    async with BotApiStandin() as api:
        bot = telegram.Bot(api.token, base_url=api.base_url)
        async with bot:
            api.user_sends_text(user_id=42, text="/start")
            ...
            [call] = await api.wait_for(lambda c: c.method == "sendMessage")

Limits -- this is a test double, not an emulator:

* Only the methods in :data:`METHODS` exist; any other method answers 404, like Telegram does
  for a method it does not know. Only the parameters listed in each method's docstring are
  interpreted; everything else is recorded and otherwise ignored.
* ``parse_mode`` is not applied: texts are stored and returned exactly as sent, with the
  ``entities`` the bot passed (if any). Lengths are counted in code points.
* Any integer chat id is accepted (positive ids are private chats, negative ids supergroups);
  use :meth:`BotApiStandin.fail_next` to simulate "chat not found" or a blocked user.
* Only inline keyboards are echoed back in returned messages (like Telegram); the markup the
  bot sent, of whatever kind, is kept in :meth:`BotApiStandin.sent_messages`.
* Webhook updates are only ever delivered to loopback addresses. If the bot registers a public
  webhook URL, set :attr:`BotApiStandin.webhook_delivery_url` to its local listener first,
  otherwise ``setWebhook`` fails with 400. A delivery that does not get a 2xx answer is retried
  twice and then dropped (recorded in :attr:`BotApiStandin.webhook_errors`); Telegram would
  keep retrying. Method calls in a webhook's response body are not executed.
* One instance serves one asyncio loop; dicts handed out (updates, messages, calls) are shared
  with the stand-in's own state and must be treated as read-only.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import ipaddress
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Self
from urllib.parse import urlsplit

import tornado.httpclient
import tornado.httpserver
import tornado.netutil
import tornado.web

__all__ = [
    "CONFIGURED_SECRET",
    "METHODS",
    "SECRET_TOKEN_HEADER",
    "ApiCall",
    "BotApiStandin",
]

JSONDict = dict[str, Any]

#: Header Telegram uses to pass ``setWebhook``'s ``secret_token`` along with each update.
SECRET_TOKEN_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"

#: Default for :meth:`BotApiStandin.post_to_webhook`: send the secret configured in setWebhook.
CONFIGURED_SECRET: Final = object()

MAX_MESSAGE_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64

#: Bot API methods the stand-in implements, spelled as Telegram spells them.
METHODS: Final = (
    "getMe",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "setMyCommands",
    "deleteMyCommands",
    "sendMessage",
    "editMessageText",
    "answerCallbackQuery",
    "sendDocument",
    "sendPhoto",
    "sendVoice",
    "getFile",
    "setMessageReaction",
    "deleteMessage",
    "getChatMemberCount",
    "getChatMember",
)

#: Emoji Telegram accepts as a reaction (a subset of its list: the others are refused here
#: as ``REACTION_INVALID``, as Telegram refuses an emoji not on its list).
REACTION_EMOJI: Final = frozenset(
    [
        "👍",
        "👎",
        "❤",
        "🔥",
        "🥰",
        "👏",
        "😁",
        "🤔",
        "🙏",
        "👌",
        "🤝",
        "✍",
        "👀",
        "🎉",
        "⚡",
        "💯",
        "🆒",
    ]
)

#: Parameters whose values are free text or opaque ids: never JSON/int-decoded.
_TEXT_PARAMS: Final = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "ip_address",
        "language_code",
        "parse_mode",
        "action",
        "file_id",
        "business_connection_id",
        "message_effect_id",
        "name",
        "description",
        "short_description",
        "title",
        "query",
        "data",
        "emoji",
        "photo",
        "document",
        "sticker",
        "audio",
        "video",
        "voice",
        "animation",
        "thumbnail",
        "first_name",
        "last_name",
        "phone_number",
        "address",
        "question",
    }
)

_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}\Z")
_SECRET_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}\Z")

_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_CONFLICT_WEBHOOK: Final = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_CONFLICT_POLLER: Final = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)

_WEBHOOK_ATTEMPTS: Final = 3
_WEBHOOK_RETRY_DELAY: Final = 0.05


@dataclass
class ApiCall:
    """One Bot API request the stand-in received (with the correct token).

    ``method`` is Telegram's spelling for known methods (as received otherwise), ``params`` the
    decoded parameters, ``at`` the ``time.monotonic()`` of arrival and ``response`` the JSON
    answer (``{"ok": ..., ...}``). The response is already set when :meth:`BotApiStandin.wait_for`
    sees the call, except for ``getUpdates``, which is recorded before it starts waiting.
    """

    method: str
    params: dict[str, Any]
    at: float
    response: JSONDict | None = field(default=None, repr=False)


class _ApiError(Exception):
    """Raised inside a method implementation to answer ``{"ok": false, ...}``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSONDict:
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad_request(what: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {what}")


@dataclass
class _Fault:
    method: str  # lower case
    chat_id: int | None
    remaining: int
    error: _ApiError


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes


class _Signal:
    """Wakes every coroutine currently waiting on :meth:`future`; cheap broadcast."""

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    def future(self) -> asyncio.Future[None]:
        if self._future is None or self._future.done():
            self._future = asyncio.get_running_loop().create_future()
        return self._future

    def notify(self) -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(None)
        self._future = None


def _decode_value(name: str, raw: str) -> Any:
    """Undo PTB's encoding of one form field: non-string values arrive JSON-encoded."""
    if name in _TEXT_PARAMS or not raw:
        return raw
    first = raw[0]
    if first in "{[" or first in "-0123456789" or raw in ("true", "false"):
        try:
            value = json.loads(raw)
        except ValueError:
            return raw
        if isinstance(value, dict | list | bool | int | float):
            return value
    return raw


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _is_loopback_url(url: str) -> bool:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _chat_id_of(update: JSONDict) -> int | None:
    """The chat an update belongs to, used to keep webhook deliveries ordered per chat."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return chat["id"]
        user = value.get("from")
        if isinstance(user, dict) and isinstance(user.get("id"), int):
            return user["id"]
    return None


def _summarise(call: ApiCall, width: int = 160) -> str:
    params = {
        k: (f"<{len(v['content'])} bytes>" if isinstance(v, dict) and "content" in v else v)
        for k, v in call.params.items()
    }
    text = f"{call.method} {params!r}"
    if call.response is not None and not call.response.get("ok"):
        text += f" -> {call.response.get('error_code')} {call.response.get('description')}"
    return text if len(text) <= width else text[: width - 3] + "..."


class _ApiHandler(tornado.web.RequestHandler):
    """``/bot<token>/<method>``: hands the decoded request to the stand-in."""

    standin: BotApiStandin

    def initialize(self, standin: BotApiStandin) -> None:
        self.standin = standin
        self.client_gone = False

    def compute_etag(self) -> str | None:
        return None

    def on_connection_close(self) -> None:
        # Lets a pending long poll notice that nobody is waiting for its answer any more.
        self.client_gone = True
        self.standin._updates_signal.notify()

    async def get(self, token: str, method: str) -> None:
        self.standin._inflight += 1
        self.standin._drained.clear()
        try:
            status, body = await self.standin._dispatch(
                token, method, self._params(), lambda: self.client_gone
            )
            self.set_status(status)
            self.set_header("Content-Type", "application/json")
            self.finish(body)
        finally:
            self.standin._inflight -= 1
            if not self.standin._inflight:
                self.standin._drained.set()

    post = get

    def _params(self) -> dict[str, Any]:
        request = self.request
        fields: dict[str, Any] = {}
        for source in (request.query_arguments, request.body_arguments):
            for name, values in source.items():
                if values:
                    fields[name] = values[-1].decode("utf-8", "replace")
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and request.body:
            try:
                loaded = json.loads(request.body)
            except ValueError:
                loaded = None
            if isinstance(loaded, dict):
                fields.update(loaded)
        params = {
            name: _decode_value(name, value) if isinstance(value, str) else value
            for name, value in fields.items()
        }
        for name, uploads in request.files.items():
            if uploads:
                upload = uploads[-1]
                params[name] = {
                    "filename": upload.filename,
                    "content": upload.body,
                    "content_type": upload.content_type,
                }
        return params


class _FileHandler(tornado.web.RequestHandler):
    """``/file/bot<token>/<file_path>``: the bytes of a file ``getFile`` named."""

    def initialize(self, standin: BotApiStandin) -> None:
        self.standin = standin

    def get(self, token: str, path: str) -> None:
        stored = next((f for f in self.standin._files.values() if f.file_path == path), None)
        if token != self.standin.token or stored is None:
            self.set_status(404)
            self.finish({"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(stored.content)


class _NotFoundHandler(tornado.web.RequestHandler):
    def prepare(self) -> None:
        self.set_status(404)
        self.finish({"ok": False, "error_code": 404, "description": "Not Found"})


class BotApiStandin:
    """A local fake of ``api.telegram.org`` for python-telegram-bot; see the module docstring.

    Args:
        token: the bot token the stand-in accepts; its numeric prefix is the bot's user id.
        bot_username: the bot's username, as returned by ``getMe``.
        latency: seconds to wait before answering every call except ``getUpdates``.
    """

    def __init__(
        self,
        *,
        token: str = "123456:TEST",
        bot_username: str = "linli_test_bot",
        latency: float = 0.0,
    ) -> None:
        prefix, sep, secret = token.partition(":")
        if not (sep and prefix.isdigit() and secret):
            raise ValueError(f"token must look like '<digits>:<secret>', got {token!r}")
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(prefix)
        #: Seconds to sleep before answering every call except getUpdates; settable any time.
        self.latency = latency
        self.port: int | None = None

        #: Every call with the right token, in arrival order.
        self.calls: list[ApiCall] = []
        #: setMyCommands state, keyed by (language_code or None, scope type); a chat's own
        #: menu (BotCommandScopeChat) is keyed by "chat:<chat_id>".
        self.commands: dict[tuple[str | None, str], list[dict]] = {}
        #: Parameters of the last setWebhook with a URL; None when no webhook is set.
        self.webhook: JSONDict | None = None
        #: If set (a loopback URL), webhook updates go here instead of the registered URL.
        self.webhook_delivery_url: str | None = None
        #: One line per failed webhook delivery attempt.
        self.webhook_errors: list[str] = []

        self._handlers: dict[str, tuple[str, Callable[[JSONDict], Any]]] = {
            name.lower(): (name, getattr(self, f"_api_{name}")) for name in METHODS
        }
        self._faults: list[_Fault] = []
        self._sent: list[JSONDict] = []
        self._messages: dict[int, dict[int, JSONDict]] = {}
        #: (chat id, message id) → the emoji the bot put on that message.
        self._reactions: dict[tuple[int, int], list[str]] = {}
        self._last_message_id: dict[int, int] = {}
        self._last_bot_message: dict[int, int] = {}
        self._chats: dict[int, JSONDict] = {}
        #: group → the people in it (anyone who wrote there or joined), for getChatMember*.
        self._members: dict[int, set[int]] = {}
        self._open_callbacks: set[str] = set()
        self._files: dict[str, _StoredFile] = {}
        self._ids = itertools.count(1)
        self._last_update_id = 0
        self._pending: list[JSONDict] = []
        self._poll_generation = 0
        self._webhook_queues: dict[int | None, deque[JSONDict]] = {}
        self._webhook_workers: dict[int | None, asyncio.Task[None]] = {}
        self._inflight = 0  # API requests being answered (stop() lets them finish)
        self._drained = asyncio.Event()
        self._drained.set()
        self._webhook_last_error: tuple[int, str] | None = None
        self._calls_signal = _Signal()
        self._updates_signal = _Signal()
        self._stopped: asyncio.Future[None] | None = None
        self._server: tornado.httpserver.HTTPServer | None = None
        self._http: tornado.httpclient.AsyncHTTPClient | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start serving on 127.0.0.1 with an OS-assigned port (then in :attr:`port`)."""
        if self._server is not None:
            raise RuntimeError("BotApiStandin is already running")
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([A-Za-z0-9_]+)/?", _ApiHandler, {"standin": self}),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"standin": self}),
            ],
            default_handler_class=_NotFoundHandler,
            log_function=lambda handler: None,
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        self._stopped = asyncio.get_running_loop().create_future()
        self._http = tornado.httpclient.AsyncHTTPClient(force_instance=True, max_clients=64)

    async def stop(self) -> None:
        """Stop serving: wakes pending long polls, cancels webhook deliveries, closes sockets."""
        if self._server is None:
            return
        assert self._stopped is not None
        self._stopped.set_result(None)
        self._updates_signal.notify()
        self._calls_signal.notify()
        workers = list(self._webhook_workers.values())
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._server.stop()
        with contextlib.suppress(TimeoutError):  # let woken handlers write their answers
            await asyncio.wait_for(self._drained.wait(), 1.0)
        await self._server.close_all_connections()
        if self._http is not None:
            self._http.close()
        self._server = None
        self._http = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Pass as ``base_url`` to ``telegram.Bot`` / ``ApplicationBuilder``."""
        return f"http://127.0.0.1:{self._require_port()}/bot"

    def _require_port(self) -> int:
        if self.port is None:
            raise RuntimeError("BotApiStandin has not been started")
        return self.port

    @property
    def bot_user(self) -> JSONDict:
        """The bot's ``User`` object as ``getMe`` returns it."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Linli",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    @property
    def _is_stopping(self) -> bool:
        return self._stopped is not None and self._stopped.done()

    # ------------------------------------------------------------------ what the bot did

    def calls_to(self, method: str) -> list[ApiCall]:
        """The recorded calls of ``method`` (case-insensitive), in arrival order."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def file(self, file_id: str) -> bytes:
        """The bytes of a file the stand-in holds (one a user sent, or the bot uploaded)."""
        return self._files[file_id].content

    def sent_messages(self, chat_id: int | None = None) -> list[dict]:
        """Messages the bot sent with sendMessage/sendDocument/sendPhoto, oldest first.

        Each is the ``Message`` returned to the bot at the time, except that ``reply_markup``
        is the markup from the request (any kind, not only inline keyboards). Later edits
        are not reflected; use :meth:`message` for the current state.
        """
        if chat_id is None:
            return list(self._sent)
        return [m for m in self._sent if m["chat"]["id"] == chat_id]

    def reactions(self, chat_id: int, message_id: int) -> list[str]:
        """The emoji the bot has put on a message (setMessageReaction), [] if none."""
        return list(self._reactions.get((chat_id, message_id), []))

    def messages_left(self, chat_id: int) -> int:
        """How many of the bot's messages the chat holds now (sent; edits add none)."""
        return sum(
            1 for m in self._messages.get(chat_id, {}).values() if m["from"]["id"] == self.bot_id
        )

    def message(self, chat_id: int, message_id: int) -> dict | None:
        """The current state of a stored message (after edits), or None if there is none."""
        return self._messages.get(chat_id, {}).get(message_id)

    async def wait_for(
        self,
        predicate: Callable[[ApiCall], bool],
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented interface
        count: int = 1,
    ) -> list[ApiCall]:
        """Wait until ``count`` calls (already recorded or future) satisfy ``predicate``.

        Returns the first ``count`` matching calls. Raises :class:`TimeoutError` listing the
        most recent calls if they do not arrive within ``timeout`` seconds (or the stand-in
        stops first). The predicate sees each call once, on arrival.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seen: list[ApiCall] | None = None
        scanned = 0
        matches: list[ApiCall] = []
        while True:
            if seen is None:  # first round
                seen, scanned = self.calls, 0
            while scanned < len(seen):
                if predicate(seen[scanned]):
                    matches.append(seen[scanned])
                scanned += 1
            if len(matches) >= count:
                return matches[:count]
            remaining = deadline - loop.time()
            if remaining <= 0 or self._is_stopping:
                recent = "\n".join(f"  {_summarise(c)}" for c in self.calls[-10:]) or "  (none)"
                why = "the stand-in stopped" if self._is_stopping else f"after {timeout}s"
                raise TimeoutError(
                    f"{len(matches)} of {count} expected calls {why}; last calls:\n{recent}"
                )
            await asyncio.wait([self._calls_signal.future()], timeout=remaining)

    # ------------------------------------------------------------------ what users do

    def user_sends_text(
        self,
        *,
        user_id: int,
        text: str,
        language_code: str | None = "en",
        first_name: str = "Test",
        username: str | None = None,
        chat_id: int | None = None,
        chat_type: str | None = None,
        reply_to: int | None = None,
    ) -> dict:
        """Queue a text message update; a leading ``/command`` gets a bot_command entity.

        ``chat_id`` defaults to the user's private chat; ``chat_type`` defaults to "private"
        for positive chat ids and "supergroup" for negative ones. ``reply_to``: the id of a
        message of that chat this one replies to (Telegram's ``reply_to_message``).
        """
        content: JSONDict = {"text": text}
        if reply_to is not None:
            replied = self._messages.get(user_id if chat_id is None else chat_id, {})[reply_to]
            content["reply_to_message"] = {
                k: v for k, v in replied.items() if k != "reply_to_message"
            }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self._user_message(
            user_id,
            content,
            chat_id=chat_id,
            chat_type=chat_type,
            language_code=language_code,
            first_name=first_name,
            username=username,
        )

    def user_joins_group(
        self, *, user_id: int, chat_id: int, first_name: str = "Test", added_by: int | None = None
    ) -> dict:
        """Queue the service message of ``user_id`` joining the group ``chat_id`` (added by
        ``added_by``, or by themselves)."""
        joined = self._user(user_id, first_name, None, None)
        return self._user_message(
            added_by or user_id,
            {"new_chat_members": [joined]},
            chat_id=chat_id,
            chat_type=None,
            language_code=None,
            first_name=first_name,
            username=None,
        )

    def user_sends_photo(
        self,
        *,
        user_id: int,
        caption: str | None = None,
        language_code: str | None = "en",
        first_name: str = "Test",
        username: str | None = None,
        chat_id: int | None = None,
        chat_type: str | None = None,
        album: str | None = None,
    ) -> dict:
        """Queue a photo message update with two sizes (distinct file ids); ``album``: its
        ``media_group_id``, as each photo of an album has."""
        small = self._new_file("photos", ".jpg", b"\xff\xd8stand-in small photo\xff\xd9")
        large = self._new_file("photos", ".jpg", b"\xff\xd8stand-in large photo\xff\xd9")
        content: JSONDict = {
            "photo": [
                self._photo_size(small, 90, 67),
                self._photo_size(large, 1280, 960),
            ]
        }
        if caption is not None:
            content["caption"] = caption
        if album is not None:
            content["media_group_id"] = album
        return self._user_message(
            user_id,
            content,
            chat_id=chat_id,
            chat_type=chat_type,
            language_code=language_code,
            first_name=first_name,
            username=username,
        )

    def user_sends_voice(
        self, *, user_id: int, language_code: str | None = "en", first_name: str = "Test"
    ) -> dict:
        """Queue a voice note (an .ogg the bot can get back by its file id)."""
        stored = self._new_file("voice", ".ogg", b"OggS stand-in voice")
        content: JSONDict = {
            "voice": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "duration": 3,
                "mime_type": "audio/ogg",
                "file_size": len(stored.content),
            }
        }
        return self._user_message(
            user_id,
            content,
            chat_id=None,
            chat_type=None,
            language_code=language_code,
            first_name=first_name,
            username=None,
        )

    def user_sends_sticker(
        self,
        *,
        user_id: int,
        emoji: str = "\N{SLIGHTLY SMILING FACE}",
        language_code: str | None = "en",
        first_name: str = "Test",
        username: str | None = None,
        chat_id: int | None = None,
        chat_type: str | None = None,
    ) -> dict:
        """Queue a (static, regular) sticker message update."""
        stored = self._new_file("stickers", ".webp", b"RIFF stand-in sticker")
        content: JSONDict = {
            "sticker": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
                "emoji": emoji,
                "file_size": len(stored.content),
            }
        }
        return self._user_message(
            user_id,
            content,
            chat_id=chat_id,
            chat_type=chat_type,
            language_code=language_code,
            first_name=first_name,
            username=username,
        )

    def user_sends_location(
        self,
        *,
        user_id: int,
        latitude: float,
        longitude: float,
        language_code: str | None = "en",
        first_name: str = "Test",
        username: str | None = None,
        chat_id: int | None = None,
        chat_type: str | None = None,
    ) -> dict:
        """Queue a location message update."""
        content: JSONDict = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._user_message(
            user_id,
            content,
            chat_id=chat_id,
            chat_type=chat_type,
            language_code=language_code,
            first_name=first_name,
            username=username,
        )

    def user_sends_document(
        self,
        *,
        user_id: int,
        file_name: str = "letter.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        content: bytes | None = None,
        language_code: str | None = "en",
        first_name: str = "Test",
        username: str | None = None,
        chat_id: int | None = None,
        chat_type: str | None = None,
    ) -> dict:
        """Queue a document message update (``content``: its bytes)."""
        data = content if content is not None else f"stand-in document {file_name}\n".encode()
        stored = self._new_file("documents", "", data, file_name=file_name)
        message: JSONDict = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": len(data),
            }
        }
        if caption is not None:
            message["caption"] = caption
        return self._user_message(
            user_id,
            message,
            chat_id=chat_id,
            chat_type=chat_type,
            language_code=language_code,
            first_name=first_name,
            username=username,
        )

    def user_presses(
        self,
        *,
        user_id: int,
        data: str,
        message_id: int | None = None,
        chat_id: int | None = None,
        language_code: str | None = "en",
        first_name: str = "Test",
        username: str | None = None,
    ) -> dict:
        """Queue a callback_query update for an inline button with ``data``.

        The query's ``message`` is the stored message ``message_id`` in ``chat_id`` (default:
        the user's private chat and the most recent message the bot sent there). Raises
        :class:`LookupError` if there is no such message.
        """
        chat_id = user_id if chat_id is None else chat_id
        if message_id is None:
            message_id = self._last_bot_message.get(chat_id)
            if message_id is None:
                raise LookupError(f"the bot has not sent any message to chat {chat_id}")
        message = self.message(chat_id, message_id)
        if message is None:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        query_id = str(next(self._ids))
        self._open_callbacks.add(query_id)
        update = {
            "callback_query": {
                "id": query_id,
                "from": self._user(user_id, first_name, username, language_code),
                "message": message,
                "chat_instance": str(chat_id * 7919 + 1),
                "data": data,
            }
        }
        return self._queue_update(update)

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        *,
        chat_id: int | None = None,
        times: int = 1,
        error_code: int = 429,
        description: str = "Too Many Requests: retry after 1",
        retry_after: int | None = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail.

        They answer ``{"ok": false, "error_code", "description", "parameters": {"retry_after"}}``
        with ``error_code`` as HTTP status (``parameters`` omitted if ``retry_after`` is None).
        E.g. 403 "Forbidden: bot was blocked by the user", 400 "Bad Request: chat not found".
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        error = _ApiError(error_code, description, retry_after)
        self._faults.append(_Fault(method.lower(), chat_id, times, error))

    def _take_fault(self, method: str, params: JSONDict) -> _ApiError | None:
        wanted = method.lower()
        for fault in self._faults:
            if fault.method == wanted and (
                fault.chat_id is None or params.get("chat_id") == fault.chat_id
            ):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault.error
        return None

    # ------------------------------------------------------------------ webhooks

    async def post_to_webhook(
        self,
        update: dict,
        *,
        secret_token: str | object | None = CONFIGURED_SECRET,
        url: str | None = None,
    ) -> int:
        """POST one update to the webhook right now (bypassing the queue); return HTTP status.

        ``secret_token`` defaults to the one given in setWebhook; pass None to send no secret
        header or a string to send that one. ``url`` defaults to :attr:`webhook_delivery_url`,
        then to the registered webhook URL; it must be a loopback address.
        """
        target = url or self.webhook_delivery_url or (self.webhook or {}).get("url")
        if not target:
            raise RuntimeError("no webhook URL: call setWebhook first or pass url=")
        if secret_token is CONFIGURED_SECRET:
            secret_token = (self.webhook or {}).get("secret_token")
        if "update_id" not in update:
            self._assign_update_id(update)
        response = await self._post_update(target, update, secret_token)
        return response.code

    async def _post_update(
        self, url: str, update: JSONDict, secret_token: object
    ) -> tornado.httpclient.HTTPResponse:
        if not _is_loopback_url(url):
            raise ValueError(f"the stand-in only posts to loopback addresses, not {url!r}")
        if self._http is None:
            raise RuntimeError("BotApiStandin has not been started")
        headers = {"Content-Type": "application/json"}
        if isinstance(secret_token, str):
            headers[SECRET_TOKEN_HEADER] = secret_token
        request = tornado.httpclient.HTTPRequest(
            url,
            method="POST",
            body=json.dumps(update, ensure_ascii=False).encode(),
            headers=headers,
            follow_redirects=False,
            request_timeout=30,
        )
        return await self._http.fetch(request, raise_error=False)

    def _webhook_active(self) -> bool:
        return bool(self.webhook and self.webhook.get("url"))

    def _enqueue_webhook(self, update: JSONDict) -> None:
        key = _chat_id_of(update)
        self._webhook_queues.setdefault(key, deque()).append(update)
        if key not in self._webhook_workers:
            self._webhook_workers[key] = asyncio.get_running_loop().create_task(
                self._webhook_worker(key), name=f"standin-webhook-{key}"
            )

    async def _webhook_worker(self, key: int | None) -> None:
        queue = self._webhook_queues[key]
        attempts = 0
        try:
            while queue and self._webhook_active() and not self._is_stopping:
                assert self.webhook is not None
                update = queue[0]
                target = self.webhook_delivery_url or self.webhook["url"]
                try:
                    response = await self._post_update(
                        target, update, self.webhook.get("secret_token")
                    )
                    error = None if 200 <= response.code < 300 else f"HTTP {response.code}"
                except Exception as exc:  # any failure is a failed delivery
                    error = f"{type(exc).__name__}: {exc}"
                if error is None:
                    queue.popleft()
                    attempts = 0
                    continue
                attempts += 1
                message = f"update {update.get('update_id')} to {target}: {error}"
                self.webhook_errors.append(message)
                self._webhook_last_error = (int(time.time()), error)
                if attempts >= _WEBHOOK_ATTEMPTS:
                    queue.popleft()
                    attempts = 0
                else:
                    await self._sleep(_WEBHOOK_RETRY_DELAY * attempts)
        finally:
            self._webhook_workers.pop(key, None)
            if queue and not self._webhook_active():
                # The webhook was removed meanwhile: the rest goes back to getUpdates.
                for update in queue:
                    self._insert_pending(update)
                queue.clear()
                self._updates_signal.notify()
            if not queue:
                self._webhook_queues.pop(key, None)

    # ------------------------------------------------------------------ dispatch

    async def _sleep(self, seconds: float) -> None:
        """Sleep that ends early when the stand-in stops."""
        if seconds > 0 and self._stopped is not None and not self._stopped.done():
            await asyncio.wait([self._stopped], timeout=seconds)

    async def _dispatch(
        self, token: str, method: str, params: JSONDict, client_gone: Callable[[], bool]
    ) -> tuple[int, bytes]:
        """Answer one request: returns (HTTP status, JSON body)."""
        if token != self.token:
            body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return 401, json.dumps(body).encode()
        canonical, implementation = self._handlers.get(method.lower(), (method, None))
        call = ApiCall(canonical, params, time.monotonic())
        self.calls.append(call)
        is_get_updates = canonical == "getUpdates"
        try:
            fault = self._take_fault(canonical, params)
            if fault is not None:
                raise fault
            if implementation is None:
                raise _ApiError(404, "Not Found: method not found")
            if is_get_updates:
                self._calls_signal.notify()
                result = await self._get_updates(params, client_gone)
            else:
                result = implementation(params)
            response: JSONDict = {"ok": True, "result": result}
            status = 200
        except _ApiError as error:
            response = error.payload()
            status = error.error_code
        call.response = response
        body = json.dumps(response, ensure_ascii=False).encode()
        self._calls_signal.notify()
        if not is_get_updates:
            await self._sleep(self.latency)
        return status, body

    # ------------------------------------------------------------------ updates

    def _assign_update_id(self, update: JSONDict) -> None:
        self._last_update_id += 1
        update["update_id"] = self._last_update_id

    def _queue_update(self, update: JSONDict) -> JSONDict:
        if "update_id" in update:
            self._last_update_id = max(self._last_update_id, int(update["update_id"]))
        else:
            self._assign_update_id(update)
        if self._webhook_active():
            self._enqueue_webhook(update)
        else:
            self._insert_pending(update)
            self._updates_signal.notify()
        return update

    def _insert_pending(self, update: JSONDict) -> None:
        bisect.insort(self._pending, update, key=lambda u: u["update_id"])

    def _pending_count(self) -> int:
        return len(self._pending) + sum(len(q) for q in self._webhook_queues.values())

    async def _get_updates(self, params: JSONDict, client_gone: Callable[[], bool]) -> list:
        """getUpdates: offset confirms, limit caps, timeout long-polls (interruptibly)."""
        if self._webhook_active():
            raise _ApiError(409, _CONFLICT_WEBHOOK)
        offset = params.get("offset")
        if isinstance(offset, int):
            if offset < 0:
                del self._pending[: max(0, len(self._pending) + offset)]
            else:
                cut = bisect.bisect_left(self._pending, offset, key=lambda u: u["update_id"])
                del self._pending[:cut]
        limit = params.get("limit", 100)
        limit = min(max(limit if isinstance(limit, int) else 100, 1), 100)
        timeout = params.get("timeout", 0)
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0

        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.notify()  # an older long poll is terminated by this one
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise _ApiError(409, _CONFLICT_POLLER)
            if self._webhook_active():
                return []
            if self._pending or self._is_stopping or client_gone():
                return self._pending[:limit]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            assert self._stopped is not None
            await asyncio.wait(
                [self._updates_signal.future(), self._stopped],
                timeout=remaining,
                return_when=asyncio.FIRST_COMPLETED,
            )

    # ------------------------------------------------------------------ chats, messages, files

    def _user(
        self, user_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def _chat(self, chat_id: int) -> JSONDict:
        chat = self._chats.get(chat_id)
        if chat is not None:
            return chat
        if chat_id > 0:
            return {"id": chat_id, "type": "private"}
        return {"id": chat_id, "type": "supergroup", "title": "Test group"}

    def _remember_chat(self, chat_id: int, chat_type: str | None, user: JSONDict) -> JSONDict:
        if chat_type is None:
            chat_type = "private" if chat_id > 0 else "supergroup"
        if chat_type == "private":
            chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
            if "username" in user:
                chat["username"] = user["username"]
        else:
            previous = self._chats.get(chat_id, {})
            chat = {"id": chat_id, "type": chat_type, "title": previous.get("title", "Test group")}
        self._chats[chat_id] = chat
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return message_id

    def _user_message(
        self,
        user_id: int,
        content: JSONDict,
        *,
        chat_id: int | None,
        chat_type: str | None,
        language_code: str | None,
        first_name: str,
        username: str | None,
    ) -> JSONDict:
        """Store a message from a user and queue it as an update."""
        chat_id = user_id if chat_id is None else chat_id
        if chat_id < 0:
            self._members.setdefault(chat_id, set()).add(user_id)
            for joined in content.get("new_chat_members", ()):
                self._members[chat_id].add(joined["id"])
        user = self._user(user_id, first_name, username, language_code)
        chat = self._remember_chat(chat_id, chat_type, user)
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        return self._queue_update({"message": message})

    def _new_file(
        self, folder: str, suffix: str, content: bytes, *, file_name: str | None = None
    ) -> _StoredFile:
        n = next(self._ids)
        name = file_name or f"file_{n}{suffix}"
        stored = _StoredFile(
            file_id=f"standin-{folder}-{n}",
            file_unique_id=f"u{n}",
            file_path=f"{folder}/{n}/{name}",
            content=content,
        )
        self._files[stored.file_id] = stored
        return stored

    @staticmethod
    def _photo_size(stored: _StoredFile, width: int, height: int) -> JSONDict:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
            "file_size": len(stored.content),
        }

    @staticmethod
    def _chat_id(params: JSONDict) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id == 0:
            raise _bad_request("chat not found")
        return chat_id

    def _stored_message(self, params: JSONDict, what: str) -> JSONDict:
        if "inline_message_id" in params:
            raise _bad_request("MESSAGE_ID_INVALID")
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise _bad_request(f"message to {what} not found")
        return message

    @staticmethod
    def _inline_markup(params: JSONDict) -> JSONDict | None:
        """The inline keyboard of a request (validated), or None for other/no markup."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        keyboard = markup.get("inline_keyboard")
        if keyboard is None:
            return None
        if not isinstance(keyboard, list) or not all(isinstance(r, list) for r in keyboard):
            raise _bad_request("can't parse inline keyboard markup: field inline_keyboard")
        for row in keyboard:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad_request("can't parse inline keyboard button: Text is empty")
                data = button.get("callback_data")
                if data is not None and not (
                    isinstance(data, str)
                    and 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise _bad_request("BUTTON_DATA_INVALID")
        return markup

    @staticmethod
    def _checked_text(params: JSONDict) -> str:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise _bad_request("message is too long")
        return text

    @staticmethod
    def _checked_caption(params: JSONDict, content: JSONDict) -> None:
        caption = params.get("caption")
        if caption is None:
            return
        if len(str(caption)) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        content["caption"] = str(caption)
        if isinstance(params.get("caption_entities"), list):
            content["caption_entities"] = params["caption_entities"]

    def _store_bot_message(self, chat_id: int, content: JSONDict, params: JSONDict) -> JSONDict:
        """Create, store and record a message the bot sends; returns it."""
        markup = self._inline_markup(params)
        reply_to = None
        reply = params.get("reply_parameters")
        reply_to_id = reply.get("message_id") if isinstance(reply, dict) else None
        reply_to_id = params.get("reply_to_message_id", reply_to_id)
        if reply_to_id is not None:
            reply_to = self._messages.get(chat_id, {}).get(reply_to_id)
            allow = params.get("allow_sending_without_reply") or (
                isinstance(reply, dict) and reply.get("allow_sending_without_reply")
            )
            if reply_to is None and not allow:
                raise _bad_request("message to be replied not found")
        message_id = self._next_message_id(chat_id)
        message: JSONDict = {
            "message_id": message_id,
            "from": {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Linli",
                "username": self.bot_username,
            },
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            message["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k != "reply_to_message"
            }
        if markup is not None:
            message["reply_markup"] = markup
        self._messages.setdefault(chat_id, {})[message_id] = message
        self._last_bot_message[chat_id] = message_id
        record = dict(message)
        if "reply_markup" in params:
            record["reply_markup"] = params["reply_markup"]
        self._sent.append(record)
        return message

    def _file_for(self, value: Any, folder: str, default_name: str) -> tuple[_StoredFile, Any]:
        """The stored file for an upload, a known file_id or a URL; plus the upload dict."""
        if isinstance(value, dict) and "content" in value:
            name = value.get("filename") or default_name
            return self._new_file(folder, "", value["content"], file_name=name), value
        if isinstance(value, str) and value in self._files:
            return self._files[value], None
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._new_file(folder, "", b"stand-in remote file", file_name=default_name), None
        if isinstance(value, str) and value:  # another bot's (or transport's) file id
            raise _bad_request("wrong remote file identifier specified")
        raise _bad_request(f"there is no {folder.rstrip('s')} in the request")

    def _replace_message(
        self, message: JSONDict, changes: JSONDict, drop: tuple[str, ...]
    ) -> JSONDict:
        """Store an edited copy (stored dicts are never mutated: callers may hold them)."""
        edited = {k: v for k, v in message.items() if k not in drop}
        edited.update(changes)
        edited["edit_date"] = int(time.time())
        self._messages[message["chat"]["id"]][message["message_id"]] = edited
        return edited

    # ------------------------------------------------------------------ Bot API methods

    def _api_getChatMemberCount(self, params: JSONDict) -> int:
        """The group's members known to the stand-in (who wrote there or joined), and the bot."""
        return len(self._members.get(self._chat_id(params), set())) + 1

    def _api_getChatMember(self, params: JSONDict) -> JSONDict:
        user_id = int(params["user_id"])
        present = user_id in self._members.get(self._chat_id(params), set())
        user = {"id": user_id, "is_bot": False, "first_name": "Member"}
        return {"status": "member" if present else "left", "user": user}

    def _api_getFile(self, params: JSONDict) -> JSONDict:
        """file_id → the File, whose ``file_path`` the ``/file/bot<token>/`` route serves."""
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _api_getMe(self, params: JSONDict) -> JSONDict:
        return self.bot_user

    def _api_getUpdates(self, params: JSONDict) -> list:  # pragma: no cover - see _dispatch
        raise AssertionError("getUpdates is dispatched asynchronously")

    def _api_setWebhook(self, params: JSONDict) -> bool:
        """url, secret_token, drop_pending_updates, certificate, max_connections, ..."""
        url = params.get("url") or ""
        if not isinstance(url, str):
            raise _bad_request("bad webhook: invalid URL")
        if not url:
            self._api_deleteWebhook(params)
            return True
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.match(str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        if not _is_loopback_url(self.webhook_delivery_url or url):
            raise _bad_request(
                "bad webhook: the test stand-in only delivers to loopback addresses; "
                "set BotApiStandin.webhook_delivery_url to the bot's local listener"
            )
        webhook = {k: v for k, v in params.items() if k != "certificate"}
        webhook["has_custom_certificate"] = "certificate" in params
        self.webhook = webhook
        self._webhook_last_error = None
        if params.get("drop_pending_updates"):
            self._drop_pending()
        pending, self._pending = self._pending, []
        for update in pending:
            self._enqueue_webhook(update)
        self._updates_signal.notify()
        return True

    def _api_deleteWebhook(self, params: JSONDict) -> bool:
        """drop_pending_updates."""
        self.webhook = None
        self._webhook_last_error = None
        if params.get("drop_pending_updates"):
            self._drop_pending()
        return True

    def _drop_pending(self) -> None:
        self._pending.clear()
        for queue in self._webhook_queues.values():
            queue.clear()

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str | None, str]:
        scope = params.get("scope")
        if isinstance(scope, str):  # sent form-encoded
            scope = json.loads(scope)
        scope_type = scope.get("type", "default") if isinstance(scope, dict) else "default"
        if scope_type == "chat":  # one chat's own menu: "chat:<chat_id>"
            scope_type = f"chat:{scope.get('chat_id')}"
        return params.get("language_code") or None, scope_type

    def _api_deleteMyCommands(self, params: JSONDict) -> bool:
        """scope, language_code: back to the menu of the wider scope."""
        self.commands.pop(self._commands_key(params), None)
        return True

    def _api_setMyCommands(self, params: JSONDict) -> bool:
        """commands, scope, language_code. An empty list deletes, like Telegram."""
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("can't parse commands JSON object")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.match(
                str(command.get("command", ""))
            ):
                raise _bad_request("BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command["command"], "description": description})
        key = self._commands_key(params)
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    def _api_sendMessage(self, params: JSONDict) -> JSONDict:
        """chat_id, text, entities, reply_markup, reply_parameters / reply_to_message_id."""
        chat_id = self._chat_id(params)
        content: JSONDict = {"text": self._checked_text(params)}
        if isinstance(params.get("entities"), list):
            content["entities"] = params["entities"]
        return self._store_bot_message(chat_id, content, params)

    def _api_editMessageText(self, params: JSONDict) -> JSONDict:
        """chat_id, message_id, text, entities, reply_markup (inline_message_id unsupported)."""
        message = self._stored_message(params, "edit")
        text = self._checked_text(params)
        markup = self._inline_markup(params)
        if message["from"]["id"] != self.bot_id:
            raise _bad_request("message can't be edited")
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        entities = params.get("entities") if isinstance(params.get("entities"), list) else None
        if (
            text == message["text"]
            and entities == message.get("entities")
            and markup == message.get("reply_markup")
        ):
            raise _bad_request(_NOT_MODIFIED)
        changes: JSONDict = {"text": text}
        if entities is not None:
            changes["entities"] = entities
        if markup is not None:
            changes["reply_markup"] = markup
        return self._replace_message(message, changes, drop=("entities", "reply_markup"))

    def _api_deleteMessage(self, params: JSONDict) -> bool:
        """chat_id, message_id: the message is gone from the chat (a bot deletes its own)."""
        message = self._stored_message(params, "delete")
        if message["from"]["id"] != self.bot_id:
            raise _bad_request("message can't be deleted")
        del self._messages[message["chat"]["id"]][message["message_id"]]
        return True

    def _api_setMessageReaction(self, params: JSONDict) -> bool:
        """chat_id, message_id, reaction (a list of ReactionTypeEmoji; empty removes them)."""
        message = self._stored_message(params, "react to")
        raw = params.get("reaction") or []
        if not isinstance(raw, list):
            raise _bad_request("REACTION_INVALID")
        emoji = []
        for item in raw:
            if not isinstance(item, dict) or item.get("type") != "emoji":
                raise _bad_request("REACTION_INVALID")
            if item.get("emoji") not in REACTION_EMOJI:
                raise _bad_request("REACTION_INVALID")
            emoji.append(item["emoji"])
        self._reactions[(message["chat"]["id"], message["message_id"])] = emoji
        return True

    def _api_answerCallbackQuery(self, params: JSONDict) -> bool:
        """callback_query_id (each query can be answered once), text, show_alert, url."""
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_callbacks:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._open_callbacks.discard(query_id)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        return True

    def _api_sendDocument(self, params: JSONDict) -> JSONDict:
        """chat_id, document (upload, file_id or URL), caption, reply_markup."""
        chat_id = self._chat_id(params)
        stored, upload = self._file_for(params.get("document"), "documents", "document")
        document: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.file_path.rsplit("/", 1)[-1],
            "file_size": len(stored.content),
        }
        if upload is not None and upload.get("content_type"):
            document["mime_type"] = upload["content_type"]
        content: JSONDict = {"document": document}
        self._checked_caption(params, content)
        return self._store_bot_message(chat_id, content, params)

    def _api_sendVoice(self, params: JSONDict) -> JSONDict:
        """chat_id, voice (upload or file_id), caption, reply_markup."""
        chat_id = self._chat_id(params)
        stored, _ = self._file_for(params.get("voice"), "voice", "voice.ogg")
        voice: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": 3,
            "mime_type": "audio/ogg",
            "file_size": len(stored.content),
        }
        content: JSONDict = {"voice": voice}
        self._checked_caption(params, content)
        return self._store_bot_message(chat_id, content, params)

    def _api_sendPhoto(self, params: JSONDict) -> JSONDict:
        """chat_id, photo (upload, file_id or URL), caption, reply_markup."""
        chat_id = self._chat_id(params)
        stored, _ = self._file_for(params.get("photo"), "photos", "photo.jpg")
        thumb = self._new_file("photos", ".jpg", stored.content[:64])
        content: JSONDict = {
            "photo": [self._photo_size(thumb, 90, 90), self._photo_size(stored, 800, 800)]
        }
        self._checked_caption(params, content)
        return self._store_bot_message(chat_id, content, params)
