"""Duplicate grouping (comments.grouping): exact copies by their fingerprint, near copies by
LSH band keys at the similarity threshold, stored group sizes and counts, grouping after the
commit, concurrent submissions, and bulk intake (`import_comments`)."""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from consult.accounts.models import SYSTEM
from consult.comments import grouping
from consult.comments import rules
from consult.comments import services
from consult.comments.models import Comment
from consult.comments.models import CommentBand
from consult.comments.models import CommentTally
from consult.comments.models import CommentText
from consult.comments.models import DuplicateGroup
from consult.consultations.models import Consultation
from consult.core import audit
from consult.core.errors import RuleViolation
from consult.core.errors import RuleViolations
from consult.extensions import db as _db
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import NOW
from tests.helpers import comment_data
from tests.helpers import count
from tests.helpers import make_consultation
from tests.helpers import submit

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")

CAMPAIGN = "坚决反对在小区东侧新建立体停车库，噪音和采光问题严重影响居民生活，请重新选址。"
# A form letter as campaigns send it: long enough that a personal opening changes little.
LETTER = (
    "我们坚决反对在小区中心绿地建设机械式立体车库。绿地是小区唯一的公共活动空间，老人每天在这里"
    "锻炼，孩子在这里玩耍。立体车库噪音大、遮挡采光，还会带来安全隐患。请求取消这一设计，另行选址，"
    "保留中心绿地。"
)

_OPENINGS = ["我是{}的居民，", "作为{}的业主，", "我家住在{}，", "{}的老住户反映："]
_ESTATES = ["幸福里", "东湖花园", "南湖新村", "滨江家园", "桂花苑", "青山公寓", "玉带社区"]
_SENTENCES = [
    "第{}号楼前的道路经常被占，消防车很难进来。",
    "建议在{}个出入口增设电动自行车充电桩。",
    "晚上{}点以后施工噪音太大，影响老人休息。",
    "停车收费每月{}元偏高，希望按小时计费。",
    "小区东门外的{}个车位长期被外来车辆占用。",
    "希望改造时保留{}棵老树和中心绿地。",
    "地下车库入口坡度太陡，{}号车位进出困难。",
    "建议给残疾人和老年人预留{}个无障碍车位。",
    "施工围挡占用了{}米人行道，孩子上学不安全。",
    "物业公司应当每{}个月公示一次停车费收支。",
]


def distinct_texts(count: int, seed: int = 7) -> list[str]:
    """Different comments on one topic: the same phrases, other numbers and orders."""
    r = random.Random(seed)
    texts: set[str] = set()
    while len(texts) < count:
        parts = [r.choice(_OPENINGS).format(r.choice(_ESTATES))]
        parts += [s.format(r.randint(1, 999)) for s in r.sample(_SENTENCES, 3)]
        texts.add("".join(parts))
    return sorted(texts)


def group_of(comment: Comment) -> int | None:
    _db.session.refresh(comment)
    return comment.duplicate_group_id


def size_of(group_id: int) -> int:
    return _db.session.scalar(sa.select(DuplicateGroup.size).where(DuplicateGroup.id == group_id))


@pytest.fixture
def open_consultation(world):
    return make_consultation(world.matter, NOW)


def offline(consultation, **overrides):
    data = {"source": "letter", "author_name": "来信人", "body": CAMPAIGN, **overrides}
    return services.enter_offline_comment(consultation, data, actor=SYSTEM)


def records(texts, source="hotline", at=None):
    at = at or NOW
    return [
        {"source": source, "submitted_at": at, "author_name": "市民", "body": text}
        for text in texts
    ]


# --- exact and near copies ------------------------------------------------------------------


def test_identical_texts_make_one_group_whose_size_is_stored(open_consultation, db):
    first = submit(open_consultation, body=CAMPAIGN)
    second = submit(open_consultation, body=CAMPAIGN)
    third = submit(open_consultation, body=CAMPAIGN.replace("，", ","))  # same when normalised
    assert group_of(first) is not None
    assert group_of(first) == group_of(second) == group_of(third)
    assert size_of(group_of(first)) == 3
    assert services.group_sizes([first]) == {group_of(first): 3}
    assert count(db, DuplicateGroup) == 1


@pytest.mark.parametrize(
    "variant",
    [
        CAMPAIGN.replace("，", ",").replace("。", "."),  # half-width punctuation
        CAMPAIGN.replace("，", "　"),  # full-width spaces instead of commas
        CAMPAIGN.replace("坚决", "强烈"),  # one word changed
        CAMPAIGN.rstrip("。") + "！",
        "ＡＢＣ" + CAMPAIGN,  # full-width letters in front
    ],
)
def test_near_identical_texts_are_grouped(open_consultation, variant):
    first = submit(open_consultation, body=CAMPAIGN)
    second = submit(open_consultation, body=variant)
    assert group_of(second) is not None
    assert group_of(first) == group_of(second)


