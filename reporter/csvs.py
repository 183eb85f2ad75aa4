"""CSV files of the report's tables, as the old service exported them.

UTF-8 with a byte-order mark, which is what makes Excel open Korean text as Korean rather than
mojibake; CRLF line ends (the csv module's default, what Excel writes). The cells are the PDF
table's cells (`reporter.tables`), every row, so the two never disagree, written as data: plain
numbers (no thousands separators, a dot as decimal mark, the unit in the header only), empty
where the PDF prints "-", times in ISO 8601 with their offset.
"""

from __future__ import annotations

import csv
from pathlib import Path

from reporter.tables import Table


def csv_name(stem: str, table: Table) -> str:
    return f"{stem}-{table.key.replace('_', '-')}.csv"


def write_csv(path: Path, table: Table) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(table.columns)
        writer.writerows([cell.csv for cell in row] for row in table.rows)
    return path


def write_csvs(out_dir: Path, stem: str, tables: list[Table]) -> list[Path]:
    """One file per table, `<stem>-<table>.csv`; returns their paths in report order."""
    return [write_csv(out_dir / csv_name(stem, tb), tb) for tb in tables]
