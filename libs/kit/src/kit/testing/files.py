"""Small valid files for upload tests: a PDF that passes the upload checks, images in any Pillow format."""

from __future__ import annotations

import io

from PIL import Image

Colour = tuple[int, ...] | str


def pdf_bytes(text: str = "evidence", *, pages: int = 1) -> bytes:
    """A valid A4 PDF without scripts, ``text`` written on each page (so text extraction finds it)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    for _ in range(pages):
        c.drawString(72, 720, text)
        c.showPage()
    c.save()
    return out.getvalue()


def image_bytes(
    kind: str = "PNG",
    size: tuple[int, int] = (64, 64),
    colour: Colour = (200, 30, 30),
    *,
    mode: str | None = None,
    exif: bool = False,
) -> bytes:
    """An image file of ``kind`` (a Pillow format name). ``exif=True`` adds a camera make and a GPS tag, the
    metadata an upload must strip."""
    image = Image.new(
        mode or ("RGBA" if isinstance(colour, tuple) and len(colour) == 4 else "RGB"), size, colour
    )
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "SecretCam"  # Make
        info[0x8825] = {2: (39, 54, 0)}  # GPS latitude
        image.save(out, format=kind, exif=info)
    else:
        image.save(out, format=kind)
    return out.getvalue()


def png_bytes(
    size: tuple[int, int] = (64, 64),
    colour: Colour = (200, 30, 30),
    *,
    mode: str | None = None,
    exif: bool = False,
) -> bytes:
    return image_bytes("PNG", size, colour, mode=mode, exif=exif)


def jpeg_bytes(
    size: tuple[int, int] = (64, 64), colour: Colour = (200, 30, 30), *, exif: bool = False
) -> bytes:
    return image_bytes("JPEG", size, colour, exif=exif)
