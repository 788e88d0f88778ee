"""Unit tests of the plumbing that guards every service: settings, tokens, uploads, download links, masking."""

from __future__ import annotations

import base64
import io
import json
import time
import uuid

import jwt
import pytest
from kit.downloads import sign_download, verify_download
from kit.errors import Invalid, NotFound, TooLarge, Unauthorized, UnsupportedMedia
from kit.logging import _scrub
from kit.phones import mask, mask_in_text
from kit.pii import Sealer
from kit.security import TokenIssuer, TokenVerifier, generate_keypair
from kit.settings import DEV_PII_KEY, ServiceSettings
from kit.uploads import check_file_sync
from PIL import Image
from pydantic import ValidationError

STRONG = {
    "env": "production",
    "sms_provider": "http",
    "internal_token": "x" * 32,
    "pii_key": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0NTY=",
    "download_secret": "y" * 32,
    "s3_secret_key": "z" * 32,
    "amqp_url": "amqp://lp:Vq3kP9x2mL7wR4tZ@mq:5672/",
    "database_url": "postgresql+asyncpg://lp:Vq3kP9x2mL7wR4tZ@db:5432/lp_auth",
}


def test_production_refuses_development_secrets():
    with pytest.raises(ValidationError, match="LP_INTERNAL_TOKEN"):
        ServiceSettings(env="production", sms_provider="http")
    ok = ServiceSettings(**STRONG)
    assert ok.env == "production" and not ok.serve_openapi
    assert ServiceSettings(**{**STRONG, "openapi_enabled": True}).serve_openapi


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("internal_token", "short-but-not-the-default", "LP_INTERNAL_TOKEN"),
        ("download_secret", "k" * 31, "LP_DOWNLOAD_SECRET"),
        ("pii_key", base64.b64encode(bytes(32)).decode(), "LP_PII_KEY"),  # all zero
        ("pii_key", base64.b64encode(b"ab" * 16).decode(), "LP_PII_KEY"),  # a repeated pattern
        ("pii_key", base64.b64encode(b"0123456789abcdef").decode(), "LP_PII_KEY"),  # 16 bytes
        ("pii_key", "not base64!", "LP_PII_KEY"),
        ("amqp_url", "amqp://guest:guest@mq:5672/", "LP_AMQP_URL"),
        ("amqp_url", "amqp://lp@mq:5672/", "LP_AMQP_URL"),
        ("database_url", "postgresql+asyncpg://postgres@db:5432/lp_auth", "LP_DATABASE_URL"),
    ],
)
def test_production_refuses_weak_values(field: str, value: str, named: str):
    with pytest.raises(ValidationError, match=named):
        ServiceSettings(**{**STRONG, field: value})
    # development and tests keep their convenient defaults
    assert ServiceSettings(**{**STRONG, "env": "test", field: value}).env == "test"


def test_adjustable_clock_refused_in_production():
    with pytest.raises(ValidationError, match="CLOCK"):
        ServiceSettings(**STRONG, clock_adjustable=True)


@pytest.fixture(scope="module")
def keys():
    return generate_keypair()


def _issuer(private: bytes, ttl: int = 900) -> TokenIssuer:
    return TokenIssuer(private, issuer="lp-auth", audience="lp-platform", access_ttl=ttl)


def _verifier(public: bytes) -> TokenVerifier:
    return TokenVerifier(public, issuer="lp-auth", audience="lp-platform", redis=None)


def _token(issuer: TokenIssuer, **kw) -> str:
    return issuer.access_token(
        account_id=uuid.uuid4(),
        org_id=uuid.uuid4(),
        org_type="enterprise",
        org_name="甲公司",
        session_id="s1",
        **kw,
    )


async def test_token_round_trip(keys):
    private, public = keys
    principal = await _verifier(public).verify(_token(_issuer(private), forerunner_verified=True))
    assert principal.org_type == "enterprise" and principal.forerunner_verified


