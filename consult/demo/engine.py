"""The engine of the 东湖区 demo: it replays the story (consult/demo/story/*.toml) through the
services, each step with a proper actor and with the clock moved to the moment it happened, so
the audit log, the timelines and the adjustments read like a real year's work.

The story's dates are counted from the day the demo is seeded: last year's catalogue has ended,
this year's is under way and next year's is a draft; this year's consultations and the meetings
to come are dated from today. A step whose moment is still in the future is left out, so the
demo never holds an event that has not happened yet. A matter reaches "consulting" when its
consultation opens, as on the live platform.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from consult.accounts import services as accounts
from consult.accounts.models import SYSTEM
from consult.accounts.models import Department
from consult.accounts.models import Role
from consult.accounts.models import User
from consult.catalogue import services as catalogue
from consult.catalogue.models import CatalogueAdjustment
from consult.catalogue.models import CatalogueYear
from consult.catalogue.models import DecisionMatter
from consult.catalogue.models import MatterStatus
from consult.catalogue.models import ProcedureKind
from consult.comments import grouping
from consult.comments import services as comments
from consult.comments.models import Comment
from consult.comments.models import CommentImport
from consult.comments.models import CommentSource
from consult.comments.models import CommentStatus
from consult.comments.models import DuplicateGroup
from consult.comments.models import ImportStatus
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.consultations.models import ConsultationStatus
from consult.core import time as clock
from consult.core.errors import RuleViolation
from consult.demo import crowd as demo_crowd
from consult.demo import story
from consult.demo import uploads as demo_uploads
from consult.demo.story import schema
from consult.extensions import db
from consult.interpretation import services as interpretation
from consult.meetings import models as meeting_models
from consult.meetings import services as meetings
from consult.meetings.models import Attendance
from consult.meetings.models import Draw
from consult.meetings.models import Invitation
from consult.meetings.models import InvitationStatus
from consult.meetings.models import Meeting
from consult.representatives import services as representatives
from consult.representatives.models import Representative
from consult.representatives.models import RepresentativeApplication

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-password-2026"

PP = ProcedureKind.PUBLIC_PARTICIPATION.value
EA = ProcedureKind.EXPERT_ARGUMENTATION.value
RA = ProcedureKind.RISK_ASSESSMENT.value
LR = ProcedureKind.LEGALITY_REVIEW.value
CD = ProcedureKind.COLLECTIVE_DISCUSSION.value


class DemoDataExists(Exception):
    """The database already holds data; the demo is only seeded into an empty one."""


def database_has_data() -> bool:
    return any(
        db.session.scalar(sa.select(model).limit(1)) is not None
        for model in (Department, User, CatalogueYear)
    )


def clear_database() -> None:
    """Delete every row, children first. The schema stays (it belongs to the migrations)."""
    db.session.flush()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.expunge_all()


class _Plan:
    """Events to replay in time order, each under a frozen clock; future ones are left out."""

    def __init__(self, now: datetime, zone) -> None:
        self.now = now
        self.zone = zone
        self.events: list[tuple[datetime, int, Callable[[], None]]] = []
        self.skipped = 0

    def at(self, day: date, hhmm: str) -> datetime:
        return story.local(day, hhmm, self.zone)

    def add(self, when: datetime, action: Callable[[], None]) -> None:
        self.events.append((when, len(self.events), action))

    def run(self) -> None:
        for when, _seq, action in sorted(self.events, key=lambda e: (e[0], e[1])):
            if when > self.now:
                self.skipped += 1
                continue
            with clock.freeze(when):
                action()


def seed_demo(now: datetime | None = None) -> dict[str, Any]:
    """Fill an empty database with the 东湖区 demo. Returns what was made, credentials included.
    Never commits: the caller does, once."""
    if database_has_data():
        raise DemoDataExists("the database already holds data")
    tale = story.load()
    now = clock.ensure_utc(now or clock.now_utc())
    zone = clock.local_zone(current_app.config.get("TIMEZONE", "Asia/Shanghai"))
    cal = story.Clock.seeded(now, zone)
    plan = _Plan(now, zone)

    # People first: the system makes the government office and its administrator, the
    # administrator makes everything else.
    depts: dict[str, Department] = {}
    users: dict[str, User] = {}
    (office, *departments), (head, *staff) = tale.accounts.departments, tale.accounts.users
    with clock.freeze(min(cal.moment(tale.accounts.made), now)):
        depts[office.short_name] = accounts.create_department(
            {"name": office.name, "short_name": office.short_name}, actor=SYSTEM
        )
        users[head.key] = accounts.create_user(
            {
                "email": head.email,
                "display_name": head.display_name,
                "password": DEMO_PASSWORD,
                "role": head.role,
                "department_id": depts[office.short_name].id,
            },
            actor=SYSTEM,
        )
        admin = users[head.key]
        for d in departments:
            depts[d.short_name] = accounts.create_department(
                {"name": d.name, "short_name": d.short_name}, actor=admin
            )
        for u in staff:
            users[u.key] = accounts.create_user(
                {
                    "email": u.email,
                    "display_name": u.display_name,
                    "password": DEMO_PASSWORD,
                    "role": u.role,
                    "department_id": depts[u.department].id if u.department else None,
                    "department_head": u.department_head,
                },
                actor=admin,
            )

    # A department's own officer: the first of its officers in accounts.toml.
    officers: dict[int | None, User] = {}
    for user in users.values():
        if user.role == Role.OFFICER:
            officers.setdefault(user.department_id, user)
    hours = tale.catalogue.hours
    matters: dict[int, DecisionMatter] = {}  # a matter's key → the matter, once created
    keys = itertools.count()
    consulted: dict[str, tuple[int, date | None, story.Clock]] = {}
    # a consultation's key → (its matter's key, the catalogue's publication day, its year)

    def actor_for(spec_index: int, dept_id: int | None = None) -> User:
        """The department's own officer where the demo has one, else the government office."""
        if dept_id is None:
            dept_id = matters[spec_index].department_id
        return officers.get(dept_id, admin)

    def schedule_year(year: schema.Year) -> None:
        dates = cal.of_year(year.year)
        published_on = dates.day(year.published) if year.published else None
        for spec in year.matters:
            days = _days(spec, dates)
            index = next(keys)
            dept_id = depts[spec.department].id
            data = {
                "year": dates.year,
                "title": dates.text(spec.title),
                "summary": dates.text(spec.summary),
                "department_id": dept_id,
                "planned_time": dates.text(spec.planned),
                "hearing": spec.hearing,
                "procedures": list(spec.procedures),
            }
            if spec.added:
                data["reason"] = dates.text(spec.added.reason)

            def create(index=index, data=data, dept_id=dept_id) -> None:
                matters[index] = catalogue.create_matter(data, actor=actor_for(index, dept_id))

            plan.add(plan.at(days["start"], hours.listed), create)
            _schedule_steps(
                plan, spec, days, dates, tale.catalogue, index, matters, actor_for, admin, depts
            )
            if spec.consultation:
                consulted[spec.consultation] = (index, published_on, dates)
        if published_on is not None:

            def publish(year=dates.year) -> None:
                catalogue.publish_catalogue(db.session.get(CatalogueYear, year), actor=admin)

            plan.add(plan.at(published_on, hours.published), publish)

    for year in tale.catalogue.years:
        schedule_year(year)
    opened: dict[str, Consultation] = {}  # a consultation's key → the consultation, once made
    for call in tale.consultations.consultations:
        index, published_on, dates = consulted[call.key]
        _schedule_consultation(
            plan,
            call,
            tale.comments,
            dates,
            lambda index=index: matters[index],
            lambda index=index: actor_for(index),
            admin,
            users,
            depts,
            published_on,
            opened,
        )
    _schedule_answering(plan, tale, consulted, opened, users)
    _schedule_questions(plan, tale.interpretations, cal, users, hours)
    roster = _Roster(users, depts, admin)
    _schedule_pool(plan, tale.representatives, cal, roster)
    for sitting in tale.meetings.meetings:
        _schedule_sitting(plan, sitting, cal, roster)
    plan.run()
    grouping.group_all()  # what came in since the last hour's grouping
    db.session.flush()
    _seed_feedback(tale.feedback, opened, admin, now)
    _seed_drafts(tale.feedback, opened, users, now)
    return summary(users, now)


