"""The feedback workspace, answer templates and what the public sees once the feedback is
published: the role × route matrix, per-comment and bulk answers, a duplicate group answered
through its checkbox, publishing refused then accepted, the public page and the receipt, and
the overdue flag on /manage/."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from consult.accounts.models import SYSTEM
from consult.comments.models import Comment
from consult.feedback import services
from consult.feedback.models import AnswerTemplate
from consult.feedback.models import FeedbackReport
from tests.helpers import ADOPTED
from tests.helpers import BODIES
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import NOT_ADOPTED
from tests.helpers import Scenario
from tests.helpers import answer_all
from tests.helpers import count
from tests.helpers import english
from tests.helpers import login
from tests.helpers import post

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")

PRIVATE = ("13912345678", "zhao@example.test", "198.51.100.7")
ROLES = ["anonymous", "resident", "representative", "own_officer", "other_officer", "admin"]


def publish(s: Scenario, db) -> None:
    answer_all(s, db)
    services.publish_feedback(
        s.consultation, {"summary": "第二条增加了街道办事处的协调职责。"}, actor=SYSTEM
    )
    db.session.commit()


def html(response) -> str:
    return response.get_data(as_text=True)


def article(page: str, comment: Comment) -> str:
    """The workspace's <article> of one comment."""
    match = re.search(rf'<article[^>]*id="comment-{comment.id}".*?</article>', page, re.S)
    assert match, f"comment {comment.receipt} is not listed"
    return match.group(0)


def listed_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article[^>]*id="comment-(\d+)"', page)]


