"""The public verification page behind every QR code (/verify/<code>, routed here by the gateway).

Server-rendered and readable without script: a phone camera or an in-app browser opens it directly and it
shows the live status at once, mobile first. The only other requests are the page's stylesheet and a small
optional script, served by this service from the same origin (``/verify/static/``), so a strict
Content-Security-Policy needs no inline style or script. The script only offers the offline signature
check when the QR code's URL carried its signed fragment (``certificate.offline``): a link to the portal's
verify page with the fragment, which checks it in the browser. Every value is HTML-escaped.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files

from certificate.api.schemas import VerifyOut
from certificate.domain.statuses import UNKNOWN, UNKNOWN_LABEL

STYLESHEET_PATH = "/verify/static/verify.css"
SCRIPT_PATH = "/verify/static/offline.js"
_ICONS = {"valid": "✔", "revoked": "✖", "expired": "⌛", "unknown": "?"}


@cache
def stylesheet() -> bytes:
    return (files("certificate.api") / "static" / "verify.css").read_bytes()


@cache
def script() -> bytes:
    return (files("certificate.api") / "static" / "offline.js").read_bytes()


def _row(label: str, value: object) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list):
        value = "、".join(str(v) for v in value)
    return f"<div><dt>{escape(label)}</dt><dd>{escape(str(value))}</dd></div>"


def verify_page(result: VerifyOut | None, code: str = "") -> str:
    """The page for a verification result; None is a code or number nobody issued."""
    if result is None:
        hint = (
            '<p class="hint">请核对二维码是否完整清晰，或在平台首页输入证书编号、标识编号查验。'
            "如对证书真伪有疑问，请联系发证的评估机构。</p>"
        )
        return _page(UNKNOWN, UNKNOWN_LABEL, code, hint)
    return _page(result.status, result.status_label, "", _rows(result))


def _rows(result: VerifyOut) -> str:
    rows = "".join(
        (
            _row("类型", result.kind_label),
            _row("编号", result.number),
            _row("企业名称", result.enterprise_name),
            _row(
                "企业标准", f"{result.standard_no}《{result.standard_name}》" if result.standard_no else None
            ),
            _row("重点领域产品", result.key_field_product),
            _row("产品名称", result.product_name),
            _row("规格型号", result.models),
            _row("星级", f"{result.star} 星级" if result.star else None),
            _row("评估年度", f"{result.year}年度" if result.year else None),
            _row("评估机构", result.agency_name),
            _row("所属证书", result.certificate_number),
            _row("发证日期", result.issued_on),
            _row("有效期至", result.valid_until),
            _row("撤销原因", result.revoked_reason),
        )
    )
    return f"<dl>{rows}</dl>" if rows else ""


def _page(status: str, status_label: str, code: str, body: str) -> str:
    shown = f'<div class="code">查验码：{escape(code[:64])}</div>' if code else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>证书与标识查验 - 质量分级及“领跑者”管理信息平台</title>
<link rel="stylesheet" href="{STYLESHEET_PATH}">
<script src="{SCRIPT_PATH}" defer></script>
</head>
<body><header>证书与标识查验<small>质量分级及“领跑者”管理信息平台</small></header>
<main><section class="status {status}"><div class="icon">{_ICONS[status]}</div>
<div class="text">{escape(status_label)}</div>{shown}</section>
{body}
<section class="offline" id="offline" hidden><p>本二维码带有平台国密 SM2 签名，可核验编号、企业、标准或型号、有效期是否为平台签发且未被改动。</p>
<a id="offline-link" href="/verify">核验离线签名</a></section>
<p class="actions"><a href="/">访问平台首页</a></p>
<footer>查验结果实时来自质量分级及“领跑者”管理信息平台</footer></main></body></html>"""
