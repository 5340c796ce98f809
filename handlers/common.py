"""What every service's handlers share: naming a person by first name. (Ids in payloads and
deep links are read by ``handlers.payloads.parse_id``.)"""

from __future__ import annotations

from db.models import User
from handlers.i18n import NO_NAME


def first_name(user: User | None, missing: str = NO_NAME) -> str:
    """The first word of the name the transport reports (all that others learn of a person),
    or ``missing`` when there is none: by default a mark that becomes "a volunteer" in the
    reader's language (``handlers.i18n.neutral_names``). An account name (a Matrix id) is
    never a name."""
    name = (user.display_name if user else "").strip()
    if not name or (name.startswith("@") and ":" in name):
        return missing
    return name.split()[0]
