"""Help requests' storage: ``models`` (the tables), ``operations`` (create, claim, release,
resolve, escalate: what must hold when two act at once), ``residents`` (what only the resident
does with their request) and ``volunteers`` (profiles, the queue, who is alerted)."""
