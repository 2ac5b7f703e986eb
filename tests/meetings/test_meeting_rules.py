"""Meeting rules: the reproducible draw (re-run here without the project's code), quotas,
seeds, the scheduling times and the check-in window. Pure functions, no database."""

from __future__ import annotations

import hashlib
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from consult.core.errors import RuleViolation
from consult.core.ids import ALPHABET
from consult.meetings import rules
from consult.representatives.models import CATEGORY_VALUES

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

POOL = {
    "npc_deputy": [3, 8, 15, 21, 34],
    "expert": [2, 5, 9, 11, 40, 41, 57],
    "media": [7, 12],
    "supervisor": [1, 4, 6, 13, 22, 23],
}


def documented_draw(seed: str, quotas: dict[str, int], pool: dict[str, list[int]]):
    """The rule as the module's docstring publishes it, written from the text alone: for each
    category, rank ids by the SHA-256 hex digest of "<seed>|<category>|<id>", lowest first."""
    result = {}
    for category in sorted(quotas):
        digests = {
            i: hashlib.sha256(f"{seed}|{category}|{i}".encode()).hexdigest() for i in pool[category]
        }
        result[category] = sorted(pool[category], key=lambda i: digests[i])[: quotas[category]]
    return result


@pytest.mark.parametrize("seed", ["2026-区政府第5次常务会议", "a", "0" * 100, "seed with spaces"])
@pytest.mark.parametrize(
    "quotas",
    [
        {"expert": 3},
        {"npc_deputy": 2, "media": 1},
        {"npc_deputy": 5, "expert": 7, "media": 2, "supervisor": 6},
        {"supervisor": 1, "expert": 2, "npc_deputy": 1},
    ],
)
def test_the_draw_follows_the_published_rule(seed, quotas):
    result = rules.draw(seed, quotas, POOL)
    assert result == documented_draw(seed, quotas, POOL)
    assert list(result) == sorted(quotas)  # categories in alphabetical order
    # The same seed, quotas and pool give the same people, however the pool is listed.
    shuffled = {c: list(reversed(ids)) for c, ids in POOL.items()}
    assert rules.draw(seed, quotas, shuffled) == result
    for category, wanted in quotas.items():
        assert len(result[category]) == wanted
        assert len(set(result[category])) == wanted
        assert set(result[category]) <= set(POOL[category])


def test_another_seed_gives_another_order():
    orders = {tuple(rules.ranking(f"seed-{n}", "expert", POOL["expert"])) for n in range(20)}
    assert len(orders) > 1


def test_ranking_is_by_digest_then_id():
    ids = POOL["expert"]
    ranked = rules.ranking("s", "expert", ids)
    keys = [rules.rank_key("s", "expert", i) for i in ranked]
    assert keys == sorted(keys)
    assert rules.rank_key("s", "expert", 9) == hashlib.sha256(b"s|expert|9").hexdigest()
    # The first of a ranking is what a quota of one draws; a substitute is the next one.
    assert rules.draw("s", {"expert": 1}, POOL)["expert"] == ranked[:1]
    assert rules.draw("s", {"expert": 2}, POOL)["expert"] == ranked[:2]


@pytest.mark.parametrize(
    ("quotas", "short"),
    [
        ({"media": 3}, "media"),
        ({"expert": 2, "media": 3}, "media"),
        ({"other": 1}, "other"),  # nobody of that category in the pool
        ({"npc_deputy": 6}, "npc_deputy"),
    ],
)
def test_asking_more_than_the_pool_has_is_refused(quotas, short):
    with pytest.raises(RuleViolation) as exc:
        rules.draw("seed", quotas, POOL)
    assert exc.value.field == "quotas"
    assert short in str(exc.value.message)


@pytest.mark.parametrize(
    ("quotas", "clean"),
    [
        ({"expert": 2, "media": 0}, {"expert": 2}),
        ({c: 1 for c in CATEGORY_VALUES}, {c: 1 for c in CATEGORY_VALUES}),
        ({"supervisor": 100}, {"supervisor": 100}),
    ],
)
def test_clean_quotas_keeps_what_is_asked(quotas, clean):
    assert rules.clean_quotas(quotas, set(CATEGORY_VALUES)) == clean


@pytest.mark.parametrize(
    "quotas",
    [
        None,
        {},
        [],
        "expert=2",
        {"expert": 0},
        {"pirates": 1},
        {"expert": -1},
        {"expert": 101},
        {"expert": 1.5},
        {"expert": "2"},
        {"expert": True},
    ],
)
def test_clean_quotas_refuses(quotas):
    with pytest.raises(RuleViolation) as exc:
        rules.clean_quotas(quotas, set(CATEGORY_VALUES))
    assert exc.value.field == "quotas"


def test_a_seed_nobody_chose_is_random_and_printable():
    seeds = {rules.clean_seed(None) for _ in range(5)} | {rules.clean_seed("   ")}
    assert len(seeds) == 6 and all(len(s) == 16 for s in seeds)
    assert rules.clean_seed("  区政府 2026-05  ") == "区政府 2026-05"


@pytest.mark.parametrize("seed", ["x" * 101, "tab\there", "new\nline", "nul\x00"])
def test_a_seed_must_be_short_and_printable(seed):
    with pytest.raises(RuleViolation) as exc:
        rules.clean_seed(seed)
    assert exc.value.field == "seed"


