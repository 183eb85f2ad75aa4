"""logfmt log lines, the format of Prometheus, Alertmanager and their exporters, so the cluster's
one log pipeline (and the receiver's own Loki queries) read every component of the pack alike.

    ts=2026-11-26T09:13:18.122Z level=info caller=exporter msg="listening on 0.0.0.0:9877"
"""

from __future__ import annotations

import logging
import sys
import time


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class LogfmtFormatter(logging.Formatter):
    def converter(self, secs: float | None = None) -> time.struct_time:
        return time.gmtime(secs)  # timestamps in UTC ("Z")

    def format(self, record: logging.LogRecord) -> str:
        line = (
            f"ts={self.formatTime(record, '%Y-%m-%dT%H:%M:%S')}.{int(record.msecs):03d}Z "
            f"level={record.levelname.lower()} caller={record.name} "
            f'msg="{_quote(record.getMessage())}"'
        )
        if record.exc_info:
            line += f' err="{_quote(self.formatException(record.exc_info))}"'
        return line


def setup_logging(level: str) -> None:
    """Every record to stderr as logfmt, at `level` (debug, info, warning, error)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