# --- the catalogue -------------------------------------------------------------------------


def _days(spec: schema.Matter, dates: story.Clock) -> dict[str, date | None]:
    """A matter's days; they must tell a possible story (checked while the story is written)."""
    start = dates.day(spec.added.on if spec.added else spec.listed)
    days = {
        "start": start,
        "consulting": dates.day(spec.consulting) if spec.consulting else None,
        "deliberating": dates.day(spec.deliberating) if spec.deliberating else None,
        "decided": dates.day(spec.decided) if spec.decided else None,
    }
    known = [day for day in days.values() if day is not None]
    if known != sorted(known) or len(set(known)) != len(known):
        raise story.StoryError(
            f"consult/demo/story/catalogue.toml: {dates.text(spec.title)}: the days of listing, "
            "consultation, deliberation and decision are out of order"
        )
    return days


def _adjust(
    matter: DecisionMatter,
    change: schema.Adjustment,
    dates: story.Clock,
    depts: dict[str, Department],
    actor: User,
) -> None:
    reason = dates.text(change.reason)
    if change.postpone is not None:
        catalogue.postpone_matter(
            matter, {"planned_time": dates.text(change.postpone), "reason": reason}, actor=actor
        )
        return
    if change.planned_time is not None:
        data: dict[str, Any] = {"planned_time": dates.text(change.planned_time)}
    elif change.hearing is not None:
        data = {"hearing": change.hearing}
    else:
        data = {"department_id": depts[change.department].id}
    catalogue.update_matter(matter, {**data, "reason": reason}, actor=actor)


