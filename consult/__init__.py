"""Consult: open major administrative decisions. `create_app` is the application factory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound as NotFoundHTTP
from werkzeug.routing import IntegerConverter

from consult.core import http
from consult.core import i18n
from consult.core.errors import Forbidden
from consult.core.errors import NotFound
from consult.core.errors import RuleViolation
from consult.extensions import babel
from consult.extensions import csrf
from consult.extensions import db
from consult.extensions import limiter
from consult.extensions import login_manager
from consult.extensions import migrate

ROOT = Path(__file__).resolve().parent.parent
# Templates, static files and migrations sit at the top of the repository; an installed wheel
# carries them inside the package (setup.py).
SITE = ROOT if (ROOT / "templates").is_dir() else Path(__file__).resolve().parent / "_site"
MAX_DB_INT = 2**31 - 1
log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


def create_app(config: Any = None, **overrides: Any) -> Flask:
    from config import INSTANCE_DIR
    from config import load_config

    app = Flask(
        __name__,
        template_folder=str(SITE / "templates"),
        static_folder=str(SITE / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    if config is None or isinstance(config, str):
        config = load_config(config)
    app.config.from_object(config)
    app.config.update(overrides)
    _refuse_per_process_limits(app, config)
    _check_public_url(app)
    # Ids in URLs beyond the databases' integer range are simply not found, never a 500.
    app.url_map.converters["int"] = BoundedIntConverter

    _import_models()
    _init_database(app)
    migrate.init_app(app, db, directory=str(SITE / "migrations"), compare_type=True)
    http.register_upload_limits(app)  # before CSRFProtect: it reads the form
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=lambda: app.config["TIMEZONE"],
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    _init_login(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    _register_template_helpers(app)
    _register_cli(app)
    _register_activation(app)
    _register_input_guards(app)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if getattr(g, "vary_language", True):
            response.vary.add("Cookie")
        return i18n.convert_response(response)

    return app


def _init_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options.setdefault("connect_args", {})
        # The driver's own timeout is its busy handler, set before any statement runs.
        options["connect_args"] = {**options["connect_args"], "timeout": 15}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    elif uri.startswith("postgresql"):
        # psycopg prepares a statement on the server after a few runs, and PostgreSQL may then
        # plan it once for all parameters: a lookup of a batch's keys (`key IN (...)`) got a
        # plan that read every key of the consultation (1.2 s instead of 20 ms at 130,000).
        # Custom plans see the values every time.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        connect_args = dict(options.get("connect_args", {}))
        extra = connect_args.get("options", "")
        connect_args["options"] = f"{extra} -c plan_cache_mode=force_custom_plan".strip()
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    if uri.startswith("sqlite"):
        with app.app_context():
            _configure_sqlite(db.engine)


def _configure_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # pysqlite's own transaction handling breaks SAVEPOINT; we issue BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 15000")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A request that writes takes the write lock at BEGIN, where busy_timeout waits for
        # it; a deferred BEGIN that reads first and writes later fails at once with
        # "database is locked" when another worker committed in between.
        from flask import has_request_context
        from flask import request

        from consult.core.transactions import in_read_phase

        if in_read_phase() or (
            has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
        ):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _init_login(app: Flask) -> None:
    from consult.accounts.models import User

    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def _load(user_id: str):
        ident, _, fingerprint = user_id.partition(":")
        try:
            user = db.session.get(User, int(ident))
        except ValueError:
            return None
        if user is None or not user.active or user.password_hash[-16:] != fingerprint:
            return None
        return user


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):  # noqa: A002 - Werkzeug's signature
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)


def _register_input_guards(app: Flask) -> None:
    @app.before_request
    def _refuse_malformed_requests():
        # Werkzeug decodes the query string lazily and fails on bytes that are not UTF-8
        # (e.g. a GBK search typed into an old browser); refuse them cleanly up front.
        try:
            request.query_string.decode("utf-8")
        except UnicodeDecodeError:
            return error_response(
                400, _l("The address contains characters that are not valid UTF-8.")
            )
        # A NUL matches nothing anywhere, and PostgreSQL refuses it even in a search.
        if b"%00" in request.query_string:
            return error_response(400, _l("The address contains characters that cannot be used."))
        # MAX_FORM_MEMORY_SIZE bounds multipart fields only; bound plain form posts too.
        if (
            request.mimetype == "application/x-www-form-urlencoded"
            and (request.content_length or 0) > app.config["MAX_FORM_MEMORY_SIZE"]
        ):
            return error_response(413, _l("The upload or form is larger than allowed."))
        return None


def _register_activation(app: Flask) -> None:
    """Consultations open by the clock. Any request may notice that one's opening time has
    come and record it (at most once a minute per process); `flask tick` does it from cron."""
    import time

    state = {"next": 0.0}

    @app.before_request
    def _activate_due():
        if time.monotonic() < state["next"] or request.path.startswith("/static/"):
            return
        state["next"] = time.monotonic() + app.config.get("ACTIVATION_INTERVAL", 60)
        from consult.consultations.services import activate_due

        try:
            if activate_due():
                db.session.commit()
        except Exception:  # never fail a page because of this housekeeping
            db.session.rollback()
            log.exception("activating due consultations failed")


def _import_models() -> None:
    """Every model module, so the metadata (and Alembic) sees the whole schema."""
    import consult.accounts.models
    import consult.catalogue.models
    import consult.comments.models
    import consult.consultations.models
    import consult.core.audit
    import consult.feedback.models
    import consult.interpretation.models
    import consult.meetings.models
    import consult.notifications.models
    import consult.representatives.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from consult.accounts.views import admin_bp
    from consult.accounts.views import bp as accounts_bp
    from consult.api import bp as api_bp
    from consult.catalogue.views import bp as catalogue_bp
    from consult.catalogue.views import manage_bp
    from consult.comments.views import bp as comments_bp
    from consult.comments.views import manage_bp as manage_comments_bp
    from consult.consultations.views import bp as consultations_bp
    from consult.consultations.views import manage_bp as manage_consultations_bp
    from consult.feedback.views import bp as feedback_bp
    from consult.feedback.views import manage_bp as manage_feedback_bp
    from consult.interpretation.views import bp as interpretation_bp
    from consult.interpretation.views import manage_bp as manage_interpretation_bp
    from consult.meetings.views import bp as meetings_bp
    from consult.meetings.views import manage_bp as manage_meetings_bp
    from consult.notifications.views import bp as notifications_bp
    from consult.notifications.views import outbox_bp
    from consult.representatives.views import admin_bp as admin_representatives_bp
    from consult.representatives.views import bp as representatives_bp
    from consult.site.calendars import bp as calendars_bp
    from consult.site.feeds import bp as feeds_bp
    from consult.site.freshness import bp as freshness_bp
    from consult.site.opendata import bp as opendata_bp
    from consult.site.views import bp as site_bp

    app.register_blueprint(site_bp)
    app.register_blueprint(consultations_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(manage_consultations_bp)
    app.register_blueprint(manage_comments_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(manage_feedback_bp)
    app.register_blueprint(interpretation_bp)
    app.register_blueprint(manage_interpretation_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(representatives_bp)
    app.register_blueprint(admin_representatives_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(manage_meetings_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(calendars_bp)
    # No routes: ETag / Last-Modified and 304s on the public lists, feeds and API lists.
    app.register_blueprint(freshness_bp)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "rule_violation",
    429: "too_many_requests",
    500: "server_error",
}

ERROR_TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please log in"),
    403: _l("You may not do this"),
    404: _l("Page not found"),
    405: _l("Not allowed here"),
    413: _l("What you sent is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}


def error_response(
    status: int, message: Any = None, field: str | None = None, code: str | None = None
):
    if _wants_json():
        body = {
            "error": {
                "code": code or ERROR_CODES.get(status, "error"),
                "field": field,
                "message": str(message or ERROR_TITLES.get(status, "")),
            }
        }
        return jsonify(body), status
    return render_template(
        "errors/error.html", status=status, title=ERROR_TITLES.get(status, ""), message=message
    ), status


def _refuse_per_process_limits(app: Flask, config: Any) -> None:
    from config import ProductionConfig

    production = isinstance(config, ProductionConfig) or (
        isinstance(config, type) and issubclass(config, ProductionConfig)
    )
    storage = str(app.config.get("RATELIMIT_STORAGE_URI", ""))
    per_process = storage.startswith("memory")
    if production and per_process and not app.config.get("SINGLE_PROCESS"):
        raise RuntimeError(
            "Rate limits are counted per process without Redis: set REDIS_URL (shared "
            "counters for every worker), or CONSULT_SINGLE_PROCESS=1 if this site is served "
            "by one process (gunicorn -w 1)."
        )


def _check_public_url(app: Flask) -> None:
    """A malformed PUBLIC_URL stops the start, not the first mail or report that uses it."""
    from consult.core.urls import check_public_url

    if app.config.get("PUBLIC_URL"):
        try:
            app.config["PUBLIC_URL"] = check_public_url(app.config["PUBLIC_URL"])
        except ValueError as exc:
            raise RuntimeError(str(exc)) from exc


def _exists_for_other_methods(exc: MethodNotAllowed) -> bool:
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in exc.valid_methods or ():
        try:
            adapter.match(method=method)
            return True
        except HTTPException:
            continue
    return False


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if getattr(exc, "response", None) is not None:
            return exc.response  # a page of its own (a limited comment form, with its text)
        status = exc.code or 500
        if isinstance(exc, MethodNotAllowed) and not _exists_for_other_methods(exc):
            # Werkzeug checks the method before a converter's bounds: an id beyond the
            # database's integer would be "405" on PATCH and "404" on GET. It is not there.
            status, exc = 404, NotFoundHTTP()
        message = None
        if status == 413:
            message = _l("The upload or form is larger than allowed.")
        elif status == 429:
            message = _l("Please wait a moment before trying again.")
        response = app.make_response(error_response(status, message))
        # Werkzeug's own 405 says which methods the resource has (RFC 9110); keep that.
        for name, value in exc.get_headers():
            if name.lower() in ("allow", "retry-after"):
                response.headers[name] = value
        return response

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_response(
            400,
            _l(
                "The form expired or was sent from elsewhere. Please reload the page and try again."
            ),
            code="csrf",
        )

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden):
        return error_response(403, exc.message or None)

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):
        return error_response(404, exc.message or None)

    @app.errorhandler(RuleViolation)
    def _rule(exc: RuleViolation):
        db.session.rollback()
        status = 400 if exc.code == "bad_request" else 422
        return error_response(status, exc.message, field=exc.field, code=exc.code)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        db.session.rollback()
        return error_response(500)


def _register_template_helpers(app: Flask) -> None:
    from consult.site import helpers

    helpers.register(app)


def _register_cli(app: Flask) -> None:
    from consult.accounts.cli import register as register_accounts
    from consult.catalogue.cli import register as register_catalogue
    from consult.comments.cli import register as register_comments
    from consult.interpretation.cli import register as register_interpretation
    from consult.jobs import register as register_jobs
    from consult.notifications.cli import register as register_notifications
    from consult.site.cli import register as register_site

    register_accounts(app)
    register_comments(app)
    register_interpretation(app)
    register_catalogue(app)
    register_jobs(app)
    register_notifications(app)
    register_site(app)
