"""The public verification page behind every QR code (/verify/<code>).

Server-rendered and self-contained (no script, no external asset): a phone camera opens it
directly and it must show the live status at once. Every value is HTML-escaped.
"""

from __future__ import annotations

from html import escape

from certificate.api.schemas import VerifyOut
from certificate.domain.status import UNKNOWN, UNKNOWN_LABEL

_COLOURS = {"valid": "#1a7f37", "revoked": "#c8161d", "expired": "#9a6700", "unknown": "#57606a"}
_ICONS = {"valid": "✔", "revoked": "✖", "expired": "⌛", "unknown": "?"}


def _row(label: str, value: object) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list):
        value = "、".join(str(v) for v in value)
    return f"<tr><th>{escape(label)}</th><td>{escape(str(value))}</td></tr>"


def verify_page(result: VerifyOut | None) -> str:
    """The page for a verification result; None is a code or number nobody issued."""
    if result is None:
        return _page(UNKNOWN, UNKNOWN_LABEL, "")
    return _page(result.status, result.status_label, _rows(result))


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
    return f"<table>{rows}</table>" if rows else ""


def _page(status: str, status_label: str, table: str) -> str:
    colour = _COLOURS[status]
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>证书与标识查验 - 质量分级及“领跑者”管理信息平台</title>
<style>
body{{margin:0;font-family:"PingFang SC","Microsoft YaHei","WenQuanYi Zen Hei",sans-serif;background:#f5f6f8;color:#1f2328}}
header{{background:#0e3f7e;color:#fff;padding:14px 18px;font-size:17px}}
main{{max-width:640px;margin:18px auto;padding:0 14px}}
.status{{background:#fff;border-radius:8px;padding:22px;text-align:center;border-top:6px solid {colour}}}
.status .icon{{font-size:40px;color:{colour}}}
.status .text{{font-size:24px;font-weight:bold;color:{colour};margin-top:6px}}
table{{width:100%;margin-top:14px;background:#fff;border-radius:8px;border-collapse:collapse}}
th,td{{padding:10px 12px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top;font-size:15px}}
th{{width:30%;color:#57606a;font-weight:normal;white-space:nowrap}}
footer{{text-align:center;color:#8c959f;font-size:12px;margin:18px 0}}
</style></head>
<body><header>企业标准“领跑者” · 证书与标识查验</header>
<main><section class="status"><div class="icon">{_ICONS[status]}</div>
<div class="text">{escape(status_label)}</div></section>
{table}
<footer>查验结果实时来自质量分级及“领跑者”管理信息平台</footer></main></body></html>"""
