"""Comment services: the window by the server's clock, validation, attachments, receipts,
offline comments, moderation (hide, never delete) and duplicate groups."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from consult.accounts.models import SYSTEM
from consult.comments import services
from consult.comments.models import Comment
from consult.comments.models import CommentStatus
from consult.consultations import services as consultations
from consult.consultations.models import StoredFile
from consult.core import audit
from consult.core import ids
from consult.core.errors import NotFound
from consult.core.errors import RuleViolation
from consult.core.storage import storage
from tests.helpers import BODY
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import NOW
from tests.helpers import PDF
from tests.helpers import PNG
from tests.helpers import SECOND
from tests.helpers import THIRTY_DAYS
from tests.helpers import comment_data
from tests.helpers import count
from tests.helpers import make_consultation
from tests.helpers import submit

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")

RECEIPT = re.compile(rf"^ZX-2026-[{ids.ALPHABET}]{{4}}-[{ids.ALPHABET}]{{4}}$")


@pytest.fixture
def open_consultation(world):
    return make_consultation(world.matter, NOW)


def english(message) -> str:
    with force_locale("en"):
        return str(message)


# --- the window --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "accepted"),
    [
        (lambda c: c.opens_at - SECOND, False),
        (lambda c: c.opens_at, True),
        (lambda c: c.opens_at + DAY, True),
        (lambda c: c.closes_at - SECOND, True),
        (lambda c: c.closes_at, False),
        (lambda c: c.closes_at + DAY, False),
    ],
)
def test_comments_are_accepted_only_while_the_window_is_open(world, clock, at, accepted):
    consultation = make_consultation(world.matter, NOW + DAY)
    moment = clock.set(at(consultation))
    if accepted:
        comment = submit(consultation)
        assert comment.submitted_at == moment
    else:
        with pytest.raises(RuleViolation) as exc:
            submit(consultation)
        assert exc.value.code == ("not_open" if moment < consultation.opens_at else "closed")


def test_the_closed_message_names_the_closing_time_in_beijing(world, clock):
    consultation = make_consultation(world.matter, NOW)
    clock.set(consultation.closes_at)
    with pytest.raises(RuleViolation) as exc:
        submit(consultation)
    assert "2026-04-01 10:00:00" in english(exc.value.message)


def test_an_extended_window_accepts_comments_until_the_new_closing(world, clock):
    consultation = make_consultation(world.matter, NOW)
    consultations.change_closing(consultation, NOW + 40 * DAY, "延长。", actor=SYSTEM)
    clock.set(NOW + THIRTY_DAYS + HOUR)
    assert submit(consultation).receipt


# --- what a comment may contain ----------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "accepted"), [(9, False), (10, True), (5000, True), (5001, False)]
)
def test_the_body_length_is_checked_by_the_service(open_consultation, length, accepted):
    body = "见" * length
    if accepted:
        assert submit(open_consultation, body=body).body == body
    else:
        with pytest.raises(RuleViolation) as exc:
            submit(open_consultation, body=body)
        assert exc.value.field == "body"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"author_name": "名" * 10_000}, "author_name"),
        ({"author_name": ""}, "author_name"),
        ({"consent": False}, "consent"),
        ({"consent": "yes"}, "consent"),
        ({"consent": None}, "consent"),
        ({"show_name": "yes"}, "show_name"),
        ({"contact": "微信号"}, "contact"),
        ({"clause": 9}, "clause"),
        ({"clause": "第一条"}, "clause"),
    ],
)
def test_an_invalid_comment_is_refused_on_its_field(open_consultation, db, change, field):
    with pytest.raises(RuleViolation) as exc:
        submit(open_consultation, **change)
    assert exc.value.field == field
    db.session.rollback()
    assert count(db, Comment) == 0


def test_a_comment_may_address_one_clause(open_consultation):
    comment = submit(open_consultation, clause=3)
    assert comment.clause.number == 3
    assert comment.clause.anchor == "clause-3"


def test_an_anonymous_comment_keeps_the_name_private(open_consultation):
    comment = submit(open_consultation, author_name="王五", show_name=False)
    assert comment.author_name == "王五"
    assert comment.public_name is None
    assert services.public_comment_record(comment)["author"] is None


def test_the_submitter_ip_and_contact_are_stored_but_never_in_public_records(open_consultation):
    comment = submit(open_consultation, contact="13912345678", ip="203.0.113.77")
    assert comment.contact == "13912345678"
    assert comment.submitter_ip == "203.0.113.77"
    for record in (services.public_comment_record(comment), services.receipt_record(comment)):
        text = repr(record)
        assert "13912345678" not in text
        assert "203.0.113.77" not in text


# --- attachments -------------------------------------------------------------------------


def test_a_pdf_attachment_is_accepted_and_stored(open_consultation):
    comment = submit(open_consultation, attachment=("我的意见.pdf", PDF))
    assert comment.attachment.content_type == "application/pdf"
    assert comment.attachment.filename == "我的意见.pdf"
    assert storage().read(comment.attachment.storage_key) == PDF


def test_a_png_attachment_is_accepted(open_consultation):
    comment = submit(open_consultation, attachment=("现场照片.png", PNG))
    assert comment.attachment.content_type == "image/png"


def test_a_pdf_whose_bytes_are_a_png_is_refused(open_consultation, db):
    with pytest.raises(RuleViolation) as exc:
        submit(open_consultation, attachment=("意见.pdf", PNG))
    assert exc.value.field == "attachment"
    assert "content does not match" in english(exc.value.message)
    db.session.rollback()
    assert count(db, Comment) == 0
    assert count(db, StoredFile) == 0


def test_an_attachment_over_ten_megabytes_is_refused(open_consultation):
    big = PDF + b"0" * (11 * 1024 * 1024)
    with pytest.raises(RuleViolation) as exc:
        submit(open_consultation, attachment=("意见.pdf", big))
    assert exc.value.field == "attachment"
    assert "10 MB" in english(exc.value.message)


def test_an_attachment_of_exactly_ten_megabytes_is_accepted(open_consultation):
    data = PDF + b"0" * (10 * 1024 * 1024 - len(PDF))
    assert submit(open_consultation, attachment=("意见.pdf", data)).attachment.size == len(data)


@pytest.mark.parametrize(
    ("filename", "content"),
    [("意见.docx", b"PK\x03\x04nonsense"), ("脚本.html", b"<script>alert(1)</script>")],
)
def test_attachments_other_than_pdf_and_images_are_refused(open_consultation, filename, content):
    with pytest.raises(RuleViolation):
        submit(open_consultation, attachment=(filename, content))


# --- receipts ----------------------------------------------------------------------------


def test_every_comment_gets_a_receipt_in_the_published_format(open_consultation):
    assert RECEIPT.match(submit(open_consultation).receipt)


def test_the_receipt_year_is_the_year_in_beijing(world, clock):
    opens_at = clock.set(datetime(2026, 12, 1, tzinfo=UTC))
    consultation = make_consultation(world.matter, opens_at, opens_at + 40 * DAY)
    clock.set(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))  # 2027-01-01 00:30 in Beijing
    assert submit(consultation).receipt.startswith("ZX-2027-")


def test_receipts_are_unique_over_two_thousand_submissions(open_consultation, db):
    receipts = {
        submit(open_consultation, body=f"第{i}号意见：建议增设停车位{i * 7919 % 10007}个。").receipt
        for i in range(2000)
    }
    assert len(receipts) == 2000
    assert all(RECEIPT.match(r) for r in receipts)
    assert count(db, Comment) == 2000


@pytest.mark.parametrize(
    "typed", [str.lower, lambda r: r.replace("-", ""), lambda r: " ".join(r.split("-")), str.upper]
)
def test_a_comment_is_found_by_its_receipt_however_it_is_typed(open_consultation, typed):
    comment = submit(open_consultation)
    assert services.find_by_receipt(typed(comment.receipt)) is comment


@pytest.mark.parametrize("number", ["ZX-2026-2222-2222", "not a receipt", ""])
def test_an_unknown_receipt_is_not_found(open_consultation, number):
    with pytest.raises(NotFound):
        services.find_by_receipt(number)


def test_with_premoderation_a_comment_is_received_until_published(
    open_consultation, monkeypatch, db
):
    monkeypatch.setitem(current_app.config, "COMMENTS_PREMODERATED", True)
    comment = submit(open_consultation)
    assert comment.status == CommentStatus.RECEIVED
    assert list(db.session.scalars(services.public_comments(open_consultation))) == []
    services.publish_comment(comment, actor=SYSTEM)
    assert comment.status == CommentStatus.PUBLISHED
    assert list(db.session.scalars(services.public_comments(open_consultation))) == [comment]
    assert [e.action for e in audit.events_for("comment", comment.id)] == ["published"]


def test_without_premoderation_a_comment_is_published_at_once(open_consultation):
    assert submit(open_consultation).status == CommentStatus.PUBLISHED


# --- offline comments --------------------------------------------------------------------


@pytest.fixture
def activity_for(world):
    def _make(consultation, kind="symposium"):
        return consultations.record_activity(
            consultation,
            {"kind": kind, "held_on": NOW.date(), "place": "东湖街道会议室", "participants": 30},
            actor=SYSTEM,
        )

    return _make


def offline(consultation, actor=SYSTEM, **overrides):
    data = {
        "source": "hotline",
        "received_at": NOW + HOUR,
        "author_name": "来电市民",
        "body": "希望改造期间保留临时停车位，方便老人出行。",
        **overrides,
    }
    return services.enter_offline_comment(consultation, data, actor=actor)


@pytest.mark.parametrize(
    "source", ["symposium", "hearing", "field_visit", "hotline", "letter", "mailbox", "meeting"]
)
def test_each_offline_source_gets_a_receipt(world, clock, activity_for, source):
    consultation = make_consultation(world.matter, NOW)
    clock.set(NOW + 2 * HOUR)
    extra = {}
    if source in ("symposium", "hearing", "field_visit"):
        extra["activity_id"] = activity_for(consultation, source).id
    officer = world.users["own_officer"]
    comment = offline(consultation, officer, source=source, **extra)
    assert RECEIPT.match(comment.receipt)
    assert comment.source == source
    assert comment.submitted_at == NOW + HOUR
    assert comment.entered_by_id == officer.id
    assert comment.status == CommentStatus.PUBLISHED
    assert comment.activity_id == extra.get("activity_id")
    assert [e.action for e in audit.events_for("comment", comment.id)] == ["entered"]


@pytest.mark.parametrize(
    ("received", "accepted"),
    [
        (lambda c: c.opens_at - SECOND, False),
        (lambda c: c.opens_at, True),
        (lambda c: c.closes_at - SECOND, True),
        (lambda c: c.closes_at, False),
    ],
)
def test_an_offline_comment_counts_only_if_received_while_open(world, clock, received, accepted):
    consultation = make_consultation(world.matter, NOW + DAY)
    clock.set(consultation.closes_at + 5 * DAY)  # entered after closing: letters arrive late
    if accepted:
        assert offline(consultation, received_at=received(consultation)).receipt
    else:
        with pytest.raises(RuleViolation) as exc:
            offline(consultation, received_at=received(consultation))
        assert exc.value.field == "received_at"


def test_an_offline_comment_cannot_be_received_in_the_future(world, clock):
    consultation = make_consultation(world.matter, NOW)
    with pytest.raises(RuleViolation) as exc:
        offline(consultation, received_at=NOW + HOUR)
    assert exc.value.field == "received_at"


def test_an_activity_of_another_consultation_is_refused(world, clock, activity_for):
    mine = make_consultation(world.matter, NOW)
    theirs = make_consultation(world.other_matter, NOW)
    clock.set(NOW + 2 * HOUR)
    activity = activity_for(theirs)
    with pytest.raises(RuleViolation) as exc:
        offline(mine, source="symposium", activity_id=activity.id)
    assert exc.value.field == "activity_id"


@pytest.mark.parametrize("activity_id", [999_999, "abc", "-1"])
def test_an_unknown_activity_is_refused(world, clock, activity_id):
    consultation = make_consultation(world.matter, NOW)
    clock.set(NOW + 2 * HOUR)
    with pytest.raises(RuleViolation) as exc:
        offline(consultation, source="symposium", activity_id=activity_id)
    assert exc.value.field == "activity_id"


def test_an_activity_of_another_kind_is_refused(world, clock, activity_for):
    consultation = make_consultation(world.matter, NOW)
    clock.set(NOW + 2 * HOUR)
    hearing = activity_for(consultation, "hearing")
    with pytest.raises(RuleViolation) as exc:
        offline(consultation, source="symposium", activity_id=hearing.id)
    assert exc.value.field == "activity_id"


@pytest.mark.parametrize("source", ["online", "email", "", None])
def test_an_offline_comment_needs_an_offline_source(world, clock, source):
    consultation = make_consultation(world.matter, NOW)
    clock.set(NOW + 2 * HOUR)
    with pytest.raises(RuleViolation) as exc:
        offline(consultation, source=source)
    assert exc.value.field == "source"


# --- moderation --------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["abusive", "personal_data", "spam", "off_topic"])
def test_hiding_a_comment_records_the_reason_and_deletes_nothing(
    open_consultation, world, db, reason
):
    comment = submit(open_consultation)
    officer = world.users["own_officer"]
    services.hide_comment(comment, reason, "含有他人电话号码", actor=officer)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Comment, comment.id)
    assert stored is not None
    assert stored.body == BODY
    assert stored.status == CommentStatus.HIDDEN
    assert (stored.hidden_reason, stored.hidden_note) == (reason, "含有他人电话号码")
    assert stored.hidden_at == NOW
    assert stored.hidden_by_id == officer.id
    assert list(db.session.scalars(services.public_comments(open_consultation))) == []
    record = services.receipt_record(stored)
    assert (record["status"], record["hidden_reason"]) == ("hidden", reason)
    assert [e.details for e in audit.events_for("comment", comment.id)] == [{"reason": reason}]


@pytest.mark.parametrize("reason", ["", "rude", None])
def test_hiding_needs_a_known_reason(open_consultation, reason):
    comment = submit(open_consultation)
    with pytest.raises(RuleViolation) as exc:
        services.hide_comment(comment, reason, actor=SYSTEM)
    assert exc.value.field == "reason"
    assert comment.status == CommentStatus.PUBLISHED


def test_a_hidden_comment_can_be_restored(open_consultation, db):
    comment = submit(open_consultation)
    services.hide_comment(comment, "spam", actor=SYSTEM)
    services.publish_comment(comment, actor=SYSTEM)
    assert comment.status == CommentStatus.PUBLISHED
    assert comment.hidden_reason is None and comment.hidden_at is None
    assert list(db.session.scalars(services.public_comments(open_consultation))) == [comment]
    assert [e.action for e in audit.events_for("comment", comment.id)] == ["hidden", "restored"]
    assert services.receipt_record(comment)["hidden_reason"] is None


def test_the_database_refuses_a_hidden_comment_without_a_reason(open_consultation, db):
    comment = submit(open_consultation)
    comment.status = CommentStatus.HIDDEN.value
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.flush()


# --- checked without the database, stored by one guarded INSERT --------------------------


def test_a_comment_checked_before_closing_is_refused_if_the_window_closed_before_storing(
    open_consultation, db, clock
):
    clock.set(NOW + 40 * DAY)
    open_consultation.closes_at = NOW + 45 * DAY
    draft = services.check_comment(open_consultation, comment_data())
    db.session.commit()
    # Meanwhile an officer shortens the window to end before this submission's time.
    db.session.execute(
        sa.update(type(open_consultation))
        .where(type(open_consultation).id == open_consultation.id)
        .values(closes_at=NOW + 40 * DAY - SECOND)
    )
    with pytest.raises(RuleViolation) as refused:
        services.store_comment(draft)
    assert refused.value.code == "closed"
    assert count(db, Comment) == 0


def test_receipts_are_unique_even_when_the_generator_repeats(open_consultation, monkeypatch):
    first = submit(open_consultation)
    numbers = iter([first.receipt, first.receipt, "ZX-2026-AAAA-BBBB"])
    monkeypatch.setattr(ids, "new_receipt", lambda year: next(numbers))
    second = submit(open_consultation, body="另一条完全不同的意见，关于绿化。")
    assert second.receipt == "ZX-2026-AAAA-BBBB"


def test_count_comments_counts_all_comments_per_consultation(world):
    a = make_consultation(world.matter, NOW)
    b = make_consultation(world.other_matter, NOW)
    submit(a)
    submit(a, body="第二条意见：请增加无障碍车位。")
    hidden = submit(b)
    services.hide_comment(hidden, "spam", actor=SYSTEM)
    assert services.count_comments([a.id, b.id]) == {a.id: 2, b.id: 1}
    assert services.count_comments([]) == {}


def test_offline_comments_default_their_time_to_now(world, clock):
    consultation = make_consultation(world.matter, NOW)
    clock.set(NOW + timedelta(hours=3))
    comment = services.enter_offline_comment(
        consultation,
        {"source": "mailbox", "author_name": "匿名", "body": "意见箱收到的意见：路灯不亮。"},
        actor=SYSTEM,
    )
    assert comment.submitted_at == NOW + timedelta(hours=3)
    assert comment_data()["consent"] is True  # (the online default stays opt-in)