def _schedule_steps(
    plan,
    spec: schema.Matter,
    days,
    dates,
    cat: schema.Catalogue,
    index,
    matters,
    actor_for,
    admin,
    depts,
) -> None:
    hours = cat.hours

    def matter() -> DecisionMatter:
        return matters[index]

    for change in spec.adjustments:

        def adjust(change=change) -> None:
            actor = admin if change.by == "admin" else actor_for(index)
            _adjust(matter(), change, dates, depts, actor)

        plan.add(plan.at(dates.day(change.on), hours.adjusted), adjust)

    def status(target: str, extra: dict[str, Any] | None = None) -> Callable[[], None]:
        def step() -> None:
            catalogue.change_status(matter(), target, extra, actor=actor_for(index))

        return step

    def procedure(kind: str, day: date) -> None:
        if kind not in spec.procedures:
            return

        def step() -> None:
            catalogue.record_procedure(matter(), kind, day, actor=actor_for(index))

        plan.add(plan.at(day, hours.procedure), step)

    if days["consulting"]:
        plan.add(
            plan.at(days["consulting"], hours.consulting), status(MatterStatus.CONSULTING.value)
        )
    if days["deliberating"]:
        # Public participation ends with the consultation; experts and the risk assessment
        # report before the matter goes to deliberation.
        day = days["deliberating"]
        if days["consulting"] or spec.consultation:
            procedure(PP, day - timedelta(days=1))
        procedure(EA, day - timedelta(days=4))
        procedure(RA, day - timedelta(days=2))
        plan.add(plan.at(day, hours.deliberating), status(MatterStatus.DELIBERATING.value))
    if days["decided"]:
        # The legality review comes first; the standing meeting decides on the day.
        day = days["decided"]
        procedure(LR, max(day - timedelta(days=6), days["deliberating"] + timedelta(days=1)))
        procedure(CD, day)

        def decide(day=day) -> None:
            m = matter()
            catalogue.change_status(
                m,
                MatterStatus.DECIDED.value,
                {
                    "decision_date": day,
                    "decision_document_url": cat.decision_document.format(
                        day=day, year=m.year, number=m.number
                    ),
                    "interpretation": _interpretation_of(m, dates),
                },
                actor=actor_for(index),
            )

        plan.add(plan.at(day, hours.decided), decide)
    if spec.withdrawn:
        reason = dates.text(spec.withdrawn.reason)

        def withdraw(reason=reason) -> None:
            catalogue.withdraw_matter(matter(), reason, actor=admin)

        plan.add(plan.at(dates.day(spec.withdrawn.on), hours.withdrawn), withdraw)


# --- consultations and comments ------------------------------------------------------------


# --- after the decision: interpretations, specialists, questions -------------------------


def _explained(spec: schema.Explained, dates: story.Clock) -> dict[str, Any]:
    return {
        "title": dates.text(spec.title),
        "body": dates.text(spec.body),
        "forms": list(spec.forms),
        "link": dates.text(spec.link) if spec.link else None,
    }


def _interpretation_of(matter: DecisionMatter, dates: story.Clock) -> dict[str, Any]:
    """The interpretation published with a matter's decision: its own if the story tells it,
    else one written from its catalogue entry."""
    told = story.load().interpretations
    for featured in told.featured:
        if matter.title.startswith(dates.text(featured.matter)):
            return _explained(featured.interpretation, dates)
    fields = {
        "title": matter.title,
        "summary": matter.summary,
        "department": matter.department.name,
    }
    return {
        "title": told.default_title.format(**fields),
        "body": told.default_body.format(**fields),
        "forms": ["text"],
    }


