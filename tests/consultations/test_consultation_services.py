"""Consultation services: opening and scheduling, the window at its boundaries with a movable
clock, the matter's move to "consulting", extending and shortening, deletion, documents and
offline activities."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from consult.accounts.models import SYSTEM
from consult.catalogue import services as catalogue
from consult.catalogue.models import MatterStatus
from consult.consultations import services
from consult.consultations.models import Clause
from consult.consultations.models import Consultation
from consult.consultations.models import ConsultationDocument
from consult.consultations.models import ConsultationStatus
from consult.consultations.models import StoredFile
from consult.consultations.models import WindowChange
from consult.core import audit
from consult.core.errors import RuleViolation
from consult.core.storage import storage
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import MINUTE
from tests.helpers import NOW
from tests.helpers import PDF
from tests.helpers import PNG
from tests.helpers import SECOND
from tests.helpers import THIRTY_DAYS
from tests.helpers import consultation_data
from tests.helpers import count
from tests.helpers import docx_bytes
from tests.helpers import make_consultation
from tests.helpers import odt_bytes

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")


def actions(obj) -> list[str]:
    return [e.action for e in audit.events_for(obj.__tablename__, obj.id)]


def events(obj, action: str):
    return [e for e in audit.events_for(obj.__tablename__, obj.id) if e.action == action]


# --- opening and the window --------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "accepted"),
    [(THIRTY_DAYS - SECOND, False), (THIRTY_DAYS, True), (THIRTY_DAYS + DAY, True)],
)
def test_a_consultation_window_of_thirty_days_is_the_least_accepted(world, db, length, accepted):
    data = consultation_data(NOW + HOUR, NOW + HOUR + length)
    if accepted:
        consultation = services.open_consultation(world.matter, data, actor=SYSTEM)
        assert consultation.closes_at - consultation.opens_at == length
    else:
        with pytest.raises(RuleViolation) as exc:
            services.open_consultation(world.matter, data, actor=SYSTEM)
        assert exc.value.field == "closes_at"
        assert count(db, Consultation) == 0


@pytest.mark.parametrize(
    ("configured_days", "window_days", "accepted"),
    [
        (45, 30, False),
        (45, 44, False),
        (45, 45, True),
        (10, 29, False),  # a configured 10 days does not lower the statutory 30
        (10, 30, True),
        (None, 30, True),
    ],
)
def test_the_deployment_minimum_window_is_enforced_by_the_service(
    world, monkeypatch, configured_days, window_days, accepted
):
    monkeypatch.setitem(current_app.config, "MIN_COMMENT_WINDOW_DAYS", configured_days)
    data = consultation_data(NOW, NOW + timedelta(days=window_days))
    if accepted:
        services.open_consultation(world.matter, data, actor=SYSTEM)
    else:
        with pytest.raises(RuleViolation) as exc:
            services.open_consultation(world.matter, data, actor=SYSTEM)
        assert exc.value.field == "closes_at"


def test_a_window_closing_before_it_opens_is_refused(world):
    with pytest.raises(RuleViolation) as exc:
        make_consultation(world.matter, NOW + 40 * DAY, NOW + 10 * DAY)
    assert exc.value.field == "closes_at"


@pytest.mark.parametrize("ago", [HOUR, DAY, 6 * MINUTE])
def test_a_consultation_cannot_open_in_the_past(world, ago):
    with pytest.raises(RuleViolation) as exc:
        make_consultation(world.matter, NOW - ago)
    assert exc.value.field == "opens_at"


def test_naive_times_are_refused(world):
    data = consultation_data()
    data["opens_at"] = data["opens_at"].replace(tzinfo=None)
    with pytest.raises(RuleViolation) as exc:
        services.open_consultation(world.matter, data, actor=SYSTEM)
    assert exc.value.field == "opens_at"


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "  "), ("draft", ""), ("contact", None), ("title", "长" * 201)],
)
def test_required_texts_are_checked(world, field, value):
    with pytest.raises(RuleViolation) as exc:
        make_consultation(world.matter, **{field: value})
    assert exc.value.field == field


def test_a_future_opening_is_scheduled_and_leaves_the_matter_planned(world, clock):
    consultation = make_consultation(world.matter, NOW + 3 * DAY)
    assert consultation.status_at(NOW) == ConsultationStatus.SCHEDULED
    assert consultation.activated_at is None
    assert world.matter.status == MatterStatus.PLANNED
    assert "status_changed" not in actions(world.matter)
    assert "consultation_scheduled" in actions(world.matter)


@pytest.mark.parametrize(
    ("offset", "status"),
    [
        (-SECOND, ConsultationStatus.SCHEDULED),
        (timedelta(0), ConsultationStatus.OPEN),
        (THIRTY_DAYS - SECOND, ConsultationStatus.OPEN),
        (THIRTY_DAYS, ConsultationStatus.CLOSED),
    ],
)
def test_the_status_follows_the_window(world, offset, status):
    consultation = make_consultation(world.matter, NOW + DAY)
    assert consultation.status_at(consultation.opens_at + offset) == status
    assert consultation.is_open_at(consultation.opens_at + offset) == (
        status == ConsultationStatus.OPEN
    )


def test_opening_now_moves_the_matter_to_consulting_dated_at_the_opening(world):
    consultation = make_consultation(world.matter, NOW)
    assert world.matter.status == MatterStatus.CONSULTING
    assert consultation.activated_at == NOW
    (changed,) = events(world.matter, "status_changed")
    assert changed.occurred_at == NOW
    assert changed.details["from"] == "planned"
    assert changed.details["to"] == "consulting"
    assert events(world.matter, "consultation_opened")[0].occurred_at == NOW


def test_a_scheduled_consultation_moves_the_matter_when_activate_due_runs_at_the_opening(
    world, clock
):
    opens_at = NOW + 2 * DAY
    consultation = make_consultation(world.matter, opens_at)
    clock.set(opens_at - SECOND)
    assert services.activate_due() == 0
    assert world.matter.status == MatterStatus.PLANNED
    clock.set(opens_at)
    assert services.activate_due() == 1
    assert world.matter.status == MatterStatus.CONSULTING
    assert consultation.activated_at == opens_at
    assert [e.occurred_at for e in events(world.matter, "status_changed")] == [opens_at]


def test_a_late_activation_is_still_dated_at_the_opening_time(world, clock):
    opens_at = NOW + 2 * DAY
    make_consultation(world.matter, opens_at)
    clock.set(opens_at + 5 * HOUR)  # nobody looked for five hours
    services.activate_due()
    (changed,) = events(world.matter, "status_changed")
    assert changed.occurred_at == opens_at
    assert any(e.action == "status_changed" for e in catalogue.timeline(world.matter))


def test_activation_happens_once(world, clock):
    make_consultation(world.matter, NOW + DAY)
    clock.set(NOW + 2 * DAY)
    assert services.activate_due() == 1
    assert services.activate_due() == 0
    assert len(events(world.matter, "consultation_opened")) == 1


def test_only_the_first_consultation_changes_the_matter_status(world, clock):
    make_consultation(world.matter, NOW)
    make_consultation(world.matter, NOW + DAY, title="第二轮征求意见")
    clock.set(NOW + 2 * DAY)
    services.activate_due()
    assert len(events(world.matter, "status_changed")) == 1
    assert len(events(world.matter, "consultation_opened")) == 2


def test_a_matter_whose_catalogue_is_unpublished_cannot_be_consulted_on(world, create_matter):
    draft = create_matter(department=world.dept, year=2027, planned_time="2027-Q2")
    with pytest.raises(RuleViolation):
        make_consultation(draft)


def test_a_withdrawn_matter_cannot_be_consulted_on(world):
    catalogue.withdraw_matter(world.matter, "区政府决定不再推进该事项。", actor=SYSTEM)
    with pytest.raises(RuleViolation):
        make_consultation(world.matter)


def test_the_draft_becomes_numbered_clauses_with_anchors(world):
    consultation = make_consultation(world.matter)
    assert consultation.preamble.startswith("为加强老旧小区停车管理")
    assert [(c.number, c.heading, c.anchor) for c in consultation.clauses] == [
        (1, "第一条", "clause-1"),
        (2, "第二条", "clause-2"),
        (3, "第三条", "clause-3"),
        (4, "第四条", "clause-4"),
    ]


def test_a_draft_numbered_out_of_order_is_refused_and_nothing_is_stored(world, db):
    with pytest.raises(RuleViolation) as exc:
        make_consultation(world.matter, draft="第一条 甲。\n第三条 丙。")
    assert exc.value.field == "draft"
    db.session.rollback()
    assert count(db, Clause) == 0


# --- who may open ------------------------------------------------------------------------


# (Who may: tests/accounts/test_role_matrix.py, for every service.)


def test_a_consultation_records_who_opened_it(world):
    officer = world.users["own_officer"]
    assert make_consultation(world.matter, actor=officer).created_by_id == officer.id


# --- moving the closing time -------------------------------------------------------------


def test_extending_an_open_window_is_logged_and_announced(world, clock, db):
    consultation = make_consultation(world.matter, NOW)
    clock.set(NOW + 10 * DAY)
    old = consultation.closes_at
    new = old + 15 * DAY
    actor = world.users["own_officer"]
    change = services.change_closing(consultation, new, "应居民要求延长征求意见期。", actor=actor)
    assert consultation.closes_at == new
    rows = list(db.session.scalars(sa.select(WindowChange)))
    assert rows == [change]
    assert (change.old_closes_at, change.new_closes_at) == (old, new)
    assert change.changed_at == NOW + 10 * DAY
    assert change.actor_id == actor.id
    (event,) = events(consultation, "window_changed")
    assert event.details["reason"] == "应居民要求延长征求意见期。"
    assert event.actor_id == actor.id
    assert events(world.matter, "consultation_window_changed")
    record = services.public_record(consultation, NOW + 10 * DAY, 0)
    assert record["window_changes"][0]["reason"] == "应居民要求延长征求意见期。"


def test_a_scheduled_window_can_be_moved_too(world):
    consultation = make_consultation(world.matter, NOW + DAY)
    services.change_closing(consultation, consultation.closes_at + DAY, "调整。", actor=SYSTEM)
    assert consultation.closes_at == NOW + DAY + THIRTY_DAYS + DAY


@pytest.mark.parametrize(
    ("new_closing", "accepted"),
    [
        (lambda c: c.opens_at + THIRTY_DAYS - SECOND, False),
        (lambda c: c.opens_at + THIRTY_DAYS, True),
        (lambda c: c.opens_at + THIRTY_DAYS + DAY, True),
    ],
)
def test_shortening_below_the_minimum_is_refused(world, new_closing, accepted):
    consultation = make_consultation(world.matter, NOW, NOW + 40 * DAY)
    target = new_closing(consultation)
    if accepted:
        services.change_closing(consultation, target, "缩短。", actor=SYSTEM)
        assert consultation.closes_at == target
    else:
        with pytest.raises(RuleViolation) as exc:
            services.change_closing(consultation, target, "缩短。", actor=SYSTEM)
        assert exc.value.field == "closes_at"
        assert consultation.closes_at == NOW + 40 * DAY


def test_shortening_into_the_past_is_refused(world, clock):
    consultation = make_consultation(world.matter, NOW, NOW + 60 * DAY)
    clock.set(NOW + 45 * DAY)
    with pytest.raises(RuleViolation) as exc:
        services.change_closing(consultation, NOW + 45 * DAY - SECOND, "提前结束。", actor=SYSTEM)
    assert exc.value.field == "closes_at"
    with pytest.raises(RuleViolation):
        services.change_closing(consultation, NOW + 45 * DAY, "恰好现在结束。", actor=SYSTEM)


def test_a_window_that_has_closed_cannot_be_extended(world, clock):
    consultation = make_consultation(world.matter, NOW)
    clock.set(consultation.closes_at)
    with pytest.raises(RuleViolation):
        services.change_closing(consultation, NOW + 60 * DAY, "重新开放。", actor=SYSTEM)


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_change_of_closing_needs_a_reason(world, reason):
    consultation = make_consultation(world.matter, NOW)
    with pytest.raises(RuleViolation) as exc:
        services.change_closing(consultation, consultation.closes_at + DAY, reason, actor=SYSTEM)
    assert exc.value.field == "reason"


def test_moving_to_the_same_closing_time_is_refused(world):
    consultation = make_consultation(world.matter, NOW)
    with pytest.raises(RuleViolation):
        services.change_closing(consultation, consultation.closes_at, "不变。", actor=SYSTEM)


# --- deletion ----------------------------------------------------------------------------


def test_a_scheduled_consultation_can_be_deleted(world, db):
    consultation = make_consultation(world.matter, NOW + DAY)
    consultation_id = consultation.id
    services.delete_consultation(consultation, actor=world.users["own_officer"])
    assert db.session.get(Consultation, consultation_id) is None
    assert count(db, Clause, Clause.consultation_id == consultation_id) == 0
    assert "consultation_cancelled" in actions(world.matter)


@pytest.mark.parametrize("opens_in", [timedelta(0), -DAY])
def test_a_consultation_that_opened_cannot_be_deleted(world, clock, db, opens_in):
    consultation = make_consultation(world.matter, NOW + DAY)
    clock.set(consultation.opens_at - opens_in)
    with pytest.raises(RuleViolation):
        services.delete_consultation(consultation, actor=SYSTEM)
    assert consultation.id is not None and consultation in db.session


def test_a_consultation_activated_and_then_deleted_is_refused_even_if_the_clock_is_earlier(
    world, clock
):
    consultation = make_consultation(world.matter, NOW)
    clock.set(NOW - HOUR)  # a clock moved back does not undo an opening
    with pytest.raises(RuleViolation):
        services.delete_consultation(consultation, actor=SYSTEM)


def test_deleting_a_scheduled_consultation_whose_closing_moved_deletes_or_refuses(world, db):
    consultation = make_consultation(world.matter, NOW + DAY)
    services.change_closing(consultation, consultation.closes_at + DAY, "延后。", actor=SYSTEM)
    try:
        with db.session.begin_nested():
            services.delete_consultation(consultation, actor=SYSTEM)
    except RuleViolation:
        return
    assert count(db, Consultation) == 0


# --- documents ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "content_type"),
    [
        ("征求意见稿.pdf", PDF, "application/pdf"),
        (
            "征求意见稿.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("征求意见稿.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
        ("EXPLANATION.PDF", PDF, "application/pdf"),
    ],
)
def test_documents_are_recognised_by_their_content(world, filename, content, content_type):
    consultation = make_consultation(world.matter, documents=[(filename, content)])
    (doc,) = consultation.documents
    assert doc.file.filename == filename
    assert doc.file.content_type == content_type
    assert doc.file.size == len(content)
    assert storage().read(doc.file.storage_key) == content


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("草案.docx", "第一条 这其实是纯文本。".encode()),
        ("草案.docx", PDF),  # a PDF named .docx
        ("草案.pdf", PNG),  # an image is not a document
        ("草案.odt", docx_bytes()),
        ("草案.exe", b"MZ\x90\x00"),
        ("草案.pdf", b""),
    ],
)
def test_documents_whose_content_is_not_what_they_claim_are_refused(world, filename, content):
    consultation = make_consultation(world.matter)
    with pytest.raises(RuleViolation) as exc:
        services.add_document(consultation, filename, content, actor=SYSTEM)
    assert exc.value.field == "documents"


def test_a_docx_that_is_really_a_text_file_is_refused_with_a_clear_message(world):
    consultation = make_consultation(world.matter)
    with pytest.raises(RuleViolation) as exc, force_locale("en"):
        services.add_document(consultation, "草案.docx", b"just some text", actor=SYSTEM)
    with force_locale("en"):
        assert "not accepted" in str(exc.value.message)


def test_a_pdf_named_docx_is_refused_because_content_and_name_disagree(world):
    consultation = make_consultation(world.matter)
    with pytest.raises(RuleViolation) as exc:
        services.add_document(consultation, "草案.docx", PDF, actor=SYSTEM)
    with force_locale("en"):
        assert "does not match" in str(exc.value.message)


def test_a_refused_document_refuses_the_whole_consultation(world, db):
    with pytest.raises(RuleViolation):
        make_consultation(world.matter, documents=[("a.pdf", PDF), ("b.docx", b"text")])
    db.session.rollback()
    assert count(db, ConsultationDocument) == 0
    assert count(db, Consultation) == 0


def test_a_document_added_later_is_audited(world):
    consultation = make_consultation(world.matter)
    doc = services.add_document(consultation, "说明.odt", odt_bytes(), actor=SYSTEM)
    assert doc in consultation.documents
    assert events(consultation, "document_added")[0].details == {"filename": "说明.odt"}


def test_a_document_filename_loses_its_path(world):
    consultation = make_consultation(world.matter)
    doc = services.add_document(consultation, "../../etc/征求意见稿.pdf", PDF, actor=SYSTEM)
    assert doc.file.filename == "征求意见稿.pdf"


def test_identical_uploads_share_their_bytes(world, db):
    consultation = make_consultation(world.matter)
    a = services.add_document(consultation, "a.pdf", PDF, actor=SYSTEM)
    b = services.add_document(consultation, "b.pdf", PDF, actor=SYSTEM)
    assert a.file.storage_key == b.file.storage_key
    assert count(db, StoredFile) == 2


def test_documents_are_stored_outside_static(app, world, monkeypatch):
    monkeypatch.setitem(current_app.config, "STORAGE_DIR", "")  # the default location
    root = storage().root.resolve()
    static = Path(app.static_folder).resolve()
    assert root != static
    assert static not in root.parents


# --- offline activities ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["symposium", "hearing", "field_visit"])
def test_an_activity_is_recorded_once_held(world, clock, kind):
    consultation = make_consultation(world.matter, NOW)
    clock.set(NOW + 5 * DAY)
    activity = services.record_activity(
        consultation,
        {"kind": kind, "held_on": date(2026, 3, 6), "place": "东湖街道会议室", "participants": 23},
        actor=world.users["own_officer"],
    )
    assert activity in consultation.activities
    assert events(consultation, "activity_recorded")[0].details["kind"] == kind


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "party"}, "kind"),
        ({"held_on": date(2026, 3, 3)}, "held_on"),  # tomorrow (in Beijing)
        ({"held_on": "2026-03-01"}, "held_on"),
        ({"place": " "}, "place"),
        ({"participants": -1}, "participants"),
        ({"participants": "many"}, "participants"),
    ],
)
def test_an_activity_with_bad_data_is_refused(world, change, field):
    consultation = make_consultation(world.matter, NOW)
    data = {"kind": "hearing", "held_on": date(2026, 3, 2), "place": "区政府", "participants": 5}
    with pytest.raises(RuleViolation) as exc:
        services.record_activity(consultation, {**data, **change}, actor=SYSTEM)
    assert exc.value.field == field


# --- lists and public records ------------------------------------------------------------


def test_consultations_are_listed_by_their_status_at_the_time(world, db):
    soon = make_consultation(world.matter, NOW + DAY, title="明日开始")
    now_open = make_consultation(world.matter, NOW, title="正在征求")
    later = make_consultation(world.matter, NOW + 40 * DAY, title="下月开始")
    at = NOW + THIRTY_DAYS + HOUR

    def ids(status):
        return [c.id for c in db.session.scalars(services.list_by_status(status, at))]

    assert ids("open") == [soon.id]
    assert ids("closed") == [now_open.id]
    assert ids("scheduled") == [later.id]
    assert ids(None) == [later.id, soon.id, now_open.id]


def test_the_public_record_counts_time_left(world):
    consultation = make_consultation(world.matter, NOW)
    record = services.public_record(consultation, NOW + 2 * DAY + 3 * HOUR + 5 * MINUTE, 7)
    assert record["status"] == "open"
    assert record["time_left"] == {"days": 27, "hours": 20}
    assert record["comment_count"] == 7
    assert [c["anchor"] for c in record["clauses"]] == [f"clause-{n}" for n in range(1, 5)]
