"""Community notices' storage: ``models`` (the tables), ``operations`` (audience, queuing,
progress, corrections), ``states`` (each change of a notice's state), ``subscriptions``
(buildings, topics, consent) and ``messages`` (what every reader's copy carries)."""
