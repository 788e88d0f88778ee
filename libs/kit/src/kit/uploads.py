"""Checking uploaded files by their content: size while reading, type by magic bytes and a full decode,
images re-encoded without metadata under a pixel cap, PDFs refused when encrypted or scripted."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

from fastapi import UploadFile
from PIL import Image, ImageOps, UnidentifiedImageError

from kit.errors import Invalid, TooLarge, UnsupportedMedia

CHUNK = 64 * 1024
DEFAULT_MAX_PIXELS = 25_000_000

_SIGNATURES = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
    "pdf": (b"%PDF-",),
}
# Markers of another format hidden inside an image or a PDF (polyglots).
_FOREIGN_MARKERS = (b"<script", b"<?php", b"<html", b"<svg", b"<!doctype html")
_PDF_ACTIVE = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")

LABELS = {"png": "PNG 图片", "jpeg": "JPG 图片", "pdf": "PDF 文件"}


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    kind: str  # png | jpeg | pdf
    content_type: str
    width: int | None = None
    height: int | None = None


async def read_limited(upload: UploadFile, max_bytes: int, *, what: str = "文件") -> bytes:
    """Read an upload, stopping as soon as it passes ``max_bytes``."""
    buf = bytearray()
    while chunk := await upload.read(CHUNK):
        buf.extend(chunk)
        if len(buf) > max_bytes:
            raise TooLarge(
                f"{what}不能超过 {_human(max_bytes)}",
                code="file_too_large",
                details={"max_bytes": max_bytes},
            )
    if not buf:
        raise Invalid(f"{what}为空", code="file_empty")
    return bytes(buf)


def _human(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:g} MB"
    return f"{n / 1024:g} KB"


def sniff(data: bytes) -> str | None:
    for kind, sigs in _SIGNATURES.items():
        if any(data.startswith(s) for s in sigs):
            return kind
    return None


def _refuse_type(allowed: set[str], what: str) -> UnsupportedMedia:
    names = "、".join(LABELS[k] for k in sorted(allowed))
    return UnsupportedMedia(f"{what}格式不正确，仅支持 {names}", code="file_type_not_allowed")


def _polyglot(what: str) -> UnsupportedMedia:
    return UnsupportedMedia(f"{what}内容异常（疑似伪装文件）", code="file_polyglot")


def _has_foreign_markers(data: bytes) -> bool:
    edges = data[:4096].lower() + data[-4096:].lower()
    return any(m in edges for m in _FOREIGN_MARKERS)


def _trailing_bytes(data: bytes, kind: str) -> bytes:
    """What follows the image's own end (PNG IEND chunk, JPEG EOI marker): where a second file hides."""
    if kind == "png":
        end = data.rfind(b"IEND")
        return data[end + 8 :] if end != -1 else b""
    end = data.rfind(b"\xff\xd9")
    return data[end + 2 :] if end != -1 else b""


def _check_image(data: bytes, kind: str, max_pixels: int, what: str) -> CheckedFile:
    if b"%PDF-" in data or _has_foreign_markers(data):
        raise _polyglot(what)
    # A few padding bytes after the end marker are common; anything more is another file riding along.
    if len(_trailing_bytes(data, kind).strip(b"\x00\r\n \t")) > 16:
        raise _polyglot(what)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > max_pixels:
                raise Invalid(f"{what}像素过大", code="image_too_many_pixels")
            if (probe.format or "").lower() not in ("png", "jpeg"):
                raise UnsupportedMedia(f"{what}格式不正确", code="file_type_not_allowed")
            probe.verify()
        with Image.open(io.BytesIO(data)) as original:
            original.load()
            # Phones record rotation in EXIF; apply it before EXIF is dropped so pictures stay upright.
            img = ImageOps.exif_transpose(original)
            # Re-encode from pixels only: no EXIF, no text chunks, no trailing payload survives.
            clean = Image.frombytes(img.mode, img.size, img.tobytes())
            if img.mode == "P" and img.getpalette():
                clean.putpalette(img.getpalette())
            out = io.BytesIO()
            if kind == "jpeg":
                if clean.mode not in ("RGB", "L"):
                    clean = clean.convert("RGB")
                clean.save(out, format="JPEG", quality=90)
            else:
                clean.save(out, format="PNG", optimize=False)
    except (Invalid, UnsupportedMedia):
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise Invalid(f"{what}已损坏或无法识别", code="image_corrupt") from exc
    return CheckedFile(out.getvalue(), kind, f"image/{kind}", width, height)


