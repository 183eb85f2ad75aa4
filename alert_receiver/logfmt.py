"""The receiver's logging: the pack's logfmt (runtime.logfmt), for its code and gunicorn's."""

from __future__ import annotations

import logging

from runtime import logfmt


def setup_logging(level: str) -> None:
    logfmt.setup_logging(level)
    # slack_sdk logs every failed request at error level; our own line says what happens next.
    logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)


LOGCONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"logfmt": {"()": "runtime.logfmt.LogfmtFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "logfmt",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # One access line per webhook is noise at 3 a.m. and costs the ack; /metrics counts them.
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}
