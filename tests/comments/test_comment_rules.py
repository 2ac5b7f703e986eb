"""Pure comment rules: what a comment may contain, receipt numbers, and how near-duplicates
are recognised. No database."""

from __future__ import annotations

import re

import pytest

from consult.comments import rules
from consult.core import ids
from consult.core.errors import RuleViolation

RECEIPT = re.compile(rf"^ZX-(\d{{4}})-[{ids.ALPHABET}]{{4}}-[{ids.ALPHABET}]{{4}}$")


# --- body, name, contact -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "accepted"),
    [(0, False), (9, False), (10, True), (11, True), (4999, True), (5000, True), (5001, False)],
)
def test_a_comment_body_has_ten_to_five_thousand_characters(length, accepted):
    body = "意" * length
    if accepted:
        assert rules.clean_body(body) == body
    else:
        with pytest.raises(RuleViolation) as exc:
            rules.clean_body(body)
        assert exc.value.field == "body"


def test_surrounding_whitespace_does_not_count_towards_the_minimum():
    with pytest.raises(RuleViolation):
        rules.clean_body("   " + "意" * 9 + "\n\n  ")


def test_windows_line_endings_become_newlines():
    assert (
        rules.clean_body("第一行意见内容。\r\n第二行意见内容。")
        == "第一行意见内容。\n第二行意见内容。"
    )


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_are_refused(char):
    with pytest.raises(RuleViolation) as exc:
        rules.clean_body(f"这是一条含有控制字符{char}的意见内容。")
    assert exc.value.field == "body"


def test_tabs_and_newlines_are_fine():
    assert rules.clean_body("意见：\n\t一、增设车位；\n\t二、规范收费。")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("张三", "张三"), ("  李  四 ", "李 四"), ("名" * 50, "名" * 50)],
)
def test_names_are_trimmed(name, expected):
    assert rules.clean_name(name) == expected


@pytest.mark.parametrize("name", ["", "   ", None, "名" * 51, "名" * 10_000, "王\x00五"])
def test_unusable_names_are_refused(name):
    with pytest.raises(RuleViolation) as exc:
        rules.clean_name(name)
    assert exc.value.field == "author_name"


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        ("", None),
        (None, None),
        ("  13912345678 ", "13912345678"),
        ("resident@example.com", "resident@example.com"),
        ("0791-8600 0000", "0791-8600 0000"),
    ],
)
def test_a_contact_is_optional_and_is_a_phone_number_or_an_email(contact, expected):
    assert rules.clean_contact(contact) == expected


@pytest.mark.parametrize("contact", ["微信", "call me", "1234", "a" * 90 + "@example.com"])
def test_a_contact_that_is_neither_phone_nor_email_is_refused(contact):
    with pytest.raises(RuleViolation) as exc:
        rules.clean_contact(contact)
    assert exc.value.field == "contact"


# --- receipt numbers ---------------------------------------------------------------------


def test_a_receipt_number_has_the_published_format():
    for _ in range(200):
        receipt = ids.new_receipt(2026)
        assert RECEIPT.match(receipt), receipt
        assert receipt.startswith("ZX-2026-")


def test_the_receipt_alphabet_has_no_look_alikes():
    assert not set("01OILU") & set(ids.ALPHABET)


@pytest.mark.parametrize(
    "typed",
    [
        "ZX-2026-7K3M-9P2X",
        "zx-2026-7k3m-9p2x",
        "ZX20267K3M9P2X",
        "zx 2026 7k3m 9p2x",
        " ZX-2026-7K3M-9P2X ",
        "ZX–2026–7K3M–9P2X",  # en dashes from a word processor
        "zx_2026_7k3m_9p2x",
    ],
)
def test_receipt_lookup_tolerates_what_people_type(typed):
    assert ids.normalise_receipt(typed) == "ZX-2026-7K3M-9P2X"


@pytest.mark.parametrize(
    "typed", ["", "ZX-2026-7K3M", "AB-2026-7K3M-9P2X", "ZX-2026-7K3M-9P2X9", "ZX-2026-0000-1111"]
)
def test_things_that_cannot_be_receipts_are_rejected(typed):
    assert ids.normalise_receipt(typed) is None


