"""Checking uploaded files by their content: size while reading, type by magic bytes and a full decode,
images re-encoded without metadata under a pixel cap, PDFs refused when encrypted or scripted."""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass

from fastapi import UploadFile
from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import BaseModel

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
_PDF_ACTIVE = (
    b"/JavaScript",
    b"/JS ",
    b"/JS(",
    b"/JS<",
    b"/Launch",
    b"/EmbeddedFile",
    b"/RichMedia",
    b"/XFA",
)

LABELS = {"png": "PNG 图片", "jpeg": "JPG 图片", "pdf": "PDF 文件"}


# The refusals of an upload. Each names the file in its message (``what``: 证明材料, 产品图片 …); the defaults
# below say 文件.
class MaxBytes(BaseModel):
    max_bytes: int


class FileTooLarge(TooLarge):
    code = "file_too_large"
    message = "文件过大"
    details_model = MaxBytes


class FileEmpty(Invalid):
    code = "file_empty"
    message = "文件为空"
    details_model = None


class FileTypeNotAllowed(UnsupportedMedia):
    code = "file_type_not_allowed"
    message = "文件格式不正确"


class FileTypeMismatch(UnsupportedMedia):
    code = "file_type_mismatch"
    message = "文件的文件名或类型与内容不符，请上传原始文件"


class FilePolyglot(UnsupportedMedia):
    code = "file_polyglot"
    message = "文件内容异常（疑似伪装文件）"


class ImageTooManyPixels(Invalid):
    code = "image_too_many_pixels"
    message = "文件像素过大"
    details_model = None


class ImageCorrupt(Invalid):
    code = "image_corrupt"
    message = "文件已损坏或无法识别"
    details_model = None


class PdfCorrupt(Invalid):
    code = "pdf_corrupt"
    message = "文件已损坏或无法识别"
    details_model = None


class PdfEmpty(Invalid):
    code = "pdf_empty"
    message = "文件没有页面"
    details_model = None


class PdfEncrypted(UnsupportedMedia):
    code = "pdf_encrypted"
    message = "文件已加密，请上传未加密的 PDF"


class PdfActiveContent(UnsupportedMedia):
    code = "pdf_active_content"
    message = "文件包含脚本、外部链接或嵌入内容，不予接收"


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
            raise FileTooLarge(f"{what}不能超过 {_human(max_bytes)}", details={"max_bytes": max_bytes})
    if not buf:
        raise FileEmpty(f"{what}为空")
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
    return FileTypeNotAllowed(f"{what}格式不正确，仅支持 {names}")


def _polyglot(what: str) -> UnsupportedMedia:
    return FilePolyglot(f"{what}内容异常（疑似伪装文件）")


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


def encode_image(img: Image.Image, kind: str, *, quality: int = 90, optimize: bool = False) -> bytes:
    """``img`` as the bytes of a ``kind`` ("jpeg" or "png") file; a JPEG is RGB or grey (no alpha in it)."""
    out = io.BytesIO()
    if kind == "jpeg":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(out, format="JPEG", quality=quality)
    else:
        img.save(out, format="PNG", optimize=optimize)
    return out.getvalue()


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
                raise ImageTooManyPixels(f"{what}像素过大")
            if (probe.format or "").lower() not in ("png", "jpeg"):
                raise FileTypeNotAllowed(f"{what}格式不正确")
            probe.verify()
        with Image.open(io.BytesIO(data)) as original:
            original.load()
            # Phones record rotation in EXIF; apply it before EXIF is dropped so pictures stay upright.
            img = ImageOps.exif_transpose(original)
            # Re-encode from pixels only: no EXIF, no text chunks, no trailing payload survives.
            clean = Image.frombytes(img.mode, img.size, img.tobytes())
            palette = img.getpalette()
            if img.mode == "P" and palette:
                clean.putpalette(palette)
            encoded = encode_image(clean, kind)
    except (Invalid, UnsupportedMedia):
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageCorrupt(f"{what}已损坏或无法识别") from exc
    return CheckedFile(encoded, kind, f"image/{kind}", width, height)


# What a PDF may not carry anywhere (catalog, names tree, page /AA, annotations, form fields, object
# streams, earlier revisions): actions that run code, open files or reach out, embedded files, XFA forms.
_PDF_ACTION_TYPES = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/URI",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/GoToR",
        "/RichMediaExecute",
        "/Rendition",
    }
)
_PDF_ACTIVE_KEYS = frozenset({"/JS", "/XFA", "/EmbeddedFiles", "/EF", "/RichMediaContent"})
_PDF_ACTIVE_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"})
_PDF_MAX_REVISIONS = 32


