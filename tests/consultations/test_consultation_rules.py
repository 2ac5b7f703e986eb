"""Pure consultation rules: the comment window, its minimum, and how a draft splits into
numbered clauses. No database, no Flask."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from consult.consultations import rules
from consult.core.errors import RuleViolation

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
THIRTY = timedelta(days=30)


# --- the minimum window ------------------------------------------------------------------


def test_the_statutory_minimum_is_thirty_days():
    assert timedelta(days=30) == rules.MIN_COMMENT_WINDOW


@pytest.mark.parametrize(
    ("configured", "enforced"),
    [
        (None, THIRTY),
        (30, THIRTY),
        (45, timedelta(days=45)),
        (timedelta(days=60), timedelta(days=60)),
        (10, THIRTY),  # a deployment may lengthen the minimum, never shorten it
        (0, THIRTY),
        (-5, THIRTY),
        (timedelta(days=29, hours=23), THIRTY),
    ],
)
def test_a_deployment_may_lengthen_the_minimum_window_but_never_shorten_it(configured, enforced):
    assert rules.minimum_window(configured) == enforced


@pytest.mark.parametrize(
    ("length", "accepted"),
    [
        (THIRTY - SECOND, False),
        (THIRTY, True),
        (THIRTY + SECOND, True),
        (timedelta(days=90), True),
        (DAY, False),
    ],
)
def test_a_new_window_must_last_at_least_thirty_days(length, accepted):
    if accepted:
        rules.check_window(NOW, NOW + length, NOW, THIRTY)
    else:
        with pytest.raises(RuleViolation) as exc:
            rules.check_window(NOW, NOW + length, NOW, THIRTY)
        assert exc.value.field == "closes_at"


def test_a_deployment_minimum_of_45_days_refuses_a_30_day_window():
    with pytest.raises(RuleViolation) as exc:
        rules.check_window(NOW, NOW + THIRTY, NOW, rules.minimum_window(45))
    assert exc.value.field == "closes_at"
    rules.check_window(NOW, NOW + timedelta(days=45), NOW, rules.minimum_window(45))


def test_a_deployment_minimum_of_10_days_still_refuses_a_20_day_window():
    with pytest.raises(RuleViolation):
        rules.check_window(NOW, NOW + timedelta(days=20), NOW, rules.minimum_window(10))


@pytest.mark.parametrize("closes_at", [NOW - DAY, NOW - SECOND, NOW])
def test_a_window_that_closes_before_or_when_it_opens_is_refused(closes_at):
    with pytest.raises(RuleViolation) as exc:
        rules.check_window(NOW, closes_at, NOW, THIRTY)
    assert exc.value.field == "closes_at"


@pytest.mark.parametrize(
    ("opens_at", "accepted"),
    [
        (NOW - DAY, False),
        (NOW - 6 * MINUTE, False),
        (NOW - rules.OPENING_GRACE, True),  # a form filled in a few minutes earlier
        (NOW, True),
        (NOW + DAY, True),
    ],
)
def test_a_window_may_not_open_in_the_past(opens_at, accepted):
    if accepted:
        rules.check_window(opens_at, opens_at + THIRTY, NOW, THIRTY)
    else:
        with pytest.raises(RuleViolation) as exc:
            rules.check_window(opens_at, opens_at + THIRTY, NOW, THIRTY)
        assert exc.value.field == "opens_at"


# --- moving the closing time -------------------------------------------------------------

OPENED = NOW - 10 * DAY
CLOSES = OPENED + timedelta(days=40)


@pytest.mark.parametrize(
    ("new_closes_at", "accepted"),
    [
        (CLOSES + 10 * DAY, True),  # extending
        (OPENED + THIRTY, True),  # shortening, but not below the minimum
        (OPENED + THIRTY - SECOND, False),  # below the minimum
        (NOW + SECOND, False),  # (also below the minimum)
    ],
)
def test_the_closing_time_may_move_but_not_below_the_minimum(new_closes_at, accepted):
    if accepted:
        rules.check_new_closing(OPENED, CLOSES, new_closes_at, NOW, THIRTY)
    else:
        with pytest.raises(RuleViolation) as exc:
            rules.check_new_closing(OPENED, CLOSES, new_closes_at, NOW, THIRTY)
        assert exc.value.field == "closes_at"


def test_the_closing_time_may_not_move_into_the_past():
    opened = NOW - 50 * DAY
    with pytest.raises(RuleViolation) as exc:
        rules.check_new_closing(opened, NOW + DAY, NOW - SECOND, NOW, THIRTY)
    assert exc.value.field == "closes_at"


def test_a_closed_window_cannot_be_reopened():
    opened = NOW - 40 * DAY
    with pytest.raises(RuleViolation):
        rules.check_new_closing(opened, NOW - SECOND, NOW + 10 * DAY, NOW, THIRTY)


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (timedelta(days=3, hours=5, minutes=59), (3, 5)),
        (timedelta(hours=1), (0, 1)),
        (timedelta(0), (0, 0)),
        (-DAY, (0, 0)),
    ],
)
def test_time_left_rounds_down_and_stops_at_zero(left, expected):
    assert rules.time_left(NOW + left, NOW) == expected


# --- splitting a draft into clauses ------------------------------------------------------


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一", 1),
        ("二", 2),
        ("九", 9),
        ("十", 10),
        ("十一", 11),
        ("十二", 12),
        ("十九", 19),
        ("二十", 20),
        ("二十一", 21),
        ("三十五", 35),
        ("九十九", 99),
        ("一百", 100),
        ("一百零五", 105),
        ("一百二十", 120),
        ("12", 12),
    ],
)
def test_chinese_clause_numerals(numeral, value):
    assert rules.chinese_number(numeral) == value


def _draft(numbers: list[str], preamble: str = "") -> str:
    lines = [preamble] if preamble else []
    lines += [f"第{n}条 这是第{n}条的内容。" for n in numbers]
    return "\n".join(lines)


NUMERALS = [
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十三",
    "十四",
    "十五",
    "十六",
    "十七",
    "十八",
    "十九",
    "二十",
    "二十一",
]


def test_a_draft_with_twelve_clauses_splits_into_twelve_numbered_clauses():
    preamble, clauses = rules.split_draft(_draft(NUMERALS[:12], "为规范管理，制定本办法。"))
    assert preamble == "为规范管理，制定本办法。"
    assert [c.number for c in clauses] == list(range(1, 13))
    assert clauses[9].heading == "第十条"
    assert clauses[11].heading == "第十二条"
    assert clauses[11].text == "这是第十二条的内容。"


def test_clause_numbering_continues_past_twenty():
    _, clauses = rules.split_draft(_draft(NUMERALS))
    assert [c.number for c in clauses] == list(range(1, 22))
    assert clauses[19].heading == "第二十条"
    assert clauses[20].heading == "第二十一条"


def test_a_clause_keeps_its_continuation_lines():
    text = "第一条 适用范围如下：\n（一）老旧小区；\n（二）城中村。\n第二条 自发布之日起施行。"
    _, clauses = rules.split_draft(text)
    assert clauses[0].text == "适用范围如下：\n（一）老旧小区；\n（二）城中村。"
    assert clauses[1].text == "自发布之日起施行。"


def test_a_reference_to_a_clause_inside_a_sentence_does_not_start_a_clause():
    text = "第一条 依照本办法第三条的规定执行。\n第二条 自发布之日起施行。"
    _, clauses = rules.split_draft(text)
    assert [c.number for c in clauses] == [1, 2]
    assert "第三条" in clauses[0].text


def test_windows_line_endings_and_full_width_spaces_are_tolerated():
    _, clauses = rules.split_draft("第一条\u3000甲。\r\n第二条\u3000乙。")
    assert [(c.heading, c.text) for c in clauses] == [("第一条", "甲。"), ("第二条", "乙。")]


@pytest.mark.parametrize(
    "numbers",
    [
        ["一", "三"],  # a gap
        ["二", "三"],  # not starting at one
        ["一", "二", "二"],  # a repeat
        ["一", "三", "二"],  # out of order
        ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十二"],  # 十一 missing
    ],
)
def test_clauses_numbered_out_of_order_are_refused(numbers):
    with pytest.raises(RuleViolation) as exc:
        rules.split_draft(_draft(numbers))
    assert exc.value.field == "draft"


def test_a_clause_without_text_is_refused():
    with pytest.raises(RuleViolation) as exc:
        rules.split_draft("第一条 内容。\n第二条\n第三条 内容。")
    assert exc.value.field == "draft"


@pytest.mark.parametrize(
    "text",
    ["本方案对老旧小区停车设施进行改造。\n一、改造范围\n二、资金来源", "  简短的征求意见稿  ", ""],
)
def test_a_draft_without_numbered_clauses_is_all_preamble(text):
    preamble, clauses = rules.split_draft(text)
    assert clauses == []
    assert preamble == text.strip()


# --- items of a clause on their own lines --------------------------------------------------


def _lines(text):
    return [(line.text, line.item) for line in rules.clause_lines(text)]


def test_full_width_items_in_one_paragraph_get_their_own_lines():
    text = (
        "改造内容分为三类：（一）基础类：管线改造；（二）完善类：加装电梯；（三）提升类：社区养老。"
    )
    assert _lines(text) == [
        ("改造内容分为三类：", False),
        ("（一）基础类：管线改造；", True),
        ("（二）完善类：加装电梯；", True),
        ("（三）提升类：社区养老。", True),
    ]


def test_half_width_items_and_arabic_numbering_too():
    text = "申请材料包括：(一)申请书；(二)身份证明。\n办理步骤：1. 提交材料；2．受理审查；3、公示。"
    assert _lines(text) == [
        ("申请材料包括：", False),
        ("(一)申请书；", True),
        ("(二)身份证明。", True),
        ("办理步骤：", False),
        ("1. 提交材料；", True),
        ("2．受理审查；", True),
        ("3、公示。", True),
    ]


def test_items_already_on_their_own_lines_stay_so():
    text = "可以通过下列途径增加泊位：\n（一）施划停车泊位；\n\n（二）建设立体停车设施。"
    assert _lines(text) == [
        ("可以通过下列途径增加泊位：", False),
        ("（一）施划停车泊位；", True),
        ("（二）建设立体停车设施。", True),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "依照本条第（一）项规定办理。",  # a reference to an item, not an item
        "全区改造3.2万户，泊位比提高到1∶0.8以上。",  # decimals
        "每个泊位补助不超过8000元。",
        "",
    ],
)
def test_references_and_numbers_inside_a_sentence_are_not_items(text):
    assert all(not item for _, item in _lines(text))
    assert "".join(t for t, _ in _lines(text)) == text
