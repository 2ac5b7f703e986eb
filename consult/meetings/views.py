"""Meeting pages: the public record, calendars, a representative's invitations and check-in,
and the organiser's screens (scheduling, invitations, the draw, the door, the outcome)."""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from flask_wtf import FlaskForm

from consult.accounts.models import Department
from consult.accounts.models import manages_department
from consult.catalogue.forms import matter_choices
from consult.catalogue.models import DecisionMatter
from consult.core.auth import managed_or_403
from consult.core.auth import staff_only
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.core.forms import carry_out
from consult.core.forms import choices
from consult.core.forms import db_int
from consult.core.forms import sent_back
from consult.core.forms import sent_or_400
from consult.core.forms import show_violation
from consult.core.mail import send
from consult.core.time import configured_zone_name
from consult.core.time import from_local
from consult.core.time import now_utc
from consult.core.time import to_local_input
from consult.core.urls import public_url
from consult.extensions import db
from consult.meetings import rules
from consult.meetings import services
from consult.meetings.forms import ActionForm
from consult.meetings.forms import CheckInForm
from consult.meetings.forms import DrawForm
from consult.meetings.forms import InviteForm
from consult.meetings.forms import MeetingForm
from consult.meetings.forms import RemarkForm
from consult.meetings.forms import ResponseForm
from consult.meetings.forms import VenueCheckInForm
from consult.meetings.forms import outcome_form_for
from consult.meetings.limits import checkin_limit
from consult.meetings.models import Attendance
from consult.meetings.models import Invitation
from consult.meetings.models import InvitationStatus
from consult.meetings.models import Meeting
from consult.notifications import mails as notification_mails
from consult.representatives import services as pool
from consult.representatives.models import CATEGORY_VALUES
from consult.representatives.models import Representative
from consult.site.helpers import qr_data_uri

log = logging.getLogger(__name__)

bp = Blueprint("meetings", __name__)
manage_bp = Blueprint("manage_meetings", __name__, url_prefix="/manage")


def _user():
    return current_user if current_user.is_authenticated else None


# --- mail --------------------------------------------------------------------------------


def send_invitation_mails(invitations: list[Invitation]) -> int:
    """Tell each newly invited representative (who has an email address); after the commit."""
    mails = []
    for invitation in invitations:
        rep = invitation.representative
        address = rep.email or (rep.user.email if rep.user else None)
        if address:
            mails.append(notification_mails.invitation_mail(invitation, address))
    return send(mails)


# --- public ------------------------------------------------------------------------------


@bp.get("/meetings")
def index():
    now = now_utc()
    upcoming = list(
        db.session.scalars(
            sa.select(Meeting).where(Meeting.ends_at > now).order_by(Meeting.starts_at)
        )
    )
    page = request.args.get("page", 1, type=db_int)
    past = db.paginate(
        sa.select(Meeting).where(Meeting.ends_at <= now).order_by(Meeting.starts_at.desc()),
        page=page,
        per_page=20,
        error_out=False,
    )
    return render_template("meetings/index.html", upcoming=upcoming, past=past, now=now)


def _draw_view(meeting: Meeting) -> tuple[dict[int, Representative], dict[int, DecisionMatter]]:
    """Everyone a published draw names, and the matters its exclusions cite."""
    ids: set[int] = set()
    matter_ids: set[int] = set()
    for d in meeting.draws:
        for group in (*d.pool.values(), *d.result.values()):
            ids.update(group)
        for entry in d.excluded:
            ids.add(entry["id"])
            matter_ids.update(entry.get("matters", []))
    reps = (
        {
            r.id: r
            for r in db.session.scalars(sa.select(Representative).where(Representative.id.in_(ids)))
        }
        if ids
        else {}
    )
    matters = (
        {
            m.id: m
            for m in db.session.scalars(
                sa.select(DecisionMatter).where(DecisionMatter.id.in_(matter_ids))
            )
        }
        if matter_ids
        else {}
    )
    return reps, matters


