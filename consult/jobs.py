"""Work that no request does: `flask --app consult tick`, run from cron every minute, and the
entry points of the RQ jobs (a worker runs `rq worker reports` with the app's environment;
`rq worker -w consult.jobs.ReportWorker reports` loads the application and WeasyPrint once
instead of in every job). Both cut across the domains, so they live beside them rather than in
one of them."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable

import click
from flask import Flask
from flask import current_app


def tick() -> tuple[str, str]:
    """Housekeeping by the clock: open due consultations, end expired representative terms,
    group the comments still waiting (a web process that stopped before grouping them);
    then, after the commit, send the notification mails that became due. Returns what was
    done, in words."""
    from consult.comments.grouping import group_all
    from consult.consultations.services import activate_due
    from consult.extensions import db
    from consult.feedback.report import recover
    from consult.notifications.cli import describe
    from consult.notifications.services import send_due_notifications
    from consult.representatives.services import end_expired_terms

    count = activate_due()
    ended = end_expired_terms()
    db.session.commit()
    grouped = group_all()
    db.session.commit()
    done = (
        f"activated {count} consultation(s); ended {ended} representative term(s); "
        f"grouped {grouped} waiting comment(s)"
    )
    # Reports whose renderer died (a killed worker, a stopped web process) are taken up again.
    reports = recover()
    db.session.commit()
    if reports:
        done += "; " + "; ".join(reports)
    return done, describe(send_due_notifications())


_APP: Flask | None = None


def _app() -> Flask:
    """The application for a job: made once by a ReportWorker before it forks its work
    horses (they inherit it, and drop the database connections they inherited), else here."""
    global _APP
    if _APP is None:
        from consult import create_app

        _APP = create_app()
    else:
        from consult.extensions import db

        with _APP.app_context():
            db.engine.dispose(close=False)  # a forked horse must not share the parent's
    return _APP


def _run(fn, *args) -> None:
    with _app().app_context():
        fn(*args)


def report_plan_job(report_id: int) -> None:
    """RQ: plan a feedback report; enqueues its parts."""
    from consult.feedback import report

    _run(report.plan_job, report_id)


def report_part_job(part_id: int) -> None:
    """RQ: render one part of a feedback report; the last one enqueues the join."""
    from consult.feedback import report

    _run(report.part_job, part_id)


def report_join_job(report_id: int) -> None:
    """RQ: join a feedback report's parts into the report."""
    from consult.feedback import report

    _run(report.join_job, report_id)


def render_report_job(report_id: int) -> None:
    """RQ (kept for jobs enqueued before the parts were jobs): plan the report."""
    report_plan_job(report_id)


try:
    from rq import Worker as _Worker
except ImportError:  # pragma: no cover - rq is the [redis] extra
    _Worker = object  # type: ignore[misc,assignment]


class Worker(_Worker):  # type: ignore[misc,valid-type]
    """`rq worker -w consult.jobs.Worker`: RQ's worker, which stops at once.

    RQ listens for its commands (stop, kill the horse) in a thread that blocks on Redis for up
    to 60 s at a time; closing that connection at the end waits for the read, so a stopping
    worker, a `--burst` one above all, sometimes lingers for a minute. A 1-second read costs a
    wake-up a second."""

    def subscribe(self):
        # rq 3.0's Worker.subscribe, with sleep_time=1 instead of 60.
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )


class ReportWorker(Worker):
    """`rq worker -w consult.jobs.ReportWorker`: imports WeasyPrint and makes the application
    once, before forking a work horse per job (a plain `rq worker` works too, paying ~1 s of
    imports in every job)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        import weasyprint  # noqa: F401

        import consult.feedback.pdf  # noqa: F401

        _app()


def start(job: Callable[..., None], *args: int, mode: str, queue: str, timeout: int = 1800) -> str:
    """Run `job(*args)` (a module-level function that commits its own work) after the
    request's commit: "inline" here and now, "thread" in a thread of this process with an app
    context of its own, "rq" as an RQ job on the configured Redis, which any `rq worker QUEUE`
    sharing the database and the storage runs. Returns the mode used."""
    if mode == "inline":
        job(*args)
    elif mode == "rq":
        from redis import Redis
        from rq import Queue

        Queue(queue, connection=Redis.from_url(current_app.config["REDIS_URL"])).enqueue(
            run_in_app, f"{job.__module__}:{job.__qualname__}", *args, job_timeout=timeout
        )
    else:
        app = current_app._get_current_object()
        threading.Thread(
            target=_in_app_context, args=(app, job, *args), daemon=True, name=job.__name__
        ).start()
    return mode


def _in_app_context(app: Flask, job: Callable[..., None], *args: int) -> None:
    with app.app_context():
        job(*args)


def run_in_app(target: str, *args: int) -> None:
    """RQ: run `module:function` with these arguments in an app of the worker's own."""
    from consult import create_app

    module, _, name = target.partition(":")
    job = getattr(importlib.import_module(module), name)
    with create_app().app_context():
        job(*args)


def register(app: Flask) -> None:
    @app.cli.command("tick")
    def tick_command() -> None:
        """Housekeeping by the clock (cron, every minute): due consultations open, expired
        terms end, waiting comments are grouped, due notification mails go out."""
        for line in tick():
            click.echo(line)