def _schedule_questions(
    plan: _Plan,
    told: schema.Interpretations,
    cal: story.Clock,
    users: dict[str, User],
    hours: schema.Hours,
) -> None:
    """Name the featured matters' specialists, publish their follow-ups, and replay their
    questions: asked, answered (some late, one for its repeats too), withheld, or still
    waiting (some of them overdue by now)."""
    for featured in told.featured:
        dates = cal.of_year(featured.year)
        prefix = dates.text(featured.matter)
        spec = next(
            (
                m
                for y in story.load().catalogue.years
                if y.year == featured.year
                for m in y.matters
                if dates.text(m.title).startswith(prefix)
            ),
            None,
        )
        if spec is None or spec.decided is None:
            raise story.StoryError(
                f"consult/demo/story/interpretations.toml: {prefix}: no decided matter so titled"
            )
        decided_at = plan.at(dates.day(spec.decided), hours.decided)
        specialist = users[featured.specialist]

        def matter(year=dates.year, prefix=prefix) -> DecisionMatter:
            found = _matter_titled(year, prefix)
            assert found is not None
            return found

        remit = dates.text(featured.remit)

        def name(remit=remit, specialist=specialist) -> None:
            if interpretation.specialist_of(specialist, specialist.department_id) is None:
                interpretation.name_specialist(
                    specialist.department,
                    {"user_id": specialist.id, "remit": remit},
                    actor=specialist,
                )

        plan.add(decided_at + timedelta(minutes=5), name)
        for follow in featured.follow_ups:
            when = cal.moment(follow.on)
            if when <= decided_at:
                continue

            data = _explained(follow, dates)

            def publish(data=data, specialist=specialist, matter=matter) -> None:
                interpretation.publish_follow_up(matter(), data, actor=specialist)

            plan.add(when, publish)
        for q in featured.questions:
            asked_at = cal.moment(q.at)
            if asked_at <= decided_at + timedelta(minutes=5):
                continue  # the decision has not been made by then (an early seeding)
            receipt: dict[str, str] = {}

            def ask(q=q, receipt=receipt, dates=dates, matter=matter) -> None:
                data = {
                    "author_name": dates.text(q.author),
                    "show_name": q.show_name,
                    "contact": q.contact,
                    "body": dates.text(q.body),
                    "consent": True,
                }
                receipt["number"] = interpretation.ask_question(matter(), data).receipt

            plan.add(asked_at, ask)
            if q.hidden is not None:

                def hide(reason=q.hidden, receipt=receipt, specialist=specialist) -> None:
                    question = interpretation.find_by_receipt(receipt["number"])
                    interpretation.hide_question(question, reason, actor=specialist)

                plan.add(asked_at + timedelta(hours=1), hide)
            if q.answer is not None and q.answered is not None:

                def answer(q=q, receipt=receipt, dates=dates, specialist=specialist) -> None:
                    question = interpretation.find_by_receipt(receipt["number"])
                    if question.answered_at is None:  # not answered with its repeats already
                        interpretation.answer_question(
                            question,
                            dates.text(q.answer),
                            actor=specialist,
                            whole_group=q.whole_group,
                        )

                plan.add(cal.moment(q.answered), answer)


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _schedule_consultation(
    plan: _Plan,
    call: schema.Consultation,
    said: schema.Comments,
    dates: story.Clock,
    matter: Callable[[], DecisionMatter],
    officer: Callable[[], User],
    admin: User,
    users: dict[str, User],
    depts: dict[str, Department],
    published_on: date | None,
    opened: dict[str, Consultation],
) -> bool:
    """Put a consultation's story in the plan: the officer prepares it, it opens by the clock,
    residents comment, staff enter what came in offline, moderate, extend the window, and
    the matter moves on. Left out when it would start before its catalogue was published
    (the demo seeded early in a year)."""
    opens_at = dates.moment(call.opens)
    opens_on = opens_at.astimezone(plan.zone).date()

    def at(day: int, hhmm: str) -> datetime:
        return plan.at(opens_on + timedelta(days=day), hhmm)

    def on(moment: schema.At) -> datetime:
        return at(moment.day, moment.at)

    created = on(call.created)
    if published_on is None or created < plan.at(published_on + timedelta(days=1), "09:00"):
        log.info("demo: %s left out, it would precede its catalogue", call.key)
        return False
    state: dict[str, Any] = {"activities": {}, "comments": {}}

    def create() -> None:
        state["consultation"] = opened[call.key] = consultations.open_consultation(
            matter(),
            {
                "title": dates.text(call.title),
                "draft": dates.text(call.draft),
                "explanation": dates.text(call.explanation),
                "contact": call.contact,
                "opens_at": opens_at,
                "closes_at": on(call.closes),
            },
            actor=officer(),
        )

    plan.add(created, create)
    # What a request or `flask tick` does once the opening time has come.
    plan.add(opens_at, consultations.activate_due)

    if call.extension:
        new_closes_at = on(call.extension.closes)
        local_day = new_closes_at.astimezone(plan.zone).date()
        announcement = dates.text(call.extension.announcement)

        def extend() -> None:
            consultations.change_closing(
                state["consultation"],
                new_closes_at,
                announcement.replace("{date}", _cn_date(local_day)),
                actor=officer(),
            )

        plan.add(on(call.extension), extend)

    for g in call.gatherings:

        def record(g=g) -> None:
            activity = consultations.record_activity(
                state["consultation"],
                {
                    "kind": g.kind,
                    "held_on": on(g).astimezone(plan.zone).date(),
                    "place": g.place,
                    "participants": g.participants,
                    "minutes": dates.text(g.minutes),
                },
                actor=officer(),
            )
            state["activities"][g.key] = activity.id

        plan.add(on(g.recorded), record)

    for n, r in enumerate(said.by_consultation.get(call.key, [])):
        data = {
            "author_name": r.name,
            "show_name": r.show,
            "contact": r.contact,
            "body": dates.text(said.body(r)),
            "clause": r.clause,
            "consent": True,
        }
        if r.source == CommentSource.ONLINE:

            def submit(n=n, r=r, data=data) -> None:
                state["comments"][n] = comments.submit_comment(
                    state["consultation"],
                    data,
                    ip=f"203.0.113.{(n * 37 + 11) % 250 + 2}",
                    user=users.get(r.account) if r.account else None,
                )

            plan.add(on(r), submit)
        else:

            def enter(n=n, r=r, data=data) -> None:
                extra = {"source": r.source, "received_at": on(r)}
                if r.activity:
                    extra["activity_id"] = state["activities"][r.activity]
                state["comments"][n] = comments.enter_offline_comment(
                    state["consultation"], {**data, **extra}, actor=officer()
                )

            plan.add(on(r.entered), enter)
        if r.hidden:

            def hide(n=n, reason=r.hidden.reason, note=r.hidden.note) -> None:
                comments.hide_comment(state["comments"][n], reason, note, actor=officer())

            plan.add(on(r.hidden), hide)

    if call.crowd is not None:
        crowd = demo_crowd.crowd(days=call.crowd.days, seed=call.crowd.seed)
        _schedule_crowd(plan, crowd, state, at, officer)

    for f in call.followups:
        if f.adjust is not None:

            def step(change=f.adjust) -> None:
                actor = admin if change.by == "admin" else officer()
                _adjust(matter(), change, dates, depts, actor)

        elif f.procedure is not None:

            def step(kind=f.procedure, day=f.day) -> None:
                done_on = opens_on + timedelta(days=day)
                catalogue.record_procedure(matter(), kind, done_on, actor=officer())

        else:

            def step(target=f.status) -> None:
                catalogue.change_status(matter(), target, actor=officer())

        plan.add(on(f), step)
    return True


def _schedule_crowd(plan: _Plan, crowd, state: dict, at, officer) -> None:
    """A mass consultation: each online comment is stored as a request stores it, and grouped
    a moment later as the web process's grouping thread does (here: every hour, in a batch);
    the 12345 hotline's exports are imported by the officer."""
    hours = set()
    for c in crowd.online:

        def arrive(c=c) -> None:
            data = {
                "author_name": c.name,
                "show_name": c.show,
                "body": c.body,
                "clause": c.clause,
                "consent": True,
            }
            comments.store_comment(comments.check_comment(state["consultation"], data))

        plan.add(at(c.day, c.at), arrive)
        hours.add((c.day, c.at[:2]))
    for day, hour in sorted(hours):
        plan.add(at(day, f"{hour}:59"), lambda: grouping.group_all(state["consultation"].id))
    for day, hhmm, batch in crowd.hotline_imports:

        def load(batch=batch) -> None:
            records = [
                {
                    "source": c.source,
                    "submitted_at": at(c.day, c.at),
                    "author_name": c.name,
                    "show_name": c.show,
                    "body": c.body,
                    "clause": c.clause,
                }
                for c in batch
            ]
            comments.import_comments(state["consultation"], records, actor=officer())

        plan.add(at(day, hhmm), load)


