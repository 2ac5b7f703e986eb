"""The notification mails `flask tick` sends (and the open-consultation view and API, right
after their commit): each kind to the right people, once, in Chinese, with the unsubscribe
link and List-Unsubscribe headers on subscriber mails, and without anyone else's contact."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa

from consult.accounts import services as accounts
from consult.accounts.models import SYSTEM
from consult.catalogue import services as catalogue
from consult.feedback import services as feedback
from consult.meetings import services as meetings
from consult.notifications import rules
from consult.notifications import services
from consult.notifications.models import NotificationLog
from consult.notifications.rules import NotificationKind
from consult.representatives import services as pool
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import MINUTE
from tests.helpers import NOW
from tests.helpers import THIRTY_DAYS
from tests.helpers import api_call
from tests.helpers import body
from tests.helpers import count
from tests.helpers import local_input
from tests.helpers import login
from tests.helpers import make_consultation
from tests.helpers import post
from tests.helpers import recipients
from tests.helpers import submit
from tests.helpers import subscribe
from tests.helpers import unsubscribe_path

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")

ALL = "all-news@example.com"
DEPT = "dept-news@example.com"
MATTER = "matter-news@example.com"
BOTH = "both@example.com"  # all + matter: one mail, not two
OTHER_DEPT = "other-dept@example.com"
PENDING = "pending@example.com"
GONE = "gone@example.com"
SUBSCRIBED = sorted([ALL, DEPT, MATTER, BOTH])


@pytest.fixture
def subscribers(world, outbox, db):
    subscribe(ALL, "all")
    subscribe(DEPT, f"department:{world.dept.id}")
    subscribe(MATTER, f"matter:{world.matter.id}")
    subscribe(BOTH, "all")
    subscribe(BOTH, f"matter:{world.matter.id}")
    subscribe(OTHER_DEPT, f"department:{world.other_dept.id}")
    subscribe(PENDING, "all", confirmed=False)
    gone = subscribe(GONE, "all")
    gone.unsubscribed_at = NOW
    db.session.commit()
    outbox.take()  # the confirmation mails


def tick(runner) -> str:
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    return result.output


def assert_private(messages) -> None:
    """No mail names another person's address (or any phone number we planted)."""
    everyone = {
        ALL,
        DEPT,
        MATTER,
        BOTH,
        OTHER_DEPT,
        PENDING,
        GONE,
        "zhang@example.com",
        "li@example.com",
        "13912345678",
        "13800000000",
    }
    for message in messages:
        text = body(message) + "".join(f"{k}: {v}\n" for k, v in message.items())
        for other in everyone - {str(message["To"])}:
            assert other not in text, (str(message["To"]), other)


# --- consultation opened -------------------------------------------------------------------


def test_an_opened_consultation_is_announced_once_to_matching_confirmed_subscribers(
    world, subscribers, outbox, runner, db
):
    c = make_consultation(world.matter, NOW)
    db.session.commit()
    output = tick(runner)
    assert "consultation_opened 4" in output
    mails = outbox.take()
    assert recipients(mails) == SUBSCRIBED
    for message in mails:
        assert c.title in str(message["Subject"])
        text = body(message)
        assert f"/consultations/{c.id}" in text
        # One-click unsubscribe: the headers and the same link in the text.
        assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
        assert unsubscribe_path(message) in text
    assert len({unsubscribe_path(m) for m in mails}) == 4
    assert_private(mails)
    # Again: nothing.
    assert "consultation_opened 0" in tick(runner)
    assert outbox.take() == []


def test_mails_are_in_simplified_chinese(world, subscribers, outbox, runner, db, app):
    from flask_babel import force_locale
    from flask_babel import gettext

    make_consultation(world.matter, NOW)
    db.session.commit()
    tick(runner)
    message = outbox.take()[0]
    with app.test_request_context(), force_locale("zh_Hans"):
        expected = gettext("A new public consultation is open for comments:")
    assert body(message).startswith(expected)


def test_a_scheduled_consultation_is_announced_when_it_opens(
    world, subscribers, outbox, runner, clock, db
):
    make_consultation(world.matter, NOW + 2 * DAY)
    db.session.commit()
    tick(runner)
    assert outbox.take() == []
    clock.set(NOW + 2 * DAY + MINUTE)
    output = tick(runner)
    assert "activated 1 consultation(s)" in output
    assert recipients(outbox.take()) == SUBSCRIBED


