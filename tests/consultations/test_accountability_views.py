"""What the public sees after a consultation closes: when the feedback is due, and, once it
is late, by how many days (publicly, not only to staff); and counts that add up."""

from __future__ import annotations

from consult.accounts.models import SYSTEM
from consult.comments import services as comment_services
from consult.feedback import rules
from tests.helpers import DAY
from tests.helpers import NOW
from tests.helpers import SECOND
from tests.helpers import english
from tests.helpers import make_consultation
from tests.helpers import submit


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_closed_consultation_says_when_its_feedback_is_due(world, client, clock, db):
    consultation = make_consultation(world.matter, NOW)
    db.session.commit()
    clock.set(consultation.closes_at)
    english(client)
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert "Feedback due by 2026-05-01 10:00" in page
    assert "overdue" not in page.lower()


def test_late_feedback_is_shown_to_the_public_with_its_days(world, client, clock, db):
    consultation = make_consultation(world.matter, NOW)
    db.session.commit()
    due = rules.feedback_due(consultation.closes_at)
    english(client)
    clock.set(due)
    assert "overdue" not in text(client.get(f"/consultations/{consultation.id}")).lower()
    clock.set(due + SECOND)
    assert "Feedback overdue by 1 day" in text(client.get(f"/consultations/{consultation.id}"))
    clock.set(due + 395 * DAY)
    page = text(client.get("/consultations?status=closed"))
    assert "Feedback overdue by 396 days" in page
    assert "open for your comments" not in page  # the closed tab's own words


def test_in_chinese_the_delay_reads_as_the_issue_asks(world, client, clock, db):
    consultation = make_consultation(world.matter, NOW)
    db.session.commit()
    clock.set(rules.feedback_due(consultation.closes_at) + 12 * DAY)
    assert "反馈已逾期13天" in text(client.get(f"/consultations/{consultation.id}"))


def test_the_counts_say_how_many_are_withheld(world, client, db):
    consultation = make_consultation(world.matter, NOW)
    db.session.commit()
    comments = [
        submit(consultation, body=f"第{i}条意见：请保留小区绿化带并增加照明。") for i in range(3)
    ]
    comment_services.hide_comment(comments[0], "spam", None, actor=SYSTEM)
    db.session.commit()
    english(client)
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert "3 comments" in page
    assert "Of the 3 comments received: 2 published here, 1 withheld by moderation" in page