# --- feedback ------------------------------------------------------------------------------


def _answer(
    comment: Comment, index: int, actor: User, now: datetime, tale: schema.Feedback
) -> None:
    from consult.feedback import services as feedback

    answer = tale.answers[index % len(tale.answers)]
    disposition, reason = answer.disposition, answer.reason
    if comment.is_hidden:
        disposition, reason = "not_applicable", tale.hidden_reason
    feedback.dispose_comment(
        comment, {"disposition": disposition, "reason": reason}, actor=actor, now=now
    )


def _seed_feedback(
    tale: schema.Feedback, opened: dict[str, Consultation], admin: User, now: datetime
) -> None:
    """Feedback in each of its states: published with its PDF report, partly answered, and
    (left alone) overdue. Dated after each consultation closed; nothing in the future."""
    from consult.feedback import services as feedback

    keys = {consultation.id: key for key, consultation in opened.items()}
    closed = list(
        db.session.scalars(
            sa.select(Consultation)
            .where(Consultation.closes_at < now, Consultation.feedback_published_at.is_(None))
            .order_by(Consultation.closes_at)
        )
    )
    for consultation in closed:
        key = keys[consultation.id]
        answered_at = consultation.closes_at + timedelta(days=3)
        if answered_at > now:
            continue
        if key in tale.published:
            publish_at = consultation.closes_at + timedelta(days=21)
            if publish_at > now:
                continue
            with clock.freeze(answered_at):
                for i, comment in enumerate(feedback.all_comments(consultation)):
                    _answer(comment, i, admin, answered_at, tale)
            with clock.freeze(publish_at):
                report = feedback.publish_feedback(
                    consultation,
                    {"summary": tale.published_summary},
                    actor=admin,
                    now=publish_at,
                )
                db.session.flush()
                # Small reports render in this process; the demo must end with the PDF ready.
                db.session.commit()
                feedback.render_report_now(report.id, workers=0)
        elif key in tale.partly_answered:
            with clock.freeze(answered_at):
                for i, comment in enumerate(feedback.all_comments(consultation)[::2]):
                    _answer(comment, i, admin, answered_at, tale)


def _seed_drafts(
    tale: schema.Feedback, opened: dict[str, Consultation], users: dict[str, User], now: datetime
) -> None:
    """Answers an officer drafted while a consultation was open (internal until the feedback is
    published): three days before it closed, or yesterday if it is still open."""
    from consult.feedback import services as feedback

    for drafts in tale.drafts:
        officer = users[drafts.by]
        consultation = opened.get(drafts.consultation)
        if consultation is None or consultation.opens_at > now:
            continue
        if consultation.closes_at <= now:
            at = consultation.closes_at - timedelta(days=3)
        else:
            at = now - timedelta(days=1)
        at = max(min(at, now), consultation.opens_at)
        with clock.freeze(at):
            # (not those a head or an officer answered at once, as a group or a selection)
            own = [
                c
                for c in feedback.all_comments(consultation)
                if not c.is_hidden and c.answer is None
            ]
            for comment, answer in zip(own, drafts.answers, strict=False):
                feedback.dispose_comment(
                    comment,
                    {
                        "disposition": answer.disposition,
                        "reason": answer.reason,
                        "draft": drafts.draft,
                    },
                    actor=officer,
                    now=at,
                )


# --- the answering of open consultations, and the files staff upload -----------------------


def _schedule_answering(
    plan: _Plan,
    tale: story.Story,
    consulted: dict[str, tuple[int, date | None, story.Clock]],
    opened: dict[str, Consultation],
    users: dict[str, User],
) -> None:
    """Files of comments uploaded in the browser (checked; imported on the go-ahead, or
    refused), and the answering shared out: the department's head assigns groups, clauses and
    selections to its officers, who answer a group or a selection at once (drafts, some
    confirmed by the head). Each step as the web page does it, at its moment; a step whose
    consultation is left out of the demo is left out too."""
    calls = {call.key: call for call in tale.consultations.consultations}
    campaigns = {key: text for key, text in tale.comments.campaigns.items()}
    campaigns |= {c.name: c.text for c in tale.crowd.campaigns}

    def moment(key: str, step: schema.At) -> datetime:
        dates = consulted[key][2]
        opens_on = dates.moment(calls[key].opens).astimezone(plan.zone).date()
        return plan.at(opens_on + timedelta(days=step.day), step.at)

    uploads = tale.comments.uploads
    for n, spec in enumerate(uploads.files if uploads else []):
        where = f"consult/demo/story/comments.toml: uploads.files[{n}] ({spec.filename})"
        state: dict[str, Any] = {}
        plan.add(
            moment(spec.consultation, spec),
            functools.partial(_upload, spec, uploads.words, opened, users, plan.zone, state, where),
        )
        if spec.confirmed is not None:
            plan.add(
                moment(spec.consultation, spec.confirmed),
                functools.partial(_import_upload, spec, users, state, where),
            )

    feedback = tale.feedback
    for name, steps in (
        ("assignments", feedback.assignments),
        ("set_answers", feedback.set_answers),
        ("confirmations", feedback.confirmations),
    ):
        for n, step in enumerate(steps):
            where = f"consult/demo/story/feedback.toml: {name}[{n}] ({step.consultation})"
            dates = consulted[step.consultation][2]
            plan.add(
                moment(step.consultation, step),
                functools.partial(
                    _answering_step, name, step, opened, users, campaigns, dates, where
                ),
            )


