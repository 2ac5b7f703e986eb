"""The demo's story files (consult/demo/story/*.toml): each parses, every date in them resolves
whatever day the demo is seeded, and a mistake is reported with its file and entry."""

from __future__ import annotations

import copy
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from consult.accounts.models import User
from consult.demo import story
from consult.demo.story import schema
from consult.demo.story.when import Clock
from consult.demo.story.when import StoryError
from consult.demo.story.when import parse

ZONE = ZoneInfo("Asia/Shanghai")
# Seeding moments: an ordinary morning, the turn of a year, a leap day, late on a Sunday.
SEEDED = [
    datetime(2026, 11, 27, 2, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 15, 55, tzinfo=UTC),  # 23:55 on 31 December in 东湖区
    datetime(2028, 2, 29, 1, 30, tzinfo=UTC),
    datetime(2027, 3, 7, 14, 40, tzinfo=UTC),
]


def test_every_story_file_parses_and_its_names_point_somewhere():
    tale = story.load()
    assert set(story.DOMAINS) == {f.name for f in story.Story.__dataclass_fields__.values()}
    assert [y.year for y in tale.catalogue.years] == [-1, 0, 1]
    assert sum(len(y.matters) for y in tale.catalogue.years) == 44
    assert len(tale.consultations.consultations) == 9
    assert sum(map(len, tale.comments.by_consultation.values())) == 105
    assert len(tale.meetings.meetings) == 7 and len(tale.representatives.people) == 33
    story.check_references(tale)  # (load did too)


@pytest.mark.parametrize("now", SEEDED, ids=lambda n: n.isoformat())
def test_every_date_resolves_and_every_year_is_filled(now):
    cal = Clock.seeded(now, ZONE)
    tale = story.load()
    for domain in story.DOMAINS:
        found = list(story.whens(getattr(tale, domain)))
        assert found or domain in ("comments", "feedback", "crowd"), domain  # (comments: day, at)
        for when in found:
            assert when.where.startswith(f"consult/demo/story/{domain}.toml: ")
            for offset in (-1, 0, 1):  # a table's year: last, this or next
                resolve = cal.of_year(offset).moment if when.is_moment else cal.of_year(offset).day
                resolve(when)
        texts = [x for x in story.leaves(getattr(tale, domain)) if isinstance(x, str)]
        if domain == "crowd":  # words for a generator: {e} an estate, {n} a number
            texts = [text.format(e="滨江花园", n=3) for text in texts]
        if domain == "comments":  # the uploads' words ({e}), a file's month, a row's day
            texts = [
                text.format(e="百花洲小区", m=11, d=5) if "{" in text and "{Y" not in text else text
                for text in texts
            ]
        if domain == "interpretations":  # the default interpretation: from a catalogue entry
            texts = [
                t.replace("{title}", "某事项")
                .replace("{summary}", "摘要")
                .replace("{department}", "某局")
                for t in texts
            ]
        for text in texts:
            filled = cal.text(text)
            assert "{Y" not in filled, (domain, text[:40])
            if "{" in filled:  # the closing day of an extended window; a document address
                assert filled.count("{") == filled.count("{date}") or "{day:" in filled
    # The consultations open and the meetings under way are where the story needs them.
    parking = next(c for c in tale.consultations.consultations if c.key == "parking")
    assert cal.moment(parking.opens).astimezone(ZONE).date() == cal.today - timedelta(days=10)
    under_way = next(m for m in tale.meetings.meetings if m.key == "on_site_now")
    assert now < cal.moment(under_way.starts) <= now + timedelta(minutes=30)
    assert cal.moment(under_way.deadline) < now < cal.moment(under_way.ends)


