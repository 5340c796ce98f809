"""Rooms' storage: ``models`` (the tables), ``operations`` (booking, cancelling, closing: what
must hold under concurrency), ``rules`` (rooms, opening hours, the slot grid, closures),
``series`` (recurring dates, approval), ``events`` (an event held in a room), ``clock`` (check-in,
no-shows, the pause), ``privacy`` (``/mydata``, ``/deleteme``, retention) and ``messages``
(the messages' parameters)."""