def _upload(
    spec: schema.Upload,
    words: schema.RowWordsOf,
    opened: dict[str, Consultation],
    users: dict[str, User],
    zone,
    state: dict[str, Any],
    where: str,
) -> None:
    """The officer uploads the file; it is checked at once, as a small file is within the
    request (the check commits, as the import's job does)."""
    from consult.comments import imports

    consultation = opened.get(spec.consultation)
    if consultation is None:
        return
    now = clock.now_utc()
    built = demo_uploads.build(spec, words, consultation.opens_at, zone, now)
    upload = imports.start_import(
        consultation,
        built.filename,
        built.data,
        default_source=spec.source,
        actor=users[spec.by],
        now=now,
    )
    db.session.flush()
    imports.run_job(upload.id, upload.attempt)
    db.session.refresh(upload)
    expected = ImportStatus.REFUSED if spec.broken else ImportStatus.CHECKED
    if upload.status != expected or upload.error_count != len(spec.broken):
        problems = "; ".join(imports.shown(e) for e in upload.errors[:5]) or upload.failure
        raise story.StoryError(
            f"{where}: the file was {upload.status} with {upload.error_count} problem(s), "
            f"not {expected} with {len(spec.broken)}: {problems}"
        )
    state["upload"] = upload


def _import_upload(
    spec: schema.Upload, users: dict[str, User], state: dict[str, Any], where: str
) -> None:
    """The go-ahead: the checked file is imported, all of it."""
    from consult.comments import imports

    upload = state.get("upload")
    if upload is None:
        return
    imports.confirm_import(upload, actor=users[spec.by], now=clock.now_utc())
    db.session.flush()
    imports.run_job(upload.id, upload.attempt)
    db.session.refresh(upload)
    if upload.status != ImportStatus.IMPORTED or upload.imported_count != spec.rows:
        raise story.StoryError(
            f"{where}: the file was {upload.status} after its go-ahead ({upload.failure or ''})"
        )


def _selection(
    consultation: Consultation,
    chosen: schema.Selection,
    users: dict[str, User],
    campaigns: dict[str, str],
    dates: story.Clock,
    where: str,
) -> dict[str, Any]:
    """A story's selection as the workspace's filters: the campaign's group by its text."""
    data: dict[str, Any] = {
        "clause": chosen.clause,
        "source": chosen.source,
        "state": chosen.state,
        "q": chosen.q,
    }
    if chosen.assignee is not None:
        data["assignee"] = 0 if chosen.assignee == "nobody" else users[chosen.assignee].id
    if chosen.group is not None:
        text = dates.text(campaigns[chosen.group])
        data["group_id"] = db.session.scalar(
            sa.select(Comment.duplicate_group_id)
            .where(
                Comment.consultation_id == consultation.id,
                Comment.duplicate_group_id.is_not(None),
                Comment.body.contains(text, autoescape=True),
            )
            .group_by(Comment.duplicate_group_id)
            .order_by(sa.func.count().desc(), Comment.duplicate_group_id)
            .limit(1)
        )
        if data["group_id"] is None:
            raise story.StoryError(f"{where}: no group of comments sends {chosen.group!r} yet")
    return {k: v for k, v in data.items() if v is not None}


def _answering_step(
    kind: str,
    step: schema.Step,
    opened: dict[str, Consultation],
    users: dict[str, User],
    campaigns: dict[str, str],
    dates: story.Clock,
    where: str,
) -> None:
    from consult.feedback import services as feedback

    consultation = opened.get(step.consultation)
    if consultation is None:
        return
    now = clock.now_utc()
    # What the web process's grouping thread has done by now.
    grouping.group_all(consultation.id)
    chosen = _selection(consultation, step.selection, users, campaigns, dates, where)
    actor = users[step.by]
    try:
        if kind == "assignments":
            officer = None if step.to == "nobody" else users[step.to]
            feedback.assign_selection(consultation, chosen, officer, actor=actor, now=now)
        elif kind == "set_answers":
            answer = {"disposition": step.disposition, "reason": step.reason, "draft": step.draft}
            feedback.answer_selection(consultation, chosen, answer, actor=actor, now=now)
        else:
            feedback.confirm_drafts(consultation, chosen, actor=actor, now=now)
    except RuleViolation as exc:
        if exc.code != "empty_selection":
            raise
        raise story.StoryError(f"{where}: no comment matches {chosen} at {now}") from None


# --- the public-representative pool and its meetings ---------------------------------------


def _find_invitation(
    meeting: Meeting, who: schema.Who, names: dict[str, Representative]
) -> Invitation:
    if isinstance(who, str):
        rep_id = names[who].id
    else:
        rep_id = meeting.draws[0].result[who.drawn][who.nth - 1]
    return next(i for i in meeting.invitations if i.representative_id == rep_id)


def _arrive(m: Meeting, invitation: Invitation, own: User | None, organiser: User) -> None:
    """A representative with an account scans the venue screen; the staff at the door check
    the others in by the code on their pass."""
    if own is not None:
        code, _changes = meetings.venue_code(m, actor=organiser)
        meetings.check_in_on_site(m, code, actor=own)
    else:
        meetings.check_in(m, invitation.checkin_code, actor=organiser)


def _matter_titled(year: int, prefix: str) -> DecisionMatter | None:
    return db.session.scalar(
        sa.select(DecisionMatter).where(
            DecisionMatter.year == year, DecisionMatter.title.startswith(prefix)
        )
    )