async def test_expired_forged_and_none_alg_tokens_are_refused(keys):
    private, public = keys
    verifier = _verifier(public)
    expired = _issuer(private).access_token(
        account_id=uuid.uuid4(),
        org_id=uuid.uuid4(),
        org_type="agency",
        org_name="x",
        session_id="s",
        now=time.time() - 3600,
    )
    with pytest.raises(Unauthorized) as e:
        await verifier.verify(expired)
    assert e.value.code == "token_expired"

    other_private, _ = generate_keypair()
    with pytest.raises(Unauthorized):
        await verifier.verify(_token(_issuer(other_private)))

    claims = jwt.decode(_token(_issuer(private)), options={"verify_signature": False})
    with pytest.raises(Unauthorized):
        await verifier.verify(jwt.encode(claims, key="", algorithm="none"))
    with pytest.raises(Unauthorized):
        await verifier.verify(jwt.encode({**claims, "typ": "refresh"}, key="secret", algorithm="HS256"))


async def test_verified_tokens_are_kept_but_still_expire_and_forgeries_never_enter(keys, monkeypatch):
    private, public = keys
    verifier = _verifier(public)
    checks: list[str] = []
    original = verifier._verify_signature

    def counting(token: str):  # the signature check itself
        checks.append(token)
        return original(token)

    monkeypatch.setattr(verifier, "_verify_signature", counting)
    token = _token(_issuer(private, ttl=60))
    for _ in range(3):
        assert (await verifier.verify(token)).org_name == "甲公司"
    assert len(checks) == 1  # checked once, then known
    # a token altered by one character is another token: checked, refused, never kept
    head, payload, signature = token.split(".")
    forged = ".".join([head, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")])
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await verifier.verify(forged)
    assert checks.count(forged) == 2
    # a kept token still dies at its expiry
    monkeypatch.setattr(
        time, "time", lambda: jwt.decode(token, options={"verify_signature": False})["exp"] + 1
    )
    with pytest.raises(Unauthorized) as e:
        await verifier.verify(token)
    assert e.value.code == "token_expired"


def _png(size=(40, 40), mode="RGB", exif=False) -> bytes:
    out = io.BytesIO()
    img = Image.new(mode, size, "red")
    kwargs = {}
    if exif:
        e = Image.Exif()
        e[0x010F] = "SecretCamera"
        kwargs["exif"] = e.tobytes()
    img.save(out, format="PNG", **kwargs)
    return out.getvalue()


def _jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    e = Image.Exif()
    e[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPS
    e[0x010F] = "SecretCamera"
    Image.new("RGB", (30, 30), "blue").save(out, format="JPEG", exif=e.tobytes())
    return out.getvalue()


def test_image_is_reencoded_without_exif():
    checked = check_file_sync(_jpeg_with_exif(), {"jpeg", "png"})
    assert checked.kind == "jpeg" and b"SecretCamera" not in checked.data
    assert not Image.open(io.BytesIO(checked.data)).getexif()


def test_renamed_pdf_is_not_an_image():
    with pytest.raises(UnsupportedMedia):
        check_file_sync(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", {"png", "jpeg"})


def test_polyglot_image_with_pdf_inside_is_refused():
    with pytest.raises(UnsupportedMedia) as e:
        check_file_sync(_png() + b"%PDF-1.4 hidden", {"png"})
    assert e.value.code == "file_polyglot"


def test_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, format="PNG")
    with pytest.raises(Invalid) as e:
        check_file_sync(out.getvalue(), {"png"}, max_pixels=25_000_000)
    assert e.value.code == "image_too_many_pixels"


def test_truncated_image_is_refused():
    with pytest.raises(Invalid):
        check_file_sync(_png()[:60], {"png"})


def _pdf(extra: bytes = b"") -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(100, 700, "evidence")
    c.save()
    data = out.getvalue()
    return data.replace(b"%%EOF", extra + b"%%EOF") if extra else data


def test_plain_pdf_is_accepted_scripted_is_refused():
    assert check_file_sync(_pdf(), {"pdf"}).kind == "pdf"
    with pytest.raises(UnsupportedMedia) as e:
        check_file_sync(_pdf(b"9 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n"), {"pdf"})
    assert e.value.code == "pdf_active_content"


def test_download_links_expire_and_cannot_be_forged():
    token = sign_download(
        "s3cret",
        service="certificate",
        bucket="b",
        key="k/1",
        filename="证书.pdf",
        content_type="application/pdf",
        ttl=60,
    )
    assert verify_download("s3cret", token, service="certificate", bucket="b")["key"] == "k/1"
    with pytest.raises(NotFound):
        verify_download("other", token, service="certificate", bucket="b")
    with pytest.raises(NotFound):
        verify_download("s3cret", "证书." + token, service="certificate", bucket="b")
    expired = sign_download(
        "s3cret", service="certificate", bucket="b", key="k", filename="a", content_type="x", ttl=-1
    )
    with pytest.raises(NotFound) as e:
        verify_download("s3cret", expired, service="certificate", bucket="b")
    assert e.value.code == "download_link_expired"


def test_download_links_are_per_service_and_per_bucket():
    """One service's link opens nothing at another, even with the same LP_DOWNLOAD_SECRET; and a route
    opens only the bucket it serves."""
    token = sign_download(
        "s3cret",
        service="certificate",
        bucket="lp-certificates",
        key="k",
        filename="a.pdf",
        content_type="application/pdf",
        ttl=60,
    )
    with pytest.raises(NotFound) as e:
        verify_download("s3cret", token, service="declaration", bucket="lp-certificates")
    assert e.value.code == "download_link_invalid"
    with pytest.raises(NotFound):
        verify_download("s3cret", token, service="certificate", bucket="lp-evidence")
    # the body names its service and bucket; swapping them breaks the signature
    body, _, mac = token.partition(".")
    import base64
    import json

    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert data["s"] == "certificate" and data["b"] == "lp-certificates"
    data["b"] = "lp-evidence"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=") + "." + mac
    with pytest.raises(NotFound):
        verify_download("s3cret", forged, service="certificate", bucket="lp-evidence")


def test_phones_masked_and_secrets_dropped_in_logs():
    assert mask("13812345678") == "138****5678"
    assert mask_in_text("联系电话13812345678，备用 15900001111") == "联系电话138****5678，备用 159****1111"
    event = _scrub(
        {"event": "login", "phone": "13812345678", "password": "x", "nested": {"sms_code": "123456"}}
    )
    assert json.dumps(event, ensure_ascii=False).count("13812345678") == 0
    assert event["password"] == "***" and event["nested"]["sms_code"] == "***"


def test_sealed_phone_round_trip():
    sealer = Sealer(DEV_PII_KEY)
    token = sealer.seal("13812345678")
    assert "13812345678" not in token and sealer.unseal(token) == "13812345678"


def test_size_errors_are_chinese():
    assert "过大" in TooLarge().message


def test_pdf_with_html_appended_is_refused():
    with pytest.raises(UnsupportedMedia) as e:
        check_file_sync(
            _pdf() + b"\n<!doctype html><html><body><script>alert(1)</script></body></html>", {"pdf"}
        )
    assert e.value.code == "file_polyglot"


def test_jpeg_with_zip_appended_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "green").save(out, format="JPEG")
    with pytest.raises(UnsupportedMedia) as e:
        check_file_sync(out.getvalue() + b"PK\x03\x04" + bytes(range(256)) * 8, {"jpeg"})
    assert e.value.code == "file_polyglot"


def test_name_or_declared_type_must_match_content():
    from kit.uploads import check_declared_type

    check_declared_type("pdf", "检测报告.PDF", "application/pdf")
    check_declared_type("png", "scan", "application/octet-stream")
    with pytest.raises(UnsupportedMedia) as e:
        check_declared_type("png", "证明.pdf", "image/png")
    assert e.value.code == "file_type_mismatch" and "PNG" in e.value.message
    with pytest.raises(UnsupportedMedia):
        check_declared_type("pdf", "授权书.png", "application/pdf")
    with pytest.raises(UnsupportedMedia):
        check_declared_type("jpeg", "photo.jpg", "image/png")


async def test_account_revocation_refuses_older_tokens_and_accepts_newer_in_the_same_second(keys):
    import asyncio

    import redis.asyncio as aioredis
    from kit.security import revoke_account_sessions

    private, public = keys
    redis = aioredis.from_url("redis://127.0.0.1:6379/15", decode_responses=True)
    verifier = TokenVerifier(public, issuer="lp-auth", audience="lp-platform", redis=redis)
    issuer = _issuer(private)
    account = uuid.uuid4()

    def token() -> str:
        return issuer.access_token(
            account_id=account,
            org_id=uuid.uuid4(),
            org_type="enterprise",
            org_name="甲",
            session_id=uuid.uuid4().hex,
        )

    old = token()
    await asyncio.sleep(0.01)
    await revoke_account_sessions(redis, account, 60)
    await asyncio.sleep(0.01)
    new = token()
    with pytest.raises(Unauthorized) as e:
        await verifier.verify(old)
    assert e.value.code == "token_revoked"
    assert (await verifier.verify(new)).account_id == account
    await redis.aclose()


def test_exif_orientation_is_applied_before_it_is_dropped():
    out = io.BytesIO()
    e = Image.Exif()
    e[0x0112] = 6  # rotate 90° clockwise to display
    Image.new("RGB", (60, 20), "blue").save(out, format="JPEG", exif=e.tobytes())
    checked = check_file_sync(out.getvalue(), {"jpeg"})
    assert Image.open(io.BytesIO(checked.data)).size == (20, 60)


def test_settled_heap_keeps_start_up_objects_out_of_collections():
    import gc

    from kit import heap

    threshold = gc.get_threshold()
    try:
        permanent = [object() for _ in range(1000)]
        heap.settle()
        assert gc.get_freeze_count() >= len(permanent)  # what survived start-up is no longer walked
        assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
        garbage = []
        garbage.append(garbage)  # a cycle made while serving is still collected
        del garbage
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


async def test_signing_key_rotation_with_key_ids_and_several_public_keys():
    """During a rotation the public key file holds the old and the new key: tokens of either verify; a
    token names its key (kid); once the old key is removed its tokens are refused, others are not."""
    from cryptography.hazmat.primitives import serialization

    old_private, old_public = generate_keypair()
    new_private, new_public = generate_keypair()
    old = TokenIssuer(old_private, issuer="lp-auth", audience="lp-platform")
    new = TokenIssuer(new_private, issuer="lp-auth", audience="lp-platform")
    assert old.kid != new.kid

    def token(issuer: TokenIssuer) -> str:
        return issuer.access_token(
            account_id=uuid.uuid4(),
            org_id=uuid.uuid4(),
            org_type="enterprise",
            org_name="甲",
            session_id=uuid.uuid4().hex,
        )

    old_token, new_token = token(old), token(new)
    assert jwt.get_unverified_header(new_token)["kid"] == new.kid

    both = TokenVerifier(old_public + new_public, issuer="lp-auth", audience="lp-platform", redis=None)
    assert (await both.verify(old_token)).org_name == "甲"
    assert (await both.verify(new_token)).org_name == "甲"

    new_only = TokenVerifier(new_public, issuer="lp-auth", audience="lp-platform", redis=None)
    await new_only.verify(new_token)
    with pytest.raises(Unauthorized) as refused:
        await new_only.verify(old_token)
    assert refused.value.code == "token_invalid"

    # A token from before key ids (no kid) is tried against every key held.
    claims = jwt.decode(old_token, options={"verify_signature": False})
    legacy = jwt.encode(
        claims, serialization.load_pem_private_key(old_private, password=None), algorithm="EdDSA"
    )
    assert "kid" not in jwt.get_unverified_header(legacy)
    await both.verify(legacy)
    with pytest.raises(Unauthorized):
        await new_only.verify(legacy)
    # A kid naming a key nobody holds, even with a valid signature of another held key, is refused.
    forged = jwt.encode(
        claims,
        serialization.load_pem_private_key(new_private, password=None),
        algorithm="EdDSA",
        headers={"kid": "not-a-key-we-hold"},
    )
    with pytest.raises(Unauthorized):
        await both.verify(forged)


def test_principal_and_settings_carry_enums_that_still_equal_their_strings():
    from kit.security import OrgType, Principal
    from kit.settings import Env

    principal = Principal(uuid.uuid4(), uuid.uuid4(), "agency", "某评估机构", "sid")
    assert principal.org_type is OrgType.agency and principal.org_type == "agency"
    assert principal.org_type.label == "评估机构"
    with pytest.raises(ValueError):
        Principal(uuid.uuid4(), uuid.uuid4(), "admin", "x", "sid")
    settings = ServiceSettings(**{**STRONG, "env": "test"})
    assert settings.env == Env.test and settings.env == "test" and f"{settings.env}" == "test"
