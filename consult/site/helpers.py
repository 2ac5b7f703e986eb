"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from urllib.parse import urlencode

from babel.dates import format_skeleton
from flask import Flask
from flask import request
from flask_babel import format_date
from flask_babel import format_datetime
from flask_babel import get_locale
from flask_babel import gettext

from consult.catalogue import rules as catalogue_rules
from consult.core import care
from consult.core import i18n
from consult.core.urls import public_link
from consult.interpretation import rules as interpretation_rules


def planned_label(planned) -> str:
    """2026年第三季度 / Q3 2026; 2026年7月 / July 2026."""
    if planned.precision == "quarter":
        # One message per quarter, so Chinese can say 第三季度 without a numeral placeholder.
        return {
            1: gettext("Q1 %(year)d", year=planned.year),
            2: gettext("Q2 %(year)d", year=planned.year),
            3: gettext("Q3 %(year)d", year=planned.year),
            4: gettext("Q4 %(year)d", year=planned.year),
        }[planned.index]
    return format_skeleton("yMMMM", date(planned.year, planned.index, 1), locale=get_locale())


def planned_code_label(code: str) -> str:
    """Label for a stored planned-time code (2026-Q3, 2026-07) as kept in adjustments."""
    try:
        year = int(str(code)[:4])
        return planned_label(catalogue_rules.parse_planned_time(str(code), year))
    except (ValueError, catalogue_rules.RuleViolation):
        return str(code)


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, "yyyy-MM-dd HH:mm" if fmt == "short" else fmt)


def local_date(value: date | None) -> str:
    if value is None:
        return ""
    return format_date(value, "medium")


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = {k: v for k, v in request.args.items()}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    query = urlencode(args)
    return request.path + ("?" + query if query else "")


def qr_data_uri(text: str) -> str:
    """An SVG QR code made here (segno), as a data: URI the CSP allows for images."""
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=4, border=2)


def switch_target() -> str:
    """Where the language and care-mode switches return to: this page (its query string if it is readable)."""
    try:
        return request.full_path.rstrip("?")
    except UnicodeDecodeError:
        return request.path


def _feedback_due_of(consultation):
    from consult.feedback import rules
    from consult.feedback import services

    return rules.feedback_due(consultation.closes_at, services.feedback_period())


def _feedback_days_overdue(consultation, now):
    from consult.feedback import rules
    from consult.feedback import services

    return rules.days_overdue(
        consultation.closes_at, consultation.feedback_published_at, now, services.feedback_period()
    )


def register(app: Flask) -> None:
    from consult.accounts import rules as account_rules
    from consult.comments import rules as comment_rules
    from consult.consultations import rules as consultation_rules
    from consult.feedback import rules as feedback_rules
    from consult.meetings import rules as meeting_rules
    from consult.representatives import rules as representative_rules

    app.jinja_env.globals.update(
        CONSULTATION_STATUS_LABELS=consultation_rules.STATUS_LABELS,
        consultation_time_left=consultation_rules.time_left,
        feedback_due_of=_feedback_due_of,
        COMMENT_LIMITS={
            "body_min": comment_rules.BODY_MIN,
            "body_max": comment_rules.BODY_MAX,
            "name_max": comment_rules.NAME_MAX,
            "contact_max": comment_rules.CONTACT_MAX,
            "note_max": comment_rules.NOTE_MAX,
        },
        feedback_days_overdue=_feedback_days_overdue,
        ACTIVITY_LABELS=consultation_rules.ACTIVITY_LABELS,
        SOURCE_LABELS=comment_rules.SOURCE_LABELS,
        COMMENT_STATUS_LABELS=comment_rules.STATUS_LABELS,
        HIDE_REASON_LABELS=comment_rules.HIDE_REASON_LABELS,
        DISPOSITION_LABELS=feedback_rules.DISPOSITION_LABELS,
        PROBLEM_LABELS=feedback_rules.PROBLEM_LABELS,
        planned_label=planned_label,
        planned_code_label=planned_code_label,
        url_with=url_with,
        switch_target=switch_target,
        public_link=public_link,
        qr_data_uri=qr_data_uri,
        STATUS_LABELS=catalogue_rules.STATUS_LABELS,
        PROCEDURE_LABELS=catalogue_rules.PROCEDURE_LABELS,
        FIELD_LABELS=catalogue_rules.FIELD_LABELS,
        COMPLETION_LABELS=catalogue_rules.COMPLETION_LABELS,
        EVENT_LABELS=catalogue_rules.EVENT_LABELS,
        ADJUSTMENT_KIND_LABELS=catalogue_rules.ADJUSTMENT_KIND_LABELS,
        INTERPRETATION_KIND_LABELS=interpretation_rules.KIND_LABELS,
        INTERPRETATION_FORM_LABELS=interpretation_rules.FORM_LABELS,
        QUESTION_STATE_LABELS=interpretation_rules.STATE_LABELS,
        CATEGORY_LABELS=representative_rules.CATEGORY_LABELS,
        REP_STATUS_LABELS=representative_rules.STATUS_LABELS,
        APPLICATION_STATUS_LABELS=representative_rules.APPLICATION_STATUS_LABELS,
        MEETING_KIND_LABELS=meeting_rules.KIND_LABELS,
        INVITATION_STATUS_LABELS=meeting_rules.INVITATION_STATUS_LABELS,
        ATTENDANCE_LABELS=meeting_rules.ATTENDANCE_LABELS,
        VENUE_CODE_STEP=meeting_rules.VENUE_CODE_STEP,
        PASSWORD_MIN=account_rules.MIN_PASSWORD_LENGTH,
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
        html_lang=lambda: i18n.HTML_LANG[i18n.requested_language()],
        current_language=i18n.requested_language,
        care_mode=care.care_mode,
    )
    app.jinja_env.filters.update(
        local_datetime=local_datetime,
        local_date=local_date,
        clause_lines=consultation_rules.clause_lines,
    )
