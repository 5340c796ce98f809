"""Every button the bot shows, as a payload type (``handlers/payloads.py``), one module per
service: ``events``, ``requests``, ``disputes``, ``notices``, ``privacy``, ``language``,
``answers`` (the free-text router's "which conversation?") and the form engine's ``forms``.

A handler registers for one of these with ``@router.button(Type, role=…, private_only=…)`` and
receives the parsed payload; buttons are built as ``Button(label, Type(…).pack())``. The wire
action says what pressing does; ``aliases`` are the short names older releases put on buttons
people may still press (parsed to the same type, never packed). Field order is the old order.

This package imports nothing of the services, so anyone may build any button without a cycle.
"""