def reload(db, obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def as_role(client, world, role: str) -> None:
    login(client, world.users[role])
    english(client)


# --- who may use the workspace -----------------------------------------------------------


def _workspace(client, s, world, db):
    return client.get(s.base)


def _dispose(client, s, world, db):
    return post(
        client,
        f"{s.base}/dispose",
        {"comment_ids": [str(s.a.id)], "bulk-disposition": "adopted", "bulk-reason": ""},
        prefix="bulk",
    )


def _dispose_one(client, s, world, db):
    return post(
        client,
        f"{s.base}/dispose",
        {"comment_id": str(s.a.id), f"c{s.a.id}-disposition": "adopted"},
        prefix=f"c{s.a.id}",
    )


def _publish(client, s, world, db):
    answer_all(s, db)
    return post(
        client,
        f"{s.base}/publish",
        {"publish-summary": "修改说明。", "publish-confirm": "y"},
        prefix="publish",
    )


def _corrections(client, s, world, db):
    publish(s, db)
    return post(client, f"{s.base}/corrections", {"correction-note": "更正。"}, prefix="correction")


def _template(world, db):
    template = services.save_template(
        world.dept,
        {"title": "不予采纳", "disposition": "not_adopted", "reason": "与上位法不符。"},
        actor=SYSTEM,
    )
    db.session.commit()
    return template


def _template_page(client, s, world, db):
    return client.get(f"/manage/answer-templates/{_template(world, db).id}")


def _template_edit(client, s, world, db):
    template = _template(world, db)
    return post(
        client,
        f"/manage/answer-templates/{template.id}",
        {"title": "不予采纳（改）", "disposition": "not_adopted", "reason": "与上位法不符。"},
    )


def _template_delete(client, s, world, db):
    template = _template(world, db)
    return post(client, f"/manage/answer-templates/{template.id}", {"delete": "1"})


# route -> (request, status for the department, what changed when allowed)
ROUTES = {
    "workspace": (_workspace, 200),
    "dispose-bulk": (_dispose, 303),
    "dispose-one": (_dispose_one, 303),
    "publish": (_publish, 303),
    "corrections": (_corrections, 303),
    "template": (_template_page, 200),
    "template-edit": (_template_edit, 303),
    "template-delete": (_template_delete, 303),
}


def side_effect(route: str, s: Scenario, db) -> object:
    db.session.expire_all()
    return {
        "workspace": None,
        "dispose-bulk": lambda: reload(db, s.a).disposition,
        "dispose-one": lambda: reload(db, s.a).disposition,
        "publish": lambda: reload(db, s.consultation).feedback_published_at is not None,
        "corrections": lambda: count(db, FeedbackReport),
        "template": None,
        "template-edit": lambda: [t.title for t in db.session.scalars(sa.select(AnswerTemplate))],
        "template-delete": lambda: count(db, AnswerTemplate),
    }[route]


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_the_feedback_routes_by_role(closed, world, client, db, role, route):
    if role != "anonymous":
        login(client, world.users[role])
    request, ok_status = ROUTES[route]
    response = request(client, closed, world, db)
    effect = side_effect(route, closed, db)
    if role == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.location
    elif role in ("resident", "representative", "other_officer"):
        assert response.status_code == 403
    else:
        assert response.status_code == ok_status, html(response)[:3000]
    if effect is None:
        return
    allowed = role in ("own_officer", "admin")
    expected_effect = {
        "dispose-bulk": ("adopted", None),
        "dispose-one": ("adopted", None),
        "publish": (True, False),
        "corrections": (2, 1),
        "template-edit": (["不予采纳（改）"], ["不予采纳"]),
        "template-delete": (0, 1),
    }[route]
    assert effect() == expected_effect[0 if allowed else 1]


def test_answers_are_drafted_while_the_window_is_open_and_stay_internal(
    closed, world, client, clock, db
):
    clock.set(closed.consultation.closes_at - HOUR)
    as_role(client, world, "own_officer")
    page = html(client.get(closed.base))
    assert "Answers saved now are drafts" in page
    assert closed.a.id in listed_ids(page)
    reason = "草拟：与上位法规定不符，暂不采纳。"
    assert post_one(client, closed, closed.a, "not_adopted", reason).status_code == 303
    assert reload(db, closed.a).disposition_reason == reason
    # Nobody outside the department sees a draft: not the consultation page, not the receipt.
    client.post("/logout")
    assert reason not in html(client.get(f"/consultations/{closed.consultation.id}"))
    receipt = client.get(f"/api/v1/receipts/{closed.a.receipt}").get_json()
    assert receipt["disposition"] is None and receipt["disposition_reason"] is None


def test_the_feedback_is_not_published_while_the_window_is_open(closed, world, client, clock, db):
    answer_all(closed, db)
    clock.set(closed.consultation.closes_at - HOUR)
    as_role(client, world, "own_officer")
    page = html(client.get(closed.base))
    assert 'name="publish-summary"' not in page
    assert "The feedback is published after the consultation closes" in page
    assert post_publish(client, closed).status_code == 422
    assert reload(db, closed.consultation).feedback_published_at is None


def test_nothing_is_answered_before_the_window_opens(closed, world, client, clock, db):
    clock.set(closed.consultation.opens_at - HOUR)
    as_role(client, world, "own_officer")
    assert "Comments are answered once the consultation opens." in html(client.get(closed.base))
    response = post_one(client, closed, closed.a, "adopted")
    assert response.status_code == 422
    assert reload(db, closed.a).disposition is None


def test_publishing_asks_for_confirmation_and_keeps_the_summary(closed, world, client, db):
    answer_all(closed, db)
    as_role(client, world, "own_officer")
    response = post(
        client, f"{closed.base}/publish", {"publish-summary": "修改说明。"}, prefix="publish"
    )
    assert response.status_code == 422
    page = html(response)
    assert "Confirm that the answers may be published for good." in error_summary(page)
    assert re.search(r'name="publish-summary"[^>]*>\s*修改说明。</textarea>', page)
    assert reload(db, closed.consultation).feedback_published_at is None


# --- the workspace -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["own_officer", "admin"])
def test_the_workspace_lists_every_comment_with_groups_together(closed, world, client, db, role):
    as_role(client, world, role)
    response = client.get(closed.base)
    assert response.status_code == 200
    page = html(response)
    # every comment, the hidden and the offline one included; nothing of the other consultation
    assert sorted(listed_ids(page)) == sorted(c.id for c in closed.comments)
    assert closed.other.receipt not in page
    assert BODIES["hidden"] in article(page, closed.hidden)  # staff read what was withheld
    assert "Abusive language" in article(page, closed.hidden)
    assert "12345 hotline" in article(page, closed.hotline)
    # the duplicate pair is one group, listed above the comments with its size; its link
    # lists just its members
    groups = re.search(r'<section aria-labelledby="groups-h".*?</section>', page, re.S).group(0)
    assert groups.count('class="group dup-group"') == 1
    assert "2 comments" in groups and "2 not yet answered" in groups
    group_id = reload(db, closed.dup1).duplicate_group_id
    assert f"group_id={group_id}" in groups
    members = html(client.get(f"{closed.base}?group_id={group_id}"))
    assert listed_ids(members) == [closed.dup1.id, closed.dup2.id]
    assert "0 of 6 comments answered" in page


def test_the_workspace_shows_progress(closed, world, client, db):
    services.dispose_comment(closed.a, ADOPTED, actor=SYSTEM)
    services.dispose_comment(closed.hidden, NOT_ADOPTED, actor=SYSTEM)
    db.session.commit()
    as_role(client, world, "own_officer")
    page = html(client.get(closed.base))
    assert "2 of 6 comments answered" in page
    assert 'max="6" value="2"' in page
    assert "Not yet answered" in article(page, closed.b)
    assert "Not yet answered" not in article(page, closed.a)


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", ["a", "b", "dup1", "dup2", "hotline", "hidden"]),
        ("?clause=1", ["a"]),
        ("?clause=2", ["b"]),
        ("?clause=4", []),
        ("?clause=x", ["a", "b", "dup1", "dup2", "hotline", "hidden"]),
        ("?source=hotline", ["hotline"]),
        ("?source=online", ["a", "b", "dup1", "dup2", "hidden"]),
        ("?source=letter", []),
        ("?source=bogus", ["a", "b", "dup1", "dup2", "hotline", "hidden"]),
        ("?unanswered=1", ["b", "dup1", "dup2", "hidden"]),
        ("?unanswered=1&source=online", ["b", "dup1", "dup2", "hidden"]),
        ("?unanswered=1&clause=1", []),
        ("?source=online&clause=2", ["b"]),
    ],
)
def test_the_workspace_filters(closed, world, client, db, query, shown):
    services.dispose_comment(closed.a, ADOPTED, actor=SYSTEM)
    services.dispose_comment(closed.hotline, NOT_ADOPTED, actor=SYSTEM)
    db.session.commit()
    as_role(client, world, "own_officer")
    page = html(client.get(closed.base + query))
    assert listed_ids(page) == [getattr(closed, name).id for name in shown]
    if not shown:
        assert "No comment matches these filters." in page
    assert "2 of 6 comments answered" in page  # progress counts every comment, not the filter


