"""Helpers shared by the certificate service's tests."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pypdfium2
import pytest


def rasterise(pdf: bytes, *, dpi: int = 150):
    """First page of a PDF as a Pillow image (PDFium, the same engine the service uses for PNG)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=dpi / 72).to_pil()
        page.close()
        return image
    finally:
        document.close()


def _decode_with_zxing(image) -> list[str]:
    import zxingcpp

    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def _decode_with_zbar(image) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        image.save(path)
        out = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
    return [line for line in out.stdout.splitlines() if line]


@pytest.fixture(scope="session")
def decode_qr():
    """Decode every QR code on an image: zxing-cpp (the package's dev group) or Debian's zbarimg.

    One of them must be present; a test that cannot decode fails rather than skips, because the
    QR code opening the verification page is the point of these documents.
    """
    try:
        import zxingcpp  # noqa: F401

        return _decode_with_zxing
    except ImportError:
        if shutil.which("zbarimg"):
            return _decode_with_zbar
    pytest.fail("no QR decoder: install zxing-cpp (uv sync --all-packages) or Debian zbar-tools")


@pytest.fixture
def preview_dir(tmp_path, request) -> Path:
    """Where rendered previews go: LP_PREVIEW_DIR to keep and look at them, else a temp dir."""
    import os

    target = os.environ.get("LP_PREVIEW_DIR")
    path = Path(target) if target else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def rasterise_pdf():
    return rasterise
