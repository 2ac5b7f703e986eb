"""Home page, language and care-mode switches, health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from consult.catalogue import rules as catalogue_rules
from consult.catalogue import services as catalogue
from consult.catalogue.models import DecisionMatter
from consult.catalogue.models import MatterStatus
from consult.core import care
from consult.core import i18n
from consult.core.time import local_today
from consult.core.urls import safe_local_path
from consult.extensions import db

bp = Blueprint("site", __name__)


@bp.get("/")
def home():
    years = catalogue.published_years()
    today = local_today()
    year = today.year if today.year in years else (years[0] if years else None)
    counts = {}
    if year is not None:
        rows = db.session.execute(
            sa.select(DecisionMatter.status, sa.func.count())
            .where(DecisionMatter.year == year)
            .group_by(DecisionMatter.status)
        ).all()
        counts = {status: n for status, n in rows}
    recent = (
        list(
            db.session.scalars(
                catalogue.search_matters(year=year)
                .order_by(None)
                .order_by(DecisionMatter.updated_at.desc())
                .limit(5)
            )
        )
        if year
        else []
    )
    return render_template(
        "site/home.html",
        year=year,
        counts=counts,
        total=sum(counts.values()),
        recent=recent,
        statuses=list(MatterStatus),
        max_query=catalogue_rules.MAX_QUERY,
    )


@bp.get("/lang/<code>")
def set_language(code: str):
    target = safe_local_path(request.args.get("next"), url_for("site.home"))
    response = redirect(target)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            i18n.LANG_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
        )
    return response


@bp.get("/care/<any(on, off):state>")
def set_care_mode(state: str):
    """The header's 关怀模式 switch: a plain GET form, like the language switch, so it works
    without JavaScript; the cookie is read by the server, so the next page is painted in
    the chosen mode from its first byte."""
    target = safe_local_path(request.args.get("next"), url_for("site.home"))
    response = redirect(target)
    if state == "on":
        response.set_cookie(
            care.CARE_COOKIE,
            care.CARE_ON,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
        )
    else:
        response.delete_cookie(
            care.CARE_COOKIE,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
        )
    return response


@bp.get("/healthz")
def health():
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}
