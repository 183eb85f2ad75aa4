"""A table of the report as cells: the PDF prints `text`, the CSV writes `csv`.

Units live in the column titles ("CPU avg (cores)"), so a cell is a bare number. The PDF groups
digits ("2,140,504") and prints "-" for no data; the CSV holds data: plain numbers, empty for none,
times in ISO 8601 with their offset. Each cell may carry a level (warning, critical) from the
alerts' thresholds for the PDF's colours; the CSV ignores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reporter.format import count, num, plain, short_time
from reporter.model import AlertThreshold


@dataclass(frozen=True)
class Cell:
    text: str  # as the PDF prints it: "2,140,504", "-"
    level: str = ""  # "", warning, critical
    numeric: bool = True
    data: str | None = None  # as the CSV holds it ("2140504", "" for none); None: the text

    @property
    def csv(self) -> str:
        return self.text if self.data is None else self.data


@dataclass(frozen=True)
class Table:
    key: str  # also the CSV file's suffix
    section: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    @property
    def widths(self) -> tuple[float, ...]:
        """Column widths in percent, from the longest text of each column: xhtml2pdf splits
        the width evenly otherwise, and a long namespace runs into the next column."""
        weights = []
        for i, title in enumerate(self.columns):
            longest = max((_width(r[i].text) for r in self.rows), default=0)
            weights.append(min(max(longest, _width(title) * 0.6, 5.0), 60.0))
        total = sum(weights) or 1.0
        return tuple(round(100 * w / total, 1) for w in weights)

    @property
    def numeric_columns(self) -> tuple[bool, ...]:
        if not self.rows:
            return tuple(False for _ in self.columns)
        return tuple(all(r[i].numeric for r in self.rows) for i in range(len(self.columns)))


def _width(text: str) -> float:
    """Rough printed width: Hangul is about twice as wide as Latin letters."""
    return sum(1.8 if ord(ch) > 0x2E80 else 1.0 for ch in text)


def text(value: str) -> Cell:
    return Cell(value, numeric=False)


def number(value: float | None, digits: int = 1, level: str = "") -> Cell:
    """A number: grouped for the PDF, plain for the CSV (no separators, a dot, no unit)."""
    return Cell(num(value, digits), level, data=plain(value, digits))


def percent(ratio: float | None, digits: int = 1, level: str = "") -> Cell:
    return number(ratio * 100 if ratio is not None else None, digits, level)


def integer(value: float | None, level: str = "") -> Cell:
    return Cell(count(value), level, data=plain(value, 0))


def moment(value: datetime | None, lang: str) -> Cell:
    """A time: short in the PDF, ISO 8601 with its offset in the CSV."""
    if value is None:
        return Cell("-", numeric=False, data="")
    return Cell(short_time(value, lang), numeric=False, data=value.isoformat())


def level(th: AlertThreshold | None, value: float | None) -> str:
    """The cell's colour: the alert's own judgement of the value ("" when it would not fire)."""
    judged = th.level(value) if th is not None else "ok"
    return "" if judged == "ok" else judged
