"""The QR code's offline signature: canonical fields, payload format, SM2/SM3 verification, key rings."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from certificate.config import Settings
from certificate.offline import DocumentKind, KeyringError, SignedFields, VerdictCode, keyring_of, verify
from certificate.offline.keys import keyring_at, load_keyring, new_keyring, parse_keyring
from certificate.offline.payload import MAX_TEXT, b64url, extract_payload, parse
from certificate.rendering import (
    CertificateContent,
    LabelContent,
    StarLabelContent,
    register_fonts,
    render_certificate_pdf,
    render_label_pdf,
    render_star_label_pdf,
)
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

TODAY = date(2026, 12, 3)
CERT = CertificateContent(
    number="LP-2023-JD01-00012",
    enterprise_name="青岛海川电冰箱有限公司",
    credit_code="91370200163562681G",
    standard_number="Q/HR 102-2021",
    standard_name="家用电冰箱能效与保鲜",
    key_field_product="家用电冰箱",
    product_name="海川牌家用电冰箱",
    models=("BCD-520WDPD", "BCD-610WDGK"),
    year=2023,
    agency_name="中国家用电器研究院",
    issued_on=date(2024, 1, 15),
    valid_until=date(2026, 12, 31),
    verify_url="https://lp.example.cn/verify/Xk3s9dQe7LmPa2Rt5VwYz0",
)
LABEL = LabelContent(
    number="LP-2023-JD01-00012-002",
    enterprise_name="青岛海川电冰箱有限公司",
    standard_number="Q/HR 102-2021",
    standard_name="家用电冰箱能效与保鲜",
    product_name="海川牌家用电冰箱",
    model="BCD-610WDGK",
    year=2023,
    verify_url="https://lp.example.cn/verify/Lb7s9dQe7LmPa2Rt5VwYz1",
)
STAR = StarLabelContent(
    number="XJ-2024-FZ03-00004",
    enterprise_name="波司登羽绒服装有限公司",
    key_field_product="羽绒服",
    product_name="极寒系列羽绒服",
    model="B20145021",
    star_level=4,
    year=2024,
    verify_url="https://lp.example.cn/verify/St4s9dQe7LmPa2Rt5VwYz",
    grading_standard="T/CNTAC 8-2018《羽绒服装质量分级》",
)
FIELDS = SignedFields.of(
    DocumentKind.FORERUNNER_LABEL,
    number="LP-2023-JD01-00012-002",
    holder="青岛海川电冰箱有限公司",
    subject="BCD-610WDGK",
    valid_until=date(2026, 12, 31),
)


@pytest.fixture(scope="module")
def keyring():
    return new_keyring(TODAY)


@pytest.fixture(scope="module")
def keys(keyring):
    """The keys as the route publishes them (JSON)."""
    return {
        "keys": [
            {
                "kid": k.kid,
                "algorithm": "SM2-SM3",
                "public_key": k.public_key,
                "status": k.status,
                "since": k.since.isoformat(),
                "until": None,
            }
            for k in keyring.published()
        ]
    }


def _with_fields(payload: str, fields: SignedFields) -> str:
    """The same signature over other fields: what someone editing the QR code's text would produce."""
    version, kid, _, signature = payload.split(".")
    return f"{version}.{kid}.{b64url(fields.canonical())}.{signature}"


def test_a_signed_payload_verifies_and_gives_back_its_fields(keyring, keys):
    payload = keyring.sign(FIELDS)
    assert payload.startswith(f"v1.{keyring.active_kid}.")
    verdict = verify(payload, keys)
    assert verdict.ok and verdict.code is VerdictCode.VALID and verdict.message == "离线签名有效"
    assert verdict.fields == FIELDS and verdict.kid == keyring.active_kid and verdict.key_status == "active"
    # the whole URL a scanner reads verifies the same way, and so does a list of keys
    url = f"https://lp.example.cn/verify/Lb7s9dQe7LmPa2Rt5VwYz1#{payload}"
    assert verify(url, keys).ok and verify(f"  {url}\n", keyring.published()).ok


