"""RQ entry points. A worker runs `rq worker reports` with the app's environment."""

from __future__ import annotations


def render_report_job(report_id: int) -> None:
    from consult import create_app
    from consult.feedback.services import render_report_now

    app = create_app()
    with app.app_context():
        render_report_now(report_id)
