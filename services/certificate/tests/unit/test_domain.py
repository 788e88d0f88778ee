from datetime import UTC, date, datetime

import pytest
from certificate.domain.numbers import normalise_number
from certificate.domain.statuses import CertificateStatus, check_transition, require_valid
from certificate.domain.validity import add_months, china_today, is_past, valid_until
from kit.errors import Conflict

V, R, E = CertificateStatus.VALID, CertificateStatus.REVOKED, CertificateStatus.EXPIRED


@pytest.mark.parametrize(("current", "new"), [(V, R), (V, E)])
def test_a_valid_certificate_may_end(current, new):
    check_transition(current, new)


@pytest.mark.parametrize(
    ("current", "new", "code"),
    [
        (R, R, "certificate_revoked"),
        (R, E, "certificate_revoked"),
        (E, R, "certificate_expired"),
        (E, E, "certificate_expired"),
        (V, V, "certificate_status_conflict"),
    ],
)
def test_an_ended_certificate_stays_ended(current, new, code):
    with pytest.raises(Conflict) as info:
        check_transition(current, new)
    assert info.value.code == code


def test_only_valid_certificates_take_labels_and_stamps():
    require_valid(V)
    for status in (R, E):
        with pytest.raises(Conflict):
            require_valid(status)


def test_validity_counts_calendar_months_and_ends_the_day_before():
    assert valid_until(date(2024, 1, 15), 36) == date(2027, 1, 14)
    assert valid_until(date(2024, 2, 29), 12) == date(2025, 2, 27)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert not is_past(date(2027, 1, 14), date(2027, 1, 14))
    assert is_past(date(2027, 1, 14), date(2027, 1, 15))


def test_the_calendar_day_is_beijing_time():
    # 16:30 UTC on 31 December is already New Year's Day in Beijing.
    assert china_today(datetime(2025, 12, 31, 16, 30, tzinfo=UTC)) == date(2026, 1, 1)


def test_typed_in_numbers_are_normalised():
    assert normalise_number(" lp-2025-jd01-00012 ") == "LP-2025-JD01-00012"
    assert normalise_number("LP-2025-JD01-00012-003") == "LP-2025-JD01-00012-003"
    assert normalise_number("xj-2026-fz03-00001") == "XJ-2026-FZ03-00001"
    assert normalise_number("LP-2025-JD01") is None
    assert normalise_number("'; drop table certificates; --") is None


def _production(**overrides):
    from certificate.config import Settings

    return Settings(
        env="production",
        sms_provider="http",
        internal_token="x" * 32,
        download_secret="y" * 32,
        pii_key="QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0NTY=",
        s3_secret_key="z" * 32,
        amqp_url="amqp://lp:Vq3kP9x2mL7wR4tZ@mq:5672/",
        database_url="postgresql+asyncpg://lp:Vq3kP9x2mL7wR4tZ@db/lp",
        **{
            "signing_key_file": "/etc/lp/signing/signing-key.pem",
            "signing_cert_file": "/etc/lp/signing/signing-cert.pem",
            "signing_ca_file": "/etc/lp/signing/trusted-ca.pem",
            "qr_keyring_file": "/etc/lp/qr-keys/keyring.json",
            **overrides,
        },
    )


def test_production_refuses_qr_codes_without_an_https_public_address():
    import pytest
    from pydantic import ValidationError

    for bad in ("http://lp.example.cn", "http://127.0.0.1:8000", "https://localhost", "lp.example.cn"):
        with pytest.raises(ValidationError, match="LP_PUBLIC_BASE_URL"):
            _production(public_base_url=bad)
    assert _production(public_base_url="https://lp.example.cn").public_base_url == "https://lp.example.cn"


def test_production_refuses_to_start_without_the_mounted_signing_key():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="LP_SIGNING_KEY_FILE"):
        _production(
            public_base_url="https://lp.example.cn",
            signing_key_file=None,
            signing_cert_file=None,
            signing_ca_file=None,
        )
    with pytest.raises(ValidationError, match="go together"):
        _production(public_base_url="https://lp.example.cn", signing_ca_file=None)


def test_any_environment_refuses_a_public_address_that_is_not_a_url():
    import pytest
    from certificate.config import Settings
    from pydantic import ValidationError

    for bad in ("lp.example.cn", "ftp://lp.example.cn", "https://", "https://lp.example.cn/?a=1"):
        with pytest.raises(ValidationError, match="LP_PUBLIC_BASE_URL"):
            Settings(public_base_url=bad)
    assert Settings(public_base_url="http://192.168.1.20:8000").public_base_url == "http://192.168.1.20:8000"