@pytest.mark.parametrize(
    "other",
    [
        "建议延长公共自行车租赁点的服务时间，方便上夜班的居民。",
        "支持新建停车库，但希望同时增加新能源汽车充电桩。",
        "改造期间请在夜间停止施工，保障老人和孩子休息。",
    ],
)
def test_unrelated_texts_are_not_grouped(open_consultation, db, other):
    first = submit(open_consultation, body=CAMPAIGN)
    second = submit(open_consultation, body=other)
    assert group_of(first) is None and group_of(second) is None
    assert count(db, DuplicateGroup) == 0


def _texts_at_similarity(target: float) -> tuple[str, str]:
    """Two texts of distinct characters whose shingle Jaccard is within 0.01 of `target`:
    the second keeps the first's opening and replaces the rest."""
    base = "".join(chr(0x4E00 + i) for i in range(200))
    other = "".join(chr(0x6000 + i) for i in range(200))
    for kept in range(10, 200):
        variant = base[:kept] + other[: 200 - kept]
        score = rules.jaccard(rules.shingles(base), rules.shingles(variant))
        if abs(score - target) <= 0.01:
            return base, variant
    raise AssertionError(target)


def test_a_copy_at_jaccard_0_72_is_grouped_and_one_at_0_45_is_not(open_consultation):
    original, near = _texts_at_similarity(0.72)
    _, far = _texts_at_similarity(0.45)
    first = submit(open_consultation, body=original)
    close = submit(open_consultation, body=near)
    distant = submit(open_consultation, body=far)
    assert group_of(close) == group_of(first) is not None
    assert group_of(distant) is None


def test_an_exact_copy_is_found_among_ten_thousand_older_comments(open_consultation, db):
    original = submit(open_consultation, body=CAMPAIGN)
    services.import_comments(
        open_consultation, records(distinct_texts(10_000)), actor=SYSTEM, now=NOW + DAY
    )
    copy = submit(open_consultation, body=CAMPAIGN)
    near = submit(open_consultation, body="我是幸福里的居民，" + CAMPAIGN + "恳请重视！")
    assert group_of(copy) == group_of(original) == group_of(near) is not None
    assert size_of(group_of(original)) == 3
    # Comments on one topic group only where they really are near copies of each other.
    members: dict[int, list[str]] = {}
    for group, body in db.session.execute(
        sa.select(Comment.duplicate_group_id, Comment.body).where(
            Comment.duplicate_group_id.is_not(None)
        )
    ):
        members.setdefault(group, []).append(rules.shingles(rules.normalise(body)))
    for shingle_sets in members.values():
        assert all(rules.jaccard(shingle_sets[0], other) >= 0.5 for other in shingle_sets[1:])


def test_duplicates_are_grouped_only_within_one_consultation(world):
    a = make_consultation(world.matter, NOW)
    b = make_consultation(world.other_matter, NOW)
    first = submit(a, body=CAMPAIGN)
    second = submit(b, body=CAMPAIGN)
    assert group_of(first) is None and group_of(second) is None


def test_offline_copies_of_a_campaign_join_its_group(open_consultation, clock):
    online = submit(open_consultation, body=CAMPAIGN)
    clock.set(NOW + 2 * HOUR)
    letter = offline(open_consultation)
    assert group_of(letter) == group_of(online) is not None


def test_a_campaign_is_one_group_however_many_varied_copies(open_consultation, db):
    variants = [LETTER, LETTER.replace("坚决", "强烈"), LETTER.replace("噪音大", "噪声大")]
    comments = [
        submit(
            open_consultation, body=f"{_OPENINGS[i % 4].format(_ESTATES[i % 7])}{variants[i % 3]}"
        )
        for i in range(30)
    ]
    assert len({group_of(c) for c in comments}) == 1
    group = group_of(comments[0])
    assert size_of(group) == 30
    # Each key is stored once: the varied copies add only the keys of their own words.
    keys = db.session.scalar(sa.select(sa.func.count()).select_from(CommentBand))
    assert rules.BANDS <= keys < 30 * rules.BANDS / 2