@pytest.mark.parametrize(
    ("starts", "ends", "deadline", "field"),
    [
        (-HOUR, HOUR, -2 * HOUR, "starts_at"),  # in the past
        (timedelta(0), HOUR, -HOUR, "starts_at"),  # starting now
        (DAY, DAY, HOUR, "ends_at"),
        (DAY, DAY - HOUR, HOUR, "ends_at"),
        (DAY, DAY + HOUR, DAY + timedelta(minutes=1), "registration_deadline"),
        (DAY, DAY + HOUR, -HOUR, "registration_deadline"),
        (DAY, DAY + HOUR, timedelta(0), "registration_deadline"),
    ],
)
def test_meeting_times_are_refused(starts, ends, deadline, field):
    with pytest.raises(RuleViolation) as exc:
        rules.check_times(NOW + starts, NOW + ends, NOW + deadline, NOW)
    assert exc.value.field == field


@pytest.mark.parametrize("deadline", [HOUR, DAY])
def test_meeting_times_accepted(deadline):
    rules.check_times(NOW + DAY, NOW + DAY + 2 * HOUR, NOW + deadline, NOW)


START = NOW + DAY
END = START + 3 * HOUR


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (START - 2 * HOUR - timedelta(seconds=1), False),
        (START - 2 * HOUR, True),
        (START, True),
        (END - timedelta(seconds=1), True),
        (END, False),
        (END + DAY, False),
        (NOW, False),
    ],
)
def test_check_in_window(at, open_):
    assert rules.checkin_open(START, END, at) is open_


def test_check_in_codes():
    codes = {rules.new_checkin_code() for _ in range(50)}
    assert len(codes) == 50
    assert all(len(c) == rules.CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)


@pytest.mark.parametrize(
    ("typed", "code"),
    [("ab12-cd34", "AB12CD34"), (" ab12 cd34 ", "AB12CD34"), ("", ""), (None, "")],
)
def test_codes_are_normalised(typed, code):
    assert rules.normalise_code(typed) == code


# --- on-site check-in: the window and the venue code ----------------------------------------

SECRET = b"12345678901234567890".hex()  # RFC 4226's test secret
STEP = timedelta(seconds=rules.VENUE_CODE_STEP)


@pytest.mark.parametrize(
    ("at", "phase"),
    [
        (START - 2 * HOUR - timedelta(seconds=1), "early"),
        (START - 2 * HOUR, "open"),
        (END - timedelta(seconds=1), "open"),
        (END, "closed"),
    ],
)
def test_the_check_in_phase_at_its_boundaries(at, phase):
    assert rules.checkin_phase(START, END, at) == phase
    assert rules.checkin_opens_at(START) == START - rules.CHECKIN_OPENS_BEFORE


def test_the_venue_code_is_rfc_4226_hotp_of_the_time_step():
    # Appendix D of RFC 4226: the HOTP values of counters 0 to 9.
    expected = [
        "755224",
        "287082",
        "359152",
        "969429",
        "338314",
        "254676",
        "287922",
        "162583",
        "399871",
        "520489",
    ]
    assert [rules.venue_code_for_step(SECRET, n) for n in range(10)] == expected
    at = datetime(2026, 3, 2, 2, 0, 7, tzinfo=UTC)
    assert rules.venue_code(SECRET, at) == rules.venue_code_for_step(
        SECRET, int(at.timestamp()) // rules.VENUE_CODE_STEP
    )


def test_the_code_shown_changes_with_each_step():
    at = datetime(2026, 3, 2, 2, 0, 0, tzinfo=UTC)  # a step boundary (30 s divide the hour)
    assert rules.venue_step_ends(at) == at + STEP
    assert rules.venue_step_ends(at + STEP - timedelta(seconds=1)) == at + STEP
    codes = [rules.venue_code(SECRET, at + n * STEP) for n in range(20)]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(set(codes)) > 15


@pytest.mark.parametrize(
    ("shown", "ok"),
    [
        (timedelta(0), True),  # the code on the screen now
        (-STEP, True),  # the one before: the screen changed while the phone was scanning
        (-2 * STEP, False),  # older: expired
        (STEP, False),  # a code of a step to come is never taken
        (-10 * STEP, False),
    ],
)
def test_a_code_is_taken_in_its_step_and_the_next_only(shown, ok):
    at = datetime(2026, 3, 2, 2, 0, 10, tzinfo=UTC)
    code = rules.venue_code(SECRET, at + shown)
    assert rules.venue_code_valid(SECRET, code, at) is ok


def test_a_forged_or_malformed_code_is_refused():
    at = datetime(2026, 3, 2, 2, 0, 10, tzinfo=UTC)
    right = rules.venue_code(SECRET, at)
    other_meeting = rules.venue_code(rules.new_venue_secret(), at)
    wrong = str((int(right) + 1) % 10**6).zfill(6)
    for code in (wrong, right[:5], right + "0", "", None, "abcdef", 123456):
        assert rules.venue_code_valid(SECRET, code, at) is False
    if other_meeting != right:  # one in a million they coincide
        assert rules.venue_code_valid(SECRET, other_meeting, at) is False
    # As people type it: spaces, a dash, full-width digits.
    spaced = f"{right[:3]} {right[3:]}"
    full_width = right.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for typed in (spaced, f"{right[:3]}-{right[3:]}", full_width):
        assert rules.venue_code_valid(SECRET, typed, at) is True


def test_each_meeting_gets_its_own_secret():
    secrets_ = {rules.new_venue_secret() for _ in range(20)}
    assert len(secrets_) == 20 and all(len(s) == 2 * rules.VENUE_SECRET_BYTES for s in secrets_)
