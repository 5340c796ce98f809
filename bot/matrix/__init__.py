"""The Matrix transport (matrix-nio): ``convert`` (event → Inbound), ``render`` (Reply →
content), ``client`` (login, sync, replies, and the outbox's deliverer)."""
