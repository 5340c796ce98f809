"""Dispute reports' storage: ``models`` (the tables), ``operations`` (filing, linking, state
changes, take-over), ``parties`` (questions, the other side, meetings), ``clocks`` (escalation
and follow-up), ``blank`` (a reporter's words blanked at erasure) and ``retention`` (how long
closed requests and cases keep what people wrote)."""