# --- answering in the workspace ----------------------------------------------------------


def post_one(client, s, comment, disposition, reason="", duplicate_of=""):
    p = f"c{comment.id}"
    return post(
        client,
        f"{s.base}/dispose",
        {
            "comment_id": str(comment.id),
            f"{p}-disposition": disposition,
            f"{p}-reason": reason,
            f"{p}-duplicate_of": duplicate_of,
        },
        prefix=p,
    )


def post_bulk(client, s, ids, disposition, reason="", duplicate_of=""):
    return post(
        client,
        f"{s.base}/dispose",
        {
            "comment_ids": [str(i) for i in ids],
            "bulk-disposition": disposition,
            "bulk-reason": reason,
            "bulk-duplicate_of": duplicate_of,
        },
        prefix="bulk",
    )


def test_a_comment_is_answered_in_the_workspace(closed, world, client, db):
    as_role(client, world, "own_officer")
    response = post_one(client, closed, closed.b, "not_adopted", "与上位法不符。")
    assert response.status_code == 303
    assert response.location.endswith(f"{closed.base}#comment-{closed.b.id}")
    b = reload(db, closed.b)
    assert (b.disposition, b.disposition_reason) == ("not_adopted", "与上位法不符。")
    assert b.disposed_by_id == world.users["own_officer"].id


