"""Benchmark: one consultation at 1,000 / 10,000 / 100,000 / 1,000,000 comments.

Prints figures; it is not a test. For each database (SQLite in a temporary folder; PostgreSQL
`consult_scale` on 127.0.0.1:5432, created here and dropped at the end) it

1. migrates a scratch database with `flask db upgrade` and opens a consultation (a 45-day
   window, 29 days of it gone) through the services;
2. grows it to each size through `comments.services.import_comments`, in calls of at most
   100,000 records (each its own transaction, grouping included): 90% of the comments are
   copies of five campaign letters (half verbatim, half with a personal opening and/or
   closing), 10% the residents' own comments (bench/comment_submission.py's grammar; comments
   on one topic, mean pairwise Jaccard ≈ 0.06); 85% online, the rest hotline and letters;
3. at each size measures, in this process:
   - a resident's submission through `submit_comment` (check, one INSERT, grouping of it,
     commit), p50 / p90 over `--probes` submissions of new texts;
   - exact recall: a copy of a random stored comment joins that comment's group;
   - near recall: a random stored comment with a personal opening (and closing) added, kept
     only where its shingle Jaccard with the original is ≥ 0.7, joins the original's group;
   - false grouping: for a sample of groups, whether any sampled member has Jaccard < 0.5
     with the group's first member;
   and in fresh processes (as a web worker would be):
   - the grouping lag: API submissions through the application with COMMENT_GROUPING=thread
     (the default install's grouping thread), from the commit to the comment's grouping;
   - server time of the public pages: the consultation page at its first, last and random
     pages, a receipt, the API's comment list at random pages, a duplicate group's page
     (where the badge links) and its API list; p50 / p95 of 40 requests each;
   - the open-data CSV and JSON of the consultation's comments: time to the first bytes, the
     whole download, its size, and the process's peak RSS;
4. the feedback report (`--report`, on by default; `--report-only` skips the probes of step 3):
   every comment answered set-based (one UPDATE: a campaign's groups alike, the residents' own
   comments with one of seven reasons), a new report version requested, and rendered by
   `--report-workers` (2) real `rq worker -w consult.jobs.ReportWorker --burst` processes on
   the Redis at 127.0.0.1:6379 (database 9, a queue of its own): the plan job, the parts as
   jobs of their own, the join. Measured: wall time from the enqueue to "ready", the workers'
   CPU seconds (with their work horses), the peak of the summed PSS of the workers and their
   horses (sampled every 0.25 s), the file's size, pages and table entries.

    .venv/bin/python bench/scale.py                                   # both databases
    .venv/bin/python bench/scale.py --db sqlite --sizes 1000,10000,100000

Results: a table per database, and JSON in bench/out/scale-<time>.json (git-ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
VENV_BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import comment_submission as cs  # noqa: E402  (the text grammar, the databases)

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432"
# The department's five officers (the first its head), who answer the comments.
OFFICERS = tuple(f"officer{n}@bench.example" for n in range(1, 6))
OFFICER_PASSWORD = "bench-password-2026"
CHUNK = 100_000
CAMPAIGN_SHARE = 0.90
CAMPAIGN_WEIGHTS = (0.40, 0.25, 0.15, 0.10, 0.10)
GOALS = {
    "exact_recall": 1.0,
    "near_recall": 0.95,
    "false_grouping": 0.01,
    "submission_ratio": 1.5,
    "lag_s": 5.0,
    "page_p95_ms": 150.0,
    "first_bytes_s": 1.0,
    "export_rss_mb": 200.0,
    "import_100k_s": 120.0,
    "workspace_p95_ms": 300.0,
    "answer_group_s": 10.0,
    "report_1m_s": 600.0,
    "report_pss_mb": 1024.0,
}
REPORT_REDIS = "redis://127.0.0.1:6379/9"
REASONS = (
    "该意见符合草案目的，已在修改稿中增加相关规定并明确责任部门和办理时限。",
    "该事项属于上位法已有规定的内容，本办法不再重复规定。",
    "部分采纳：已补充程序性要求，具体标准由主管部门另行制定。",
    "经研究，现阶段暂不具备实施条件，将在下一年度统筹考虑。",
    "该意见涉及的事项不属于本次征求意见的范围，已转交相关部门研究办理。",
    "已采纳，修改稿将审批时限由二十个工作日调整为十五个工作日。",
    "该建议与现行规划不一致，经专家论证后未予采纳。",
)


def log(msg: str) -> None:
    print(msg, flush=True)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


# --- the texts -------------------------------------------------------------------------------


class Texts:
    """Comments as a mass consultation receives them (see the module docstring)."""

    def __init__(self, seed: int):
        self.gen = cs.TextGenerator(seed, 7)
        self.rnd = self.gen.rnd

    def campaign_copy(self) -> str:
        r = self.rnd
        letter = r.choices(cs._CAMPAIGNS, weights=CAMPAIGN_WEIGHTS)[0]
        if r.random() < 0.5:
            return letter
        opening = self.gen.opening() if r.random() < 0.8 else ""
        closing = self.gen.closing() if not opening or r.random() < 0.5 else ""
        return opening + letter + closing

    def comment(self) -> str:
        return self.campaign_copy() if self.rnd.random() < CAMPAIGN_SHARE else self.gen.distinct()

    def record(self, opens_at: datetime, span: timedelta) -> dict:
        r = self.rnd
        at = opens_at + span * r.random()
        source = r.choices(("online", "hotline", "letter"), weights=(85, 10, 5))[0]
        record = {
            "source": source,
            "submitted_at": at,
            "author_name": self.gen.name(),
            "body": self.comment(),
            "show_name": r.random() < 0.4,
            "contact": f"139{r.randint(10_000_000, 99_999_999)}" if r.random() < 0.3 else None,
            "clause": r.randint(1, 7) if r.random() < 0.6 else None,
        }
        if source == "online":
            record["consent"] = True
        return record


# --- the application, in this process --------------------------------------------------------


def app_env(url: str, instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "FLASK_APP")}
    env.update(
        CONSULT_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(36),
        SESSION_COOKIE_SECURE="0",
        PUBLIC_URL="http://127.0.0.1",  # production requires it
        DATABASE_URL=url,
        COMMENT_RATE_LIMIT="1000000 per minute",
        CONSULT_SINGLE_PROCESS="1",  # one process per probe
        CONSULT_INSTANCE_DIR=str(instance),
        STORAGE_DIR=str(instance / "files"),
    )
    return env


def open_consultation() -> int:
    from consult.core.time import freeze
    from consult.core.time import now_utc

    # Opened 29 days ago (a service refuses an opening in the past: the clock goes back).
    now = now_utc()
    with freeze(now - timedelta(days=29)):
        return _open_consultation(now)


def _open_consultation(now: datetime) -> int:
    from consult.accounts import services as accounts
    from consult.accounts.models import SYSTEM
    from consult.catalogue import services as catalogue
    from consult.consultations import services as consultations
    from consult.extensions import db

    dept = accounts.create_department(
        {"name": "区住房和城乡建设局", "short_name": "住建局"}, actor=SYSTEM
    )
    matter = catalogue.create_matter(
        {
            "year": now.year,
            "title": "老旧小区停车设施改造",
            "summary": "对辖区老旧小区停车设施进行改造。",
            "department_id": dept.id,
            "planned_time": f"{now.year}-12",
            "hearing": False,
            "procedures": {"public_participation": True, "legality_review": True},
        },
        actor=SYSTEM,
    )
    catalogue.publish_catalogue(matter.catalogue, actor=SYSTEM)
    for n, email in enumerate(OFFICERS):
        accounts.create_user(
            {
                "email": email,
                "display_name": f"住建局经办人{n + 1}",
                "password": OFFICER_PASSWORD,
                "role": "officer",
                "department_id": dept.id,
                "department_head": n == 0,
            },
            actor=SYSTEM,
        )
    consultation = consultations.open_consultation(
        matter,
        {
            "title": "东湖区老旧小区停车设施改造实施方案（征求意见稿）",
            "draft": cs.DRAFT,
            "explanation": "起草说明：本方案依据有关规定起草。",
            "contact": "区住建局物业科，电话 027-12345678",
            "opens_at": now - timedelta(days=29),
            "closes_at": now + timedelta(days=16),
        },
        actor=SYSTEM,
    )
    db.session.commit()
    return consultation.id


class Builder:
    """Grows the consultation and probes it, in this process."""

    def __init__(self, consultation_id: int, seed: int):
        from consult.consultations.models import Consultation
        from consult.extensions import db

        self.db = db
        self.consultation_id = consultation_id
        self.consultation = db.session.get(Consultation, consultation_id)
        self.texts = Texts(seed)
        self.rnd = random.Random(seed + 1)
        self.size = 0

    def grow(self, target: int, *, bulk: bool = False) -> list[dict]:
        from consult.accounts.models import SYSTEM
        from consult.comments import services
        from consult.consultations.models import Consultation
        from consult.core.time import now_utc

        # (a probe of the size before may have ended the session it was loaded in)
        self.consultation = self.db.session.get(Consultation, self.consultation_id)
        calls = []
        if bulk:
            t0 = time.perf_counter()
            count = target - self.size
            self.fill(count)
            elapsed = time.perf_counter() - t0
            self.size = target
            log(f"    filled {count:,} set-based in {elapsed:.1f} s; {self.size:,} stored")
            return [{"records": count, "seconds": elapsed, "rate": count / elapsed, "bulk": True}]
        while self.size < target:
            count = min(CHUNK, target - self.size)
            now = now_utc()
            span = now - self.consultation.opens_at - timedelta(minutes=5)
            records = [self.texts.record(self.consultation.opens_at, span) for _ in range(count)]
            t0 = time.perf_counter()
            services.import_comments(self.consultation, records, actor=SYSTEM, now=now)
            self.db.session.commit()
            elapsed = time.perf_counter() - t0
            calls.append({"records": count, "seconds": elapsed, "rate": count / elapsed})
            self.size += count
            log(
                f"    imported {count:,} in {elapsed:.1f} s ({count / elapsed:,.0f}/s); {self.size:,} stored"
            )
        return calls

    def fill(self, count: int) -> None:
        """`count` more comments written straight into the tables, as import_comments and the
        grouping would leave them (the same texts and records; each campaign's copies one
        group, every comment counted in the tallies), without the grouping's work: for the
        probes of what comes after (the workspace, the answers, the report) at a million
        comments, which would take an hour to grow through import_comments here. Later
        submissions are not grouped with these (no band keys are written)."""
        import sqlalchemy as sa

        from consult.comments.models import AnswerProgress
        from consult.comments.models import Comment
        from consult.comments.models import CommentTally
        from consult.comments.models import DuplicateGroup
        from consult.consultations.models import Clause
        from consult.core import ids
        from consult.core.time import now_utc

        db, c = self.db, self.consultation_id
        clauses = dict(
            db.session.execute(
                sa.select(Clause.number, Clause.id).where(Clause.consultation_id == c)
            ).all()
        )
        if not hasattr(self, "groups"):
            self.groups = []
            for _ in cs._CAMPAIGNS:
                group = DuplicateGroup(consultation_id=c, size=0, published=0)
                db.session.add(group)
                db.session.flush()
                self.groups.append(group.id)
            if db.session.get(CommentTally, c) is None:
                db.session.add(CommentTally(consultation_id=c, comments=0, published=0, hidden=0))
            db.session.flush()
        now = now_utc()
        span = now - self.consultation.opens_at - timedelta(minutes=5)
        sizes = [0] * len(self.groups)
        cells: dict[int, int] = {}
        receipts: set[str] = set()
        table = Comment.__table__
        for start in range(0, count, 20_000):
            rows = []
            for _ in range(min(20_000, count - start)):
                record = self.texts.record(self.consultation.opens_at, span)
                body = record["body"]
                group = next(
                    (
                        g
                        for g, letter in zip(self.groups, cs._CAMPAIGNS, strict=True)
                        if letter in body
                    ),
                    None,
                )
                if group is not None:
                    sizes[self.groups.index(group)] += 1
                receipt = ids.new_receipt(record["submitted_at"].year)
                while receipt in receipts:
                    receipt = ids.new_receipt(record["submitted_at"].year)
                receipts.add(receipt)
                clause = record["clause"]
                cells[clause or 0] = cells.get(clause or 0, 0) + 1
                rows.append(
                    {
                        "consultation_id": c,
                        "clause_id": clauses.get(clause) if clause else None,
                        "receipt": receipt,
                        "source": record["source"],
                        "author_name": record["author_name"],
                        "show_name": record["show_name"],
                        "body": body,
                        "consent": True,
                        "contact": record["contact"],
                        "submitted_at": record["submitted_at"],
                        "status": "published",
                        "grouped_at": now,
                        "duplicate_group_id": group,
                        "answer_draft": False,
                    }
                )
            db.session.execute(sa.insert(table), rows)
        for group, n in zip(self.groups, sizes, strict=True):
            db.session.execute(
                sa.update(DuplicateGroup)
                .where(DuplicateGroup.id == group)
                .values(size=DuplicateGroup.size + n, published=DuplicateGroup.published + n)
            )
        db.session.execute(
            sa.update(CommentTally)
            .where(CommentTally.consultation_id == c)
            .values(
                comments=CommentTally.comments + count, published=CommentTally.published + count
            )
        )
        for clause, n in cells.items():
            key = clauses.get(clause, 0) if clause else 0
            cell = db.session.get(AnswerProgress, (c, key, 0))
            if cell is None:
                db.session.add(AnswerProgress(consultation_id=c, clause_key=key, assignee_key=0,
                                              comments=n, drafted=0, answered=0))  # fmt: skip
            else:
                cell.comments += n
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()

    def _submit(self, body: str):
        from consult.comments import services

        data = {
            "author_name": self.texts.gen.name(),
            "show_name": False,
            "body": body,
            "consent": True,
        }
        t0 = time.perf_counter()
        comment = services.submit_comment(self.consultation, data)
        self.db.session.commit()
        return comment, (time.perf_counter() - t0) * 1000

    def submissions(self, probes: int) -> dict:
        times = [self._submit(self.texts.comment())[1] for _ in range(probes)]
        return {"p50_ms": pct(times, 0.5), "p90_ms": pct(times, 0.9)}

    def _random_comment(self):
        import sqlalchemy as sa

        from consult.comments.models import Comment

        low, high = self.db.session.execute(
            sa.select(sa.func.min(Comment.id), sa.func.max(Comment.id)).where(
                Comment.consultation_id == self.consultation_id
            )
        ).one()
        pick = self.rnd.randint(low, high)
        return self.db.session.scalars(
            sa.select(Comment)
            .where(Comment.consultation_id == self.consultation_id, Comment.id >= pick)
            .order_by(Comment.id)
            .limit(1)
        ).one()

    def recall(self, probes: int) -> dict:
        from consult.comments import rules

        exact = near = tried = 0
        for _ in range(probes):
            original = self._random_comment()
            copy, _ = self._submit(original.body)
            self.db.session.refresh(original)
            exact += copy.duplicate_group_id is not None and (
                copy.duplicate_group_id == original.duplicate_group_id
            )
        skipped = 0
        while tried < probes and skipped < probes * 5:
            original = self._random_comment()
            variant = self.texts.gen.opening() + original.body
            if self.rnd.random() < 0.5:
                variant += self.texts.gen.closing()
            score = rules.jaccard(
                rules.shingles(rules.normalise(original.body)),
                rules.shingles(rules.normalise(variant)),
            )
            if score < rules.DUPLICATE_THRESHOLD or len(variant) > rules.BODY_MAX:
                skipped += 1
                continue
            tried += 1
            copy, _ = self._submit(variant)
            self.db.session.refresh(original)
            near += copy.duplicate_group_id is not None and (
                copy.duplicate_group_id == original.duplicate_group_id
            )
        return {
            "exact_recall": exact / probes,
            "near_recall": near / tried if tried else float("nan"),
            "near_tried": tried,
        }

    def false_grouping(self, sample: int, members: int = 20) -> dict:
        import sqlalchemy as sa

        from consult.comments import rules
        from consult.comments.models import Comment
        from consult.comments.models import DuplicateGroup

        groups = list(
            self.db.session.execute(
                sa.select(DuplicateGroup.id, DuplicateGroup.size).where(
                    DuplicateGroup.consultation_id == self.consultation_id
                )
            )
        )
        chosen = self.rnd.sample(groups, min(sample, len(groups)))
        flagged, lowest = 0, 1.0
        for group_id, _size in chosen:
            low, high = self.db.session.execute(
                sa.select(sa.func.min(Comment.id), sa.func.max(Comment.id)).where(
                    Comment.duplicate_group_id == group_id
                )
            ).one()
            first = self.db.session.get(Comment, low)
            base = rules.shingles(rules.normalise(first.body))
            worst = 1.0
            for _ in range(members):
                member = self.db.session.scalars(
                    sa.select(Comment)
                    .where(
                        Comment.duplicate_group_id == group_id,
                        Comment.id >= self.rnd.randint(low, high),
                    )
                    .order_by(Comment.id)
                    .limit(1)
                ).first()
                if member is not None:
                    worst = min(
                        worst, rules.jaccard(base, rules.shingles(rules.normalise(member.body)))
                    )
            flagged += worst < 0.5
            lowest = min(lowest, worst)
        return {
            "groups": len(groups),
            "sampled": len(chosen),
            "false_grouping": flagged / len(chosen) if chosen else 0.0,
            "lowest_jaccard": lowest,
        }

    def stored(self) -> int:
        from consult.comments.models import CommentTally

        self.db.session.expire_all()
        return self.db.session.get(CommentTally, self.consultation_id).comments

    def shape(self) -> dict:
        import sqlalchemy as sa

        from consult.comments.models import CommentBand
        from consult.comments.models import CommentText
        from consult.comments.models import DuplicateGroup

        def count(model):
            return self.db.session.scalar(
                sa.select(sa.func.count())
                .select_from(model)
                .where(model.consultation_id == self.consultation_id)
            )

        largest = self.db.session.scalars(
            sa.select(DuplicateGroup.size)
            .where(DuplicateGroup.consultation_id == self.consultation_id)
            .order_by(DuplicateGroup.size.desc())
            .limit(5)
        ).all()
        return {
            "distinct_texts": count(CommentText),
            "band_keys": count(CommentBand),
            "groups": count(DuplicateGroup),
            "largest_groups": list(largest),
        }


# --- probes in a fresh process ---------------------------------------------------------------


def _probe_pages(consultation_id: int) -> dict:
    """Server time of the public pages, measured around the application's own handling."""
    import sqlalchemy as sa

    from consult import create_app
    from consult.comments.models import Comment
    from consult.comments.models import CommentTally
    from consult.comments.models import DuplicateGroup
    from consult.extensions import db

    app = create_app()
    client = app.test_client()
    rnd = random.Random(5)
    with app.app_context():
        tally = db.session.get(CommentTally, consultation_id)
        pages = max(1, -(-tally.published // 50))
        low, high = db.session.execute(
            sa.select(sa.func.min(Comment.id), sa.func.max(Comment.id))
        ).one()
        receipts = [
            db.session.scalar(
                sa.select(Comment.receipt)
                .where(Comment.id >= rnd.randint(low, high))
                .order_by(Comment.id)
                .limit(1)
            )
            for _ in range(40)
        ]
        groups = db.session.execute(
            sa.select(DuplicateGroup.id, DuplicateGroup.size)
            .where(DuplicateGroup.consultation_id == consultation_id)
            .order_by(DuplicateGroup.size.desc())
        ).all()
    big, small = groups[0], groups[-1]
    c = consultation_id
    api_pages = max(1, -(-tally.published // 100))
    group_pages = max(1, -(-big.size // 50))
    plans = {
        "consultation page": [f"/consultations/{c}", f"/consultations/{c}?page={pages}"]
        + [f"/consultations/{c}?page={rnd.randint(1, pages)}" for _ in range(38)],
        "receipt page": [f"/receipts/{r}" for r in receipts],
        "API receipt": [f"/api/v1/receipts/{r}" for r in receipts],
        "API comments": [f"/api/v1/consultations/{c}/comments?per_page=100"]
        + [
            f"/api/v1/consultations/{c}/comments?per_page=100&page={rnd.randint(1, api_pages)}"
            for _ in range(39)
        ],
        "group page (badge)": [f"/consultations/{c}/groups/{small.id}"]
        + [
            f"/consultations/{c}/groups/{big.id}?page={rnd.randint(1, group_pages)}"
            for _ in range(39)
        ],
        "API group list": [
            f"/api/v1/consultations/{c}/comments?group={big.id}&page={rnd.randint(1, group_pages)}&per_page=50"
            for _ in range(40)
        ],
    }
    results = {}
    for name, urls in plans.items():
        client.get(urls[0])  # warm-up (templates, statements)
        times = []
        for url in urls:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        results[name] = {
            "p50_ms": pct(times, 0.5),
            "p95_ms": pct(times, 0.95),
            "max_ms": max(times),
        }
    return results


def _login(client, email: str) -> None:
    import re

    # As a browser does: over HTTPS (the session cookie is Secure), with a Referer (CSRF).
    client.environ_base.update(
        {"wsgi.url_scheme": "https", "HTTP_REFERER": "https://localhost/login"}
    )
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": OFFICER_PASSWORD}
    )
    assert response.status_code in (302, 303), (
        response.status_code,
        response.get_data(as_text=True)[:3000],
    )


def _probe_workspace(consultation_id: int) -> dict:
    """Server time of the feedback workspace's pages for an officer: the first page, each
    filter alone, the text search (a campaign's words, and a word only one resident used),
    a group's members, an officer's own, and deep pages; 40 requests each (each filter's
    later requests go on from the page before: "next page" or "go on looking")."""
    import re

    import sqlalchemy as sa

    from consult import create_app
    from consult.accounts.models import User
    from consult.comments.models import Comment
    from consult.comments.models import CommentTally
    from consult.comments.models import DuplicateGroup
    from consult.extensions import db

    app = create_app(PROPAGATE_EXCEPTIONS=True)
    client = app.test_client()
    _login(client, OFFICERS[1])
    rnd = random.Random(7)
    with app.app_context():
        officer = db.session.scalar(sa.select(User.id).where(User.email == OFFICERS[1]))
        largest = db.session.scalar(
            sa.select(DuplicateGroup.id)
            .where(DuplicateGroup.consultation_id == consultation_id)
            .order_by(DuplicateGroup.size.desc())
            .limit(1)
        )
        low, high = db.session.execute(
            sa.select(sa.func.min(Comment.id), sa.func.max(Comment.id)).where(
                Comment.consultation_id == consultation_id
            )
        ).one()
        single = db.session.scalar(
            sa.select(Comment.body)
            .where(Comment.consultation_id == consultation_id, Comment.duplicate_group_id.is_(None))
            .limit(1)
        )
        start = db.session.scalar(
            sa.select(sa.func.min(Comment.submitted_at)).where(
                Comment.consultation_id == consultation_id
            )
        )
        pages = max(1, -(-db.session.get(CommentTally, consultation_id).comments // 50))
    base = f"/manage/consultations/{consultation_id}/feedback"
    rare = (single or "停车")[5:9]
    day = (start + timedelta(days=3)).strftime("%Y-%m-%d")
    plans = {
        # The reference in the same run: the public page of the same consultation.
        "(public consultation page)": [f"/consultations/{consultation_id}"],
        "first page": [base],
        "unanswered": [f"{base}?state=unanswered"],
        "clause 3": [f"{base}?clause=3"],
        "hotline": [f"{base}?source=hotline"],
        "hotline, clause 3, unanswered": [f"{base}?source=hotline&clause=3&state=unanswered"],
        "a day": [f"{base}?submitted_from={day}&submitted_to={day}"],
        "text, campaign": [f"{base}?q=%E5%81%9C%E8%BD%A6"],  # 停车
        "text, rare": [f"{base}?q={rare}"],
        "largest group": [f"{base}?group_id={largest}"],
        "mine, unanswered": [f"{base}?assignee={officer}&state=unanswered"],
        "deep pages": [f"{base}?after={rnd.randint(low, high)}" for _ in range(40)],
        "groups page 3": [f"{base}?groups=3"],
        # The consultation's manage page: its comments a page at a time (the newest page when
        # none is asked for), the first page, and random ones.
        "manage page": [f"/manage/consultations/{consultation_id}"]
        + [f"/manage/consultations/{consultation_id}?page=1"]
        + [
            f"/manage/consultations/{consultation_id}?page={rnd.randint(1, pages)}"
            for _ in range(38)
        ],
    }
    results = {}
    for name, urls in plans.items():
        client.get(urls[0])  # warm-up
        times, url = [], urls[0]
        for i in range(40):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            if len(urls) > 1:
                url = urls[min(i + 1, len(urls) - 1)]
                continue
            page = response.get_data(as_text=True)
            more = re.search(r'href="([^"]*after=\d+[^"]*)#list-h"', page)
            url = more.group(1).replace("&amp;", "&") if more else urls[0]
        results[name] = {
            "p50_ms": pct(times, 0.5),
            "p95_ms": pct(times, 0.95),
            "max_ms": max(times),
        }
    return results


def _probe_answers(consultation_id: int) -> dict:
    """Set-based answers and assignments, timed in a process of their own, each rolled back
    afterwards (the next size grows the same consultation): the largest group answered, the
    unanswered hotline comments of clause 3, a clause assigned to an officer, and every
    comment of the consultation answered at once ({"state": "unanswered"})."""
    import sqlalchemy as sa

    from consult import create_app
    from consult.accounts.models import User
    from consult.comments.models import DuplicateGroup
    from consult.consultations.models import Consultation
    from consult.extensions import db
    from consult.feedback import services

    app = create_app()
    answer = {"disposition": "not_adopted", "reason": "本条意见将在实施细则中统一研究，暂不采纳。"}
    results = {}
    with app.app_context():
        head = db.session.scalar(sa.select(User).where(User.email == OFFICERS[0]))
        officer = db.session.scalar(sa.select(User).where(User.email == OFFICERS[1]))
        consultation = db.session.get(Consultation, consultation_id)
        largest = db.session.execute(
            sa.select(DuplicateGroup.id, DuplicateGroup.size)
            .where(DuplicateGroup.consultation_id == consultation_id)
            .order_by(DuplicateGroup.size.desc())
            .limit(1)
        ).one()
        db.session.commit()
        # The bare baseline: the largest group's answer written into each member's row (what
        # answering a group cost before a group's answer was stored once), rolled back.
        t0 = time.perf_counter()
        bare = db.session.execute(
            sa.text(
                "UPDATE comment SET disposition = 'not_adopted', disposition_reason = :r, "
                "disposed_by_id = :o WHERE duplicate_group_id = :g"
            ),
            {"r": answer["reason"], "o": officer.id, "g": largest.id},
        ).rowcount
        results["bare: the largest group's rows"] = {
            "updated": bare,
            "seconds": time.perf_counter() - t0,
            "commit_s": 0.0,
        }
        db.session.rollback()
        plans = {
            "largest group": lambda: services.answer_selection(
                consultation, {"group_id": largest.id}, answer, actor=officer
            ),
            "hotline, clause 3, unanswered": lambda: services.answer_selection(
                consultation,
                {"source": "hotline", "clause": 3, "state": "unanswered"},
                answer,
                actor=officer,
            ),
            "assign clause 3": lambda: services.assign_selection(
                consultation, {"clause": 3}, officer, actor=head
            ),
            "every comment": lambda: services.answer_selection(
                consultation, {"state": "unanswered"}, answer, actor=officer
            ),
        }
        for name, action in plans.items():
            t0 = time.perf_counter()
            updated = action()
            db.session.flush()
            seconds = time.perf_counter() - t0
            t1 = time.perf_counter()
            db.session.commit()
            commit_s = time.perf_counter() - t1
            results[name] = {"updated": updated, "seconds": seconds, "commit_s": commit_s}
            # Undo for the next measurement and size (not timed): the answers and the tally.
            db.session.execute(
                sa.text(
                    "UPDATE comment SET disposition = NULL, disposition_reason = NULL, "
                    "answer_draft = false, disposed_at = NULL, disposed_by_id = NULL, "
                    "assigned_to_id = NULL WHERE consultation_id = :c"
                ),
                {"c": consultation_id},
            )
            db.session.execute(
                sa.text(
                    "UPDATE duplicate_group SET disposition = NULL, disposition_reason = NULL, "
                    "answer_draft = false, disposed_at = NULL, disposed_by_id = NULL "
                    "WHERE consultation_id = :c"
                ),
                {"c": consultation_id},
            )
            db.session.execute(
                sa.text("DELETE FROM answer_progress WHERE consultation_id = :c"),
                {"c": consultation_id},
            )
            db.session.execute(
                sa.text(
                    "INSERT INTO answer_progress "
                    "(consultation_id, clause_key, assignee_key, comments, drafted, answered) "
                    "SELECT consultation_id, coalesce(clause_id, 0), 0, count(*), 0, 0 "
                    "FROM comment WHERE consultation_id = :c AND grouped_at IS NOT NULL "
                    "GROUP BY consultation_id, coalesce(clause_id, 0)"
                ),
                {"c": consultation_id},
            )
            db.session.commit()
        results["largest group"]["size"] = largest.size
    return results


def _high_water_mb() -> float:
    """The process's peak RSS since it started (VmHWM). Not getrusage's ru_maxrss: that one
    survives exec and so starts at the RSS of the parent that forked this probe."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _probe_export(consultation_id: int, fmt: str) -> dict:
    from consult import create_app

    app = create_app()
    client = app.test_client()
    before = _high_water_mb()
    t0 = time.perf_counter()
    response = client.get(
        f"/open-data/comments.{fmt}?consultation={consultation_id}", buffered=False
    )
    first = None
    size = 0
    for chunk in response.response:
        if first is None:
            first = time.perf_counter() - t0
        size += len(chunk)
    total = time.perf_counter() - t0
    response.close()
    peak = _high_water_mb()
    return {
        "first_bytes_s": first,
        "seconds": total,
        "mb": size / 1e6,
        "peak_rss_mb": peak,
        "rss_before_mb": before,
    }


def _probe_lag(consultation_id: int, count: int) -> dict:
    """API submissions through the application with the default grouping thread; the lag of
    each is read from the database (grouped_at − submitted_at)."""
    import sqlalchemy as sa

    from consult import create_app
    from consult.comments.models import Comment
    from consult.extensions import db

    app = create_app(COMMENT_GROUPING="thread")
    client = app.test_client()
    texts = Texts(99)
    receipts = []
    for _ in range(count):
        response = client.post(
            f"/api/v1/consultations/{consultation_id}/comments",
            json={
                "author_name": "居民",
                "body": texts.comment(),
                "consent": True,
                "show_name": False,
            },
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        receipts.append(response.get_json()["receipt"])
        time.sleep(0.02)
    deadline = time.monotonic() + 30
    with app.app_context():
        while time.monotonic() < deadline:
            rows = db.session.execute(
                sa.select(Comment.submitted_at, Comment.grouped_at).where(
                    Comment.receipt.in_(receipts)
                )
            ).all()
            db.session.rollback()
            if all(g is not None for _, g in rows):
                break
            time.sleep(0.1)
    lags = [(g - s).total_seconds() for s, g in rows if g is not None]
    return {
        "submitted": count,
        "grouped": len(lags),
        "p50_s": pct(lags, 0.5),
        "p95_s": pct(lags, 0.95),
        "max_s": max(lags) if lags else float("nan"),
    }


def probe(env: dict, what: str, *args) -> dict:
    out = subprocess.run(
        [str(VENV_BIN / "python"), str(Path(__file__).resolve()), "_probe", what, *map(str, args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if out.returncode != 0:
        (OUT / f"probe-{what}.stderr").write_text(out.stderr)
        raise RuntimeError(
            f"probe {what} failed (bench/out/probe-{what}.stderr):\n{out.stderr[-3000:]}"
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the feedback report, rendered by RQ workers ------------------------------------------------


def answer_and_request_report(consultation_id: int, version: int) -> int:
    """Every comment answered set-based, the feedback "published" and a report version
    requested (directly: the benchmark measures the report, not publish_feedback)."""
    import sqlalchemy as sa

    from consult.comments.models import Comment
    from consult.consultations.models import Consultation
    from consult.core.time import now_utc
    from consult.extensions import db
    from consult.feedback.models import FeedbackReport

    t0 = time.perf_counter()
    grouped = Comment.duplicate_group_id.is_not(None)
    own = sa.case(
        *[(Comment.id % len(REASONS) == i, reason) for i, reason in enumerate(REASONS)],
        else_=REASONS[0],
    )
    kind = sa.case(
        (Comment.id % 4 == 0, "partly_adopted"), (Comment.id % 4 == 1, "not_applicable"),
        else_="not_adopted",
    )  # fmt: skip
    db.session.execute(
        sa.update(Comment)
        .where(Comment.consultation_id == consultation_id, grouped)
        .values(
            disposition=sa.case(
                (Comment.duplicate_group_id % 3 == 0, "partly_adopted"), else_="not_adopted"
            ),
            disposition_reason="经研究，该联名意见涉及的设施予以保留，其余暂不采纳。",
        )
    )
    db.session.execute(
        sa.update(Comment)
        .where(Comment.consultation_id == consultation_id, ~grouped)
        .values(disposition=kind, disposition_reason=own)
    )
    now = now_utc()
    consultation = db.session.get(Consultation, consultation_id)
    consultation.feedback_summary = "根据公众意见，修改稿共调整条款十二处。"
    consultation.feedback_published_at = now
    report = FeedbackReport(
        consultation_id=consultation_id,
        version=version,
        status="pending",
        requested_at=now,
        correction_note="基准测试。" if version > 1 else None,
    )
    db.session.add(report)
    db.session.commit()
    log(f"    answered every comment set-based in {time.perf_counter() - t0:.1f} s")
    return report.id


def _tree_pss_kb(pids: list[int]) -> int:
    seen, total, todo = set(), 0, list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
    return total


def report_probe(env: dict, report_id: int, workers: int) -> dict:
    """The report rendered by `workers` real RQ workers (burst: they stop when the queue is
    empty); see the module docstring."""
    import threading

    from redis import Redis
    from rq import Queue

    from consult.core.transactions import read_phase
    from consult.extensions import db
    from consult.feedback.models import FeedbackReport

    queue_name = f"bench-reports-{secrets.token_hex(4)}"
    env = {
        **env,
        "REDIS_URL": REPORT_REDIS,
        "REPORT_QUEUE": queue_name,
        "REPORT_RENDERING": "rq",
    }
    redis = Redis.from_url(REPORT_REDIS)
    redis.flushdb()
    queue = Queue(queue_name, connection=redis)
    t0 = time.perf_counter()
    queue.enqueue("consult.jobs.report_plan_job", report_id, job_timeout=3600)
    OUT.mkdir(exist_ok=True)
    logs = open(OUT / f"report-workers-{queue_name}.log", "ab")  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [str(VENV_BIN / "rq"), "worker", "-w", "consult.jobs.ReportWorker", "--burst",
             "--url", REPORT_REDIS, queue_name],
            env=env, cwd=ROOT, stdout=logs, stderr=subprocess.STDOUT,
        )
        for _ in range(workers)
    ]  # fmt: skip
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.25):
            peak[0] = max(peak[0], _tree_pss_kb([p.pid for p in procs]))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu = 0.0
    # Burst workers stop when the queue is empty; the join is enqueued by the last part, so
    # a worker may stop before it: keep one running until the report is ready.
    while True:
        db.session.remove()
        with read_phase():  # (SQLite: BEGIN IMMEDIATE here would hold the workers' lock)
            status = db.session.get(FeedbackReport, report_id).status
        db.session.remove()
        if status in ("ready", "failed"):
            break
        for i, p in enumerate(procs):
            done = _reap(p, block=False)
            if done is not None:
                cpu += done
                procs[i] = subprocess.Popen(
                    [str(VENV_BIN / "rq"), "worker", "-w", "consult.jobs.ReportWorker", "--burst",
                     "--url", REPORT_REDIS, queue_name],
                    env=env, cwd=ROOT, stdout=logs, stderr=subprocess.STDOUT,
                )  # fmt: skip
        time.sleep(0.5)
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    for p in procs:
        cpu += _reap(p, block=True) or 0.0
    logs.close()
    report = db.session.get(FeedbackReport, report_id)
    parts = db.session.execute(
        __import__("sqlalchemy").text(
            "SELECT count(*), count(DISTINCT worker) FROM feedback_report_part WHERE report_id = :r"
        ),
        {"r": report_id},
    ).one()
    result = {
        "status": report.status,
        "error": report.error,
        "seconds": wall,
        "cpu_seconds": cpu,
        "pss_mb": peak[0] / 1024,
        "mb": (report.file.size / 1e6) if report.file else None,
        "pages": report.pages,
        "parts": parts[0],
        "horses": parts[1],
        "workers": workers,
    }
    redis.flushdb()
    return result


def _reap(p: subprocess.Popen, *, block: bool) -> float | None:
    """The CPU seconds of a worker that ended (with the work horses it waited for), or None
    while it runs. (os.wait4, not Popen.poll: poll would reap it without its rusage.)"""
    pid, _, usage = os.wait4(p.pid, 0 if block else os.WNOHANG)
    if pid == 0:
        return None
    p.returncode = 0
    return usage.ru_utime + usage.ru_stime


# --- one database ------------------------------------------------------------------------------


def run_database(kind: str, args, workdir: Path) -> dict:
    if kind == "sqlite":
        database = cs.SqliteDatabase(workdir)
    else:
        database = cs.PostgresDatabase(args.pg_url, args.pg_db)
    database.prepare()
    instance = workdir / f"instance-{kind}"
    instance.mkdir(exist_ok=True)
    env = app_env(database.url, instance)
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "consult", "db", "upgrade"],
        env=env, cwd=ROOT, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    os.environ.update(env)
    from consult import create_app

    app = create_app()
    results = {"database": kind, "sizes": []}
    try:
        with app.app_context():
            consultation_id = open_consultation()
            builder = Builder(consultation_id, args.seed)
            baseline = None
            for version, size in enumerate(args.sizes, start=1):
                log(f"[{kind}] growing to {size:,} comments")
                calls = builder.grow(size, bulk=args.fill == "bulk")
                row = {"size": size, "import": calls}
                if args.answering_only:
                    row["shape"] = builder.shape()
                    builder.db.session.commit()  # (SQLite: the probes need the write lock)
                    if kind == "postgres" and not args.no_vacuum:
                        row["vacuum_s"] = vacuum(builder.db.engine)
                    row["workspace"] = probe(env, "workspace", consultation_id)
                    row["answers"] = probe(env, "answers", consultation_id)
                    results["sizes"].append(row)
                    log(answering_line(kind, row))
                    continue
                if args.report_only:
                    builder.db.session.commit()
                    if kind == "postgres" and not args.no_vacuum:
                        row["vacuum_s"] = vacuum(builder.db.engine)
                    report_id = answer_and_request_report(consultation_id, version)
                    row["report"] = report_probe(env, report_id, args.report_workers)
                    row["shape"] = builder.shape()
                    results["sizes"].append(row)
                    log(report_line(kind, row))
                    continue
                row["submission"] = builder.submissions(args.probes)
                baseline = baseline or row["submission"]["p50_ms"]
                row["submission"]["ratio_to_first_size"] = row["submission"]["p50_ms"] / baseline
                row.update(builder.recall(args.probes))
                row.update(builder.false_grouping(args.probes))
                row["shape"] = builder.shape()
                # (SQLite: outside a request every transaction takes the write lock at once,
                # reads too; the probes' processes need it.)
                builder.db.session.commit()
                if kind == "postgres" and not args.no_vacuum:
                    row["vacuum_s"] = vacuum(builder.db.engine)
                    log(f"    VACUUM (ANALYZE) in {row['vacuum_s']:.1f} s")
                row["pages"] = probe(env, "pages", consultation_id)
                row["export_csv"] = probe(env, "export", consultation_id, "csv")
                row["export_json"] = probe(env, "export", consultation_id, "json")
                row["lag"] = probe(env, "lag", consultation_id, args.lag_probes)
                row["workspace"] = probe(env, "workspace", consultation_id)
                row["answers"] = probe(env, "answers", consultation_id)
                builder.size = builder.stored()  # the probes' own comments count too
                if args.report:
                    report_id = answer_and_request_report(consultation_id, version)
                    row["report"] = report_probe(env, report_id, args.report_workers)
                    log(report_line(kind, row))
                results["sizes"].append(row)
                log(summary_line(kind, row))
    finally:
        from consult.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if not args.keep:
            database.drop()
    return results


def vacuum(engine) -> float:
    """What autovacuum does on a production PostgreSQL after a large import: the visibility
    map lets the pages' index-only scans skip the table (this machine's PostgreSQL runs with
    autovacuum off, so without it the deep pages read a million heap tuples)."""
    t0 = time.monotonic()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
    return time.monotonic() - t0


def summary_line(kind: str, row: dict) -> str:
    imp = row["import"]
    rate = sum(c["records"] for c in imp) / sum(c["seconds"] for c in imp) if imp else 0
    pages = ", ".join(f"{k} p95 {v['p95_ms']:.0f}" for k, v in row["pages"].items())
    return (
        f"  [{kind}] {row['size']:,}: import {rate:,.0f}/s; submission p50 "
        f"{row['submission']['p50_ms']:.1f} ms p90 {row['submission']['p90_ms']:.1f} ms; exact "
        f"{row['exact_recall']:.1%}, near {row['near_recall']:.1%}; false grouping "
        f"{row['false_grouping']:.1%}; lag p95 {row['lag']['p95_s']:.2f} s; pages (ms) {pages}; "
        f"CSV first bytes {row['export_csv']['first_bytes_s']:.2f} s, "
        f"{row['export_csv']['seconds']:.1f} s, RSS {row['export_csv']['peak_rss_mb']:.0f} MB"
    )


def answering_line(kind: str, row: dict) -> str:
    pages = ", ".join(f"{k} {v['p95_ms']:.0f}" for k, v in row["workspace"].items())
    answers = ", ".join(
        f"{k} {v['updated']:,} in {v['seconds']:.2f} s" for k, v in row["answers"].items()
    )
    return f"  [{kind}] {row['size']:,}: workspace p95 (ms) {pages}; answers: {answers}"


def answering_report(all_results: list[dict]) -> list[str]:
    lines = []
    for res in all_results:
        if not any("workspace" in row for row in res["sizes"]):
            continue
        lines.append(f"\n=== {res['database']}: the feedback workspace and set-based answers ===")
        for row in res["sizes"]:
            if "workspace" not in row:
                continue
            lines.append(f"{row['size']:,} comments ({row['shape']['groups']:,} groups):")
            for name, t in row["workspace"].items():
                lines.append(
                    f"  page {name:<32} p50 {t['p50_ms']:7.1f} ms  p95 {t['p95_ms']:7.1f} ms"
                    f"  max {t['max_ms']:7.1f} ms"
                )
            for name, t in row["answers"].items():
                lines.append(
                    f"  {name:<37} {t['updated']:>9,} comments in {t['seconds']:6.2f} s"
                    f" (+ commit {t['commit_s']:.2f} s)"
                )
    return lines


def answering_checks(res: dict, verdict) -> None:
    for row in res["sizes"]:
        size = f"[{res['database']}] {row['size']:,}"
        for name, page in row.get("workspace", {}).items():
            verdict(
                page["p95_ms"] <= GOALS["workspace_p95_ms"],
                f"{size}: workspace {name} p95 {page['p95_ms']:.0f} ms (goal ≤ 300 ms)",
            )
        for name, t in row.get("answers", {}).items():
            if name.startswith("bare"):
                continue  # the baseline, not a goal
            total = t["seconds"] + t["commit_s"]
            verdict(
                total <= GOALS["answer_group_s"],
                f"{size}: answer/assign {name} ({t['updated']:,}) {total:.1f} s (goal ≤ 10 s)",
            )


def report_line(kind: str, row: dict) -> str:
    r = row["report"]
    return (
        f"  [{kind}] {row['size']:,}: report {r['status']} in {r['seconds']:.0f} s "
        f"({r['cpu_seconds']:.0f} CPU s, {r['workers']} rq workers, {r['parts']} parts by "
        f"{r['horses']} work horses), peak PSS {r['pss_mb']:.0f} MB, {r['mb'] or 0:.1f} MB, "
        f"{r['pages']} pages" + (f"; {r['error']}" if r["error"] else "")
    )


def report(all_results: list[dict]) -> list[str]:
    lines = answering_report(all_results)
    for res in all_results:
        if any("report" in row for row in res["sizes"]):
            lines.append(f"\n=== {res['database']}: feedback report, rq workers ===")
            lines.extend(report_line(res["database"], r) for r in res["sizes"] if "report" in r)
        if any("pages" not in row for row in res["sizes"]):
            continue
        kind = res["database"]
        lines.append(f"\n=== {kind} ===")
        lines.append(
            "size       import/s  100k s  sub p50  sub p90  ×1k   exact   near   false  lag p95"
        )
        for row in res["sizes"]:
            imp = row["import"]
            rate = sum(c["records"] for c in imp) / sum(c["seconds"] for c in imp)
            chunk = max((c["seconds"] * CHUNK / c["records"] for c in imp), default=0)
            lines.append(
                f"{row['size']:<10,} {rate:8,.0f} {chunk:7.1f} {row['submission']['p50_ms']:8.1f}"
                f" {row['submission']['p90_ms']:8.1f} {row['submission']['ratio_to_first_size']:5.2f}"
                f" {row['exact_recall']:7.1%} {row['near_recall']:6.1%}"
                f" {row['false_grouping']:6.1%} {row['lag']['p95_s']:7.2f}s"
            )
        lines.append("page times, p95 ms (p50):")
        names = list(res["sizes"][0]["pages"])
        lines.append("size       " + "  ".join(f"{n:>20}" for n in names))
        for row in res["sizes"]:
            cells = [
                f"{row['pages'][n]['p95_ms']:8.1f} ({row['pages'][n]['p50_ms']:6.1f})"
                for n in names
            ]
            lines.append(f"{row['size']:<10,} " + "  ".join(f"{c:>20}" for c in cells))
        lines.append("exports: first bytes / whole / size / peak RSS; shape")
        for row in res["sizes"]:
            e, j, sh = row["export_csv"], row["export_json"], row["shape"]
            lines.append(
                f"{row['size']:<10,} CSV {e['first_bytes_s']:.2f} s / {e['seconds']:.1f} s / "
                f"{e['mb']:.0f} MB / {e['peak_rss_mb']:.0f} MB; JSON {j['first_bytes_s']:.2f} s / "
                f"{j['seconds']:.1f} s / {j['mb']:.0f} MB / {j['peak_rss_mb']:.0f} MB; "
                f"{sh['distinct_texts']:,} texts, {sh['band_keys']:,} band keys, "
                f"{sh['groups']:,} groups (largest {sh['largest_groups'][:3]})"
            )
    return lines


def checks(all_results: list[dict]) -> list[str]:
    lines = []

    def verdict(ok: bool, text: str) -> None:
        lines.append(f"{'PASS' if ok else 'FAIL'}  {text}")

    for res in all_results:
        kind = res["database"]
        answering_checks(res, verdict)
        if "submission" not in res["sizes"][0]:
            continue
        for row in res["sizes"]:
            size = f"[{kind}] {row['size']:,}"
            if "report" in row:
                r = row["report"]
                if row["size"] >= 1_000_000:
                    verdict(
                        r["seconds"] <= GOALS["report_1m_s"],
                        f"{size}: report in {r['seconds']:.0f} s (goal ≤ 600 s on 2 cores)",
                    )
                verdict(
                    r["pss_mb"] <= GOALS["report_pss_mb"],
                    f"{size}: report PSS {r['pss_mb']:.0f} MB (goal ≤ 1 GB)",
                )
            if "pages" not in row:
                continue
            verdict(
                row["exact_recall"] >= GOALS["exact_recall"],
                f"{size}: exact copies grouped {row['exact_recall']:.1%} (goal 100%)",
            )
            verdict(
                row["near_recall"] >= GOALS["near_recall"],
                f"{size}: near copies grouped {row['near_recall']:.1%} (goal ≥ 95%)",
            )
            verdict(
                row["false_grouping"] <= GOALS["false_grouping"],
                f"{size}: groups with unrelated members {row['false_grouping']:.1%} (goal ≤ 1%)",
            )
            verdict(
                row["lag"]["max_s"] <= GOALS["lag_s"],
                f"{size}: grouping lag max {row['lag']['max_s']:.2f} s (goal ≤ 5 s)",
            )
            for name, page in row["pages"].items():
                verdict(
                    page["p95_ms"] <= GOALS["page_p95_ms"],
                    f"{size}: {name} p95 {page['p95_ms']:.0f} ms (goal ≤ 150 ms)",
                )
            for fmt in ("csv", "json"):
                e = row[f"export_{fmt}"]
                verdict(
                    e["first_bytes_s"] <= GOALS["first_bytes_s"],
                    f"{size}: {fmt} first bytes {e['first_bytes_s']:.2f} s (goal ≤ 1 s)",
                )
                verdict(
                    e["peak_rss_mb"] <= GOALS["export_rss_mb"],
                    f"{size}: {fmt} export peak RSS {e['peak_rss_mb']:.0f} MB (goal ≤ 200 MB)",
                )
            for call in row["import"]:
                if call["records"] == CHUNK:
                    verdict(
                        call["seconds"] <= GOALS["import_100k_s"],
                        f"{size}: import of 100,000 records {call['seconds']:.0f} s (goal ≤ 120 s)",
                    )
        last = res["sizes"][-1]
        if "submission" not in last:
            continue
        verdict(
            last["submission"]["ratio_to_first_size"] <= GOALS["submission_ratio"],
            f"[{kind}] submission p50 at {last['size']:,} = {last['submission']['ratio_to_first_size']:.2f} × p50 at {res['sizes'][0]['size']:,} (goal ≤ 1.5)",
        )
    return lines


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "_probe":
        what, rest = sys.argv[2], sys.argv[3:]
        with contextlib.redirect_stdout(io.StringIO()):
            if what == "pages":
                result = _probe_pages(int(rest[0]))
            elif what == "export":
                result = _probe_export(int(rest[0]), rest[1])
            elif what == "workspace":
                result = _probe_workspace(int(rest[0]))
            elif what == "answers":
                result = _probe_answers(int(rest[0]))
            else:
                result = _probe_lag(int(rest[0]), int(rest[1]))
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument(
        "--probes", type=int, default=200, help="submissions / recall probes / groups"
    )
    parser.add_argument("--lag-probes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT))
    parser.add_argument("--pg-db", default="consult_scale")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="PostgreSQL: measure the pages right after the import, before any VACUUM",
    )
    parser.add_argument(
        "--answering-only",
        action="store_true",
        help="measure only the feedback workspace and the set-based answers",
    )
    parser.add_argument(
        "--report",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="render the feedback report with RQ workers at each size (needs Redis)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="only grow the consultation and render the report (no page or export probes)",
    )
    parser.add_argument("--report-workers", type=int, default=2)
    parser.add_argument(
        "--fill",
        choices=("import", "bulk"),
        default="import",
        help="grow through import_comments (default), or write the rows set-based (Builder.fill)",
    )
    parser.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    OUT.mkdir(exist_ok=True)
    started = datetime.now(UTC)
    log(
        f"Scale benchmark {started:%Y-%m-%d %H:%M} UTC: one consultation grown to "
        f"{', '.join(f'{s:,}' for s in args.sizes)} comments "
        f"{'through import_comments' if args.fill == 'import' else 'written set-based (--fill bulk)'} "
        f"({CAMPAIGN_SHARE:.0%} copies of five campaigns, half of them varied); {os.cpu_count()} cores."
    )
    workdir = Path(tempfile.mkdtemp(prefix="consult-scale-"))
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = []
    try:
        for kind in kinds:
            # Each database in a process of its own: the application binds one database.
            if len(kinds) > 1:
                out = subprocess.run(
                    [sys.executable, __file__, "--db", kind, "--sizes", ",".join(map(str, args.sizes)),
                     "--probes", str(args.probes), "--lag-probes", str(args.lag_probes),
                     "--seed", str(args.seed), "--pg-url", args.pg_url, "--pg-db", args.pg_db,
                     *(["--keep"] if args.keep else []),
                     *(["--no-vacuum"] if args.no_vacuum else []),
                     *(["--answering-only"] if args.answering_only else []),
                     *([] if args.report else ["--no-report"]),
                     *(["--report-only"] if args.report_only else []),
                     "--report-workers", str(args.report_workers), "--fill", args.fill,
                     "--json-only"],
                    cwd=ROOT, capture_output=True, text=True, check=False,
                )  # fmt: skip
                print(out.stderr, end="", file=sys.stderr)
                lines = out.stdout.strip().splitlines()
                for line in lines[:-1]:
                    log(line)
                results.append(json.loads(lines[-1]))
            else:
                results.append(run_database(kind, args, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json_only:
        print(json.dumps(results[0], default=str))
        return
    for line in report(results) + [""] + checks(results):
        log(line)
    path = OUT / f"scale-{started:%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    log(f"\nresults in {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
