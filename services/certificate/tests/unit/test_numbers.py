from certificate.domain.numbers import (
    certificate_number,
    field_code,
    is_well_formed_verify_code,
    label_number,
    new_verify_code,
    star_label_number,
    verify_url,
)


def test_certificate_number_scheme():
    assert certificate_number(year=2023, product_code="jd-01", seq=12) == "LP-2023-JD01-00012"
    assert label_number(certificate_number="LP-2023-JD01-00012", model_seq=3) == "LP-2023-JD01-00012-003"
    assert star_label_number(year=2024, product_code="FZ03", seq=7) == "XJ-2024-FZ03-00007"


def test_field_code_keeps_only_safe_characters():
    assert field_code("家电/JD 01") == "JD01"
    assert field_code("ABCDEFGHIJK") == "ABCDEFGH"
    assert field_code("家用电冰箱") == "X"


def test_verify_codes_are_unguessable_and_well_formed():
    codes = {new_verify_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(is_well_formed_verify_code(c) for c in codes)
    assert not is_well_formed_verify_code("LP-2023-JD01-00012")
    assert not is_well_formed_verify_code("a" * 21)
    assert not is_well_formed_verify_code("../../etc/passwd000000")


def test_verify_url_joins_cleanly():
    assert verify_url("https://lp.example.cn/", "abc") == "https://lp.example.cn/verify/abc"
