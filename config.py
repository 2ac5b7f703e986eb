"""Configuration from environment variables.

Every setting a deployment changes comes from the environment, so the same code runs on a
laptop, in CI and in production. Development keeps a generated SECRET_KEY in `instance/`;
production refuses to start without a real one.
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CONSULT_INSTANCE_DIR", BASE_DIR / "instance"))

_WEAK_KEYS = {"", "dev", "change-me", "changeme", "secret", "please-change"}


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_dates(name: str) -> tuple[date, ...]:
    """ISO dates, comma-separated; a mistyped one stops the start with its name."""
    try:
        return tuple(
            date.fromisoformat(part.strip())
            for part in os.environ.get(name, "").split(",")
            if part.strip()
        )
    except ValueError as exc:
        raise RuntimeError(f"{name}: ISO dates (YYYY-MM-DD) separated by commas: {exc}") from None


def normalise_database_url(url: str) -> str:
    """Route plain `postgresql://` URLs through psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _development_secret_key() -> str:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = ("zh_Hans", "zh_Hant", "en")

    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'consult.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "")

    # Flask-Limiter: Redis when configured, so limits hold across workers; else in-process
    # memory, limits' own storage (one process only: see ProductionConfig).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    # On-site check-in: per account (a venue shares one address), so a six-digit code cannot
    # be guessed from home. Password reset: per address, on top of one mail per account.
    CHECKIN_RATE_LIMIT = os.environ.get("CHECKIN_RATE_LIMIT", "10 per minute;30 per hour")
    PASSWORD_RESET_RATE_LIMIT = os.environ.get(
        "PASSWORD_RESET_RATE_LIMIT", "5 per minute;20 per hour"
    )
    APPLICATION_RATE_LIMIT = os.environ.get("APPLICATION_RATE_LIMIT", "3 per minute;10 per day")

    # A whole request may carry attachments later; plain forms are capped much lower below.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = _env_int("MAX_FORM_MEMORY_SIZE", 512 * 1024)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    PREFERRED_URL_SCHEME = "https"
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # Comments: per-IP submission limit, optional pre-moderation, the minimum window (days;
    # a value below 30 is raised to 30 by the rules).
    COMMENT_RATE_LIMIT = os.environ.get("COMMENT_RATE_LIMIT", "5 per minute;50 per day")
    # Tries of the comment form or API, accepted or not (a refused text does not count above).
    COMMENT_ATTEMPT_LIMIT = os.environ.get("COMMENT_ATTEMPT_LIMIT", "20 per minute;200 per day")
    COMMENTS_PREMODERATED = _env_bool("COMMENTS_PREMODERATED", False)
    MIN_COMMENT_WINDOW_DAYS = _env_int("MIN_COMMENT_WINDOW_DAYS", 30)
    STORAGE_DIR = os.environ.get("STORAGE_DIR", "")
    # Feedback is due this many days after a consultation closes; overdue ones are flagged.
    FEEDBACK_PERIOD_DAYS = _env_int("FEEDBACK_PERIOD_DAYS", 30)
    # Questions on decisions (一号答): per-IP limits like the comments', and the answering
    # period in working days (a question unanswered after it is flagged overdue).
    QUESTION_RATE_LIMIT = os.environ.get("QUESTION_RATE_LIMIT", "3 per minute;20 per day")
    QUESTION_ATTEMPT_LIMIT = os.environ.get("QUESTION_ATTEMPT_LIMIT", "15 per minute;100 per day")
    QUESTION_ANSWER_WORKING_DAYS = _env_int("QUESTION_ANSWER_WORKING_DAYS", 10)
    # The State Council's holiday schedule for a year the chinese-calendar package does not
    # carry yet (core.workdays): days off and weekend days worked, ISO dates, comma-separated.
    DAYS_OFF = _env_dates("DAYS_OFF")
    WEEKEND_WORKDAYS = _env_dates("WEEKEND_WORKDAYS")
    # Report rendering: "rq" (needs REDIS_URL and a worker), "thread", or "inline".
    REPORT_RENDERING = os.environ.get("REPORT_RENDERING", "")
    # The RQ queue of the report jobs, a renderer's lease (renewed while it lives: a worker
    # that died leaves its part to another after this long) and the table entries per part.
    REPORT_QUEUE = os.environ.get("REPORT_QUEUE", "reports")
    REPORT_LEASE_SECONDS = _env_int("REPORT_LEASE_SECONDS", 120)
    REPORT_CHUNK_ROWS = _env_int("REPORT_CHUNK_ROWS", 500)
    # Duplicate grouping of submitted comments (consult.comments.grouping): "thread" (a
    # moment after the receipt, by a thread of the web process) or "inline" (before the
    # answer: one more transaction per submission).
    COMMENT_GROUPING = os.environ.get("COMMENT_GROUPING", "thread")
    # Files of comments uploaded by staff (consult.comments.imports) are checked and imported
    # by a job: "rq" (needs REDIS_URL and an `rq worker imports`), "thread" or "inline"
    # (default: rq when REDIS_URL is set, else thread). A file of at most
    # COMMENT_IMPORT_IN_REQUEST_BYTES (~500 rows) is done within the request instead.
    COMMENT_IMPORT_JOBS = os.environ.get("COMMENT_IMPORT_JOBS", "")
    COMMENT_IMPORT_IN_REQUEST_BYTES = _env_int("COMMENT_IMPORT_IN_REQUEST_BYTES", 256 * 1024)

    # Mail: "outbox" (files in instance/outbox), "smtp", or "null".
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "outbox")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "东湖区重大行政决策公开平台 <noreply@donghu.example>")
    MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX", "")
    # The site's public address (https://consult.example.gov.cn, or with a path prefix) for
    # every link in a PDF, mail or feed (consult.core.urls.public_url): a report or a mail is
    # made where there may be no request (jobs, `flask tick`), and a request's Host header is
    # not to be trusted with it. Development and tests have a default; production requires it.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
    # Subscribing by email: per-IP limit on the form (double opt-in guards the address).
    SUBSCRIBE_RATE_LIMIT = os.environ.get("SUBSCRIBE_RATE_LIMIT", "5 per minute;30 per day")

    PER_PAGE = 20
    SITE_NAME_ZH = "东湖区重大行政决策公开平台"


