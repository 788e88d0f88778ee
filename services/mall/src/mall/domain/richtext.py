"""The product introduction is rich text written in the portal's editor. It is sanitised with nh3 (the
ammonia HTML sanitiser) on the way in, so what we store and serve is always safe to render: a small set
of formatting tags, links with safe schemes, and images only when they are this model's own pictures
served by the mall. No script, no event handler, no style, no javascript: URL survives."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import nh3

MAX_INTRODUCTION_CHARS = 20_000

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "div",
    "span",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Content dropped together with the tag (not just unwrapped into text).
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math"}

PICTURE_PATH = re.compile(
    r"^/api/mall/pictures/(?P<id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"(?:\?size=(?:thumb|full))?$"
)
_DIMENSION = re.compile(r"^\d{1,4}$")


def picture_url(picture_id: uuid.UUID, *, thumb: bool = False) -> str:
    return f"/api/mall/pictures/{picture_id}" + ("?size=thumb" if thumb else "")


@dataclass(frozen=True)
class CleanIntroduction:
    html: str
    text: str  # the visible text, for the "has an introduction" check
    picture_ids: frozenset[uuid.UUID]  # our pictures the introduction shows

    @property
    def is_empty(self) -> bool:
        return not self.text.strip() and not self.picture_ids


def sanitise_introduction(raw: str, *, own_pictures: Iterable[uuid.UUID]) -> CleanIntroduction:
    """Keep the safe subset. An <img> survives only when it points at one of ``own_pictures`` by the
    mall's relative URL; any other image (another site, a data: URL, another model's picture) loses its
    source and is removed."""
    allowed = {str(p).lower() for p in own_pictures}
    used: set[uuid.UUID] = set()

    def _filter(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            match = PICTURE_PATH.match(value.strip())
            if match is None or match.group("id").lower() not in allowed:
                return None
            used.add(uuid.UUID(match.group("id")))
            return match.group(0)
        if attribute in ("width", "height"):
            return value if _DIMENSION.match(value.strip()) else None
        if attribute in ("colspan", "rowspan"):
            return value if value.strip().isdigit() and 0 < int(value) <= 20 else None
        return value

    cleaned = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # An <img> whose source was refused is an empty box; drop it rather than keep a broken image.
    cleaned = re.sub(r"<img(?![^>]*\bsrc=)[^>]*>", "", cleaned)
    text = html.unescape(nh3.clean(cleaned, tags=set()))
    return CleanIntroduction(
        html=cleaned.strip(), text=re.sub(r"\s+", " ", text).strip(), picture_ids=frozenset(used)
    )