@pytest.mark.parametrize(
    ("text", "moment", "expected"),
    [
        ("04-15", False, date(2026, 4, 15)),
        ("{Y-1}-11-16", False, date(2025, 11, 16)),
        ("{Y+1}-01-16 17:00", True, datetime(2027, 1, 16, 9, 0, tzinfo=UTC)),
        ("today", False, date(2026, 11, 27)),  # a Friday
        ("today-10d 09:00", True, datetime(2026, 11, 17, 1, 0, tzinfo=UTC)),
        ("today+5d", False, date(2026, 12, 2)),
        ("thursday next week", False, date(2026, 12, 3)),
        ("monday next week -2d 17:00", True, datetime(2026, 11, 28, 9, 0, tzinfo=UTC)),
        ("now-12min", True, datetime(2026, 11, 27, 1, 59, tzinfo=UTC)),
        ("next half-hour", True, datetime(2026, 11, 27, 2, 30, tzinfo=UTC)),
        ("next half-hour -1d-2h", True, datetime(2026, 11, 26, 0, 30, tzinfo=UTC)),
    ],
)
def test_the_date_grammar(text, moment, expected):
    cal = Clock.seeded(datetime(2026, 11, 27, 2, 11, tzinfo=UTC), ZONE)  # 10:11 in 东湖区
    when = parse(text, moment=moment)
    assert (cal.moment(when) if moment else cal.day(when)) == expected


@pytest.mark.parametrize(
    ("now", "starts"),
    [("10:00:00", "10:30"), ("10:29:59", "10:30"), ("10:30:00", "11:00"), ("23:45:00", "00:00")],
)
def test_the_next_half_hour_is_strictly_after_now(now, starts):
    hour, minute, second = map(int, now.split(":"))
    seeded = datetime(2026, 11, 27, hour, minute, second, tzinfo=ZONE).astimezone(UTC)
    resolved = Clock.seeded(seeded, ZONE).moment(parse("next half-hour", moment=True))
    assert f"{resolved.astimezone(ZONE):%H:%M}" == starts and resolved > seeded


@pytest.mark.parametrize(
    ("text", "moment", "message"),
    [
        ("15 April", False, "is not a date"),
        ("04-31", False, "no such day"),
        ("today-10d", True, "needs a time of day"),
        ("today 25:00", True, "is not a time of day"),
        ("now-1h", False, "write a day"),
        ("today-2h 10:00", True, "hours and minutes count from"),
        ("04-15+1d", False, "takes no offset"),
        ("now 10:00", True, "takes no time of day"),
    ],
)
def test_a_date_that_does_not_parse_says_why(text, moment, message):
    with pytest.raises(ValueError, match=message):
        parse(text, moment=moment)


def _raw(domain: str) -> dict:
    return copy.deepcopy(story.read(domain))


def test_a_mistake_names_the_file_and_the_entry():
    data = _raw("meetings")
    data["meetings"][5]["deadline"] = "next halfhour"
    data["meetings"][1]["seats"] = "6"
    with pytest.raises(StoryError) as caught:
        story.parse("meetings", data)
    message = str(caught.value)
    assert "consult/demo/story/meetings.toml: meetings[5] (on_site_now).deadline:" in message
    assert "'next halfhour' is not a date" in message
    assert "meetings[1] (hearing).seats: Input should be a valid integer" in message

    data = _raw("comments")
    data["parking"][2]["bdy"] = data["parking"][2].pop("body")
    with pytest.raises(
        StoryError, match=r"comments.toml: parking\[2\] \(王志强\)\.bdy: Extra inputs"
    ):
        story.parse("comments", data)

    data = _raw("catalogue")
    data["years"][1]["matters"][0]["procedures"].append("voting")
    with pytest.raises(
        StoryError,
        match=r"catalogue.toml: years\[1\]\.matters\[0\] \(东湖区老旧小区停车设施改造实施方案\)"
        r"\.procedures\[5\]: Value error, 'voting' is not one of",
    ):
        story.parse("catalogue", data)


def test_a_name_that_points_nowhere_is_an_error():
    tale = story.load()
    data = _raw("meetings")
    data["meetings"][0]["invited"] = ["周文静", "无名氏"]
    data["meetings"][0]["organiser"] = "mayor"
    broken = story.Story(**{**tale.__dict__, "meetings": story.parse("meetings", data)})
    with pytest.raises(StoryError) as caught:
        story.check_references(broken)
    message = str(caught.value)
    assert "meetings.toml: meetings (standing_last_year): '无名氏' is no representative" in message
    assert "'mayor' is no account" in message