def test_an_exact_copy_adds_no_text_and_no_key(open_consultation, db):
    submit(open_consultation, body=LETTER)
    before = count(db, CommentBand), count(db, CommentText)
    submit(open_consultation, body=LETTER)
    submit(open_consultation, body=LETTER.replace("。", "."))  # the same once normalised
    assert (
        (count(db, CommentBand), count(db, CommentText))
        == before
        == (
            rules.BANDS,
            1,
        )
    )


# --- counts -----------------------------------------------------------------------------------


def test_the_counts_are_kept_as_comments_are_grouped_and_moderated(open_consultation):
    kept = submit(open_consultation, body=CAMPAIGN)
    submit(open_consultation, body="建议延长公共自行车租赁点的服务时间，方便上夜班的居民。")
    assert services.tally(open_consultation) == {
        "comments": 2,
        "published": 2,
        "hidden": 0,
        "received": 0,
    }
    services.hide_comment(kept, "spam", actor=SYSTEM)
    assert services.tally(open_consultation)["published"] == 1
    assert services.tally(open_consultation)["hidden"] == 1
    services.publish_comment(kept, actor=SYSTEM)
    assert services.tally(open_consultation) == {
        "comments": 2,
        "published": 2,
        "hidden": 0,
        "received": 0,
    }


def test_a_comment_hidden_before_it_was_grouped_is_counted_as_hidden(open_consultation, db):
    draft = services.check_comment(open_consultation, comment_data(body=CAMPAIGN))
    stored = services.store_comment(draft)
    comment = db.session.scalar(sa.select(Comment).where(Comment.receipt == stored.receipt))
    assert comment.grouped_at is None
    services.hide_comment(comment, "spam", actor=SYSTEM)
    assert services.tally(open_consultation)["comments"] == 0  # not grouped: not counted yet
    assert grouping.group_all() == 1
    assert services.tally(open_consultation) == {
        "comments": 1,
        "published": 0,
        "hidden": 1,
        "received": 0,
    }


def test_premoderated_comments_are_counted_as_waiting(open_consultation, app, monkeypatch):
    monkeypatch.setitem(app.config, "COMMENTS_PREMODERATED", True)
    submit(open_consultation)
    assert services.tally(open_consultation)["received"] == 1
    assert services.tally(open_consultation)["published"] == 0


# --- grouping after the commit ------------------------------------------------------------------


def _post(app, consultation_id, body, errors):
    client = app.test_client()
    response = client.post(
        f"/api/v1/consultations/{consultation_id}/comments",
        json={"author_name": "居民", "body": body, "consent": True, "show_name": False},
    )
    if response.status_code != 201:
        errors.append(response.get_data(as_text=True))


