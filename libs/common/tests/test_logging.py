import io
import json
import logging

import pytest
import structlog

from styrkedjan_common.logging import configure_logging
from styrkedjan_common.settings import LogFormat


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture
def json_logging():
    """The app's JSON logging, its lines written to a buffer the test reads."""
    configure_logging("INFO", LogFormat.JSON, app="test")
    [handler] = logging.getLogger().handlers
    lines = io.StringIO()
    handler.setStream(lines)
    yield lines
    structlog.reset_defaults()


def test_an_exception_logged_by_a_stdlib_logger_keeps_its_traceback_in_the_json_line(json_logging):
    try:
        raise KeyError("missing")
    except KeyError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    [line] = _json_lines(json_logging.getvalue())
    assert line["event"] == "Exception in ASGI application"
    assert line["logger"] == "uvicorn.error"
    assert line["app"] == "test"
    assert "Traceback (most recent call last)" in line["exception"]
    assert "KeyError: 'missing'" in line["exception"]


def test_an_exception_logged_through_structlog_keeps_its_traceback_too(json_logging):
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        structlog.get_logger("styrkedjan").exception("unexpected")
    [line] = _json_lines(json_logging.getvalue())
    assert "ZeroDivisionError: division by zero" in line["exception"]
