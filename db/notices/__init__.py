"""Community notices' storage: ``models`` (the tables), ``operations`` (audience, queuing,
progress, corrections), ``states`` (each change of a notice's state) and ``subscriptions``
(buildings, topics, consent)."""