@bp.get("/meetings/<int:meeting_id>")
def detail(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    now = now_utc()
    reps, matters = _draw_view(meeting)
    rep = pool.representative_for(_user())
    mine = (
        next((i for i in meeting.invitations if i.representative_id == rep.id), None)
        if rep
        else None
    )
    return render_template(
        "meetings/detail.html",
        m=meeting,
        now=now,
        reps=reps,
        matters=matters,
        invitations=meeting.invitations,
        attended=[i for i in meeting.invitations if i.attendance == Attendance.ATTENDED],
        taken=len([i for i in meeting.invitations if i.status != InvitationStatus.DECLINED]),
        can_manage=meeting.can_manage(_user()),
        mine=mine,
    )


# --- the representative ------------------------------------------------------------------


HISTORY_PER_PAGE = 10


def _my_page(failed: dict[int, ResponseForm] | None = None, status_code: int = 200):
    now = now_utc()
    rep = pool.representative_for(current_user)
    # Meetings still to come (or under way), the soonest on top, as cards to act on; the
    # ones that have ended in the attendance record below, latest first, paged.
    invitations = services.invitations_for(rep) if rep else []
    upcoming = sorted(
        (i for i in invitations if not i.meeting.has_ended(now)), key=lambda i: i.meeting.starts_at
    )
    history = (
        db.paginate(
            services.past_invitations(rep, now),
            page=request.args.get("page", 1, type=db_int),
            per_page=HISTORY_PER_PAGE,
            error_out=False,
        )
        if rep
        else None
    )
    forms, qr = {}, {}
    for inv in upcoming:
        forms[inv.id] = (failed or {}).get(inv.id) or ResponseForm(
            prefix=f"i{inv.id}", formdata=None
        )
        if inv.status == InvitationStatus.ACCEPTED and inv.checkin_code:
            pass_url = public_url(
                "meetings.personal_pass", meeting_id=inv.meeting_id, code=inv.checkin_code
            )
            qr[inv.id] = qr_data_uri(pass_url)  # made here: the code is personal
    return render_template(
        "meetings/my_invitations.html",
        rep=rep,
        invitations=upcoming,
        history=history,
        counts=services.attendance_counts(rep, now) if rep else None,
        forms=forms,
        qr=qr,
        now=now,
    ), status_code


@bp.get("/my/invitations")
@login_required
def my_invitations():
    return _my_page()


@bp.post("/my/invitations/<int:invitation_id>/response")
@login_required
def respond(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    rep = pool.representative_for(current_user)
    if rep is None or rep.id != invitation.representative_id:
        abort(404)
    form = ResponseForm(prefix=f"i{invitation.id}")
    if form.validate_on_submit():
        accept = form.answer.data == "accept"
        if done := carry_out(
            form, lambda: services.respond(invitation, accept, form.reason.data, actor=current_user)
        ):
            _invitation, substitute = done.value
            if substitute is not None:
                send_invitation_mails([substitute])
            flash(
                _("Thank you. You have accepted; your check-in code is below.")
                if accept
                else _("Thank you for letting us know. The seat will be offered to someone else."),
                "success",
            )
            return redirect(
                url_for("meetings.my_invitations") + f"#invitation-{invitation.id}", code=303
            )
    elif form.answer.errors:
        abort(400)  # only the two buttons send an answer
    return _my_page({invitation.id: form}, status_code=422)


# --- checking in on site ------------------------------------------------------------------
# The venue screen's QR code opens /meetings/<id>/check-in?code=<the code of the moment>. The
# scan is remembered with its time in the (signed) session and the address loses the code, so
# logging in first does not make it expire and the address bar holds nothing to pass on; the
# representative then confirms with one tap (a POST with the CSRF token).

SCAN_KEY = "venue_scan"


def _scan_for(meeting: Meeting) -> dict | None:
    scan = session.get(SCAN_KEY)
    if isinstance(scan, dict) and scan.get("meeting") == meeting.id:
        return scan
    return None


def _scanned_at(scan: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(scan["at"])
    except (KeyError, TypeError, ValueError):
        return None


def _check_in_page(meeting: Meeting, form: VenueCheckInForm, status_code: int = 200):
    now = now_utc()
    mine = services.own_invitation(meeting, current_user)
    scan = _scan_for(meeting)
    scanned_at = _scanned_at(scan) if scan else None
    # Only the scan's age is judged here; whether its code is right is the POST's answer
    # (rate-limited), so this page is no oracle for guessing codes.
    fresh = scanned_at is not None and timedelta(0) <= now - scanned_at <= rules.SCAN_VALID_FOR
    return render_template(
        "meetings/check_in_on_site.html",
        m=meeting,
        form=form,
        mine=mine,
        phase=rules.checkin_phase(meeting.starts_at, meeting.ends_at, now),
        opens_at=rules.checkin_opens_at(meeting.starts_at),
        scan_fresh=fresh,
        scan_stale=scan is not None and not fresh,
        now=now,
    ), status_code


@bp.get("/meetings/<int:meeting_id>/check-in", endpoint="check_in")
def on_site_check_in(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    here = url_for("meetings.check_in", meeting_id=meeting.id)
    if "code" in request.args:
        session[SCAN_KEY] = {
            "meeting": meeting.id,
            "code": rules.normalise_venue_code(request.args.get("code")),
            "at": now_utc().isoformat(),
        }
        if not current_user.is_authenticated:
            flash(_("Log in to check in; you come straight back here."), "info")
            return redirect(url_for("accounts.login", next=here), code=303)
        return redirect(here, code=303)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return _check_in_page(meeting, VenueCheckInForm(formdata=None))


@bp.post("/meetings/<int:meeting_id>/check-in")
@login_required
@checkin_limit
def confirm_check_in(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    form = VenueCheckInForm()
    if not form.validate_on_submit():
        return _check_in_page(meeting, form, 422)
    typed = (form.code.data or "").strip()
    scan = _scan_for(meeting)
    if typed:
        code, scanned_at = typed, None  # typed from the screen now
    elif scan is not None:
        code, scanned_at = scan.get("code"), _scanned_at(scan)
        if scanned_at is None:
            code = None
    else:
        code, scanned_at = None, None
    try:
        invitation = services.check_in_on_site(
            meeting, code, actor=current_user, scanned_at=scanned_at
        )
    except RuleViolation as exc:
        db.session.rollback()
        if exc.code == "code_expired":
            session.pop(SCAN_KEY, None)
        show_violation(form, exc)
        return _check_in_page(meeting, form, 422)
    except Forbidden as exc:
        db.session.rollback()
        show_violation(form, RuleViolation(None, exc.message))
        return _check_in_page(meeting, form, 403)
    db.session.commit()
    session.pop(SCAN_KEY, None)
    log.info("invitation %s checked in on site", invitation.id)
    return redirect(url_for("meetings.check_in", meeting_id=meeting.id), code=303)


@bp.get("/meetings/<int:meeting_id>/venue")
def venue(meeting_id: int):
    """The former self check-in page: its links (and bookmarks) land on the new one."""
    return redirect(url_for("meetings.check_in", meeting_id=meeting_id), code=301)


@bp.get("/meetings/<int:meeting_id>/pass")
@login_required
def personal_pass(meeting_id: int):
    """What the QR code on a representative's pass opens. Staff who manage the meeting land on
    the door's check-in with the code filled in; the representative herself is told how to
    check in (the pass is for the door, the venue screen proves presence); anyone else is
    told the code is not theirs."""
    meeting = db.get_or_404(Meeting, meeting_id)
    code = rules.normalise_code(request.args.get("code"))
    if meeting.can_manage(current_user):
        return redirect(
            url_for("manage_meetings.check_in", meeting_id=meeting.id, code=code or None),
            code=303,
        )
    mine = services.own_invitation(meeting, current_user)
    if mine is not None and mine.checkin_code and mine.checkin_code == code:
        flash(
            _(
                "This is your own pass: show it to the staff at the door. To check in yourself, "
                "scan the QR code on the screen at the venue."
            ),
            "info",
        )
    else:
        flash(
            _("This pass belongs to someone else: only the staff at the door can use it."), "error"
        )
    return redirect(url_for("meetings.check_in", meeting_id=meeting.id), code=303)


# --- the organiser -----------------------------------------------------------------------


staff_only(manage_bp)


@manage_bp.get("/meetings")
def manage_index():
    stmt = (
        sa.select(Meeting)
        .where(Meeting.managed_by(current_user))
        .order_by(Meeting.starts_at.desc())
    )
    page = request.args.get("page", 1, type=db_int)
    return render_template(
        "meetings/manage_index.html",
        pagination=db.paginate(stmt, page=page, per_page=30, error_out=False),
        now=now_utc(),
    )


def _meeting_choices(form: MeetingForm) -> None:
    departments = list(
        db.session.scalars(
            sa.select(Department).where(Department.active.is_(True)).order_by(Department.id)
        )
    )
    # The government office also holds the district government's own meetings (no department).
    office = [(0, _("District People's Government (government office)"))]
    form.department_id.choices = choices(
        (office if manages_department(current_user, None) else [])
        + [(d.id, d.name) for d in departments if manages_department(current_user, d.id)]
    )
    matters = matter_choices()
    for row in form.agenda_rows():
        row.matter_id.choices = matters


@manage_bp.route("/meetings/new", methods=["GET", "POST"])
def new_meeting():
    form = MeetingForm()
    _meeting_choices(form)
    if request.method == "GET":
        start = to_local_input(now_utc(), configured_zone_name()).replace(
            hour=9, minute=0
        ) + timedelta(days=14)
        form.starts_at.data = start
        form.ends_at.data = start + timedelta(hours=2)
        form.registration_deadline.data = (start - timedelta(days=3)).replace(hour=17)
        form.seats.data = 5
        # The government office's meetings are the district government's by default.
        form.department_id.data = (
            0 if manages_department(current_user, None) else current_user.department_id
        )

    def schedule() -> Meeting:
        # Read only once the form is valid: from_local needs the dates the form checked.
        agenda = [
            {"title": row.title.data, "matter_id": row.matter_id.data or None}
            for row in form.agenda_rows()
            if (row.title.data or "").strip() or row.matter_id.data
        ]
        return services.create_meeting(
            {
                "kind": form.kind.data,
                "title": form.title.data,
                "starts_at": from_local(form.starts_at.data, configured_zone_name()),
                "ends_at": from_local(form.ends_at.data, configured_zone_name()),
                "registration_deadline": from_local(
                    form.registration_deadline.data, configured_zone_name()
                ),
                "place": form.place.data,
                "seats": form.seats.data if form.seats.data is not None else 0,
                "department_id": form.department_id.data or None,
                "agenda": agenda,
            },
            actor=current_user,
        )

    if form.validate_on_submit() and (done := carry_out(form, schedule)):
        flash(_("The meeting has been scheduled and published."), "success")
        return redirect(url_for("manage_meetings.manage", meeting_id=done.value.id), code=303)
    return render_template("meetings/form.html", form=form), (422 if form.errors else 200)


def _invite_form(meeting: Meeting, form: InviteForm | None = None) -> InviteForm:
    form = form or InviteForm(prefix="invite")
    candidates, _excluded = services.eligible_pool(meeting)
    ids = [i for group in candidates.values() for i in group]
    reps = (
        list(
            db.session.scalars(
                sa.select(Representative)
                .where(Representative.id.in_(ids))
                .order_by(Representative.category, Representative.name)
            )
        )
        if ids
        else []
    )
    from consult.representatives.rules import CATEGORY_LABELS

    form.representative_ids.choices = choices(
        (r.id, f"{r.name}（{CATEGORY_LABELS[r.category]}）") for r in reps
    )
    return form


def _remark_form(meeting: Meeting, form: RemarkForm | None = None) -> RemarkForm:
    form = form or RemarkForm(prefix="remark")
    form.representative_id.choices = choices(
        (i.representative_id, i.representative.name)
        for i in meeting.invitations
        if i.status == InvitationStatus.ACCEPTED
    )
    form.agenda_item_id.choices = choices(
        [(0, _("The meeting as a whole"))]
        + [(a.id, f"{a.position}. {a.title}") for a in meeting.agenda]
    )
    return form


def _manage_page(meeting: Meeting, **sent: FlaskForm):
    """The manage page. `sent` is a form just sent back, by its name on the page
    (draw_form=...): shown again as typed, with why it was refused (422)."""
    sent = sent_back(sent, ("invite_form", "draw_form", "remark_form", "outcome_form"))
    now = now_utc()
    candidates, _excluded = services.eligible_pool(meeting)
    reps, matters = _draw_view(meeting)
    return render_template(
        "meetings/manage.html",
        m=meeting,
        now=now,
        invite_form=_invite_form(meeting, sent.get("invite_form")),
        draw_form=sent.get("draw_form") or DrawForm(prefix="draw"),
        remark_form=_remark_form(meeting, sent.get("remark_form")),
        outcome_form=sent.get("outcome_form") or outcome_form_for(meeting, formdata=None),
        action_form=ActionForm(),
        available={c: len(candidates.get(c, [])) for c in CATEGORY_VALUES},
        taken=len([i for i in meeting.invitations if i.status != InvitationStatus.DECLINED]),
        registration_open=now < meeting.registration_deadline,
        free_seats=meeting.seats
        - len([i for i in meeting.invitations if i.status != InvitationStatus.DECLINED]),
        reps=reps,
        matters=matters,
    ), (422 if sent else 200)


@manage_bp.get("/meetings/<int:meeting_id>")
def manage(meeting_id: int):
    return _manage_page(managed_or_403(Meeting, meeting_id))


def _back(meeting: Meeting, anchor: str = ""):
    return redirect(url_for("manage_meetings.manage", meeting_id=meeting.id) + anchor, code=303)


@manage_bp.post("/meetings/<int:meeting_id>/invitations")
def invite(meeting_id: int):
    meeting = managed_or_403(Meeting, meeting_id)
    form = _invite_form(meeting, InviteForm(prefix="invite"))
    if form.validate_on_submit() and (
        done := carry_out(
            form,
            lambda: services.invite(meeting, form.representative_ids.data, actor=current_user),
            after_commit=send_invitation_mails,
        )
    ):
        flash(_("%(n)d representative(s) invited.", n=len(done.value)), "success")
        return _back(meeting, "#invitations")
    return _manage_page(meeting, invite_form=form)


@manage_bp.post("/meetings/<int:meeting_id>/draw")
def draw(meeting_id: int):
    meeting = managed_or_403(Meeting, meeting_id)
    form = DrawForm(prefix="draw")
    if form.validate_on_submit() and (
        done := carry_out(
            form,
            lambda: services.run_draw(
                meeting, {"seed": form.seed.data, "quotas": form.quotas()}, actor=current_user
            ),
        )
    ):
        result = done.value
        drawn = [i for i in meeting.invitations if i.draw_id == result.id]
        send_invitation_mails(drawn)
        flash(
            _(
                "Drawn with seed %(seed)s: %(n)d representative(s) invited. The draw is published on the meeting's page.",
                seed=result.seed,
                n=len(drawn),
            ),
            "success",
        )
        return _back(meeting, "#invitations")
    return _manage_page(meeting, draw_form=form)


@manage_bp.post("/meetings/<int:meeting_id>/attendance")
def close_attendance(meeting_id: int):
    meeting = managed_or_403(Meeting, meeting_id)
    sent_or_400(ActionForm())
    if carry_out(None, lambda: services.close_attendance(meeting, actor=current_user)):
        flash(_("Attendance has been recorded."), "success")
    return _back(meeting, "#invitations")


@manage_bp.post("/meetings/<int:meeting_id>/remarks")
def add_remark(meeting_id: int):
    meeting = managed_or_403(Meeting, meeting_id)
    form = _remark_form(meeting, RemarkForm(prefix="remark"))
    data = {
        "representative_id": form.representative_id.data,
        "agenda_item_id": form.agenda_item_id.data or None,
        "text": form.text.data,
    }
    if form.validate_on_submit() and carry_out(
        form, lambda: services.add_remark(meeting, data, actor=current_user)
    ):
        flash(_("The remark has been recorded."), "success")
        return _back(meeting, "#remarks")
    return _manage_page(meeting, remark_form=form)


@manage_bp.post("/meetings/<int:meeting_id>/outcome")
def publish_outcome(meeting_id: int):
    meeting = managed_or_403(Meeting, meeting_id)
    form = outcome_form_for(meeting)
    items = {
        item.id: {
            "decision": form[f"decision_{item.id}"].data,
            "interpretation": form[f"interpretation_{item.id}"].data,
        }
        for item in meeting.agenda
    }
    data = {"summary": form.summary.data, "items": items}
    if form.validate_on_submit() and carry_out(
        form, lambda: services.publish_outcome(meeting, data, actor=current_user)
    ):
        flash(_("The outcome has been published."), "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#outcome", code=303)
    return _manage_page(meeting, outcome_form=form)


@manage_bp.route("/meetings/<int:meeting_id>/check-in", methods=["GET", "POST"])
def check_in(meeting_id: int):
    meeting = managed_or_403(Meeting, meeting_id)
    now = now_utc()
    form = CheckInForm()
    done = None
    if request.method == "GET":
        form.code.data = rules.normalise_code(request.args.get("code")) or None
        ok = request.args.get("ok", type=db_int)
        if ok:
            candidate = db.session.get(Invitation, ok)
            if candidate and candidate.meeting_id == meeting.id and candidate.checked_in_at:
                done = candidate
    # `done` above is the invitation the page confirms; the call's result has its own name.
    if form.validate_on_submit() and (
        checked := carry_out(
            form, lambda: services.check_in(meeting, form.code.data, actor=current_user)
        )
    ):
        return redirect(
            url_for("manage_meetings.check_in", meeting_id=meeting.id, ok=checked.value.id),
            code=303,
        )
    accepted = sorted(
        (i for i in meeting.invitations if i.status == InvitationStatus.ACCEPTED),
        key=lambda i: (i.checked_in_at is not None, i.representative.name),
    )
    return render_template(
        "meetings/check_in.html",
        m=meeting,
        form=form,
        done=done,
        accepted=accepted,
        arrived=sum(1 for i in accepted if i.checked_in_at),
        open=rules.checkin_open(meeting.starts_at, meeting.ends_at, now),
        opens_at=meeting.starts_at - rules.CHECKIN_OPENS_BEFORE,
        now=now,
    ), (422 if form.errors else 200)


@manage_bp.get("/meetings/<int:meeting_id>/venue-screen")
def venue_screen(meeting_id: int):
    """The screen at the venue (签到屏): the code of the moment as a QR code and six digits,
    and who has arrived. It reloads itself when the code changes (no script needed)."""
    meeting = managed_or_403(Meeting, meeting_id)
    now = now_utc()
    phase = rules.checkin_phase(meeting.starts_at, meeting.ends_at, now)
    code = qr = None
    changes_at = None
    if phase == rules.CheckinPhase.OPEN:
        code, changes_at = services.venue_code(meeting, actor=current_user, now=now)
        qr = qr_data_uri(public_url("meetings.check_in", meeting_id=meeting.id, code=code))
    accepted = sorted(
        (i for i in meeting.invitations if i.status == InvitationStatus.ACCEPTED),
        key=lambda i: (i.checked_in_at is None, i.checked_in_at or now, i.representative.name),
    )
    if phase == rules.CheckinPhase.OPEN:
        refresh = max(1, int((changes_at - now).total_seconds()) + 1)
    elif phase == rules.CheckinPhase.EARLY:
        # Wake up when check-in opens (at the latest every five minutes).
        opens = rules.checkin_opens_at(meeting.starts_at)
        refresh = max(1, min(300, int((opens - now).total_seconds()) + 1))
    else:
        refresh = None
    return render_template(
        "meetings/venue_screen.html",
        m=meeting,
        phase=phase,
        code=code,
        qr=qr,
        refresh=refresh,
        changes_at=changes_at,
        opens_at=rules.checkin_opens_at(meeting.starts_at),
        accepted=accepted,
        arrived=sum(1 for i in accepted if i.checked_in_at),
        now=now,
    )