@pytest.mark.parametrize(
    "change",
    [
        {"number": "LP-2023-JD01-00012-003"},
        {"holder": "青岛海川电冰箱股份有限公司"},
        {"subject": "BCD-610WDGX"},
        {"valid_until": date(2027, 12, 31)},
        {"valid_until": None},
        {"kind": DocumentKind.CERTIFICATE},
    ],
)
def test_any_altered_field_fails(keyring, keys, change):
    payload = keyring.sign(FIELDS)
    altered = _with_fields(payload, dataclasses.replace(FIELDS, **change))
    verdict = verify(altered, keys)
    assert not verdict.ok and verdict.code is VerdictCode.BAD_SIGNATURE and verdict.fields is None


def test_unknown_kid_and_a_signature_by_another_key_fail(keyring, keys):
    payload = keyring.sign(FIELDS)
    other = new_keyring(TODAY)
    assert verify(payload, {"keys": []}).code is VerdictCode.UNKNOWN_KEY
    # another key's signature under our kid: the signature does not match our public key
    forged = other.sign(FIELDS).replace(f"v1.{other.active_kid}.", f"v1.{keyring.active_kid}.")
    assert verify(forged, keys).code is VerdictCode.BAD_SIGNATURE
    # our signature relabelled with an unknown kid
    assert verify(payload.replace(keyring.active_kid, "00000000", 1), keys).code is VerdictCode.UNKNOWN_KEY
    # the other platform's payload as it is
    assert verify(other.sign(FIELDS), keys).code is VerdictCode.UNKNOWN_KEY


def test_a_flipped_signature_byte_fails(keyring, keys):
    payload = keyring.sign(FIELDS)
    head, signature = payload.rsplit(".", 1)
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    assert verify(f"{head}.{flipped}", keys).code is VerdictCode.BAD_SIGNATURE
    zero = b64url(bytes(64))
    assert verify(f"{head}.{zero}", keys).code is VerdictCode.BAD_SIGNATURE


@pytest.mark.parametrize(
    "mangle",
    [
        lambda p: p[: len(p) // 2],  # truncated
        lambda p: p[:-1],  # one character short of the signature
        lambda p: p.rsplit(".", 1)[0],  # no signature
        lambda p: p.replace(".", ".!", 1),  # not base64url
        lambda p: p[:-3] + "+/=",  # standard base64, not base64url
        lambda p: p.replace("v1.", "v1.X", 1),  # kid of the wrong shape
        lambda p: "",
        lambda p: "https://lp.example.cn/verify/abc",  # an old QR code without a fragment
        lambda p: p + ".extra",
    ],
)
def test_malformed_payloads_fail_clearly(keyring, keys, mangle):
    verdict = verify(mangle(keyring.sign(FIELDS)), keys)
    assert not verdict.ok and verdict.code is VerdictCode.MALFORMED


def test_a_later_version_is_named(keyring, keys):
    assert verify("v2." + keyring.sign(FIELDS)[3:], keys).code is VerdictCode.UNSUPPORTED_VERSION


def test_non_canonical_fields_are_malformed_even_when_signed(keyring, keys):
    """One document, one encoding: a signature over a differently spelled form is not accepted."""
    spaced = "L\nLP-2023-JD01-00012-002\n青岛海川电冰箱有限公司 \nBCD-610WDGK\n20261231".encode()
    fields_b64 = b64url(spaced)
    payload = keyring.sign(FIELDS)
    version, kid, _, signature = payload.split(".")
    assert verify(f"{version}.{kid}.{fields_b64}.{signature}", keys).code is VerdictCode.MALFORMED


def test_long_texts_are_cut_and_the_canonical_form_is_documented():
    fields = SignedFields.of(
        DocumentKind.STAR_LABEL,
        number=" XJ-2024-FZ03-00004 ",
        holder="广东省某某市某某某某电器制造股份有限公司第二分公司\n（总部）",
        subject="B2014\t5021",
        valid_until=None,
    )
    assert len(fields.holder) == MAX_TEXT and fields.holder.endswith("…")
    assert fields.canonical() == f"S\nXJ-2024-FZ03-00004\n{fields.holder}\nB2014 5021\n".encode()
    assert SignedFields.from_canonical(fields.canonical()) == fields
    with pytest.raises(ValueError):
        SignedFields.of(
            DocumentKind.CERTIFICATE, number="LP-1", holder=" \n", subject="Q/X 1", valid_until=None
        )


_texts = st.text(min_size=1, max_size=60).filter(lambda t: bool(" ".join(t.split())))


@given(
    kind=st.sampled_from(list(DocumentKind)),
    number=st.text(min_size=1, max_size=48).filter(lambda t: bool(" ".join(t.split()))),
    holder=_texts,
    subject=_texts,
    valid_until=st.none() | st.dates(min_value=date(1000, 1, 1)),
)
def test_canonical_form_round_trips(kind, number, holder, subject, valid_until):
    try:
        fields = SignedFields.of(kind, number=number, holder=holder, subject=subject, valid_until=valid_until)
    except ValueError:
        # only texts that are empty once control characters and whitespace are gone may be refused
        return
    data = fields.canonical()
    assert SignedFields.from_canonical(data) == fields
    assert SignedFields.from_canonical(data).canonical() == data
    # normalising again changes nothing: the canonical form is a fixed point
    again = SignedFields.of(
        kind, number=fields.number, holder=fields.holder, subject=fields.subject, valid_until=valid_until
    )
    assert again == fields
    assert parse(f"v1.0badcafe.{b64url(data)}.{b64url(bytes(64))}").fields == fields


def test_extract_payload_takes_the_fragment_of_a_url():
    assert extract_payload(" https://x/verify/abc#v1.a.b.c ") == "v1.a.b.c"
    assert extract_payload("#v1.a.b.c") == "v1.a.b.c"
    assert extract_payload("v1.a.b.c") == "v1.a.b.c"
    assert extract_payload("%23v1.a.b.c") == "v1.a.b.c"


# --- rendered QR codes ----------------------------------------------------------------------------


def _zbar(image, tmp_path: Path) -> list[str]:
    path = tmp_path / "page.png"
    image.save(path)
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in out.stdout.splitlines() if line]


