"""The pack's log line: logfmt, one line per record whatever the message holds."""

from __future__ import annotations

import logging
import re
import sys

from runtime.logfmt import LogfmtFormatter


def _record(msg: str, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("exporter", logging.WARNING, __file__, 1, msg, (), exc_info)


def test_line_has_time_level_caller_and_quoted_message():
    line = LogfmtFormatter().format(_record('probe "db" failed\nsecond line'))
    assert re.fullmatch(
        r"ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=warning caller=exporter "
        r'msg="probe \\"db\\" failed\\nsecond line"',
        line,
    )


def test_exception_stays_on_the_same_line():
    try:
        raise ValueError('bad "value"')
    except ValueError:
        line = LogfmtFormatter().format(_record("oops", sys.exc_info()))
    assert "\n" not in line
    assert 'err="Traceback' in line
    assert 'ValueError: bad \\"value\\""' in line