def _check_pdf(data: bytes, what: str) -> CheckedFile:
    if not data.startswith(b"%PDF-"):
        raise _refuse_type({"pdf"}, what)
    if _has_foreign_markers(data):
        raise _polyglot(what)
    if data.rstrip()[-1024:].rfind(b"%%EOF") == -1:  # truncated, or something rides after the PDF's end
        raise Invalid(f"{what}已损坏或不完整", code="pdf_corrupt")
    if any(m in data for m in _PDF_ACTIVE):
        raise UnsupportedMedia(f"{what}包含脚本或嵌入内容，不予接收", code="pdf_active_content")
    if b"/Encrypt" in data:
        raise UnsupportedMedia(f"{what}已加密，请上传未加密的 PDF", code="pdf_encrypted")
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UnsupportedMedia(f"{what}已加密，请上传未加密的 PDF", code="pdf_encrypted")
        if len(reader.pages) < 1:
            raise Invalid(f"{what}没有页面", code="pdf_empty")
        root = reader.trailer["/Root"]
        names = root.get("/Names")
        if "/OpenAction" in root or "/AA" in root or (names is not None and "/JavaScript" in names.get_object()):
            raise UnsupportedMedia(f"{what}包含自动执行的动作，不予接收", code="pdf_active_content")
    except (Invalid, UnsupportedMedia):
        raise
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise Invalid(f"{what}已损坏或无法识别", code="pdf_corrupt") from exc
    return CheckedFile(data, "pdf", "application/pdf")


def check_file_sync(
    data: bytes, allowed: set[str], *, what: str = "文件", max_pixels: int = DEFAULT_MAX_PIXELS
) -> CheckedFile:
    kind = sniff(data)
    if kind is None or kind not in allowed:
        raise _refuse_type(allowed, what)
    if kind == "pdf":
        return _check_pdf(data, what)
    return _check_image(data, kind, max_pixels, what)


_EXTENSIONS = {".pdf": "pdf", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg"}
_CONTENT_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg"}


def check_declared_type(kind: str, filename: str | None, content_type: str | None, what: str = "文件") -> None:
    """A file whose name or declared type says one thing while its content is another is refused: a
    renamed file is how a wrong (or hostile) upload slips past a person who trusts the name."""
    name = (filename or "").lower()
    dot = name.rfind(".")
    by_name = _EXTENSIONS.get(name[dot:]) if dot != -1 else None
    by_type = _CONTENT_TYPES.get((content_type or "").split(";")[0].strip().lower())
    if (by_name is not None and by_name != kind) or (by_type is not None and by_type != kind):
        raise UnsupportedMedia(
            f"{what}的文件名或类型与内容不符（内容为 {LABELS[kind]}），请上传原始文件",
            code="file_type_mismatch",
        )


async def check_upload(
    upload: UploadFile,
    *,
    allowed: set[str],
    max_bytes: int,
    what: str = "文件",
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> CheckedFile:
    """Read (bounded), then check by content in a worker thread: decoding is CPU work."""
    data = await read_limited(upload, max_bytes, what=what)
    checked = await asyncio.to_thread(check_file_sync, data, allowed, what=what, max_pixels=max_pixels)
    check_declared_type(checked.kind, upload.filename, upload.content_type, what)
    return checked