def test_concurrent_copies_all_join_one_group_with_the_right_size(committed):
    app, consultation_id = committed
    errors: list[str] = []
    threads = [
        threading.Thread(
            target=_post,
            args=(
                app,
                consultation_id,
                CAMPAIGN if i % 2 else "我是幸福里的居民，" + CAMPAIGN,
                errors,
            ),
        )
        for i in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        groups = _db.session.execute(
            sa.select(Comment.duplicate_group_id, sa.func.count()).group_by(
                Comment.duplicate_group_id
            )
        ).all()
        assert len(groups) == 1 and groups[0][0] is not None and groups[0][1] == 16
        assert _db.session.get(DuplicateGroup, groups[0][0]).size == 16
        assert _db.session.get(CommentTally, consultation_id).comments == 16


def test_the_grouping_thread_groups_a_submission_within_seconds(committed):
    app, consultation_id = committed
    app.config["COMMENT_GROUPING"] = "thread"
    errors: list[str] = []
    _post(app, consultation_id, CAMPAIGN, errors)
    _post(app, consultation_id, CAMPAIGN, errors)
    assert errors == []
    deadline = time.monotonic() + 5
    with app.app_context():
        while time.monotonic() < deadline:
            waiting = _db.session.scalar(
                sa.select(sa.func.count()).select_from(Comment).where(Comment.grouped_at.is_(None))
            )
            _db.session.rollback()
            if waiting == 0:
                break
            time.sleep(0.05)
        assert waiting == 0
        sizes = _db.session.scalars(sa.select(DuplicateGroup.size)).all()
        assert sizes == [2]


# --- bulk intake -------------------------------------------------------------------------------


def test_an_import_stores_every_record_with_a_receipt_grouped_and_audited(open_consultation, db):
    texts = distinct_texts(40) + [CAMPAIGN] * 20 + ["我是桂花苑的居民，" + CAMPAIGN] * 5
    receipts = services.import_comments(open_consultation, records(texts), actor=SYSTEM)
    assert len(receipts) == len(set(receipts)) == 65
    assert count(db, Comment) == 65
    group = db.session.scalar(
        sa.select(Comment.duplicate_group_id).where(Comment.receipt == receipts[-1])
    )
    assert size_of(group) == 25
    assert services.tally(open_consultation)["comments"] == 65
    events = db.session.scalars(
        sa.select(audit.AuditEvent).where(audit.AuditEvent.action == "comments_imported")
    ).all()
    assert len(events) == 1 and events[0].details["count"] == 65


def test_an_import_with_one_bad_record_stores_nothing_and_names_each_bad_record(
    open_consultation, db
):
    good = records(distinct_texts(5))
    bad = [
        *good[:2],
        {**good[0], "source": "pigeon"},
        {**good[0], "body": ""},
        {**good[0], "source": "online", "submitted_at": NOW - DAY, "consent": True},
        *good[2:],
    ]
    with pytest.raises(RuleViolations) as refused:
        services.import_comments(open_consultation, bad, actor=SYSTEM)
    found = [(v.index, v.field) for v in refused.value.violations]
    assert found == [(2, "source"), (3, "body"), (4, "submitted_at")]
    assert count(db, Comment) == 0


@pytest.mark.parametrize(
    "record",
    [
        "not a record",
        {"source": ["hotline"], "submitted_at": NOW, "author_name": "甲", "body": CAMPAIGN},
        {"source": "hotline", "submitted_at": "2026-03-02", "author_name": "甲", "body": CAMPAIGN},
        {"source": "hotline", "submitted_at": NOW, "author_name": 5, "body": CAMPAIGN},
        {"source": "hotline", "submitted_at": NOW, "author_name": "甲", "body": ["x"]},
        {
            "source": "hotline",
            "submitted_at": NOW,
            "author_name": "甲",
            "body": CAMPAIGN,
            "clause": float("inf"),
        },
        {
            "source": "hotline",
            "submitted_at": NOW,
            "author_name": "甲",
            "body": CAMPAIGN,
            "show_name": "yes",
        },
        {
            "source": "hotline",
            "submitted_at": NOW,
            "author_name": "甲",
            "body": CAMPAIGN + "\ud800",
        },
        {
            "source": "online",
            "submitted_at": NOW,
            "author_name": "甲",
            "body": CAMPAIGN,
        },  # no consent
    ],
)
def test_records_of_the_wrong_type_are_refused_never_a_crash(open_consultation, record):
    with pytest.raises(RuleViolation):
        services.import_comments(open_consultation, [record], actor=SYSTEM)


def test_the_departments_staff_import(open_consultation, world):
    receipts = services.import_comments(
        open_consultation, records([CAMPAIGN]), actor=world.users["own_officer"]
    )
    assert len(receipts) == 1


def test_nothing_is_imported_after_the_feedback_is_published(open_consultation, db):
    _db.session.execute(
        sa.update(Consultation)
        .where(Consultation.id == open_consultation.id)
        .values(feedback_published_at=NOW + 40 * DAY, feedback_summary="已反馈。")
    )
    db.session.expire_all()
    with pytest.raises(RuleViolation):
        services.import_comments(open_consultation, records([CAMPAIGN]), actor=SYSTEM)


def test_imported_online_comments_must_fall_in_the_window(open_consultation):
    inside = {**records([CAMPAIGN])[0], "source": "online", "consent": True, "show_name": False}
    outside = {**inside, "submitted_at": NOW + 31 * DAY}
    assert (
        len(services.import_comments(open_consultation, [inside], actor=SYSTEM, now=NOW + 40 * DAY))
        == 1
    )
    with pytest.raises(RuleViolations) as refused:
        services.import_comments(open_consultation, [outside], actor=SYSTEM, now=NOW + 40 * DAY)
    assert refused.value.violations[0].field == "submitted_at"


def test_a_meeting_remark_may_be_imported_after_the_window(open_consultation):
    late = {**records([CAMPAIGN])[0], "source": "meeting", "submitted_at": NOW + 35 * DAY}
    assert services.import_comments(open_consultation, [late], actor=SYSTEM, now=NOW + 40 * DAY)
    with pytest.raises(RuleViolations):
        services.import_comments(
            open_consultation, [{**late, "source": "letter"}], actor=SYSTEM, now=NOW + 40 * DAY
        )


def test_an_imported_record_names_a_clause_by_its_number(open_consultation, db):
    [receipt] = services.import_comments(
        open_consultation, [{**records([CAMPAIGN])[0], "clause": 2}], actor=SYSTEM
    )
    comment = db.session.scalar(sa.select(Comment).where(Comment.receipt == receipt))
    assert comment.clause.number == 2
    with pytest.raises(RuleViolations) as refused:
        services.import_comments(
            open_consultation, [{**records([CAMPAIGN])[0], "clause": 99}], actor=SYSTEM
        )
    assert refused.value.violations[0].field == "clause"


def test_an_import_in_the_future_is_refused(open_consultation):
    future = records([CAMPAIGN], at=NOW + timedelta(days=3))
    with pytest.raises(RuleViolations) as refused:
        services.import_comments(open_consultation, future, actor=SYSTEM, now=NOW + HOUR)
    assert refused.value.violations[0].field == "submitted_at"


# --- what the public sees -----------------------------------------------------------------------


def test_the_badge_links_to_the_groups_page_which_lists_its_members(open_consultation, client):
    first = submit(open_consultation, body=LETTER, author_name="赵一", show_name=True)
    copies = [submit(open_consultation, body=LETTER) for _ in range(2)]
    group = group_of(first)
    page = client.get(f"/consultations/{open_consultation.id}").get_data(as_text=True)
    assert f'href="/consultations/{open_consultation.id}/groups/{group}"' in page
    assert "与其他2条意见内容相同" in page
    listing = client.get(f"/consultations/{open_consultation.id}/groups/{group}")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200 and "本组共3条意见" in html
    assert all(c.receipt in html for c in [first, *copies]) and "赵一" in html
    receipt = client.get(f"/receipts/{copies[0].receipt}").get_data(as_text=True)
    assert f"/consultations/{open_consultation.id}/groups/{group}" in receipt


def test_a_group_of_another_consultation_is_not_found(open_consultation, world, client):
    other = make_consultation(world.other_matter, NOW)
    submit(other, body=LETTER)
    copy = submit(other, body=LETTER)
    url = f"/consultations/{open_consultation.id}/groups/{group_of(copy)}"
    assert client.get(url).status_code == 404
    api = f"/api/v1/consultations/{open_consultation.id}/comments?group={group_of(copy)}"
    assert client.get(api).status_code == 404
    # Not a group id at all: a bad parameter, as the document says.
    bad = client.get(f"/api/v1/consultations/{open_consultation.id}/comments?group=x")
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "group"


def test_the_api_lists_a_groups_members_with_its_size(open_consultation, client):
    first = submit(open_consultation, body=LETTER)
    submit(open_consultation, body=LETTER)
    submit(open_consultation, body="建议延长公共自行车租赁点的服务时间，方便上夜班的居民。")
    url = f"/api/v1/consultations/{open_consultation.id}/comments?group={group_of(first)}"
    body = client.get(url).get_json()
    assert body["total"] == 2 and len(body["items"]) == 2
    assert {i["duplicate_count"] for i in body["items"]} == {2}
    receipt = client.get(f"/api/v1/receipts/{first.receipt}").get_json()
    assert receipt["duplicate_group"] == group_of(first) and receipt["duplicate_count"] == 2


def test_every_page_holds_its_slice_whichever_end_it_is_read_from(open_consultation, clock):
    bodies = distinct_texts(9, seed=3)
    made = []
    for i, body in enumerate(bodies):
        clock.set(NOW + i * HOUR)
        made.append(submit(open_consultation, body=body).receipt)
    listed = []
    for page in range(1, 6):
        result = services.comments_page(open_consultation, page, 2)
        assert result.total == 9 and result.pages == 5
        listed += [c.receipt for c in result.items]
    assert listed == made  # oldest first, each once, pages past the middle read backwards
    assert services.comments_page(open_consultation, 9, 2).items == []
    last = services.comments_page(open_consultation, 9, 2, last_if_past_end=True)
    assert last.page == 5 and [c.receipt for c in last.items] == made[8:]


def test_a_groups_published_count_follows_moderation(open_consultation):
    members = [submit(open_consultation, body=LETTER) for _ in range(5)]
    group = _db.session.get(DuplicateGroup, group_of(members[0]))
    assert (group.size, group.published) == (5, 5)
    services.hide_comment(members[1], "spam", actor=SYSTEM)
    services.hide_comment(members[3], "abusive", actor=SYSTEM)
    _db.session.refresh(group)
    assert (group.size, group.published) == (5, 3)
    pages = [services.group_page(group, p, 2) for p in (1, 2)]
    assert [c.receipt for p in pages for c in p.items] == [members[i].receipt for i in (0, 2, 4)]
    services.publish_comment(members[1], actor=SYSTEM)
    _db.session.refresh(group)
    assert group.published == 4
