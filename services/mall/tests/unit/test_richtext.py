"""The introduction's sanitiser: what an attacker writes into the rich-text editor never runs in a reader's
browser, while ordinary formatting and the model's own pictures survive."""

from __future__ import annotations

import uuid

import pytest
from mall.domain.richtext import picture_url, sanitise_introduction

OWN = uuid.uuid4()
OTHER = uuid.uuid4()


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<p onclick="alert(1)">点我</p>',
        '<a href="javascript:alert(1)">链接</a>',
        '<a href="JaVaScRiPt:alert(1)">链接</a>',
        '<a href="&#106;avascript:alert(1)">链接</a>',
        '<iframe src="https://evil.example"></iframe>',
        "<svg onload=alert(1)><circle/></svg>",
        '<p style="background:url(javascript:alert(1))">样式</p>',
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
        "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
        '<form action="https://evil.example"><input name=a></form>',
        "<object data=x></object><embed src=x>",
        '<div><style>@import "https://evil.example/x.css";</style></div>',
    ],
)
def test_nothing_executable_survives(raw: str) -> None:
    clean = sanitise_introduction(raw, own_pictures=[OWN]).html.lower()
    for marker in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "<iframe",
        "<svg",
        "style",
        "data:",
        "<form",
        "<input",
        "<object",
        "<embed",
        "@import",
    ):
        assert marker not in clean, (raw, clean)


def test_formatting_and_links_are_kept() -> None:
    raw = '<h2>产品特点</h2><p><strong>一级能效</strong>，<em>静音</em></p><ul><li>容量 520 升</li></ul><a href="https://example.cn">官网</a>'
    clean = sanitise_introduction(raw, own_pictures=[])
    assert "<h2>产品特点</h2>" in clean.html
    assert "<strong>一级能效</strong>" in clean.html
    assert "<li>容量 520 升</li>" in clean.html
    assert 'href="https://example.cn"' in clean.html
    assert 'rel="noopener noreferrer nofollow"' in clean.html
    assert clean.text.startswith("产品特点")
    assert not clean.is_empty


def test_only_the_models_own_pictures_are_shown() -> None:
    raw = (
        f'<p>图文介绍</p><img src="{picture_url(OWN)}" alt="正面"><img src="{picture_url(OWN, thumb=True)}">'
        f'<img src="{picture_url(OTHER)}"><img src="https://evil.example/track.png">'
        f'<img src="{picture_url(OWN)}/../../../admin">'
    )
    clean = sanitise_introduction(raw, own_pictures=[OWN])
    assert clean.picture_ids == {OWN}
    assert clean.html.count("<img") == 2
    assert str(OTHER) not in clean.html
    assert "evil.example" not in clean.html
    assert "admin" not in clean.html


def test_a_picture_alone_is_an_introduction_but_whitespace_is_not() -> None:
    assert not sanitise_introduction(f'<img src="{picture_url(OWN)}">', own_pictures=[OWN]).is_empty
    assert sanitise_introduction("<p>  </p><br><script>x</script>", own_pictures=[OWN]).is_empty
    assert sanitise_introduction(f'<img src="{picture_url(OTHER)}">', own_pictures=[OWN]).is_empty


def test_text_is_escaped_not_interpreted() -> None:
    clean = sanitise_introduction("1 &lt; 2 &amp;&amp; <b>3 > 2</b>", own_pictures=[])
    assert "<b>3 &gt; 2</b>" in clean.html
    assert clean.text == "1 < 2 && 3 > 2"
