"""Rendering of certificates and labels as PDF (reportlab) and PNG (PDFium), pure and synchronous.

Nothing here does I/O beyond reading the font once; callers in async code run these functions
in a worker thread (``anyio.to_thread.run_sync``) so the event loop never waits on reportlab.
"""

from .certificate import render_certificate_pdf
from .documents import CertificateContent, ContentError, LabelContent, StarLabelContent
from .fonts import FontUnavailable, register_fonts
from .labels import pdf_to_png, render_label_pdf, render_star_label_pdf

__all__ = [
    "CertificateContent",
    "ContentError",
    "FontUnavailable",
    "LabelContent",
    "StarLabelContent",
    "pdf_to_png",
    "register_fonts",
    "render_certificate_pdf",
    "render_label_pdf",
    "render_star_label_pdf",
]
