"""Configuration, the dispatcher, the transports (Telegram, console), the outbox worker, the
scheduler and the command line."""

import sys

# httpx (python-telegram-bot's HTTP client, imported with it) loads its command line (click, rich
# and pygments: ~5 MiB in every process) whenever click is installed, as the test tools install
# it. The bot never runs that command line; a None entry makes httpx's ``from ._main import
# main`` fail as it does without click, and httpx then defines a stub.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
