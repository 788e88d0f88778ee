"""The search plumbing: one normalisation (full-width input finds ASCII text), LIKE wildcards taken literally,
and the grams a term needs being among the grams of every text that contains it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kit.text import contains_pattern, escape_like, grams, normalise, required_grams, word_runs


def test_full_width_and_case_fold_to_one_form():
    assert normalise("ＢＣＤ－５２０ｗｋ") == normalise("bcd-520WK") == "bcd-520wk"
    assert normalise("Straße") == "strasse"
    assert normalise("家用电冰箱") == "家用电冰箱"


@pytest.mark.parametrize(
    ("term", "escaped"),
    [
        ("50%", "50\\%"),
        ("a_b", "a\\_b"),
        ("C:\\dir", "C:\\\\dir"),
        ("\\%_", "\\\\\\%\\_"),
        ("家用电器", "家用电器"),
    ],
)
def test_like_wildcards_and_the_escape_character_are_literal(term, escaped):
    assert escape_like(term) == escaped
    assert contains_pattern(term) == f"%{escaped}%"


def _like(pattern: str, text: str) -> bool:
    """LIKE's semantics with the backslash as escape character, to check the patterns match literally."""
    regex, chars = "", iter(pattern)
    for ch in chars:
        if ch == "\\":
            regex += re.escape(next(chars))
        elif ch == "%":
            regex += ".*"
        elif ch == "_":
            regex += "."
        else:
            regex += re.escape(ch)
    return re.fullmatch(regex, text, re.DOTALL) is not None


@given(st.text(max_size=12), st.text(max_size=12), st.text(max_size=12))
def test_a_contains_pattern_matches_exactly_the_texts_containing_the_term(before, term, after):
    assert _like(contains_pattern(term), before + term + after)


def test_a_wildcard_in_the_term_does_not_match_other_characters():
    assert not _like(contains_pattern("50%"), "500 off")
    assert not _like(contains_pattern("a_b"), "axb")
    assert not _like(contains_pattern("a\\b"), "ab")


def test_runs_split_on_punctuation_spaces_and_underscores():
    assert word_runs("bcd-520 家用_电器") == ["bcd", "520", "家用", "电器"]


def test_grams_are_characters_and_neighbouring_pairs():
    assert grams("冰箱") == {"冰", "箱", "冰箱"}
    assert required_grams("电冰箱") == {"电冰", "冰箱"}
    assert required_grams("冰") == {"冰"}
    assert required_grams("") == set()


@given(st.text(max_size=8), st.text(min_size=1, max_size=6), st.text(max_size=8))
def test_the_required_grams_of_a_term_are_in_every_text_containing_it(before, term, after):
    assert required_grams(term) <= grams(before + term + after)


def test_full_width_input_needs_the_grams_of_the_ascii_text():
    stored = grams(normalise("BCD-520WKPZM"))
    assert required_grams(normalise("ＢＣＤ－５２０")) <= stored