def _pdftoppm(pdf: bytes, tmp_path: Path, dpi: int):
    from PIL import Image

    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", "doc.pdf", "page"], cwd=tmp_path, check=True
    )
    return Image.open(tmp_path / "page.png").convert("RGB")


@pytest.mark.parametrize("which", ["certificate", "label", "star_label", "long_holder"])
def test_the_printed_qr_code_scans_to_a_payload_that_verifies(which, keyring, keys, tmp_path, preview_dir):
    """zbar reads the signed QR code from the page at print resolution (300 dpi) and at 200 dpi."""
    register_fonts()
    holder = "广东省某某市某某某某电器制造股份有限公司第二分公司"
    if which == "certificate":
        fields = SignedFields.of(
            DocumentKind.CERTIFICATE,
            number=CERT.number,
            holder=CERT.enterprise_name,
            subject=CERT.standard_number,
            valid_until=CERT.valid_until,
        )
        pdf = render_certificate_pdf(dataclasses.replace(CERT, offline_signature=keyring.sign(fields)))
    elif which == "star_label":
        content = STAR
        fields = SignedFields.of(
            DocumentKind.STAR_LABEL,
            number=content.number,
            holder=content.enterprise_name,
            subject=content.model,
            valid_until=None,
        )
        pdf = render_star_label_pdf(dataclasses.replace(content, offline_signature=keyring.sign(fields)))
    else:
        content = (
            LABEL if which == "label" else dataclasses.replace(LABEL, enterprise_name=holder, model="X" * 40)
        )
        fields = SignedFields.of(
            DocumentKind.FORERUNNER_LABEL,
            number=content.number,
            holder=content.enterprise_name,
            subject=content.model,
            valid_until=date(2026, 12, 31),
        )
        pdf = render_label_pdf(dataclasses.replace(content, offline_signature=keyring.sign(fields)))
    for dpi in (300, 200):
        image = _pdftoppm(pdf, tmp_path, dpi)
        if dpi == 300:
            image.save(preview_dir / f"offline-{which}.png")
        decoded = _zbar(image, tmp_path)
        assert len(decoded) == 1, f"{which} at {dpi} dpi: {decoded}"
        url, _, fragment = decoded[0].partition("#")
        assert url.startswith("https://lp.example.cn/verify/")
        verdict = verify(decoded[0], keys)
        assert verdict.ok, (which, dpi, verdict)
        assert verdict.fields == fields and fragment.startswith(f"v1.{keyring.active_kid}.")


# --- key rings ------------------------------------------------------------------------------------


