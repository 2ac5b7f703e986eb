"""Text search over Chinese titles and summaries, without a word segmenter.

Chinese has no spaces between words and people do not type the words the text uses: 停车位
or 车位 for a matter about 停车设施 and 停车泊位. So a query is cut into overlapping
character pairs (停车位 → 停车, 车位), Latin letters and digits into whole words (v2, 2026),
and a text matches when it holds any of them. Best matches come first: the more of the
query's pairs a text holds the better, a pair in the title counts twice what it counts in the
summary. A text holding none of the pairs but every character of the query (车位 in
增设停车泊位) still matches, after all the others; a one-character query matches that
character.

A query typed in Traditional characters (停車位) is searched in Simplified too, since the
content is stored in Simplified (a 繁體 page is a rendering of it).

In SQL this is one LIKE per term and field (an OR filter) and a sum of CASEs to order by,
which both SQLite and PostgreSQL run as a scan of the rows the other filters leave. That is
meant for a catalogue of hundreds of rows a year; a table of a million comments needs an
index (pg_trgm or FTS5) instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from consult.core.i18n import to_simplified

# Han ideographs (with the extensions and compatibility forms), kana and Hangul: written
# without spaces, so searched by pairs of characters.
_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
    "\u3040-\u309f\u30a0-\u30ff\uac00-\ud7af"
)
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>(?:(?![{_CJK}])[^\W_])+)")

TITLE_WEIGHT = 2
SUMMARY_WEIGHT = 1


@dataclass(frozen=True)
class Term:
    """One thing to look for, in each form it may be stored in (as typed, in Simplified)."""

    forms: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]  # character pairs, single characters and words
    characters: tuple[Term, ...]  # the query's Chinese characters, for the last resort

    def __bool__(self) -> bool:
        return bool(self.terms)


def _tokens(text: str) -> tuple[list[str], list[str]]:
    """(pairs and words, characters) of a text, in order of appearance."""
    terms: list[str] = []
    chars: list[str] = []
    for m in _TOKEN.finditer(text):
        if m.group("word"):
            terms.append(m.group("word"))
            continue
        run = m.group("cjk")
        chars.extend(run)
        # A run of one character is searched as that character (a one-character query).
        terms.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    return terms, chars


def _paired(typed: list[str], simplified: list[str]) -> list[Term]:
    if len(typed) != len(simplified):
        # The conversion changed a length (it does not for the characters used here); every
        # form then counts on its own.
        return [Term((t,)) for t in dict.fromkeys(simplified + typed)]
    terms = []
    for a, b in zip(simplified, typed, strict=True):
        terms.append(Term(tuple(dict.fromkeys((a, b)))))
    return terms


def _distinct(terms: list[Term], limit: int) -> tuple[Term, ...]:
    return tuple(dict.fromkeys(terms))[:limit]


def parse(text: str, *, max_terms: int) -> Query:
    """The terms of a query (already checked for length and storable characters). At most
    `max_terms` distinct terms count, so a long query cannot make a long statement."""
    # Full-width letters and digits (ｖ２) are the ASCII ones; case does not matter.
    typed = unicodedata.normalize("NFKC", text).casefold()
    simplified = to_simplified(typed)
    typed_terms, typed_chars = _tokens(typed)
    terms, chars = _tokens(simplified)
    query_terms = _distinct(_paired(typed_terms, terms), max_terms)
    characters = _distinct(_paired(typed_chars, chars), max_terms)
    # The last resort adds something only when the pairs are not the characters already.
    if len(characters) < 2:
        characters = ()
    return Query(query_terms, characters)


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _holds(column: ColumnElement, term: Term) -> ColumnElement[bool]:
    return sa.or_(*(column.ilike(f"%{_like_escape(f)}%", escape="\\") for f in term.forms))


def _score(terms: Sequence[Term], fields: Sequence[tuple[ColumnElement, int]]) -> ColumnElement:
    return sum(
        (
            sa.case((_holds(column, term), weight), else_=0)
            for term in terms
            for column, weight in fields
        ),
        start=sa.literal(0),
    )


@dataclass(frozen=True)
class Match:
    condition: ColumnElement[bool]  # for WHERE
    ranking: tuple[ColumnElement, ...]  # for ORDER BY, best first


def match(query: Query, fields: Sequence[tuple[ColumnElement, int]]) -> Match:
    """How rows whose `fields` (column, weight) hold the query are found and ordered."""
    if not query:
        return Match(sa.false(), ())
    any_term = sa.or_(*(_holds(col, t) for t in query.terms for col, _ in fields))
    if not query.characters:
        return Match(any_term, (_score(query.terms, fields).desc(),))
    every_char = sa.and_(
        *(sa.or_(*(_holds(col, c) for col, _ in fields)) for c in query.characters)
    )
    return Match(
        sa.or_(any_term, every_char),
        (_score(query.terms, fields).desc(), _score(query.characters, fields).desc()),
    )
