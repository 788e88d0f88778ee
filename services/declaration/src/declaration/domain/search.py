"""The list page's contains-filters (企业标准号, 企业名称) as gram lookups.

The database keeps, per declaration, the lower-cased single characters and neighbouring pairs of the
standard number and the enterprise name, each behind a field prefix (``lp_search_grams`` in migration
c5e2a8f41d17, a generated column with a GIN index). A search term of any length then needs only the grams
below, all of which a matching row must carry: one character is its own gram, longer terms are their
pairs. The lookup narrows the rows; the ILIKE beside it keeps the exact meaning of "contains".

A term is searched as typed and in its normal form (``kit.text.normalise``: full-width ＱＢ５２０ is QB520),
so a full-width term finds the half-width text people usually store, and a stored full-width text（北京）
is still found as typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from kit.text import contains_pattern, normalise

STANDARD_NO = "s:"
ENTERPRISE_NAME = "e:"


def grams(prefix: str, value: str) -> list[str]:
    """Every gram the database stores for ``value`` (sorted, distinct), as ``lp_search_grams`` does."""
    text = value.lower()
    found = {text[i] for i in range(len(text))} | {text[i : i + 2] for i in range(len(text) - 1)}
    return sorted(prefix + g for g in found)


def _same_case_everywhere(ch: str) -> bool:
    # ASCII lower-cases alike in Python and PostgreSQL; caseless characters (汉字, digits, punctuation)
    # are their own lower case in both. Anything else might be folded differently by the database.
    return ch.isascii() or ch.lower() == ch.upper() == ch


def required(prefix: str, term: str) -> list[str]:
    """The grams a row must carry to contain ``term``: empty for an empty term, and empty when the term has
    letters whose lower case the database might fold differently (the ILIKE alone decides then)."""
    if not all(_same_case_everywhere(ch) for ch in term):
        return []
    text = term.lower()
    if len(text) <= 1:
        return [prefix + text] if text else []
    return sorted({prefix + text[i : i + 2] for i in range(len(text) - 1)})


@dataclass(frozen=True)
class Spelling:
    """One spelling of a search term: the grams a matching row carries, and the ILIKE pattern that decides."""

    grams: list[str]
    pattern: str


def term(raw: str | None) -> str:
    return (raw or "").strip()


def spellings(prefix: str, text: str) -> list[Spelling]:
    """The term as typed and in its normal form (one spelling when they agree); none for an empty term."""
    if not text:
        return []
    forms = dict.fromkeys((text, normalise(text)))
    return [Spelling(required(prefix, form), contains_pattern(form)) for form in forms if form]


def patterns(text: str) -> list[str]:
    """The ILIKE patterns of the term as typed and in its normal form."""
    return [s.pattern for s in spellings("", text)]