@pytest.mark.parametrize("disposition", ["partly_adopted", "not_adopted", "not_applicable"])
def test_an_answer_without_a_reason_is_a_422_on_that_comment(
    closed, world, client, db, disposition
):
    as_role(client, world, "own_officer")
    response = post_one(client, closed, closed.b, disposition, "  ")
    assert response.status_code == 422
    page = html(response)
    mine = article(page, closed.b)
    assert f'id="c{closed.b.id}-reason-error"' in mine
    assert "every comment not adopted is answered with a reason" in mine
    assert re.search(rf'<option value="{disposition}" selected>', mine)  # what was typed stays
    for other in closed.comments:
        if other is not closed.b:
            assert 'class="error"' not in article(page, other)
    assert reload(db, closed.b).disposition is None


def test_a_duplicate_answer_points_to_another_receipt(closed, world, client, db):
    as_role(client, world, "own_officer")
    response = post_one(
        client,
        closed,
        closed.dup2,
        "not_applicable",
        "与前一意见相同。",
        closed.dup1.receipt.lower(),
    )
    assert response.status_code == 303
    assert reload(db, closed.dup2).duplicate_of_id == closed.dup1.id
    page = html(client.get(closed.base))
    assert f'value="{closed.dup1.receipt}"' in article(page, closed.dup2)


def test_a_duplicate_of_another_consultation_is_a_422_on_that_comment(closed, world, client, db):
    as_role(client, world, "own_officer")
    response = post_one(client, closed, closed.a, "not_applicable", "重复。", closed.other.receipt)
    assert response.status_code == 422
    page = html(response)
    assert "Unknown comment in this consultation." in article(page, closed.a)
    assert f'value="{closed.other.receipt}"' in article(page, closed.a)  # what was typed stays
    assert reload(db, closed.a).disposition is None


def test_a_comment_of_another_consultation_is_not_answered_here(closed, world, client, db):
    as_role(client, world, "admin")
    response = post_one(client, closed, closed.other, "adopted")
    assert response.status_code == 404
    assert reload(db, closed.other).disposition is None


def test_selected_comments_are_answered_together(closed, world, client, db):
    as_role(client, world, "own_officer")
    ids = [closed.a.id, closed.hotline.id, closed.hidden.id]
    response = post_bulk(client, closed, ids, "not_adopted", "均与上位法不符。")
    assert response.status_code == 303
    for c in (closed.a, closed.hotline, closed.hidden):
        assert reload(db, c).disposition == "not_adopted"
    assert reload(db, closed.b).disposition is None
    assert "3 of 6 comments answered" in html(client.get(closed.base))


def test_a_whole_group_is_answered_through_its_filter(closed, world, client, db):
    as_role(client, world, "own_officer")
    group_id = reload(db, closed.dup1).duplicate_group_id
    fields = {
        "scope": "filter",
        "bulk-disposition": "not_adopted",
        "bulk-reason": "统一答复。",
    }
    # without the confirmation box: refused, nothing answered, the typed reason kept
    response = post(client, f"{closed.base}/dispose?group_id={group_id}", fields, prefix="bulk")
    assert response.status_code == 422
    assert "统一答复。" in html(response)
    assert reload(db, closed.dup1).disposition is None
    fields["bulk-everything"] = "y"
    response = post(client, f"{closed.base}/dispose?group_id={group_id}", fields, prefix="bulk")
    assert response.status_code == 303
    assert f"group_id={group_id}" in response.headers["Location"]
    assert reload(db, closed.dup1).answer.disposition == "not_adopted"
    assert reload(db, closed.dup2).answer.disposition == "not_adopted"
    assert reload(db, closed.a).answer is None


