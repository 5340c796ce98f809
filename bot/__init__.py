"""Configuration, the dispatcher, the transports (Telegram, console), the outbox worker, the
scheduler and the command line."""