def test_rotation_keeps_printed_codes_verifying_and_signs_new_ones_with_the_new_kid(tmp_path):
    path = tmp_path / "keyring.json"
    cli = [sys.executable, "-m", "certificate.offline"]
    made = subprocess.run([*cli, "new", str(path)], capture_output=True, text=True, check=True)
    old_kid = json.loads(made.stdout)["active"]
    assert subprocess.run([*cli, "new", str(path)], capture_output=True, text=True).returncode == 1
    old = keyring_at(path, create=False)
    assert old.active_kid == old_kid
    printed = old.sign(FIELDS)

    shown = json.loads(
        subprocess.run([*cli, "rotate", str(path)], capture_output=True, text=True, check=True).stdout
    )
    new_kid = shown["active"]
    assert new_kid != old_kid
    assert [(k["kid"], k["status"]) for k in shown["keys"]] == [(new_kid, "active"), (old_kid, "retired")]
    assert all("private_key" not in k for k in shown["keys"])
    # the retired key's private half is gone from the file
    stored = json.loads(path.read_text())["keys"]
    assert [bool(k.get("private_key")) for k in stored] == [True, False]

    rotated = keyring_at(path, create=False)  # the file changed: read again without a restart
    assert rotated.active_kid == new_kid
    verdict = verify(printed, rotated.published())
    assert verdict.ok and verdict.kid == old_kid and verdict.key_status == "retired"
    fresh = rotated.sign(FIELDS)
    assert fresh.startswith(f"v1.{new_kid}.") and verify(fresh, rotated.published()).ok
    # a verifier that only knows the old key does not accept the new one's signature
    assert verify(fresh, old.published()).code is VerdictCode.UNKNOWN_KEY


