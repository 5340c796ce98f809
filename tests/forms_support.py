"""A small form for the date and number fields (start, end, places) behind ``/plan``, and
the answers it was submitted with, for the form engine's tests."""

from __future__ import annotations

import pytest

from bot.dispatcher import Dispatcher
from handlers import build_registry
from handlers.forms import engine
from handlers.forms.engine import Form
from handlers.forms.fields import NumberOrUnlimitedField
from handlers.forms.time_fields import DateTimeField, EndField
from handlers.i18n import N_
from handlers.router import Registry, Router

#: What the forms under test were submitted with, oldest first (emptied by the fixtures).
SUBMITTED: list[dict] = []

PLAN = Form(
    name="test.plan",
    title=N_("New event"),
    fields=(
        DateTimeField(name="start", prompt=N_("Start"), label=N_("Start")),
        EndField(name="end", start_field="start", prompt=N_("End"), label=N_("End")),
        NumberOrUnlimitedField(
            name="places", prompt=N_("Places"), label=N_("Places"), minimum=1, maximum=50
        ),
    ),
    on_submit=lambda ctx, data: SUBMITTED.append(data),
)


@pytest.fixture
def plan_dispatcher(session_factory, community, clock) -> Dispatcher:
    """The dispatcher with ``/plan`` opening ``PLAN`` (made known to every test file by
    tests/conftest.py)."""
    SUBMITTED.clear()
    router = Router("test-plan")
    router.form(PLAN)

    @router.command("plan")
    def open_form(ctx, args):
        engine.start(ctx, PLAN)

    registry = Registry([*build_registry().routers, router])
    return Dispatcher(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
