"""The webhook Telegram posts updates to: the secret checked and the size capped on the headers,
before a byte of the body is read.

python-telegram-bot's own webhook server (``Updater.start_webhook``) reads the whole body first
(tornado's default cap is 100 MB) and checks the secret afterwards, so a stranger's 60 MB post
costs us 60 MB of reading before the 403. Here the handler streams its body
(``stream_request_body``): ``prepare`` runs when the headers are in, refuses a missing or wrong
``X-Telegram-Bot-Api-Secret-Token`` (403) and a body over :data:`MAX_BODY` (413) at once, and the
connection is closed without reading the rest. A good update goes onto the application's
``update_queue``, as python-telegram-bot's server does; this is its "custom webhook" way.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable

import tornado.web
from telegram import Bot, Update
from tornado.httpserver import HTTPServer

from bot.telegram.http import trim_update

log = logging.getLogger(__name__)

#: Telegram's updates are a few KB; a message with a long text and entities stays well below this.
MAX_BODY = 1 << 20
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@tornado.web.stream_request_body
class _UpdateHandler(tornado.web.RequestHandler):
    """One POST with one JSON update."""

    def initialize(
        self, bot: Bot, queue: asyncio.Queue, secret: str, ready: Callable[[], bool]
    ) -> None:
        self.bot = bot
        self.queue = queue
        self.secret = secret
        self.ready = ready
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self) -> None:
        if self.request.method != "POST":
            raise tornado.web.HTTPError(405)
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(403)
        declared = self.request.headers.get("Content-Length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            raise tornado.web.HTTPError(413)
        if not self.ready():
            # Not able to handle it now (the database is away): Telegram sends it again later.
            raise tornado.web.HTTPError(503)
        self.request.connection.set_max_body_size(MAX_BODY)

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > MAX_BODY:  # a chunked body without a Content-Length
            raise tornado.web.HTTPError(413)
        self.chunks.append(chunk)

    async def post(self) -> None:
        try:
            data = json.loads(b"".join(self.chunks))
            update = Update.de_json(trim_update(data), self.bot)
        except (ValueError, TypeError, KeyError):
            log.warning("The webhook received a body that is not a Telegram update")
            raise tornado.web.HTTPError(400) from None
        if update is None:
            raise tornado.web.HTTPError(400)
        await self.queue.put(update)
        self.set_status(200)

    def log_exception(self, typ, value, tb) -> None:  # type: ignore[no-untyped-def]
        """Refusals are the webhook doing its job: no traceback, no log line per stranger."""
        if isinstance(value, tornado.web.HTTPError):
            return
        super().log_exception(typ, value, tb)


class WebhookServer:
    """The listening socket: ``start`` on (listen, port), ``stop`` to close it."""

    def __init__(
        self,
        *,
        bot: Bot,
        queue: asyncio.Queue,
        secret: str,
        path: str = "/telegram",
        ready: Callable[[], bool] = lambda: True,
    ) -> None:
        handler_args = {"bot": bot, "queue": queue, "secret": secret, "ready": ready}
        app = tornado.web.Application(
            [(path, _UpdateHandler, handler_args)], log_function=lambda handler: None
        )
        # The server's own cap too: a body over it is refused by tornado before any handler.
        self._server = HTTPServer(app, max_body_size=MAX_BODY, idle_connection_timeout=60)

    def start(self, listen: str, port: int) -> None:
        self._server.listen(port, address=listen)

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()
