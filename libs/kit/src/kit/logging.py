"""JSON logs with the request id; phones masked and secrets dropped before anything is written."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog

from kit.phones import mask_in_text

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# The process's service name, set once by configure_logging. Not a context variable: a context bound in
# the start-up task (the ASGI lifespan) does not reach the request tasks, whose lines lacked `service`.
_service: str | None = None

_SECRET_KEYS = {
    "password",
    "new_password",
    "current_password",
    "sms_code",
    "code",
    "token",
    "access_token",
    "refresh_token",
    "authorization",
    "secret",
    "phone_sealed",
}


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_in_text(value)
    if isinstance(value, dict):
        return {k: ("***" if str(k).lower() in _SECRET_KEYS else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def _scrub_processor(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return _scrub(event_dict)


def _add_request_id(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    rid = request_id_var.get()
    if rid and "request_id" not in event_dict:
        event_dict["request_id"] = rid
    return event_dict


def _add_service(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    if _service is not None:
        event_dict.setdefault("service", _service)
    return event_dict


def configure_logging(service: str, level: str = "INFO") -> None:
    global _service
    _service = service
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _add_service,
        _add_request_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        _scrub_processor,
        structlog.processors.JSONRenderer(ensure_ascii=False),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    # Library loggers (uvicorn, aio-pika) go through the same scrubbing JSON renderer.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=structlog.processors.JSONRenderer(ensure_ascii=False),
            foreign_pre_chain=[
                _add_service,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                _add_request_id,
                _scrub_processor,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "aiormq", "aio_pika"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
