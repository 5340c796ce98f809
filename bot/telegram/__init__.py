"""The Telegram transport, on python-telegram-bot."""
