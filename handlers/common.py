"""What every service's handlers share: naming a person by first name. (Ids in payloads and
deep links are read by ``handlers.payloads.parse_id``.)"""

from __future__ import annotations

from db.models import User


def first_name(user: User | None, missing: str = "—") -> str:
    """The first word of the name the transport reports (all that others learn of a person),
    or ``missing`` when there is none."""
    name = (user.display_name if user else "").strip()
    return name.split()[0] if name else missing
