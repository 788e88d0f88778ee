"""The list page's contains-filters (企业标准号, 企业名称) as gram lookups.

The database keeps, per declaration, the lower-cased single characters and neighbouring pairs of the
standard number and the enterprise name, each behind a field prefix (``lp_search_grams`` in migration
c5e2a8f41d17, a generated column with a GIN index). A search term of any length then needs only the grams
below, all of which a matching row must carry: one character is its own gram, longer terms are their
pairs. The lookup narrows the rows; the ILIKE beside it keeps the exact meaning of "contains".
"""

from __future__ import annotations

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