REFUSED_BULK = pytest.mark.parametrize(
    ("ids", "reason", "duplicate_of", "message"),
    [
        (lambda s: [s.a.id, s.b.id], "", "", "Give the reason"),
        (lambda s: [s.a.id, s.other.id], "理由。", "", "Unknown comment in this consultation."),
        (lambda s: [], "理由。", "", "Select at least one comment."),
        # a duplicate of one of the selected: refused for that one, so for none
        (
            lambda s: [s.a.id, s.b.id],
            "重复。",
            lambda s: s.b.receipt,
            "A comment cannot be a duplicate of itself.",
        ),
    ],
    ids=["no-reason", "foreign-comment", "none-selected", "duplicate-of-itself"],
)


@REFUSED_BULK
def test_a_refused_bulk_answer_is_a_422_and_changes_nothing(
    closed, world, client, db, ids, reason, duplicate_of, message
):
    as_role(client, world, "own_officer")
    dup = duplicate_of(closed) if callable(duplicate_of) else duplicate_of
    response = post_bulk(client, closed, ids(closed), "not_applicable", reason, dup)
    assert response.status_code == 422
    bulk = re.search(r'<section aria-labelledby="bulk-h".*?</section>', html(response), re.S)
    assert message in bulk.group(0)
    for c in [*closed.comments, closed.other]:
        assert reload(db, c).disposition is None


def test_a_template_fills_the_bulk_form(closed, world, client, db):
    mine = services.save_template(
        world.dept,
        {"title": "不予采纳", "disposition": "not_adopted", "reason": "模板理由甲。"},
        actor=SYSTEM,
    )
    theirs = services.save_template(
        world.other_dept,
        {"title": "教育局模板", "disposition": "partly_adopted", "reason": "模板理由乙。"},
        actor=SYSTEM,
    )
    db.session.commit()
    as_role(client, world, "own_officer")
    page = html(client.get(f"{closed.base}?template={mine.id}"))
    assert re.search(r'<textarea[^>]*name="bulk-reason"[^>]*>\s*模板理由甲。</textarea>', page)
    assert "教育局模板" not in page
    page = html(client.get(f"{closed.base}?template={theirs.id}"))
    assert "模板理由乙。" not in page


# --- publishing --------------------------------------------------------------------------


def error_summary(page: str) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert match, "no error summary"
    return match.group(0)


def break_two_answers(s: Scenario, db) -> None:
    """All answered but the hotline comment, and one answer keeps only a tab for a reason
    (the CHECK's SQL trim strips spaces only: written behind the services' back)."""
    services.dispose_comment(s.a, ADOPTED, actor=SYSTEM)
    services.dispose_comment(
        s.b, {"disposition": "partly_adopted", "reason": "部分采纳。"}, actor=SYSTEM
    )
    services.dispose_comments(s.consultation, [s.dup1.id, s.dup2.id], NOT_ADOPTED, actor=SYSTEM)
    services.dispose_comment(
        s.hidden, {"disposition": "not_applicable", "reason": "与本办法无关。"}, actor=SYSTEM
    )
    db.session.execute(
        sa.update(Comment).where(Comment.id == s.b.id).values(disposition_reason="\t")
    )
    db.session.commit()


def post_publish(client, s, summary="修改说明。"):
    return post(
        client,
        f"{s.base}/publish",
        {"publish-summary": summary, "publish-confirm": "y"},
        prefix="publish",
    )


