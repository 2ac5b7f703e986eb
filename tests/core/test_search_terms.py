"""How a search is cut into terms: pairs of Chinese characters, whole Latin words."""

from __future__ import annotations

import pytest

from consult.core.search import parse


def terms(text: str, max_terms: int = 20) -> list[tuple[str, ...]]:
    return [t.forms for t in parse(text, max_terms=max_terms).terms]


def characters(text: str) -> list[tuple[str, ...]]:
    return [t.forms for t in parse(text, max_terms=20).characters]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("停车位", [("停车",), ("车位",)]),
        ("停", [("停",)]),
        ("老旧 停车", [("老旧",), ("停车",)]),
        ("老旧%停车", [("老旧",), ("停车",)]),  # punctuation separates, never matches
        ("2026年停车", [("2026",), ("年停",), ("停车",)]),
        ("智慧城市v2升级", [("智慧",), ("慧城",), ("城市",), ("v2",), ("升级",)]),
        ("PM2.5 Parking", [("pm2",), ("5",), ("parking",)]),
        ("Ｖ２", [("v2",)]),  # full-width letters and digits are the ASCII ones
        ("停车停车", [("停车",), ("车停",)]),  # each pair once
    ],
)
def test_a_query_is_cut_into_character_pairs_and_words(text, expected):
    assert terms(text) == expected


def test_a_traditional_query_is_searched_in_simplified_as_well():
    assert terms("停車位") == [("停车", "停車"), ("车位", "車位")]
    assert characters("停車") == [("停",), ("车", "車")]


@pytest.mark.parametrize("text", ["%", "_", "？！……", "——", "\\", "   "])
def test_only_punctuation_is_no_query(text):
    assert not parse(text, max_terms=20)


def test_a_long_query_counts_only_its_first_terms():
    assert len(terms("东湖区老旧小区停车设施改造实施方案" * 5, max_terms=6)) == 6


def test_the_characters_are_the_last_resort_only_beyond_one_character():
    assert characters("停") == []
    assert characters("车位") == [("车",), ("位",)]
