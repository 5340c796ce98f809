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
        language,
        notices,
        privacy,
        requests,
        roles,
        start,
        stats,
        teams,
        volunteering,
    )

    return Registry(
        [
            start.router,
            events.router,
            requests.router,
            disputes.router,
            notices.router,
            volunteering.router,
            language.router,
            privacy.router,
            roles.router,
            teams.router,
            blocks.router,
            stats.router,
            answers.router,
        ]
    )
