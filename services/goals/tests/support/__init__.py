"""Plain helpers several test modules share: the organisation the callers sit in, and per area the
request bodies and the requests a test makes on the way to what it shows. The callers themselves
are fixtures, in conftest.py."""
