"""structlog for the app and the stdlib loggers alike: JSON in production, console in development."""

import logging
import sys

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from styrkedjan_common.context import request_id_var
from styrkedjan_common.settings import LogFormat
from styrkedjan_common.tracing import add_trace_ids


def _add_request_id(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    request_id = request_id_var.get()
    if request_id and "request_id" not in event:
        event["request_id"] = request_id
    return event


def _add_app(app: str) -> Processor:
    def add(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
        return event if "app" in event else {**event, "app": app}

    return add


def configure_logging(level: str = "INFO", fmt: LogFormat = LogFormat.JSON, app: str | None = None) -> None:
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_request_id,
        add_trace_ids,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if app:
        shared.insert(0, _add_app(app))
    renderer = structlog.processors.JSONRenderer() if fmt == LogFormat.JSON else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        # Records of stdlib loggers (uvicorn, SQLAlchemy) carry their exception as exc_info: render
        # its traceback into the line, as for our own events, or the JSON line would lose it.
        foreign_pre_chain=[*shared, structlog.processors.format_exc_info],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log would duplicate ours.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
