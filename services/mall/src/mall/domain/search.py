"""Keyword search that works for Chinese text without an external engine.

Chinese has no spaces, so word tokenisers find nothing to index. Every product keeps ``search_text``
(its searchable fields, normalised by ``kit.text``) and ``search_grams``: every character and every pair of
adjacent characters within a run of letters, digits or ideographs. A GIN index on the grams array answers
``grams @> query_grams`` quickly; the candidates are then confirmed with a plain substring match on
``search_text``, so "冰箱" finds 家用电冰箱 and "bcd-520" (or full-width ＢＣＤ－５２０) finds BCD-520WKPZM, and a
query never needs more than the index plus a recheck of the candidates. The filters travel in the same
array as facets.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from kit import text

MAX_QUERY_CHARS = 50
MAX_TERMS = 5


@dataclass
class CatalogueQuery:
    category: str | None = None  # field (领域)
    product_id: uuid.UUID | None = None  # key-field product
    star: int | None = None
    brand: str | None = None
    region: str | None = None
    q: str | None = None
    sort: str = "latest"


def document(fields: Iterable[str | None], facets: Iterable[str] = ()) -> tuple[str, list[str]]:
    """``search_text`` and ``search_grams`` for a product's searchable fields. ``facets`` (see
    :func:`facet`) go into the same array, so a keyword combined with filters is one GIN lookup."""
    parts = [text.normalise(f.strip()) for f in fields if f and f.strip()]
    joined = " | ".join(parts)
    grams: set[str] = set(facets)
    for run in text.word_runs(joined):
        grams |= text.grams(run)
    return joined, sorted(grams)


def facet(name: str, value: object) -> str:
    """A filter value stored among the grams, e.g. ``f:家用电器``. Grams are one or two word characters,
    so a facet (a letter, a colon, a value) can never be mistaken for one."""
    return f"{name}:{value}"


def region_facets(region_code: str | None) -> list[str]:
    """Province, city and county of a GB/T 2260 code: 440305 → r:44, r:4403, r:440305."""
    if not region_code or not re.fullmatch(r"\d{6}", region_code):
        return []
    return [facet("r", region_code[:2]), facet("r", region_code[:4]), facet("r", region_code)]


@dataclass(frozen=True)
class Term:
    text: str  # normalised, as typed
    grams: list[str]  # every document containing the term contains these
    exact: bool  # the grams alone prove the match (one run of one or two characters): no substring check


def query_terms(q: str) -> list[Term]:
    """Each whitespace-separated term of the query with the grams a matching document must contain.
    A term needs its pairs (or its single character); the substring check then confirms adjacency."""
    terms: list[Term] = []
    for raw in text.normalise(q[:MAX_QUERY_CHARS]).split():
        runs = text.word_runs(raw)
        needed: set[str] = set()
        for run in runs:
            needed |= text.required_grams(run)
        if needed:
            terms.append(Term(raw, sorted(needed), exact=runs == [raw] and len(raw) <= 2))
        if len(terms) == MAX_TERMS:
            break
    return terms


def region_range(code: str) -> tuple[str, str | None] | None:
    """The codes under a GB/T 2260 code as a half-open range of digit strings, so a plain b-tree serves
    it (digit-only strings sort alike in every collation): 440000 → ["44", "45"), 4403 → ["4403", "4404")."""
    prefix = region_prefix(code)
    if prefix is None:
        return None
    upper = str(int(prefix) + 1).zfill(len(prefix))
    return prefix, (upper if len(upper) == len(prefix) else None)


def region_prefix(code: str) -> str | None:
    """GB/T 2260 codes are 6 digits, province-city-county; 110000 means all of Beijing, 440300 all of
    Shenzhen. The trailing zero pairs are dropped to filter by prefix."""
    code = code.strip()
    if not re.fullmatch(r"\d{2}(\d{2}){0,2}", code):
        return None
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code