def test_publishing_waits_for_every_answer_then_succeeds(closed, world, client, db):
    break_two_answers(closed, db)
    as_role(client, world, "own_officer")
    assert post_publish(client, closed).status_code == 422
    assert reload(db, closed.consultation).feedback_published_at is None

    assert post_one(client, closed, closed.hotline, "adopted").status_code == 303
    response = post_publish(client, closed)
    assert response.status_code == 422
    summary = error_summary(html(response))
    assert "1 comment still needs an answer" in summary
    assert closed.b.receipt in summary and closed.hotline.receipt not in summary
    assert reload(db, closed.consultation).feedback_published_at is None

    assert post_one(client, closed, closed.b, "partly_adopted", "部分采纳。").status_code == 303
    response = post_publish(client, closed)
    assert response.status_code == 303
    assert response.location.endswith(f"/consultations/{closed.consultation.id}#feedback")
    c = reload(db, closed.consultation)
    assert c.feedback_published_at is not None and c.feedback_summary == "修改说明。"
    assert [r.version for r in services.reports(c)] == [1]


def test_publishing_with_answers_missing_is_a_422_listing_their_receipts(closed, world, client, db):
    break_two_answers(closed, db)
    as_role(client, world, "own_officer")
    response = post_publish(client, closed)
    assert response.status_code == 422
    summary = error_summary(html(response))
    assert "2 comments still need an answer" in summary
    assert f"{closed.hotline.receipt}</a> has no disposition yet" in summary
    assert f"{closed.b.receipt}</a> is not adopted but has no reason" in summary
    assert {c.receipt for c in closed.comments if c.receipt in summary} == {
        closed.hotline.receipt,
        closed.b.receipt,
    }
    # the summary is kept for the next attempt
    assert re.search(r'name="publish-summary"[^>]*>\s*修改说明。</textarea>', html(response))


@pytest.mark.parametrize("summary", ["", "   "])
def test_publishing_without_a_summary_is_a_422_on_the_summary(closed, world, client, db, summary):
    answer_all(closed, db)
    as_role(client, world, "own_officer")
    response = post_publish(client, closed, summary)
    assert response.status_code == 422
    assert "Summarise how the draft changed after the consultation." in html(response)
    assert reload(db, closed.consultation).feedback_published_at is None
    assert count(db, FeedbackReport) == 0


def test_after_publication_answers_are_corrected_and_a_new_version_published(
    closed, world, client, db
):
    publish(closed, db)
    as_role(client, world, "own_officer")
    page = html(client.get(closed.base))
    assert "Publish the feedback" not in page and "Apply to the selected comments" not in page
    assert "Correct the answer" in article(page, closed.a)

    response = post_one(client, closed, closed.a, "partly_adopted", "更正后的理由。")
    assert response.status_code == 303
    assert reload(db, closed.a).disposition == "partly_adopted"

    response = post(
        client, f"{closed.base}/corrections", {"correction-note": "  "}, prefix="correction"
    )
    assert response.status_code == 303
    assert count(db, FeedbackReport) == 1

    response = post(
        client,
        f"{closed.base}/corrections",
        {"correction-note": "更正 A 意见的处理结果。"},
        prefix="correction",
    )
    assert response.status_code == 303
    reports = services.reports(reload(db, closed.consultation))
    assert [(r.version, r.correction_note) for r in reports] == [
        (2, "更正 A 意见的处理结果。"),
        (1, None),
    ]
    page = html(client.get(closed.base))
    assert "Version 2" in page and "Version 1" in page


# --- what the public sees ----------------------------------------------------------------


def public_comment(page: str, comment: Comment) -> str:
    match = re.search(rf'<li class="comment" id="comment-{comment.receipt}">.*?</li>', page, re.S)
    assert match, f"{comment.receipt} is not on the public page"
    return match.group(0)


