"""Chinese keyword search by character pairs: the grams a query needs are always among the grams of a
document that contains the query, and the helpers refuse nothing a user may reasonably type."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from mall.domain.completeness import describe_missing, missing_requirements
from mall.domain.search import document, query_terms, region_prefix, region_range
from mall.domain.statuses import Requirement


def test_chinese_words_inside_longer_names_are_found() -> None:
    text, grams = document(["家用电冰箱", "BCD-520WKPZM", "美途集团股份有限公司"])
    for q in ("冰箱", "电冰箱", "冰", "美途", "bcd-520", "ＢＣＤ", "520wk"):
        for term in query_terms(q):
            assert set(term.grams) <= set(grams), q
            assert term.text in text, q


def test_a_word_not_in_the_document_needs_grams_it_lacks() -> None:
    _, grams = document(["家用电冰箱"])
    [term] = query_terms("洗衣机")
    assert not set(term.grams) <= set(grams)


def test_short_single_run_terms_are_decided_by_grams_alone() -> None:
    assert [t.exact for t in query_terms("冰 冰箱 电冰箱 bcd-5 ab")] == [True, True, False, False, True]


def test_query_is_bounded_and_split_on_whitespace() -> None:
    assert [t.text for t in query_terms("  冰箱   一级能效 ")] == ["冰箱", "一级能效"]
    assert len(query_terms("a b c d e f g h")) == 5
    assert query_terms("   ") == []
    assert query_terms("%%% ___") == []


@given(
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["Lo", "Lu", "Ll", "Nd", "Zs", "Pd"]), max_size=40
    ),
    st.data(),
)
def test_every_substring_of_a_document_is_findable(text: str, data) -> None:
    doc_text, grams = document([text])
    if not doc_text:
        return
    start = data.draw(st.integers(0, len(doc_text) - 1))
    end = data.draw(st.integers(start + 1, len(doc_text)))
    fragment = doc_text[start:end]
    for term in query_terms(fragment):
        assert set(term.grams) <= set(grams)
        assert term.text in doc_text


def test_full_width_and_upper_case_are_folded_in_documents_and_queries() -> None:
    text, grams = document(["ＢＣＤ－５２０", "Ab"])
    assert text == "bcd-520 | ab"
    assert {"a", "b", "ab", "bc", "cd"} <= set(grams)
    assert [t.text for t in query_terms("ＢＣＤ")] == ["bcd"]


def test_region_range() -> None:
    assert region_range("440000") == ("44", "45")
    assert region_range("440300") == ("4403", "4404")
    assert region_range("99") == ("99", None)
    assert region_range("北京") is None


def test_region_prefix() -> None:
    assert region_prefix("110000") == "11"
    assert region_prefix("440300") == "4403"
    assert region_prefix("440305") == "440305"
    assert region_prefix("44") == "44"
    assert region_prefix("abc") is None
    assert region_prefix("1234567") is None


def test_missing_items_in_chinese() -> None:
    missing = missing_requirements(has_introduction=False, picture_count=0, has_brand=True)
    assert missing == [Requirement.INTRODUCTION, Requirement.PICTURES]
    assert describe_missing(missing) == "宣传材料不完整，请补充：产品介绍、产品图片（至少 1 张）"
    assert missing_requirements(has_introduction=True, picture_count=1, has_brand=True) == []
