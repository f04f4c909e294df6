"""Plain helpers several test modules share, one module per area: the organisation its tests sit in,
its API paths and request bodies, and the requests and seeded rows a test makes on the way to what it
shows. The fixtures several modules use (the callers) are in conftest.py."""