# --- duplicates --------------------------------------------------------------------------

CAMPAIGN = "坚决反对在小区东侧新建立体停车库，噪音和采光问题严重影响居民生活，请重新选址。"
KEYS_OF_CAMPAIGN = (7163231128182502372, 7585128727858457460, 5974245397048516577)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hello, World!", "hello world"),
        ("反对建设，理由如下：噪音大！", "反对建设,理由如下:噪音大!"),  # full- vs half-width
        ("ＡＢＣ１２３", "abc123"),
        ("意见　内容", "意见 内容"),  # ideographic space
    ],
)
def test_normalising_ignores_width_case_punctuation_and_spaces(a, b):
    assert rules.normalise(a) == rules.normalise(b)


def _similarity(a: str, b: str) -> float:
    return rules.jaccard(rules.shingles(rules.normalise(a)), rules.shingles(rules.normalise(b)))


@pytest.mark.parametrize(
    "variant",
    [
        CAMPAIGN,
        CAMPAIGN.replace("，", ",").replace("。", "."),
        CAMPAIGN.replace("坚决", "强烈"),
        CAMPAIGN.replace("严重", "很"),
        CAMPAIGN + "！！",
    ],
)
def test_near_identical_texts_are_similar_enough_to_group(variant):
    assert _similarity(CAMPAIGN, variant) >= rules.DUPLICATE_THRESHOLD


@pytest.mark.parametrize(
    "other",
    [
        "建议延长公共自行车租赁点的服务时间，方便上夜班的居民。",
        "支持新建停车库，但希望增加充电桩。",
    ],
)
def test_unrelated_texts_are_not_similar(other):
    assert _similarity(CAMPAIGN, other) < rules.DUPLICATE_THRESHOLD


def test_the_same_text_always_gives_the_same_fingerprint_and_keys():
    normalised = rules.normalise(CAMPAIGN)
    assert rules.fingerprint(normalised) == rules.fingerprint(rules.normalise(CAMPAIGN + "。"))
    _, keys = rules.text_keys(normalised)
    assert keys == rules.text_keys(normalised)[1]
    assert len(keys) == rules.BANDS == len(set(keys))
    assert all(0 <= k < 2**63 for k in keys)  # a signed BIGINT holds them


def test_the_band_keys_of_a_text_never_change_between_versions():
    # Stored comments keep the keys they were given: the hashing must stay as it was.
    _, keys = rules.text_keys(rules.normalise(CAMPAIGN))
    assert keys[:3] == KEYS_OF_CAMPAIGN


def test_a_shingle_is_three_characters_packed_exactly():
    assert len(rules.shingles("abcd")) == 2
    assert len(rules.shingles("aaaa")) == 1  # distinct shingles only
    assert len(rules.shingles("ab")) == 1  # shorter than a shingle: one, padded
    assert rules.jaccard(rules.shingles("abcdef"), rules.shingles("abcdef")) == 1.0
    assert rules.jaccard(rules.shingles("abcdef"), rules.shingles("uvwxyz")) == 0.0
    # 3 shared of 5 distinct: abc, bcd, cde shared; def and cdx apart
    assert rules.jaccard(rules.shingles("abcdef"), rules.shingles("abcdx")) == pytest.approx(2 / 5)


def test_similar_texts_share_band_keys_and_unrelated_ones_do_not():
    _, keys = rules.text_keys(rules.normalise(CAMPAIGN))
    _, near = rules.text_keys(rules.normalise(CAMPAIGN.replace("坚决", "强烈")))
    _, unrelated = rules.text_keys(rules.normalise("建议延长公共自行车租赁点的服务时间。"))
    assert set(keys) & set(near)
    assert not set(keys) & set(unrelated)


def test_text_with_a_lone_surrogate_or_a_nul_is_refused():
    for bad in ("意见内容写在这里了\ud800。", "意见内容写在这里了\x00。"):
        with pytest.raises(RuleViolation) as refused:
            rules.clean_body(bad)
        assert refused.value.field == "body"