def test_replicas_starting_together_agree_on_one_key(tmp_path):
    path = str(tmp_path / "keys" / "keyring.json")
    script = (
        "import sys, datetime; from certificate.offline.keys import ensure_keyring; "
        "print(ensure_keyring(sys.argv[1], datetime.date(2026, 12, 3)).active_kid)"
    )
    replicas = [
        subprocess.Popen([sys.executable, "-c", script, path], stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    kids = [p.communicate(timeout=60)[0].strip() for p in replicas]
    assert all(p.returncode == 0 for p in replicas)
    assert len(set(kids)) == 1 and load_keyring(path).active_kid == kids[0]
    assert oct(Path(path).stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in Path(path).parent.iterdir()] == ["keyring.json"]  # no temporary files left


def test_production_refuses_to_start_without_its_key_ring(tmp_path):
    production = {
        "env": "production",
        "sms_provider": "http",
        "public_base_url": "https://lp.example.cn",
        "internal_token": "x" * 32,
        "download_secret": "y" * 32,
        "pii_key": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0NTY=",
        "s3_secret_key": "z" * 32,
        "amqp_url": "amqp://lp:Vq3kP9x2mL7wR4tZ@mq:5672/",
        "database_url": "postgresql+asyncpg://lp:Vq3kP9x2mL7wR4tZ@db/lp",
        "signing_key_file": "/etc/lp/signing/signing-key.pem",
        "signing_cert_file": "/etc/lp/signing/signing-cert.pem",
        "signing_ca_file": "/etc/lp/signing/trusted-ca.pem",
    }
    with pytest.raises(ValidationError, match="LP_QR_KEYRING_FILE"):
        Settings(**production)
    settings = Settings(**production, qr_keyring_file=str(tmp_path / "missing.json"))
    # the key ring is read before the signing material: a missing Secret file stops the start
    with pytest.raises(KeyringError, match="LP_QR_KEYRING_FILE"):
        keyring_of(settings)
    assert not (tmp_path / "missing.json").exists()
    # development creates it instead, where every process finds it
    dev = Settings(qr_keyring_dir=str(tmp_path / "dev"))
    assert keyring_of(dev).active_kid == load_keyring(tmp_path / "dev" / "keyring.json").active_kid


@pytest.mark.parametrize(
    "broken, message",
    [
        ({"keys": []}, "at least one key"),
        ({"keys": [{"public_key": "04" + "00" * 64, "since": "2026-01-01"}]}, "not a point"),
        ("retired-only", "no active key"),
        ("two-private", "only the active key"),
        ("wrong-kid", "does not match"),
        ("foreign-private", "does not belong"),
    ],
)
def test_broken_key_rings_are_refused(broken, message):
    a, b = new_keyring(TODAY).to_json()["keys"][0], new_keyring(TODAY).to_json()["keys"][0]
    if broken == "retired-only":
        broken = {"keys": [{"public_key": a["public_key"], "since": "2026-01-01", "until": "2026-06-01"}]}
    elif broken == "two-private":
        broken = {"keys": [a, b]}
    elif broken == "wrong-kid":
        broken = {"keys": [{**a, "kid": "12345678"}]}
    elif broken == "foreign-private":
        broken = {"keys": [{**a, "private_key": b["private_key"]}]}
    with pytest.raises(KeyringError, match=message):
        parse_keyring(broken)


def test_the_private_key_is_never_in_repr(keyring):
    assert f"{keyring._private_key:064x}" not in repr(keyring)


# --- the portal's fixture: signatures made here, checked by the portal's sm-crypto verifier -----------

PORTAL_FIXTURE = (
    Path(__file__).resolve().parents[4] / "gateway" / "web" / "src" / "utils" / "offline.fixture.json"
)


def _portal_fixture() -> dict:
    """Payloads signed by this package for the portal's test (gateway/web/src/utils/offline.spec.ts)."""
    old, current = new_keyring(date(2025, 1, 2)), new_keyring(TODAY)
    cases = [
        SignedFields.of(
            DocumentKind.CERTIFICATE,
            number="LP-2023-JD01-00012",
            holder="青岛海川电冰箱有限公司",
            subject="Q/HR 102-2021",
            valid_until=date(2026, 12, 31),
        ),
        FIELDS,
        SignedFields.of(
            DocumentKind.STAR_LABEL,
            number="XJ-2024-FZ03-00004",
            holder="广东省某某市某某某某电器制造股份有限公司第二分公司",
            subject="B2014 5021",
            valid_until=None,
        ),
    ]
    valid = [
        {"payload": f"https://lp.example.cn/verify/Lb7s9dQe7LmPa2Rt5VwYz1#{current.sign(f)}", **f.as_dict()}
        for f in cases
    ]
    retired = old.sign(FIELDS)
    altered = _with_fields(
        current.sign(FIELDS), dataclasses.replace(FIELDS, holder="青岛海川电冰箱股份有限公司")
    )
    keys = [
        {
            "kid": current.active_kid,
            "algorithm": "SM2-SM3",
            "public_key": current.active.public_key,
            "status": "active",
            "since": TODAY.isoformat(),
            "until": None,
        },
        {
            "kid": old.active_kid,
            "algorithm": "SM2-SM3",
            "public_key": old.active.public_key,
            "status": "retired",
            "since": "2025-01-02",
            "until": TODAY.isoformat(),
        },
    ]
    return {
        "generated_by": "services/certificate/tests/unit/test_offline.py (LP_WRITE_PORTAL_FIXTURE=1)",
        "keys": keys,
        "valid": valid,
        "retired_key": {"payload": retired, "kid": old.active_kid},
        "invalid": [
            {"payload": altered, "code": "offline_bad_signature"},
            {
                "payload": retired.replace(f"v1.{old.active_kid}.", f"v1.{current.active_kid}.", 1),
                "code": "offline_bad_signature",
            },
            {"payload": new_keyring(TODAY).sign(FIELDS), "code": "offline_unknown_key"},
            {"payload": altered[: len(altered) // 2], "code": "offline_malformed"},
            {"payload": altered.replace(".", ".*", 1), "code": "offline_malformed"},
            {"payload": "v2" + altered[2:], "code": "offline_unsupported_version"},
        ],
    }


def test_the_portal_fixture_is_what_this_package_signs_and_verifies():
    """The fixture the portal's verifier is tested with: each verdict holds here too, so both sides agree."""
    import os

    if os.environ.get("LP_WRITE_PORTAL_FIXTURE") or not PORTAL_FIXTURE.exists():
        PORTAL_FIXTURE.write_text(json.dumps(_portal_fixture(), ensure_ascii=False, indent=2) + "\n")
    fixture = json.loads(PORTAL_FIXTURE.read_text())
    keys = {"keys": fixture["keys"]}
    for case in fixture["valid"]:
        verdict = verify(case["payload"], keys)
        assert verdict.ok and verdict.fields is not None
        expected = {k: case[k] for k in ("kind", "kind_label", "number", "holder", "subject", "valid_until")}
        assert verdict.fields.as_dict() == expected
    retired = verify(fixture["retired_key"]["payload"], keys)
    assert retired.ok and retired.key_status == "retired"
    for case in fixture["invalid"]:
        assert verify(case["payload"], keys).code == case["code"], case
