"""Community notices: residents choose topics and a building (``subscribe``),
announcers write a notice (``compose``) and follow it (``progress``, ``manage``), the sweep sends
it through the outbox at the platform's rate (``send``), admins keep the buildings."""

from __future__ import annotations

from handlers.notices import buildings, compose, manage, progress, send, subscribe
from handlers.notices.common import router

__all__ = ["buildings", "compose", "manage", "progress", "router", "send", "subscribe"]
