"""The bare baseline for bench/comment_submission.py: plain Flask + Flask-SQLAlchemy, one table,
one endpoint that parses the same form (or JSON) and INSERTs one row.

It runs under the same gunicorn settings as the application. The engine is configured like
the application's (SQLite: driver timeout, busy_timeout, WAL, synchronous=NORMAL, foreign keys,
explicit BEGIN; PostgreSQL: psycopg 3, pool_pre_ping), so the difference measured is the
application's own work, not a different database set-up.

    BARE_DATABASE_URL=... python bench/bare_app.py init   # create the table, before gunicorn
    BARE_DATABASE_URL=... gunicorn --pythonpath bench 'bare_app:create_app()'
"""

from __future__ import annotations

import os
import sys
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from flask import Flask
from flask import request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class BareComment(db.Model):
    __tablename__ = "bench_bare_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_name: Mapped[str] = mapped_column(sa.String(50))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


def _url() -> str:
    url = os.environ["BARE_DATABASE_URL"]
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_app() -> Flask:
    app = Flask(__name__)
    url = _url()
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options: dict = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": 15}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    if url.startswith("sqlite"):
        with app.app_context():
            engine = db.engine

            @sa.event.listens_for(engine, "connect")
            def _on_connect(dbapi_connection, _record):
                dbapi_connection.isolation_level = None
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA busy_timeout = 15000")
                cursor.execute("PRAGMA foreign_keys = ON")
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
                cursor.close()

            @sa.event.listens_for(engine, "begin")
            def _on_begin(conn):
                conn.exec_driver_sql("BEGIN")

    @app.post("/bare/comments")
    def submit():
        data = request.form if request.form else (request.get_json(silent=True) or {})
        body = (data.get("body") or "").strip()
        name = (data.get("author_name") or "").strip()[:50]
        if not body or not name:
            return {"error": "body and author_name are required"}, 422
        row = BareComment(author_name=name, body=body, created_at=datetime.now(UTC))
        db.session.add(row)
        db.session.commit()
        return {"receipt": f"B{row.id}"}, 201

    @app.get("/bare/ping")
    def ping():
        return {"ok": True}

    return app


if __name__ == "__main__":
    if sys.argv[1:] != ["init"]:
        sys.exit("usage: BARE_DATABASE_URL=... python bench/bare_app.py init")
    app = create_app()
    with app.app_context():
        db.create_all()
    print("bare table ready")
