"""Text matching plumbing shared by the services' searches: one normalisation, LIKE escaping, and the
character n-grams that let a GIN index answer "contains" for Chinese text (which has no spaces to split
words on). The searches themselves (which fields, which index) stay in each service's domain."""

from __future__ import annotations

import re
import unicodedata

_WORD_SEPARATORS = re.compile(r"[^\w]+|_+")


def normalise(text: str) -> str:
    """The one form searched text and search terms are compared in: NFKC folds full-width letters and
    digits (ＢＣＤ５２０) to ASCII and compatibility forms to their plain characters; case is ignored."""
    return unicodedata.normalize("NFKC", text).casefold()


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards (``%``, ``_``) and its escape character (``\\``) escaped, so it matches
    only itself (PostgreSQL's default escape character is the backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(text: str) -> str:
    """A LIKE/ILIKE pattern matching ``text`` anywhere, wildcards in ``text`` taken literally."""
    return f"%{escape_like(text)}%"


def word_runs(text: str) -> list[str]:
    """The runs of letters, digits and ideographs of ``text`` (punctuation, spaces and ``_`` separate)."""
    return [run for run in _WORD_SEPARATORS.split(text) if run]


def grams(text: str) -> set[str]:
    """Every character and every pair of neighbouring characters of ``text``, as stored for a document."""
    return set(text) | {text[i : i + 2] for i in range(len(text) - 1)}


def required_grams(term: str) -> set[str]:
    """The grams every text containing ``term`` carries: its pairs, or the term itself when it is one
    character (empty for an empty term). They narrow the candidates; a substring check confirms."""
    if len(term) <= 1:
        return {term} if term else set()
    return {term[i : i + 2] for i in range(len(term) - 1)}
