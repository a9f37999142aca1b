"""Real, deterministic PDF documents for the mock's attachments: the same text always gives the same bytes, so the
checksum in DA4 is stable across restarts and resets."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from fpdf import FPDF

_FIXED_CREATION = datetime(2026, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=512)
def render(title: str, body: str, footer: str = "Syntetisk testdokument - mock af LetAsyl") -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(_FIXED_CREATION)
    pdf.set_title(title)
    pdf.set_author("LetAsyl (mock)")
    pdf.set_creator("dfdg-broker mock upstream")
    pdf.set_producer("dfdg-broker")
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.multi_cell(0, 10, _latin1(title))
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, _latin1(body))
    pdf.ln(8)
    pdf.set_font("Helvetica", style="I", size=8)
    pdf.multi_cell(0, 5, _latin1(footer))
    return bytes(pdf.output())


def _latin1(text: str) -> str:
    """The core PDF fonts speak Latin-1 (æ, ø, å are in it); anything else becomes '?'."""
    return text.encode("latin-1", errors="replace").decode("latin-1")
