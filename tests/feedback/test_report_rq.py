"""A report rendered by real `rq worker` processes on the Redis at 127.0.0.1:6379 (skipped where
none runs): its parts are jobs; a worker killed in the middle of a part does not leave the
report "rendering" — the part's lease runs out and another worker (or the tick) renders it.

Its own database (a new SQLite file, or a new PostgreSQL database beside DATABASE_URL's), its
own storage folder, a Redis database per xdist worker and a queue name of its own, so that
parallel test runs do not meet."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import fresh_database_url

REDIS = "redis://127.0.0.1:6379"
CAMPAIGN = "我们坚决反对拆除小区东侧的自行车棚，请保留原有设施，并增加夜间照明和监控。"
_PLACES = [
    "东门外的空地",
    "三号楼北侧",
    "社区活动中心旁",
    "幼儿园门口",
    "菜市场后街",
    "河边步道入口",
]
_ASKS = [
    "增设非机动车停放区并安装充电桩，方便居民出行",
    "划定临时停车位，施工期间保障老人和残疾人出入",
    "加装路灯和监控设备，夜间巡逻要落实到人",
]
OWN = [f"建议在{p}{a}。" for a in _ASKS for p in _PLACES]  # 18 different comments
LEASE = 3  # s


def _redis_db() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 10 + int(worker.removeprefix("gw") or 0) % 6


def _redis():
    redis = pytest.importorskip("redis")
    pytest.importorskip("rq")
    client = redis.Redis.from_url(f"{REDIS}/{_redis_db()}")
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return client


def _build(app) -> tuple[int, list[str]]:
    """A published consultation of 18 own comments and a campaign of 12 copies, answered."""
    from consult.accounts import services as accounts
    from consult.accounts.models import SYSTEM
    from consult.catalogue import services as catalogue
    from consult.comments import services as comments
    from consult.consultations import services as consultations
    from consult.core.time import freeze
    from consult.core.time import now_utc
    from consult.extensions import db
    from consult.feedback import services as feedback

    opened = now_utc() - timedelta(days=40)
    with freeze(opened):
        dept = accounts.create_department(
            {"name": "区住房和城乡建设局", "short_name": "住建局"}, actor=SYSTEM
        )
        matter = catalogue.create_matter(
            {
                "year": opened.year,
                "title": "老旧小区停车设施改造",
                "summary": "对辖区老旧小区停车设施进行改造。",
                "department_id": dept.id,
                "planned_time": f"{opened.year}-12",
                "hearing": False,
                "procedures": {"public_participation": True, "legality_review": True},
            },
            actor=SYSTEM,
        )
        catalogue.publish_catalogue(matter.catalogue, actor=SYSTEM)
        c = consultations.open_consultation(
            matter,
            {
                "title": "东湖区老旧小区停车设施改造实施方案（征求意见稿）",
                "draft": "第一条 为了规范停车设施改造，制定本方案。\n第二条 本方案自发布之日起施行。",
                "explanation": "起草说明。",
                "contact": "区住建局，电话 027-12345678",
                "opens_at": opened,
                "closes_at": opened + timedelta(days=31),
            },
            actor=SYSTEM,
        )
        db.session.commit()
    at = opened + timedelta(days=1)
    bodies = OWN[:6] + [CAMPAIGN] * 12 + OWN[6:]
    records = [
        {
            "source": "hotline",
            "submitted_at": at + timedelta(minutes=i),
            "author_name": f"市民{i}",
            "body": body,
            "contact": "13912345678",
        }
        for i, body in enumerate(bodies)
    ]
    with freeze(at + timedelta(days=1)):
        comments.import_comments(c, records, actor=SYSTEM)
        db.session.commit()
    from consult.comments.models import Comment

    db.session.execute(
        sa.update(Comment)
        .where(Comment.consultation_id == c.id)
        .values(disposition="not_adopted", disposition_reason="与上位法规定不符，暂不采纳。")
    )
    with freeze(opened + timedelta(days=32)):
        report = feedback.publish_feedback(c, {"summary": "未作修改。"}, actor=SYSTEM)
        db.session.commit()
    receipts = list(
        db.session.scalars(
            sa.select(Comment.receipt)
            .where(Comment.consultation_id == c.id)
            .order_by(Comment.submitted_at, Comment.id)
        )
    )
    return report.id, receipts


def _worker(env: dict, queue: str, log: Path) -> subprocess.Popen:
    rq = Path(sys.executable).parent / "rq"
    command = [str(rq), "worker", "-w", "consult.jobs.ReportWorker"]
    command += ["--url", env["REDIS_URL"], "--with-scheduler", queue]
    with open(log, "ab") as out:
        return subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def test_a_worker_killed_during_a_part_does_not_leave_the_report_stuck():
    redis = _redis()
    redis.flushdb()
    queue = f"reports-test-{uuid.uuid4().hex[:8]}"
    folder = Path(tempfile.mkdtemp(prefix="consult-rq-"))
    workers: list[subprocess.Popen] = []
    try:
        with fresh_database_url() as url:
            from consult import create_app
            from consult.extensions import db

            settings = {
                "REDIS_URL": f"{REDIS}/{_redis_db()}",
                "REPORT_RENDERING": "rq",
                "REPORT_QUEUE": queue,
                "REPORT_LEASE_SECONDS": LEASE,
                "REPORT_CHUNK_ROWS": 4,
                "STORAGE_DIR": str(folder / "files"),
            }
            app = create_app("test", SQLALCHEMY_DATABASE_URI=url, **settings)
            env = {
                **os.environ,
                "CONSULT_ENV": "test",
                "DATABASE_URL": url,
                "CONSULT_INSTANCE_DIR": str(folder),
                **{k: str(v) for k, v in settings.items()},
            }
            with app.app_context():
                db.create_all()
                report_id, receipts = _build(app)
                from consult.core.transactions import read_phase
                from consult.feedback import report as reports
                from consult.feedback import services
                from consult.feedback.models import FeedbackReport
                from consult.feedback.models import ReportPart
                from consult.feedback.models import ReportStatus

                assert services.schedule_render(report_id) == "rq"
                first = _worker(env, queue, folder / "worker-a.log")
                workers.append(first)
                victim = None
                deadline = time.monotonic() + 120
                while victim is None and time.monotonic() < deadline:
                    db.session.remove()
                    with read_phase():  # (SQLite: not holding the workers' write lock)
                        victim = db.session.scalar(
                            sa.select(ReportPart).where(
                                ReportPart.report_id == report_id,
                                ReportPart.status == "rendering",
                                ReportPart.worker.is_not(None),
                            )
                        )
                    time.sleep(0.02)
                assert victim is not None, (folder / "worker-a.log").read_text()[-3000:]
                # The worker and its work horse (RQ starts a horse in a session of its own), in
                # the middle of the part.
                horse = db.session.scalar(
                    sa.select(ReportPart.worker).where(ReportPart.id == victim.id)
                )
                os.kill(int(horse.rsplit(":", 1)[1]), signal.SIGKILL)
                _stop(first)
                db.session.remove()
                victim = db.session.get(ReportPart, victim.id)
                assert victim.status == "rendering"  # it never got to the end
                killed = (victim.id, horse)
                workers.append(_worker(env, queue, folder / "worker-b.log"))
                report = None
                deadline = time.monotonic() + 180
                while time.monotonic() < deadline:
                    db.session.remove()
                    with read_phase():
                        report = db.session.get(FeedbackReport, report_id)
                    if report.status != ReportStatus.RENDERING:
                        break
                    reports.recover()  # what `flask tick` does every minute
                    db.session.commit()
                    time.sleep(1)
                logs = (folder / "worker-b.log").read_text()[-3000:]
                assert report.status == ReportStatus.READY, (report.status, report.error, logs)
                parts = list(
                    db.session.scalars(
                        sa.select(ReportPart).where(ReportPart.report_id == report_id)
                    )
                )
                assert len(parts) == 5 and all(p.status == "done" for p in parts), [
                    p.spec for p in parts
                ]
                again = next(p for p in parts if p.id == killed[0])
                assert again.attempts == 2 and again.worker != killed[1]
                from pypdf import PdfReader

                from consult.core.storage import storage
                from consult.feedback import pdf as report_pdf

                reader = PdfReader(io.BytesIO(storage().read(report.file.storage_key)))
                text = "".join(p.extract_text() for p in reader.pages).replace(" ", "")
                assert text.count(CAMPAIGN) == 1
                assert "与本条内容相同或相近的意见共12条" in text
                total = len(reader.pages)
                assert f"第{total}页/共{total}页" in text
                (raw,) = reader.attachments[report_pdf.CSV_NAME]
                rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
                assert [r["receipt"] for r in rows] == receipts
                assert "13912345678" not in raw.decode("utf-8-sig") + text
                db.session.remove()
                db.engine.dispose()
    finally:
        for process in workers:
            _stop(process)
        redis.flushdb()
        shutil.rmtree(folder, ignore_errors=True)