def test_before_publication_the_public_sees_no_answers(closed, client, db):
    answer_all(closed, db)
    english(client)
    page = html(client.get(f"/consultations/{closed.consultation.id}"))
    assert NOT_ADOPTED["reason"] not in page
    assert "Not adopted" not in page and "Partly adopted" not in page
    assert closed.hidden.receipt not in page and BODIES["hidden"] not in page
    for private in PRIVATE:
        assert private not in page

    receipt = html(client.get(f"/receipts/{closed.b.receipt}"))
    assert "部分采纳。" not in receipt and "Partly adopted" not in receipt
    assert "The department answers every comment after the consultation closes." in receipt


def test_after_publication_every_comment_is_listed_with_its_answer(closed, client, db):
    publish(closed, db)
    english(client)
    page = html(client.get(f"/consultations/{closed.consultation.id}"))
    assert "All comments and their answers (6)" in page
    assert "第二条增加了街道办事处的协调职责。" in page
    expected = {
        "a": ("Adopted", None),
        "b": ("Partly adopted", "部分采纳。"),
        "dup1": ("Not adopted", NOT_ADOPTED["reason"]),
        "dup2": ("Not adopted", NOT_ADOPTED["reason"]),
        "hotline": ("Not adopted", NOT_ADOPTED["reason"]),
        "hidden": ("Not applicable", "与本办法无关，不予采纳。"),
    }
    for name, (label, reason) in expected.items():
        item = public_comment(page, getattr(closed, name))
        assert label in item
        if reason:
            assert f'<p class="reason">{reason}</p>' in item
    hidden = public_comment(page, closed.hidden)
    assert "Withheld by moderation: Abusive language" in hidden
    assert BODIES["hidden"] not in page and "赵六" not in page
    assert "含侮辱性语言" not in page  # the moderator's note is not public
    assert BODIES["hotline"] in public_comment(page, closed.hotline)
    for private in PRIVATE:
        assert private not in page


@pytest.mark.parametrize(
    ("name", "label", "reason"),
    [
        ("a", "Adopted", None),
        ("b", "Partly adopted", "部分采纳。"),
        ("hotline", "Not adopted", NOT_ADOPTED["reason"]),
        ("hidden", "Not applicable", "与本办法无关，不予采纳。"),
    ],
)
def test_after_publication_the_receipt_shows_the_answer(closed, client, db, name, label, reason):
    publish(closed, db)
    english(client)
    comment = getattr(closed, name)
    page = html(client.get(f"/receipts/{comment.receipt}"))
    assert re.search(rf'<span class="badge disp-{comment.disposition}">{label}</span>', page)
    if reason:
        assert reason in page
    if name == "hidden":
        assert "Abusive language" in page and BODIES["hidden"] not in page
    for private in PRIVATE:
        assert private not in page


def test_the_matter_timeline_shows_the_published_feedback(closed, world, client, db):
    publish(closed, db)
    english(client)
    response = client.get(f"/matters/{world.matter.id}")
    assert response.status_code == 200
    page = html(response)
    timeline = re.search(r'<ol class="timeline">.*?</ol>', page, re.S).group(0)
    assert closed.consultation.title in timeline
    assert "consultation_feedback_published" not in timeline


# --- overdue on /manage/ -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "flagged"),
    [("own_officer", True), ("admin", True), ("other_officer", False)],
)
def test_an_overdue_consultation_is_flagged_for_its_department_and_the_office(
    closed, world, client, clock, role, flagged
):
    workspace = f'href="{closed.base}"'
    clock.set(closed.consultation.closes_at + 30 * DAY)  # due now: awaiting, not yet overdue
    as_role(client, world, role)
    page = html(client.get("/manage/"))
    assert "overdue-flag" not in page
    assert (workspace in page) is flagged

    clock.set(closed.consultation.closes_at + 31 * DAY)
    page = html(client.get("/manage/"))
    card = re.search(
        rf'<li class="card overdue">\s*<a class="card-title" {re.escape(workspace)}', page
    )
    assert bool(card) is flagged
    assert ("Overdue: feedback was due by" in page) is flagged
    if not flagged:
        assert workspace not in page


