import re

from certificate.api.pages import SCRIPT_PATH, STYLESHEET_PATH, script, stylesheet, verify_page
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


def test_an_unknown_code_says_so_and_echoes_it_escaped():
    page = verify_page(None, '"><script>x</script>')
    assert "未查询到该证书或标识" in page
    assert "<dl>" not in page
    assert "<script>" not in page and "&quot;&gt;&lt;script&gt;" in page


def test_no_inline_script_and_no_inline_style_for_a_strict_csp():
    page = verify_page(
        VerifyOut(status="valid", status_label="有效", kind="forerunner_label", kind_label="领跑者标识")
    )
    # one script, the same-origin file that offers the offline check; nothing inline
    assert re.findall(r"<script[^>]*>(.*?)</script>", page, re.S | re.I) == [""]
    assert f'<script src="{SCRIPT_PATH}" defer></script>' in page
    assert "hidden" in page.split('id="offline"')[1].split(">")[0]  # shown only by the script
    assert "location.hash" in script().decode()
    assert "<style" not in page.lower() and not re.search(r"\sstyle=", page)
    assert f'<link rel="stylesheet" href="{STYLESHEET_PATH}">' in page
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    css = stylesheet().decode()
    assert ".valid" in css and "@media" in css