@dataclass
class _Roster:
    """Who is who in the representatives' part of the tale: the accounts by key, the
    departments by short name, the administrator, and the pool's representatives by name
    (filled in as the pool is built)."""

    users: dict[str, User]
    depts: dict[str, Department]
    admin: User
    names: dict[str, Representative] = field(default_factory=dict)


def _schedule_pool(plan: _Plan, pool: schema.Pool, cal: story.Clock, roster: _Roster) -> None:
    """The government office builds the pool; memberships change; people apply."""
    users, names, admin = roster.users, roster.names, roster.admin

    def build() -> None:
        term_start, term_end = cal.day(pool.term.start), cal.day(pool.term.end)
        for p in pool.people:
            names[p.name] = representatives.add_representative(
                {
                    "name": p.name,
                    "category": p.category,
                    "affiliation": p.affiliation,
                    "interests": p.interests,
                    "term_start": term_start,
                    "term_end": cal.day(p.term_ends) if p.term_ends else term_end,
                    "phone": p.phone,
                    "email": p.email,
                    "user_id": users[p.account].id if p.account else None,
                },
                actor=admin,
            )

    plan.add(cal.moment(pool.built), build)

    for c in pool.status_changes:

        def change(name=c.name, status=c.status, reason=c.reason) -> None:
            representatives.set_status(names[name], status, reason, actor=admin)

        plan.add(cal.moment(c.on), change)

    # Terms end by themselves; `flask tick` records it just after midnight.
    for p in pool.people:
        if p.term_ends:
            ended = cal.day(p.term_ends) + timedelta(days=1)
            plan.add(plan.at(ended, "00:05"), representatives.end_expired_terms)

    for c in pool.conflicts:

        def conflict(name=c.name, prefix=c.matter, note=c.note) -> None:
            representatives.record_conflict(
                names[name], _matter_titled(cal.year, prefix), note, actor=admin
            )

        plan.add(cal.moment(c.recorded), conflict)

    for a in pool.applications:
        state: dict[str, RepresentativeApplication] = {}
        if a.account:

            def submit(a=a, state=state) -> None:
                state["application"] = representatives.apply(users[a.account], a.data())

        else:

            def submit(a=a, state=state) -> None:
                state["application"] = representatives.apply_without_account(a.data())

        plan.add(cal.moment(a.submitted), submit)
        if a.rejected:

            def reject(reason=a.rejected.reason, state=state) -> None:
                representatives.decide_application(
                    state["application"], False, {"reason": reason}, actor=admin
                )

            plan.add(cal.moment(a.rejected.on), reject)


def _schedule_sitting(plan: _Plan, s: schema.Meeting, cal: story.Clock, roster: _Roster) -> None:
    """Schedule, invite and draw, replies (a declined drawn seat goes to a substitute),
    check-in at the door, attendance, remarks and the published outcome."""
    users, depts, names = roster.users, roster.depts, roster.names
    organiser = users[s.organiser]
    state: dict[str, Meeting] = {}
    created, starts_at, ends_at = cal.moment(s.created), cal.moment(s.starts), cal.moment(s.ends)

    def meeting() -> Meeting:
        return state["meeting"]

    def actor_of(invitation: Invitation) -> User | None:
        # A representative with an account answers and checks in herself; the others reply by
        # telephone and are checked in at the door.
        return invitation.representative.user

    def create() -> None:
        agenda = []
        for item in s.agenda:
            matter = (
                _matter_titled(cal.year + item.matter_year, item.matter) if item.matter else None
            )
            # A matter not yet in a published catalogue cannot be on a public agenda.
            agenda.append(
                {
                    "title": cal.text(item.title),
                    "matter_id": matter.id if matter and matter.is_published else None,
                }
            )
        state["meeting"] = meetings.create_meeting(
            {
                "kind": s.kind,
                "title": cal.text(s.title),
                "place": s.place,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "registration_deadline": cal.moment(s.deadline),
                "seats": s.seats,
                "department_id": depts[s.department].id if s.department else None,
                "agenda": agenda,
            },
            actor=organiser,
        )

    plan.add(created, create)
    if s.invited:

        def invite() -> None:
            meetings.invite(meeting(), [names[n].id for n in s.invited], actor=organiser)

        plan.add(created + timedelta(minutes=20), invite)
    if s.draw:
        seed, quotas = cal.text(s.draw.seed), dict(s.draw.quotas)

        def draw() -> None:
            meetings.run_draw(meeting(), {"seed": seed, "quotas": quotas}, actor=organiser)

        plan.add(created + timedelta(minutes=30), draw)

    for r in s.replies:

        def reply(who=r.who, accept=r.accept, reason=r.reason) -> None:
            m = meeting()
            if who == "*":
                pending = [i for i in m.invitations if i.status == InvitationStatus.PENDING]
                for n, invitation in enumerate(pending):
                    with clock.freeze(clock.now_utc() + timedelta(minutes=17 * n)):
                        meetings.respond(invitation, True, actor=actor_of(invitation) or SYSTEM)
                return
            invitation = _find_invitation(m, who, names)
            meetings.respond(invitation, accept, reason, actor=actor_of(invitation) or SYSTEM)

        plan.add(cal.moment(r.at), reply)

    for a in s.arrivals:

        def arrive(who=a.who) -> None:
            m = meeting()
            invitation = _find_invitation(m, who, names)
            _arrive(m, invitation, actor_of(invitation), organiser)

        plan.add(cal.moment(a.at), arrive)

    if s.outcome is None:
        return

    def check_in() -> None:
        m = meeting()
        absent = {_find_invitation(m, who, names).id for who in s.no_shows}
        arriving = [
            i for i in m.invitations if i.status == InvitationStatus.ACCEPTED and i.id not in absent
        ]
        for n, invitation in enumerate(arriving):
            with clock.freeze(clock.now_utc() + timedelta(minutes=4 * n)):
                _arrive(m, invitation, actor_of(invitation), organiser)

    plan.add(starts_at - timedelta(minutes=40), check_in)

    for n, remark in enumerate(s.remarks):

        def add_remark(who=remark.who, position=remark.item, text=remark.text) -> None:
            m = meeting()
            item = m.agenda[position - 1] if position else None
            meetings.add_remark(
                m,
                {
                    "representative_id": _find_invitation(m, who, names).representative_id,
                    "agenda_item_id": item.id if item else None,
                    "text": cal.text(text),
                },
                actor=organiser,
            )

        plan.add(starts_at + timedelta(minutes=50 + 15 * n), add_remark)

    plan.add(
        ends_at + timedelta(minutes=20),
        lambda: meetings.close_attendance(meeting(), actor=organiser),
    )
    outcome = s.outcome
    summary_text = cal.text(outcome.summary)
    decisions = [
        (cal.text(i.decision), cal.text(i.interpretation) if i.interpretation else None)
        for i in outcome.items
    ]

    def publish() -> None:
        m = meeting()
        items = {
            item.id: {"decision": decision, "interpretation": interpretation}
            for item, (decision, interpretation) in zip(m.agenda, decisions, strict=True)
        }
        meetings.publish_outcome(m, {"summary": summary_text, "items": items}, actor=organiser)

    plan.add(cal.moment(outcome.published), publish)


