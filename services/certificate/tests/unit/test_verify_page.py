from certificate.api.pages import verify_page
from certificate.api.schemas import VerifyOut


def test_the_page_escapes_what_enterprises_typed():
    result = VerifyOut(
        status="revoked",
        status_label="已撤销",
        kind="certificate",
        kind_label="企业标准“领跑者”证书",
        number="LP-2025-JD01-00001",
        enterprise_name="<script>alert(1)</script>有限公司",
        revoked_reason="标准已废止 <img src=x onerror=alert(1)>",
    )
    page = verify_page(result)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;有限公司" in page
    assert "<img" not in page
    assert "已撤销" in page and "LP-2025-JD01-00001" in page


def test_an_unknown_code_says_so():
    page = verify_page(None)
    assert "未查询到该证书或标识" in page
    assert "<table>" not in page