def _pdf_findings(pdf) -> str | None:
    """The first active feature found in a parsed PDF (qpdf resolves escaped names, object and xref
    streams), or None. Every indirect object is visited, and every direct object nested inside it."""
    import pikepdf

    if pdf.is_encrypted or "/Encrypt" in pdf.trailer:
        return "encrypted"
    stack: list = [pdf.trailer, *pdf.objects]
    seen = 0
    while stack:
        obj = stack.pop()
        seen += 1
        if seen > 2_000_000:  # a pathological nesting: refuse rather than walk forever
            return "too_complex"
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            keys = set(obj.keys())
            if keys & _PDF_ACTIVE_KEYS:
                return "active"
            action = obj.get("/S")
            if isinstance(action, pikepdf.Name) and str(action) in _PDF_ACTION_TYPES:
                return "active"
            kind = obj.get("/Type")
            if (
                isinstance(kind, pikepdf.Name)
                and str(kind) in ("/EmbeddedFile", "/Filespec")
                and "/EF" in keys
            ):
                return "active"
            if isinstance(kind, pikepdf.Name) and str(kind) == "/EmbeddedFile":
                return "active"
            subtype = obj.get("/Subtype")
            if isinstance(subtype, pikepdf.Name) and str(subtype) in _PDF_ACTIVE_SUBTYPES:
                return "active"
            children = obj.values()
        elif isinstance(obj, pikepdf.Array):
            children = list(obj)
        else:
            continue
        # Indirect children are in pdf.objects already; only direct ones are walked from here.
        stack.extend(
            c
            for c in children
            if isinstance(c, pikepdf.Dictionary | pikepdf.Array | pikepdf.Stream) and not c.is_indirect
        )
    return None


def _pdf_revisions(data: bytes) -> list[bytes]:
    """The file as it stood at each ``%%EOF`` (incremental updates append revisions), newest last."""
    ends = [m.end() for m in re.finditer(rb"%%EOF", data)]
    return [data[:end] for end in ends[-_PDF_MAX_REVISIONS:]]


def _check_pdf(data: bytes, what: str) -> CheckedFile:
    import pikepdf

    if not data.startswith(b"%PDF-"):
        raise _refuse_type({"pdf"}, what)
    if _has_foreign_markers(data):
        raise _polyglot(what)
    if data.rstrip()[-1024:].rfind(b"%%EOF") == -1:  # truncated, or something rides after the PDF's end
        raise PdfCorrupt(f"{what}已损坏或不完整")
    encrypted = PdfEncrypted(f"{what}已加密，请上传未加密的 PDF")
    active = PdfActiveContent(f"{what}包含脚本、外部链接或嵌入内容，不予接收")
    # A quick look at the raw bytes first (plain names in any revision), then the parsed file.
    if any(m in data for m in _PDF_ACTIVE):
        raise active
    revisions = _pdf_revisions(data)
    try:
        for index, revision in enumerate(reversed(revisions)):
            try:
                pdf = pikepdf.open(io.BytesIO(revision))
            except pikepdf.PasswordError as exc:
                raise encrypted from exc
            except pikepdf.PdfError:
                if index == 0:
                    raise
                continue  # an earlier revision that does not stand alone: nothing a viewer would show
            with pdf:
                if index == 0 and len(pdf.pages) < 1:
                    raise PdfEmpty(f"{what}没有页面")
                finding = _pdf_findings(pdf)
            if finding == "encrypted":
                raise encrypted
            if finding is not None:
                raise active
    except (Invalid, UnsupportedMedia):
        raise
    except (pikepdf.PdfError, KeyError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise PdfCorrupt(f"{what}已损坏或无法识别") from exc
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


def check_declared_type(
    kind: str, filename: str | None, content_type: str | None, what: str = "文件"
) -> None:
    """A file whose name or declared type says one thing while its content is another is refused: a
    renamed file is how a wrong (or hostile) upload slips past a person who trusts the name."""
    name = (filename or "").lower()
    dot = name.rfind(".")
    by_name = _EXTENSIONS.get(name[dot:]) if dot != -1 else None
    by_type = _CONTENT_TYPES.get((content_type or "").split(";")[0].strip().lower())
    if (by_name is not None and by_name != kind) or (by_type is not None and by_type != kind):
        raise FileTypeMismatch(f"{what}的文件名或类型与内容不符（内容为 {LABELS[kind]}），请上传原始文件")


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