# --- what was made -------------------------------------------------------------------------


def summary(users: dict[str, User] | None = None, now: datetime | None = None) -> dict[str, Any]:
    """What the database holds now: counts, and the demo accounts with their password."""
    now = now or clock.now_utc()
    statuses = Counter(db.session.scalars(sa.select(DecisionMatter.status)))
    windows = Counter(c.status_at(now) for c in db.session.scalars(sa.select(Consultation)))
    sources = Counter(db.session.scalars(sa.select(Comment.source)))
    years = {
        cat.year: {
            "published": cat.is_published,
            "matters": db.session.scalar(
                sa.select(sa.func.count()).where(DecisionMatter.year == cat.year)
            ),
        }
        for cat in db.session.scalars(sa.select(CatalogueYear).order_by(CatalogueYear.year))
    }
    adjustments = Counter(db.session.scalars(sa.select(CatalogueAdjustment.kind)))
    accounts_list = [
        {
            "role": u.role,
            "email": u.email,
            "password": DEMO_PASSWORD,
            "name": u.display_name,
            "department": u.department.name if u.department else None,
            "department_head": u.department_head,
        }
        for u in (users or {}).values()
    ]
    return {
        "departments": db.session.scalar(sa.select(sa.func.count()).select_from(Department)),
        "users": accounts_list,
        "years": years,
        "matters": sum(statuses.values()),
        "statuses": {s.value: statuses.get(s.value, 0) for s in MatterStatus},
        "adjustments": dict(adjustments),
        "consultations": sum(windows.values()),
        "consultation_statuses": {s.value: windows.get(s.value, 0) for s in ConsultationStatus},
        "comments": sum(sources.values()),
        "comment_sources": {s.value: sources[s.value] for s in CommentSource if sources[s.value]},
        "hidden_comments": db.session.scalar(
            sa.select(sa.func.count()).where(Comment.status == CommentStatus.HIDDEN.value)
        ),
        "duplicate_groups": db.session.scalar(
            sa.select(sa.func.count()).select_from(DuplicateGroup)
        ),
        "answers": _answer_summary(),
        "comment_imports": dict(Counter(db.session.scalars(sa.select(CommentImport.status)))),
        **_pool_summary(now),
    }


def _answer_summary() -> dict[str, int]:
    """How far the comments are answered: drafted (to confirm), answered, and assigned."""
    from consult.feedback import answers  # (a comment's own answer, else its group's)

    drafted, answered, assigned = db.session.execute(
        sa.select(
            sa.func.count().filter(answers.IS_DRAFTED),
            sa.func.count().filter(answers.IS_ANSWERED),
            sa.func.count().filter(Comment.assigned_to_id.is_not(None)),
        ).select_from(Comment)
    ).one()
    return {"drafted": drafted, "answered": answered, "assigned": assigned}


def _pool_summary(now: datetime) -> dict[str, Any]:
    """The representative pool and its meetings, as of `now`."""
    today = clock.local_date_of(now)
    people = list(db.session.scalars(sa.select(Representative)))
    all_meetings = list(db.session.scalars(sa.select(Meeting)))
    invitations = list(db.session.scalars(sa.select(Invitation)))
    return {
        "representatives": len(people),
        "representative_categories": dict(Counter(r.category for r in people)),
        "representative_statuses": dict(Counter(r.status_on(today) for r in people)),
        "applications": dict(
            Counter(db.session.scalars(sa.select(RepresentativeApplication.status)))
        ),
        "meetings": len(all_meetings),
        "upcoming_meetings": sum(m.is_upcoming(now) for m in all_meetings),
        "published_outcomes": sum(m.outcome_published_at is not None for m in all_meetings),
        "draws": db.session.scalar(sa.select(sa.func.count()).select_from(Draw)),
        "invitations": len(invitations),
        "invitation_statuses": dict(Counter(i.status for i in invitations)),
        "attended": sum(i.attendance == Attendance.ATTENDED for i in invitations),
        "remarks": db.session.scalar(sa.select(sa.func.count()).select_from(meeting_models.Remark)),
    }