def test_published_feedback_is_no_longer_flagged(closed, world, client, clock, db):
    publish(closed, db)
    clock.set(closed.consultation.closes_at + 60 * DAY)
    as_role(client, world, "own_officer")
    page = html(client.get("/manage/"))
    assert "overdue-flag" not in page
    assert "Awaiting feedback" not in page


# --- answer templates --------------------------------------------------------------------


def test_an_officer_keeps_answer_templates_for_their_department(world, client, db):
    as_role(client, world, "own_officer")
    data = {"title": "不予采纳", "disposition": "not_adopted", "reason": "与上位法不符。"}
    response = post(client, "/manage/answer-templates", data)
    assert response.status_code == 303
    template = db.session.scalar(sa.select(AnswerTemplate))
    assert (template.department_id, template.title) == (world.dept.id, "不予采纳")

    response = post(client, "/manage/answer-templates", data)
    assert response.status_code == 422
    assert "Another template already has this title." in html(response)

    response = post(
        client,
        "/manage/answer-templates",
        {"title": "部分采纳", "disposition": "partly_adopted", "reason": " "},
    )
    assert response.status_code == 422
    assert "Give the reason" in html(response)
    assert count(db, AnswerTemplate) == 1

    response = post(
        client,
        f"/manage/answer-templates/{template.id}",
        {"title": "不予采纳（新）", "disposition": "not_adopted", "reason": "新理由。"},
    )
    assert response.status_code == 303
    assert reload(db, template).reason == "新理由。"

    assert "不予采纳（新）" in html(client.get("/manage/answer-templates"))
    response = post(client, f"/manage/answer-templates/{template.id}", {"delete": "1"})
    assert response.status_code == 303
    assert count(db, AnswerTemplate) == 0


def test_the_template_page_shows_only_the_officers_department(world, client, db):
    services.save_template(
        world.other_dept,
        {"title": "教育局模板", "disposition": "adopted", "reason": ""},
        actor=SYSTEM,
    )
    db.session.commit()
    as_role(client, world, "own_officer")
    # asking for another department's list shows the officer's own
    page = html(client.get(f"/manage/answer-templates?department={world.other_dept.id}"))
    assert "教育局模板" not in page
    response = post(
        client,
        f"/manage/answer-templates?department={world.other_dept.id}",
        {"title": "住建局模板", "disposition": "adopted", "reason": ""},
    )
    assert response.status_code == 303
    created = db.session.scalar(
        sa.select(AnswerTemplate).where(AnswerTemplate.title == "住建局模板")
    )
    assert created.department_id == world.dept.id


def test_the_government_office_keeps_templates_for_any_department(world, client, db):
    as_role(client, world, "admin")
    response = post(
        client,
        f"/manage/answer-templates?department={world.other_dept.id}",
        {"title": "教育局模板", "disposition": "adopted", "reason": ""},
    )
    assert response.status_code == 303
    created = db.session.scalar(sa.select(AnswerTemplate))
    assert created.department_id == world.other_dept.id
    page = html(client.get(f"/manage/answer-templates?department={world.other_dept.id}"))
    assert "教育局模板" in page


def test_the_report_prints_the_public_url_whatever_host_the_publishing_request_named(
    closed, world, client, db, app, monkeypatch
):
    import io

    from pypdf import PdfReader

    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://consult.donghu.example")
    answer_all(closed, db)
    client.environ_base["HTTP_HOST"] = "evil.example"  # the officer's whole visit
    as_role(client, world, "own_officer")
    assert post_publish(client, closed).status_code == 303  # rendered inline in tests
    (report,) = services.reports(reload(db, closed.consultation))
    assert report.status == "ready", report.error
    response = client.get(f"/consultations/{closed.consultation.id}/reports/1.pdf")
    content = response.data
    response.close()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "evil" not in text
    assert f"https://consult.donghu.example/consultations/{closed.consultation.id}" in text
    assert b"evil" not in content
