"""Every table, in one place: importing this module imports each service's models, so
``metadata`` holds every table. Alembic (``db/migrations/env.py``), the tests and the benchmarks
read the schema from here.

The shared core's tables are in ``db/models.py`` (people and roles, blocks, the audit log),
``db/awaiting.py`` and ``db/holidays.py``; each service keeps its own in ``db/<service>/models.py``.
A service's models import the core's (``User``), never the other way round."""

from __future__ import annotations

from db import awaiting, holidays, models
from db.base import Base
from db.disputes import models as disputes
from db.events import models as events
from db.notices import models as notices
from db.requests import models as requests
from db.rooms import models as rooms
from db.volunteering import models as volunteering

#: The modules whose classes are mapped on ``Base``.
MODEL_MODULES = (
    models,
    awaiting,
    holidays,
    events,
    requests,
    disputes,
    notices,
    rooms,
    volunteering,
)

metadata = Base.metadata
