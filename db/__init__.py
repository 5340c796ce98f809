"""Storage: typed models, the engine and session setup, migrations, and the domain operations
that must hold under concurrency. Nothing here knows a transport."""
