"""HTML -> PDF with xhtml2pdf: no browser, tens of MB instead of the old Chromium's GiBs.

xhtml2pdf reads local files only where its resource policy allows: without the font folder
in `extra_roots` it silently replaces the Korean font with Helvetica (boxes, and still err == 0).
So the folder is allowed explicitly, nothing remote is, and `font_embedded()` lets the caller
(and the tests) check the TrueType font really is in the file.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from reporter.render import FONT_DIR, TEMPLATES

log = logging.getLogger("reporter")


class PdfError(RuntimeError):
    pass


def html_to_pdf(html: str, font_dir: Path = FONT_DIR, max_render_seconds: float = 300) -> bytes:
    if not (font_dir / "NanumGothic.ttf").is_file():
        raise PdfError(
            f"{font_dir}/NanumGothic.ttf is missing: install Debian's fonts-nanum "
            "(Korean text would print as empty boxes)"
        )
    policy = ResourceAccessPolicy.server(
        TEMPLATES,
        extra_roots=(font_dir,),
        allow_remote=False,
        max_render_seconds=max_render_seconds,
    )
    out = io.BytesIO()
    # capacity=-1: build in memory; over its default 100 KB xhtml2pdf spills to a temporary
    # file that it never closes (a ResourceWarning per report).
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=policy, capacity=-1)
    if status.err:
        raise PdfError(f"xhtml2pdf reported {status.err} error(s)")
    pdf = out.getvalue()
    if not font_embedded(pdf):
        raise PdfError("the Korean font was not embedded (resource policy or font file)")
    return pdf


def font_embedded(pdf: bytes) -> bool:
    """A TrueType font program is in the file (Helvetica fallbacks have none)."""
    return b"/FontFile2" in pdf
