"""Events' storage: ``models`` (the tables), ``operations`` (signups and offers, what must hold
when many press at once), ``manage`` (the organiser's changes), ``reads`` (places, the line,
lists), ``messages`` (outbox templates, reminders) and ``undo`` (a declined offer held a minute)."""