def test_a_day_missing_from_the_year_names_its_entry():
    data = _raw("representatives")
    data["people"][3]["term_ends"] = "02-29"
    pool = story.parse("representatives", data)
    assert isinstance(pool, schema.Pool)
    leap = Clock.seeded(datetime(2028, 5, 1, tzinfo=UTC), ZONE)
    assert leap.day(pool.people[3].term_ends) == date(2028, 2, 29)
    with pytest.raises(
        StoryError, match=r"representatives.toml: people\[3\] \(万国平\)\.term_ends"
    ):
        Clock.seeded(datetime(2027, 5, 1, tzinfo=UTC), ZONE).day(pool.people[3].term_ends)


def test_seed_demo_reports_a_broken_story_and_seeds_nothing(runner, db, monkeypatch):
    data = _raw("meetings")
    data["meetings"][5]["deadline"] = "next halfhour"
    read = story.read
    monkeypatch.setattr(
        story, "read", lambda domain: data if domain == "meetings" else read(domain)
    )
    story.load.cache_clear()
    try:
        result = runner.invoke(args=["seed-demo"])
    finally:
        story.load.cache_clear()
    assert result.exit_code == 1
    assert "error: the demo's story: consult/demo/story/meetings.toml: meetings[5]" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_mistake_in_an_upload_or_an_answering_step_names_its_entry():
    data = _raw("comments")
    files = data["uploads"]["files"]
    files[1]["broken"][0]["column"] = "submited_at"
    files[0]["rows"] = "180"
    with pytest.raises(StoryError) as caught:
        story.parse("comments", data)
    message = str(caught.value)
    assert (
        "comments.toml: uploads.files[1] (豫章街道社区意见箱来信登记表.csv).broken[0].column: "
        "Input should be 'submitted_at'" in message
    )
    assert "uploads.files[0] (12345热线工单导出（{m}月）.xlsx).rows: Input should be" in message
    data = _raw("comments")
    data["uploads"]["files"][1]["confirmed"] = {"day": 9, "at": "16:00"}
    with pytest.raises(
        StoryError,
        match=r"uploads.files\[1\] \(豫章街道社区意见箱来信登记表.csv\): Value error, a file with "
        r"broken cells is refused: it has no go-ahead",
    ):
        story.parse("comments", data)

    data = _raw("feedback")
    data["set_answers"][0]["disposition"] = "adoptd"
    data["assignments"][2]["selection"]["stat"] = "unanswered"
    data["confirmations"][0]["selection"] = {}
    with pytest.raises(StoryError) as caught:
        story.parse("feedback", data)
    message = str(caught.value)
    assert "feedback.toml: set_answers[0] (parking).disposition: Value error, 'adoptd'" in message
    assert "feedback.toml: assignments[2] (parking).selection.stat: Extra inputs" in message
    assert "confirmations[0] (parking).selection: Value error, a selection names at least" in (
        message
    )

    data = _raw("accounts")
    data["users"][-1]["department_head"] = True  # the resident
    with pytest.raises(StoryError, match=r"accounts.toml: users\[\d+\] \(resident\): .*heads"):
        story.parse("accounts", data)


def test_an_answering_step_by_or_for_the_wrong_people_is_an_error():
    tale = story.load()
    data = _raw("feedback")
    data["assignments"][0]["by"] = "housing"  # an officer, not the head
    data["assignments"][1]["to"] = "transport"  # another department's officer
    data["set_answers"][0]["selection"]["group"] = "green_spaces"
    data["confirmations"][1]["consultation"] = "slow_trafic"
    data["set_answers"][1]["day"] = 45
    feedback = story.parse("feedback", data)
    comments = _raw("comments")
    comments["uploads"]["files"][0]["by"] = "resident"
    broken = story.Story(
        **{**tale.__dict__, "feedback": feedback, "comments": story.parse("comments", comments)}
    )
    with pytest.raises(StoryError) as caught:
        story.check_references(broken)
    message = str(caught.value)
    assert "feedback.toml: assignments[0] (parking): 'housing' is not the head of '住建局'" in (
        message
    )
    assert "assignments[1] (parking): 'transport' is no officer of '住建局'" in message
    assert "set_answers[0] (parking): group 'green_spaces' is no campaign" in message
    assert "confirmations[1] (slow_trafic): 'slow_trafic' is no consultation" in message
    assert "set_answers[1] (parking): day 45 is outside the window" in message
    assert (
        "comments.toml: uploads.files[0] (12345热线工单导出（{m}月）.xlsx): 'resident' is no "
        in (message)
    )
