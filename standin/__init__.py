"""Stand-ins for the services Linli talks to, shared by the tests and the benchmarks: a Bot API
server (``botapi``), a real Synapse homeserver installed on first use (``synapse``), and the
application served on the Bot API stand-in as ``linli run`` serves it (``serving``). Neither
``tests/`` nor ``bench/`` owns them, so ``bench/`` never imports ``tests/``."""