class DevelopmentConfig(Config):
    DEBUG = False
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or "http://127.0.0.1:5000"  # `make run`'s address
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "http"

    @property
    def SECRET_KEY(self) -> str:  # noqa: N802 - Flask reads this name
        return os.environ.get("SECRET_KEY") or _development_secret_key()


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", "sqlite:///:memory:")
    )
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    PUBLIC_URL = "http://localhost"  # the test client's own address
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    PASSWORD_HASH_FAST = True
    ACTIVATION_INTERVAL = 0
    REPORT_RENDERING = "inline"
    COMMENT_GROUPING = "inline"
    COMMENT_IMPORT_JOBS = "inline"


class ProductionConfig(Config):
    # Rate limits counted in memory are counted per process: with several gunicorn workers
    # each would allow the whole limit. Production needs REDIS_URL (or RATELIMIT_STORAGE_URI)
    # unless it says it serves from one process.
    SINGLE_PROCESS = os.environ.get("CONSULT_SINGLE_PROCESS", "") in ("1", "true", "yes")

    @property
    def SECRET_KEY(self) -> str:  # noqa: N802
        key = os.environ.get("SECRET_KEY", "")
        if key.lower() in _WEAK_KEYS or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
        return key

    @property
    def PUBLIC_URL(self) -> str:  # noqa: N802
        # Printed into archived PDFs and mailed to subscribers: a wrong guess (localhost, or
        # whatever Host a request claimed) cannot be corrected afterwards, so no default.
        from consult.core.urls import check_public_url

        value = os.environ.get("PUBLIC_URL", "")
        if not value:
            raise RuntimeError(
                "PUBLIC_URL must be set in production to the site's public address, e.g. "
                "https://consult.example.gov.cn (links in PDFs, mails and feeds use it)"
            )
        try:
            return check_public_url(value)
        except ValueError as exc:
            raise RuntimeError(str(exc)) from exc


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    name = name or os.environ.get("CONSULT_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError as exc:
        raise RuntimeError(f"unknown CONSULT_ENV {name!r}") from exc
