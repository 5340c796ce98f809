"""Conversation flows, transport-neutral: they read a ``Ctx`` and add ``Reply`` objects.

One router per flow module, assembled here in one explicit list.
"""

from __future__ import annotations

from handlers.router import Registry


def build_registry() -> Registry:
    """Every flow module's router, in the order the help lists their commands."""
    from handlers import (
        answers,
        blocks,
        disputes,
        events,
        held,
        holidays,
        language,
        notices,
        privacy,
        requests,
        roles,
        rooms,
        start,
        stats,
        teams,
        volunteering,
    )
    from handlers.intents import route as intents

    return Registry(
        [
            start.router,
            events.router,
            requests.router,
            disputes.router,
            notices.router,
            rooms.router,
            holidays.router,
            volunteering.router,
            language.router,
            privacy.router,
            roles.router,
            teams.router,
            blocks.router,
            stats.router,
            answers.router,
            intents.router,
            held.router,
        ]
    )
