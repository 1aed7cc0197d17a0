"""Logging: one line per event, JSON when the output is not a terminal, a request id on each line.

Every line a request causes (in gridflex, SQLAlchemy, uvicorn) carries the id of that
request (``request_id``), which the answer also carries in its ``X-Request-ID`` header:
a client's complaint leads straight to the server's lines. With tracing on
(``gridflex.tracing``), lines written in a span (a request, a job run) also carry its
``trace_id`` and ``span_id``, which join them to the trace. Settings: ``GRIDFLEX_LOG_LEVEL``
and ``GRIDFLEX_LOG_FORMAT`` (``auto``: JSON unless writing to a terminal; ``json``; ``text``).
"""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar
from typing import Any

import orjson

from gridflex import tracing

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
# Fields of a LogRecord that are not the caller's "extra".
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "request_id",
    "trace_id",
    "span_id",
}


class RequestIdFilter(logging.Filter):
    """Puts the request id, and the trace and span ids when tracing, on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        record.trace_id, record.span_id = tracing.current_ids()
        return True


class JsonFormatter(logging.Formatter):
    """A JSON object per line: time, level, logger, message, request id, trace and span ids,
    the caller's extra fields and, for errors, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "trace_id", "span_id"):
            value = getattr(record, name, None)
            if value:
                line[name] = value
        line |= {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{text} [{request_id}]" if request_id else text


def wants_json(log_format: str) -> bool:
    return log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())


def config(level: str = "INFO", log_format: str = "auto") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for gridflex, SQLAlchemy and uvicorn alike (uvicorn
    takes it as ``log_config``; its own access lines are replaced by ours, which carry
    the route, the status, the duration and the request id)."""
    formatter = (
        {"()": JsonFormatter}
        if wants_json(log_format)
        else {"()": TextFormatter, "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "line",
        "filters": ["request_id"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"line": formatter},
        "handlers": {"stderr": handler},
        "loggers": {
            "gridflex": {"level": level.upper()},
            "uvicorn": {"level": level.upper()},
            "uvicorn.access": {"level": "WARNING"},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }


def configure(level: str = "INFO", log_format: str = "auto") -> None:
    """Install the configuration in this process (the CLI and workers; ``serve`` passes
    ``config()`` to uvicorn, which installs it in each server process)."""
    import logging.config

    logging.config.dictConfig(config(level, log_format))
