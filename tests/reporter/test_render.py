"""HTML and PDF from a sample report: figures, Korean in an embedded font, charts drawn as vector
graphics, missing sections, long tables split, CSVs equal to the tables; all i18n keys exist."""

from __future__ import annotations

import csv
import re
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from reporter import charts
from reporter.csvs import write_csvs
from reporter.i18n import EN, KO, STRINGS
from reporter.model import Narrative, Restarts
from reporter.pdf import font_embedded, html_to_pdf
from reporter.render import ROWS_PER_BLOCK, render_html
from reporter.tables import build_tables
from tests.helpers import require_binary
from tests.reporter.sample import sample_report, without

ROOT = Path(__file__).parents[2]


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [require_binary("pdftotext"), "-layout", str(path), "-"], capture_output=True, check=True
    )
    return out.stdout.decode()


@pytest.fixture(scope="module")
def korean_pdf():
    data = replace(sample_report(), narrative=Narrative("CPU가 안정적이었습니다.", "rules"))
    return html_to_pdf(render_html(data, "ko"))


def test_korean_pdf_holds_figures_in_an_embedded_font(korean_pdf, tmp_path):
    assert font_embedded(korean_pdf)
    assert b"NanumGothic" in korean_pdf
    text = pdftotext(korean_pdf, tmp_path)
    for words in (
        "주간 운영 리포트",
        "핵심 지표",
        "평균 CPU 사용률",
        "47.5%",
        "▲ 6.3%p",
        "78.3%",
        "99.603%",
        "▼ 0.397%p",
        "12,345",
        "412 ms",
        "CPU가 안정적이었습니다.",
        "규칙 기반 자동 요약입니다",
        "NotReady",
        "스케줄 중지)",
        "결제 실패: 잔액 부족",
        "페이지 3 / ",
    ):
        assert words in text, words


def test_charts_are_drawn(korean_pdf, tmp_path):
    """Page 3 holds the usage chart: its blue CPU line must be on the rendered page."""
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(korean_pdf)
    subprocess.run(
        [
            require_binary("pdftoppm"),
            "-png",
            "-r",
            "40",
            "-f",
            "3",
            "-l",
            "3",
            str(pdf),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    [png] = list(tmp_path.glob("p-*.png"))
    data = png.read_bytes()
    from zlib import decompress

    raw = b"".join(
        data[m.end() : m.end() + int.from_bytes(data[m.start() - 4 : m.start()], "big")]
        for m in re.finditer(b"IDAT", data)
    )
    pixels = decompress(raw)
    # the palette's blue (#2563eb) or close to it, anti-aliased
    assert re.search(rb"[\x20-\x30][\x58-\x6a][\xe0-\xf0]", pixels), "no CPU line on page 3"


def test_english_has_no_korean(tmp_path):
    text = pdftotext(html_to_pdf(render_html(sample_report(), "en")), tmp_path)
    assert "Weekly operations report" in text
    assert "vs. last week" in text
    assert not re.search("[가-힣]", text.replace("결제 실패: 잔액 부족", ""))


def test_missing_sources_are_said_in_their_sections(tmp_path):
    data = without(without(sample_report(), "loki", "HTTP 503"), "kubernetes", "HTTP 500")
    html = render_html(data, "ko")
    assert "데이터 없음: Loki에서 데이터를 가져오지 못했습니다 (HTTP 503)." in html
    assert "데이터 없음: Kubernetes API에서 데이터를 가져오지 못했습니다 (HTTP 500)." in html
    assert "일부 데이터를 가져오지 못했습니다: Kubernetes API, Loki" in html or (
        "일부 데이터를 가져오지 못했습니다: Loki, Kubernetes API" in html
    )
    assert "오류 로그 수" in html  # the key figure stays, as "-"


def test_long_tables_are_split_and_stay_fast(tmp_path):
    many = tuple(Restarts("shop", f"pod-{i:04d}", "app", 100 - i, 0) for i in range(300))
    data = replace(sample_report(), restarts=many)
    html = render_html(data, "ko")
    block = html[html.index("재시작한 컨테이너") : html.index("HTTP 오류와 응답 시간")]
    assert block.count("<thead>") == 2  # 50 rows shown, in blocks of 25
    assert ROWS_PER_BLOCK == 25
    assert "전체 300개 행은 CSV 파일에 있습니다" in block
    started = time.monotonic()
    html_to_pdf(html)
    assert time.monotonic() - started < 20
    [restarts] = [tb for tb in build_tables(data, "ko") if tb.key == "restarts"]
    assert len(restarts.rows) == 300  # the CSV keeps them all


def test_csvs_are_the_tables(tmp_path):
    data = sample_report()
    tables = build_tables(data, "ko")
    paths = write_csvs(tmp_path, "report", tables)
    assert [p.name for p in paths][:4] == [
        "report-thresholds.csv",
        "report-crossings.csv",
        "report-cluster.csv",
        "report-nodes.csv",
    ]
    for path, table in zip(paths, tables, strict=True):
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path
        assert b"\r\n" in raw
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == list(table.columns)
        assert rows[1:] == [[c.csv for c in row] for row in table.rows]
        for row in rows[1:]:  # data, not print: numbers a spreadsheet or a script can read
            for cell, numeric in zip(row, table.numeric_columns, strict=True):
                if numeric and cell:
                    float(cell)
                    assert "," not in cell, (path.name, cell)
    with (tmp_path / "report-pods-by-phase.csv").open(encoding="utf-8-sig") as f:
        assert next(csv.reader(f))[0] == "네임스페이스"


def test_every_string_has_both_languages_and_every_used_key_exists():
    assert set(KO) == set(EN) == set(STRINGS)
    assert all(ko.strip() and en.strip() for ko, en in STRINGS.values())
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "reporter").rglob("*.py")]
    sources += [p.read_text(encoding="utf-8") for p in (ROOT / "reporter" / "templates").iterdir()]
    used = set()
    for text in sources:
        used |= set(
            re.findall(r"""\bt(?:r)?\((?:lang, )?["']([a-z_]+\.[a-z_.]+|[a-z_]+)["']""", text)
        )
    assert used, "no key found: the pattern is wrong"
    assert used - set(STRINGS) == set()


def test_format_placeholders_match_between_languages():
    for key, (ko, en) in STRINGS.items():
        names = lambda s: set(re.findall(r"{(\w+)}", s))  # noqa: E731
        assert names(ko) <= names(en) | {"title"}, key


def test_svg_is_well_formed_and_splits_at_gaps():
    import xml.etree.ElementTree as ET
    from datetime import timedelta

    data = sample_report()
    s = data.usage_series[0]
    points = [p for i, p in enumerate(s.points) if not 100 <= i < 120]
    svg = charts.line_chart(
        [charts.Line(points, "#2563eb")],
        data.period.start,
        data.period.end,
        data.period.start.tzinfo,
        max_gap=timedelta(hours=1),
    )
    root = ET.fromstring(svg)  # noqa: S314 - our own SVG
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 2
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "10/27" in labels
    assert charts.nice_max(0.73) == 1
    assert charts.nice_max(173) == 200
