"""python-telegram-bot's request layer on aiohttp, in place of its default httpx client.

Per Bot API call, httpx and httpcore cost this process 2–3 ms of CPU when many calls are under
way (``python -m bench.botapi --client httpx --concurrency 300``): httpcore walks every
connection and every queued request of its pool each time a request starts or ends
(``is_socket_readable`` on each idle connection, through anyio), so a crowd's replies paid for
each other. aiohttp's pool hands a free connection over in constant time and parses the answer
in C: 0.35–0.66 ms per call in the same runs. aiohttp was installed already, for Matrix.

Parameters go as a JSON body, which the Bot API takes for every method but uploads: a form
percent-encodes every byte of a Chinese text in Python (0.5 ms for a welcome), JSON is encoded
in C, and the server reads a string value in JSON as it reads a form's field. Files go as
multipart, with the other parameters as its fields, as before. Otherwise as python-telegram-bot's
``HTTPXRequest``: a timeout raises ``TimedOut``, any other failure ``NetworkError``, and
``HTTP(S)_PROXY`` and ``NO_PROXY`` from the environment are honoured, as httpx honoured them
(read once per host: aiohttp's own ``trust_env`` reads the environment and ``~/.netrc`` again on
every request, ``~/.netrc`` in a thread).
"""

from __future__ import annotations

from contextvars import ContextVar

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

#: A proxy and the ``Proxy-Authorization`` headers its credentials make (aiohttp's
#: ``proxy_auth`` is deprecated).
Proxy = tuple[URL | None, dict[str, str] | None]

JSON = {"Content-Type": "application/json"}
#: The Bot API method of the call under way in this task (``parse_json_payload`` is told
#: only the answer).
_METHOD: ContextVar[str] = ContextVar("linli_bot_api_method", default="")
#: Methods whose answer is the message the bot just sent or edited.
SENDS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "sendPhoto",
        "sendDocument",
        "sendVoice",
    }
)
#: What is kept of a message the bot has just sent: its id (all the bot reads) and the two
#: fields python-telegram-bot's ``Message`` cannot be made without.
SENT_KEPT = ("message_id", "date", "chat")


def trim_update(update: object) -> object:
    """An incoming update without the keyboards of the messages it quotes (the message a
    pressed button is under, the message a reply answers): the bot shows those keyboards and
    never reads them back, and parsing them was most of the parsing of a button press (nine
    ``InlineKeyboardButton`` objects for the main menu's). Changed in place; returned."""
    if isinstance(update, dict):
        query = update.get("callback_query")
        quoted = query.get("message") if isinstance(query, dict) else None
        message = update.get("message")
        replied = message.get("reply_to_message") if isinstance(message, dict) else None
        for part in (quoted, replied):
            if isinstance(part, dict):
                part.pop("reply_markup", None)
    return update


def _body(request_data: RequestData | None) -> tuple[aiohttp.FormData | bytes | None, dict]:
    """The parameters as JSON (each value as python-telegram-bot encodes it for a form); with
    files, one multipart body of the fields and the files. And the headers it needs."""
    if request_data is None:
        return None, {}
    files = request_data.multipart_data
    if not files:
        return request_data.json_payload, JSON
    fields = request_data.json_parameters
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, {}


class AiohttpRequest(BaseRequest):
    """One aiohttp session and connection pool of ``connections`` for all of a bot's calls.

    The timeouts (seconds) are python-telegram-bot's defaults; a call may pass its own.
    ``pool_timeout`` is how long a call waits for a free connection before ``TimedOut``.
    """

    __slots__ = (
        "_connect",
        "_connections",
        "_media_write",
        "_pool",
        "_proxies",
        "_read",
        "_session",
        "_write",
    )

    def __init__(
        self,
        *,
        connections: int = 1,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._connections = connections
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, Proxy] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections, limit_per_host=0),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def parse_json_payload(self, payload: bytes) -> JSONDict:  # type: ignore[override]
        """As python-telegram-bot's, but of a message the bot sent only its id is kept (with
        the fields a ``Message`` needs): the bot reads nothing else, and turning its own text,
        keyboard and sender back into objects was most of the cost of sending a reply. The
        updates of ``getUpdates`` lose what ``trim_update`` leaves out."""
        parsed = BaseRequest.parse_json_payload(payload)
        result = parsed.get("result")
        method = _METHOD.get()
        if method in SENDS and isinstance(result, dict):
            parsed["result"] = {key: result[key] for key in SENT_KEPT if key in result}
        elif method == "getUpdates" and isinstance(result, list):
            for update in result:
                trim_update(update)
        return parsed

    def _proxy(self, url: str) -> Proxy:
        """The proxy the environment names for ``url``'s scheme and host, if any."""
        origin = url.split("/", 3)[:3]  # scheme, "", host[:port]
        key = "/".join(origin)
        if key not in self._proxies:
            try:
                proxy, auth = get_env_proxy_for_url(URL(key))
            except LookupError:  # none, or the host is in NO_PROXY
                proxy, auth = None, None
            headers = (
                {"Proxy-Authorization": aiohttp.encode_basic_auth(auth.login, auth.password)}
                if auth is not None
                else None
            )
            self._proxies[key] = (proxy, headers)
        return self._proxies[key]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        data, headers = _body(request_data)
        files = isinstance(data, aiohttp.FormData)
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write = self._media_write if files else self._write
        else:
            write = write_timeout
        steps = (pool, connect, write, read)
        timeout = aiohttp.ClientTimeout(
            # aiohttp has no write timeout: the whole call is bounded by the sum of the steps.
            total=None if None in steps else sum(steps),  # type: ignore[arg-type]
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        proxy, proxy_headers = self._proxy(url)
        _METHOD.set(url.rpartition("/")[2])
        try:
            async with session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_headers=proxy_headers,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's timeouts are TimeoutErrors too
            raise TimedOut from err
        except (aiohttp.ClientError, OSError) as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