def test_a_consultation_of_another_department_goes_to_its_subscribers(
    world, subscribers, outbox, runner, db
):
    catalogue_ = world.other_matter.catalogue
    if not catalogue_.is_published:
        catalogue.publish_catalogue(catalogue_, actor=SYSTEM)
    make_consultation(world.other_matter, NOW)
    db.session.commit()
    tick(runner)
    assert recipients(outbox.take()) == sorted([ALL, BOTH, OTHER_DEPT])


def test_opening_through_the_form_announces_right_after_the_commit(
    client, world, subscribers, outbox, db
):
    login(client, world.users["own_officer"])
    response = post(
        client,
        f"/manage/matters/{world.matter.id}/consultations/new",
        {
            "title": "关于停车设施改造办法的公开征求意见",
            "draft": "第一条 适用范围。\n第二条 职责分工。",
            "explanation": "起草说明。",
            "contact": "区住建局法规科 0791-86000000",
            "opens_at": local_input(NOW),
            "closes_at": local_input(NOW + THIRTY_DAYS),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert recipients(outbox.take()) == SUBSCRIBED


def test_opening_through_the_api_announces_right_after_the_commit(
    client, world, subscribers, outbox, db
):
    response = api_call(
        client,
        "POST",
        f"/api/v1/decisions/{world.matter.id}/consultations",
        world.tokens["own_officer"],
        json={
            "title": "关于停车设施改造办法的公开征求意见",
            "draft": "第一条 适用范围。\n第二条 职责分工。",
            "contact": "区住建局法规科 0791-86000000",
            "opens_at": NOW.isoformat(),
            "closes_at": (NOW + THIRTY_DAYS).isoformat(),
        },
    )
    assert response.status_code == 201, response.get_json()
    assert recipients(outbox.take()) == SUBSCRIBED
    # A scheduled one is announced later, by the tick.
    response = api_call(
        client,
        "POST",
        f"/api/v1/decisions/{world.matter.id}/consultations",
        world.tokens["own_officer"],
        json={
            "title": "关于另一稿的公开征求意见",
            "draft": "第一条 适用范围。",
            "contact": "区住建局法规科 0791-86000000",
            "opens_at": (NOW + DAY).isoformat(),
            "closes_at": (NOW + DAY + THIRTY_DAYS).isoformat(),
        },
    )
    assert response.status_code == 201
    assert outbox.take() == []


def test_someone_who_subscribes_later_is_not_sent_old_news(
    world, subscribers, outbox, runner, clock, db
):
    make_consultation(world.matter, NOW)
    db.session.commit()
    tick(runner)
    outbox.take()
    clock.advance(HOUR)
    subscribe("latecomer@example.com", "all")
    outbox.take()
    tick(runner)
    assert outbox.take() == []


def test_an_announcement_missed_for_more_than_a_week_is_not_sent(
    world, subscribers, outbox, runner, clock, db
):
    make_consultation(world.matter, NOW)
    db.session.commit()
    clock.set(NOW + rules.ANNOUNCE_WITHIN + MINUTE)
    tick(runner)
    assert outbox.take() == []


# --- closing in three days -----------------------------------------------------------------


def test_closing_soon_goes_once_three_days_before_the_end(
    world, subscribers, outbox, runner, clock, db
):
    c = make_consultation(world.matter, NOW)
    db.session.commit()
    tick(runner)
    outbox.take()
    clock.set(c.closes_at - 3 * DAY - MINUTE)
    tick(runner)
    assert outbox.take() == []
    clock.set(c.closes_at - 3 * DAY + MINUTE)
    output = tick(runner)
    assert "closing_soon 4" in output
    mails = outbox.take()
    assert recipients(mails) == SUBSCRIBED
    assert all(c.title in str(m["Subject"]) and m["List-Unsubscribe"] for m in mails)
    assert_private(mails)
    clock.advance(DAY)
    tick(runner)
    assert outbox.take() == []
    clock.set(c.closes_at + MINUTE)
    tick(runner)
    assert outbox.take() == []


def test_unsubscribing_from_a_mail_stops_the_next_one(
    client, world, subscribers, outbox, runner, clock, db
):
    c = make_consultation(world.matter, NOW)
    db.session.commit()
    tick(runner)
    mail = next(m for m in outbox.take() if str(m["To"]) == BOTH)
    assert client.post(unsubscribe_path(mail)).status_code == 200
    clock.set(c.closes_at - 2 * DAY)
    tick(runner)
    assert recipients(outbox.take()) == sorted([ALL, DEPT, MATTER])


# --- feedback published ----------------------------------------------------------------------


def publish(world, clock, db, consultation) -> None:
    clock.set(consultation.closes_at + HOUR)
    for comment in feedback.all_comments(consultation):
        feedback.dispose_comment(comment, {"disposition": "adopted", "reason": ""}, actor=SYSTEM)
    feedback.publish_feedback(consultation, {"summary": "根据意见修改了第二条。"}, actor=SYSTEM)
    db.session.commit()


def test_published_feedback_goes_once_to_commenters_who_left_an_email(
    world, outbox, runner, clock, db
):
    c = make_consultation(world.matter, NOW)
    z1 = submit(c, contact="zhang@example.com", body="建议在小区东门增设非机动车停放区，方便出行。")
    z2 = submit(c, contact="Zhang@Example.com ", body="建议第二条明确街道办事处的协调职责。")
    li = submit(
        c, contact="电话 13800000000，邮箱 li@example.com", body="建议保留小区内原有自行车棚。"
    )
    phone = submit(c, contact="13912345678", body="建议施工期间保留临时停车位，方便老人。")
    anonymous = submit(c, contact="", body="建议改造方案充分征求楼栋长的意见。")
    db.session.commit()
    tick(runner)
    outbox.take()
    publish(world, clock, db, c)
    output = tick(runner)
    assert "feedback_published 2" in output
    mails = {str(m["To"]): m for m in outbox.take()}
    assert sorted(mails) == ["li@example.com", "zhang@example.com"]
    zhang = body(mails["zhang@example.com"])
    assert z1.receipt in zhang and z2.receipt in zhang
    assert f"/receipts/{z1.receipt}" in zhang
    for other in (li, phone, anonymous):
        assert other.receipt not in zhang
    assert li.receipt in body(mails["li@example.com"])
    assert z1.receipt not in body(mails["li@example.com"])
    # Not a subscription: no unsubscribe headers.
    assert all(m["List-Unsubscribe"] is None for m in mails.values())
    assert_private(mails.values())
    clock.advance(HOUR)
    tick(runner)
    assert outbox.take() == []


# --- invitation reminders ----------------------------------------------------------------------


@pytest.fixture
def meeting(world, outbox, db, clock):
    term = {"term_start": date(2025, 1, 1), "term_end": date(2027, 12, 31)}
    reps = {}
    for key, email in [("pending", "rep-pending@example.com"), ("accepted", "rep-yes@example.com")]:
        reps[key] = pool.add_representative(
            {
                "name": f"代表{key}",
                "category": "expert",
                "phone": "13912345678",
                "email": email,
                **term,
            },
            actor=SYSTEM,
        )
    reps["silent"] = pool.add_representative(
        {"name": "无邮箱代表", "category": "expert", "phone": "13912345678", **term}, actor=SYSTEM
    )
    m = meetings.create_meeting(
        {
            "kind": "standing",
            "title": "区政府第1次常务会议",
            "place": "区政府三楼会议室",
            "starts_at": NOW + 14 * DAY,
            "ends_at": NOW + 14 * DAY + 3 * HOUR,
            "registration_deadline": NOW + 10 * DAY,
            "seats": 10,
            "department_id": world.dept.id,
            "agenda": [{"title": "", "matter_id": world.matter.id}],
        },
        actor=SYSTEM,
    )
    invitations = meetings.invite(m, [r.id for r in reps.values()], actor=SYSTEM)
    meetings.respond(invitations[1], True, actor=SYSTEM)
    db.session.commit()
    return m


def test_pending_invitations_are_reminded_once_two_days_before_the_deadline(
    world, meeting, outbox, runner, clock, db
):
    clock.set(meeting.registration_deadline - 2 * DAY - MINUTE)
    tick(runner)
    assert outbox.take() == []
    clock.set(meeting.registration_deadline - 2 * DAY + MINUTE)
    output = tick(runner)
    assert "invitation_reminder 1" in output
    [mail] = outbox.take()
    assert str(mail["To"]) == "rep-pending@example.com"
    assert meeting.title in str(mail["Subject"]) and "/my/invitations" in body(mail)
    assert "13912345678" not in body(mail) and "rep-yes@example.com" not in body(mail)
    clock.advance(HOUR)
    tick(runner)
    assert outbox.take() == []


def test_someone_invited_within_the_last_two_days_gets_no_reminder(
    world, meeting, outbox, runner, clock, db
):
    clock.set(meeting.registration_deadline - DAY)
    late = pool.add_representative(
        {
            "name": "新代表",
            "category": "media",
            "email": "rep-late@example.com",
            "term_start": date(2025, 1, 1),
            "term_end": date(2027, 12, 31),
        },
        actor=SYSTEM,
    )
    meetings.invite(meeting, [late.id], actor=SYSTEM)
    db.session.commit()
    tick(runner)
    # The earlier, still pending invitation is reminded; the one just sent is not.
    assert recipients(outbox.take()) == ["rep-pending@example.com"]


# --- feedback overdue --------------------------------------------------------------------------


def test_overdue_feedback_goes_once_to_the_department_and_the_office(
    world, outbox, runner, clock, db, create_user
):
    c = make_consultation(world.matter, NOW)
    submit(c, contact="zhang@example.com")
    inactive = create_user("officer", department=world.dept, email="retired@example.test")
    accounts.update_user(inactive, {"active": False}, actor=world.users["admin"])
    db.session.commit()
    tick(runner)
    period = timedelta(days=30)
    clock.set(c.closes_at + period - HOUR)
    tick(runner)
    assert [m for m in outbox.take() if "retired" in str(m["To"])] == []
    clock.set(c.closes_at + period + HOUR)
    output = tick(runner)
    assert "feedback_overdue 2" in output
    mails = outbox.take()
    assert recipients(mails) == sorted(
        [world.users["own_officer"].email, world.users["admin"].email]
    )
    for message in mails:
        text = body(message)
        assert c.title in text and f"/manage/consultations/{c.id}/feedback" in text
        assert "zhang@example.com" not in text
    clock.advance(DAY)
    tick(runner)
    assert outbox.take() == []


# --- robustness ----------------------------------------------------------------------------------


def test_an_event_claimed_by_another_run_is_not_sent_again(world, subscribers, outbox, db):
    c = make_consultation(world.matter, NOW)
    db.session.commit()
    kind = NotificationKind.CONSULTATION_OPENED
    audience = services._audience(kind, c)
    assert services._claim_event(kind, c, audience, NOW)
    db.session.commit()
    # A second run that saw the event as due before the first committed gets nothing.
    assert services._claim_event(kind, c, audience, NOW) == []
    assert count(db, NotificationLog, NotificationLog.object_id == c.id) == 5


def test_a_mail_the_backend_could_not_deliver_is_tried_again(
    world, subscribers, outbox, runner, clock, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)  # discard: nothing listens
    make_consultation(world.matter, NOW)
    db.session.commit()
    assert "consultation_opened 0" in tick(runner)
    db.session.expire_all()
    failed = db.session.scalars(
        sa.select(NotificationLog).where(
            NotificationLog.recipient != "", NotificationLog.sent_at.is_(None)
        )
    ).all()
    assert len(failed) == 4 and all(r.attempts == 1 for r in failed)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "outbox")
    clock.advance(MINUTE)
    tick(runner)
    assert outbox.take() == []  # not before RETRY_AFTER
    clock.advance(rules.RETRY_AFTER)
    assert "consultation_opened 4" in tick(runner)
    mails = outbox.take()
    assert recipients(mails) == SUBSCRIBED
    tick(runner)
    assert outbox.take() == []
    # The retried mail's unsubscribe link works.
    from consult.notifications.models import Subscription

    services.unsubscribe(unsubscribe_path(mails[0]).rsplit("/", 1)[-1])
    db.session.commit()
    assert (
        count(
            db,
            Subscription,
            Subscription.email == str(mails[0]["To"]),
            Subscription.unsubscribed_at.is_not(None),
        )
        >= 1
    )


def test_the_send_notifications_command_sends_one_kind(world, subscribers, outbox, runner, db):
    make_consultation(world.matter, NOW)
    db.session.commit()
    result = runner.invoke(args=["send-notifications", "--kind", "closing_soon"])
    assert result.exit_code == 0 and "closing_soon 0" in result.output
    result = runner.invoke(args=["send-notifications", "--kind", "consultation_opened"])
    assert "consultation_opened 4" in result.output


def test_links_in_mails_use_the_configured_public_address(
    world, subscribers, outbox, runner, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://consult.donghu.example/portal")
    c = make_consultation(world.matter, NOW)
    db.session.commit()
    tick(runner)
    message = outbox.take()[0]
    assert f"https://consult.donghu.example/portal/consultations/{c.id}" in body(message)
    assert str(message["List-Unsubscribe"]).startswith(
        "<https://consult.donghu.example/portal/subscriptions/unsubscribe/"
    )
