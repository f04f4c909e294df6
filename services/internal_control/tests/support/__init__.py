"""Plain helpers several test modules share: the organisation the callers sit in, the service's
paths and audit log, rows written straight to the database, and per area the request bodies and
the requests a test makes on the way to what it shows. The callers that need no argument are
fixtures, in conftest.py."""
