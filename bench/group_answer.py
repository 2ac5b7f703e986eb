"""A 900,000-comment group answered at once: the set-based answer of issue 14 at a million
comments, on SQLite and PostgreSQL, beside a bare baseline in the same run.

    .venv/bin/python bench/group_answer.py                      # both databases, 1,000,000
    .venv/bin/python bench/group_answer.py --db sqlite --size 100000

Each database gets a fresh consultation (through the services, as `bench/scale.py` opens it)
and then, set-based, `--size` comments: `--group-share` (90 %) are copies of one campaign
letter, stored as one duplicate group, the rest residents' own comments, 60 % of all on a
clause, 10 % from the hotline; the comment counts and the answer-progress tally are filled as
the grouping would leave them. (Growing a million comments through `import_comments` takes an
hour here: `bench/scale.py` measures that path; this benchmark measures what comes after.)

Then, each timed with its commit:
- **bare**: the UPDATE that writes the answer into each member's row (what answering a group
  cost before the group's answer was stored once), rolled back;
- **group answered**: `answer_selection({"group_id": G})`;
- **rest of the group, drafted**, then **the group's draft confirmed**: `answer_selection`
  with `state: unanswered` and `draft: true`, then `confirm_drafts({"group_id": G})`;
- **a filter across groups**: the unanswered hotline comments on clause 3 answered (rows);
- the reads that follow: a member's receipt record, the workspace's first page, its page of
  unanswered comments, and its groups page (each the median of 20).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import comment_submission as cs  # noqa: E402
import scale  # noqa: E402

ANSWER = {"disposition": "not_adopted", "reason": "本条意见将在实施细则中统一研究，暂不采纳。"}
CAMPAIGN = (
    "我们坚决反对在小区东侧新建机动车停车位，这将挤占居民休闲绿地，"
    "请保留现有绿化并优先改造地下车库。"
)

_NUMBERS = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :size) ",
    "postgresql": "WITH n(i) AS (SELECT generate_series(1, :size)) ",
}
_AT = {
    "sqlite": "datetime(:opens, '+' || (i % 2000000) || ' seconds')",
    "postgresql": "CAST(:opens AS timestamptz) + (i % 2000000) * interval '1 second'",
}


def _fill(consultation_id: int, size: int, share: float) -> dict:
    """The comments, their group, the counts and the tally, set-based."""
    import sqlalchemy as sa

    from consult.comments.models import DuplicateGroup
    from consult.consultations.models import Clause
    from consult.consultations.models import Consultation
    from consult.extensions import db

    dialect = db.engine.dialect.name
    consultation = db.session.get(Consultation, consultation_id)
    clause3 = db.session.scalar(
        sa.select(Clause.id).where(Clause.consultation_id == consultation_id, Clause.number == 3)
    )
    group = DuplicateGroup(consultation_id=consultation_id, size=0, published=0)
    db.session.add(group)
    db.session.flush()
    every = max(2, round(1 / (1 - share)))  # one in `every` is a resident's own comment
    opens = consultation.opens_at.replace(tzinfo=None).isoformat(sep=" ")
    db.session.execute(
        sa.text(
            _NUMBERS[dialect]
            + "INSERT INTO comment (consultation_id, clause_id, receipt, source, author_name, "
            "show_name, body, consent, submitted_at, status, grouped_at, duplicate_group_id, "
            "answer_draft) SELECT :c, CASE WHEN i % 7 < 4 THEN :clause END, 'BN-' || i, "
            "CASE WHEN i % 10 = 3 THEN 'hotline' ELSE 'online' END, '居民', false, "
            "CASE WHEN i % :every = 0 THEN '建议第' || (i % 7 + 1) || '条明确停车收费标准，第' "
            "|| i || '号意见。' ELSE :campaign END, true, "
            + _AT[dialect]
            + ", 'published', "
            + _AT[dialect]
            + ", CASE WHEN i % :every = 0 THEN NULL ELSE :g END, false FROM n"
        ),
        {
            "size": size,
            "c": consultation_id,
            "clause": clause3,
            "every": every,
            "campaign": CAMPAIGN,
            "g": group.id,
            "opens": opens,
        },
    )
    members = db.session.scalar(
        sa.text("SELECT count(*) FROM comment WHERE duplicate_group_id = :g"), {"g": group.id}
    )
    group.size = group.published = members
    db.session.execute(
        sa.text(
            "INSERT INTO comment_tally (consultation_id, comments, published, hidden) "
            "VALUES (:c, :n, :n, 0)"
        ),
        {"c": consultation_id, "n": size},
    )
    db.session.execute(
        sa.text(
            "INSERT INTO answer_progress (consultation_id, clause_key, assignee_key, comments, "
            "drafted, answered) SELECT consultation_id, coalesce(clause_id, 0), 0, count(*), 0, 0 "
            "FROM comment WHERE consultation_id = :c GROUP BY consultation_id, coalesce(clause_id, 0)"
        ),
        {"c": consultation_id},
    )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE" if dialect == "sqlite" else "VACUUM ANALYZE"))
    return {"group_id": group.id, "members": members}


def _timed(action) -> dict:
    from consult.extensions import db

    t0 = time.perf_counter()
    updated = action()
    db.session.commit()
    return {"updated": updated, "seconds": time.perf_counter() - t0}


def _median_ms(action, runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        action()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def measure(consultation_id: int, group_id: int) -> dict:
    import sqlalchemy as sa

    from consult.accounts.models import User
    from consult.comments.models import Comment
    from consult.comments.models import DuplicateGroup
    from consult.comments.services import receipt_record
    from consult.consultations.models import Consultation
    from consult.extensions import db
    from consult.feedback import selection
    from consult.feedback import services

    consultation = db.session.get(Consultation, consultation_id)
    officer = db.session.scalar(sa.select(User).where(User.email == scale.OFFICERS[1]))
    out: dict = {}

    # bare: each member's row written, then rolled back
    t0 = time.perf_counter()
    bare = db.session.execute(
        sa.update(Comment)
        .where(Comment.duplicate_group_id == group_id)
        .values(
            disposition=ANSWER["disposition"],
            disposition_reason=ANSWER["reason"],
            disposed_at=datetime.now(UTC),
            disposed_by_id=officer.id,
        )
    ).rowcount
    db.session.flush()
    out["bare"] = {"updated": bare, "seconds": time.perf_counter() - t0}
    db.session.rollback()

    group = {"group_id": group_id}
    rest = {"group_id": group_id, "state": "unanswered"}
    out["group answered"] = _timed(
        lambda: services.answer_selection(consultation, group, ANSWER, actor=officer)
    )
    receipt = db.session.scalar(
        sa.select(Comment.receipt).where(Comment.duplicate_group_id == group_id).limit(1)
    )

    def read_receipt():
        db.session.expire_all()
        receipt_record(db.session.scalar(sa.select(Comment).where(Comment.receipt == receipt)))

    out["receipt_ms"] = _median_ms(read_receipt)
    first = selection.parse({}, consultation)
    unanswered = selection.parse({"state": "unanswered"}, consultation)
    out["workspace_first_ms"] = _median_ms(lambda: selection.comments_page(consultation, first))
    out["workspace_unanswered_ms"] = _median_ms(
        lambda: selection.comments_page(consultation, unanswered)
    )
    out["groups_page_ms"] = _median_ms(lambda: selection.groups_page(consultation))
    page = selection.comments_page(consultation, unanswered)
    out["unanswered_page"] = {"listed": len(page.comments), "scanned_to": page.scanned_to}

    # undo (not timed): the group's answer and the tally
    db.session.execute(
        sa.update(DuplicateGroup)
        .where(DuplicateGroup.id == group_id)
        .values(disposition=None, disposition_reason=None, disposed_at=None, disposed_by_id=None)
    )
    db.session.execute(
        sa.text("UPDATE answer_progress SET drafted = 0, answered = 0 WHERE consultation_id = :c"),
        {"c": consultation_id},
    )
    db.session.commit()

    out["hotline, clause 3, unanswered"] = _timed(
        lambda: services.answer_selection(
            consultation,
            {"source": "hotline", "clause": 3, "state": "unanswered"},
            ANSWER,
            actor=officer,
        )
    )
    out["rest drafted"] = _timed(
        lambda: services.answer_selection(
            consultation, rest, ANSWER | {"draft": True}, actor=officer
        )
    )
    out["group draft confirmed"] = _timed(
        lambda: services.confirm_drafts(consultation, group, actor=officer)
    )
    return out


def run(kind: str, size: int, share: float, pg_url: str, pg_db: str) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="consult-group-answer-"))
    database = (
        cs.SqliteDatabase(workdir) if kind == "sqlite" else cs.PostgresDatabase(pg_url, pg_db)
    )
    database.prepare()
    env = scale.app_env(database.url, workdir / "instance")
    (workdir / "instance").mkdir(exist_ok=True)
    subprocess.run(
        [str(scale.VENV_BIN / "flask"), "--app", "consult", "db", "upgrade"],
        env=env, cwd=ROOT, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    os.environ.update(env)
    from consult import create_app
    from consult.extensions import db

    app = create_app()
    try:
        with app.app_context():
            consultation_id = scale.open_consultation()
            t0 = time.perf_counter()
            shape = _fill(consultation_id, size, share)
            shape["fill_s"] = time.perf_counter() - t0
            print(f"[{kind}] {size:,} comments, a group of {shape['members']:,}", file=sys.stderr)
            return {
                "database": kind,
                "size": size,
                **shape,
                **measure(consultation_id, shape["group_id"]),
            }
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--group-share", type=float, default=0.9)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", scale.PG_DEFAULT))
    parser.add_argument("--pg-db", default="consult_group_answer")
    parser.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json_only:
        print(json.dumps(run(args.db, args.size, args.group_share, args.pg_url, args.pg_db)))
        return
    results = []
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        # one process per database: the application binds one
        out = subprocess.run(
            [sys.executable, __file__, "--db", kind, "--size", str(args.size),
             "--group-share", str(args.group_share), "--pg-url", args.pg_url,
             "--pg-db", args.pg_db, "--json-only"],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        print(out.stderr, end="", file=sys.stderr)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    load = os.getloadavg()[0]
    print(
        f"group_answer.py {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load {load:.1f}"
    )
    for r in results:
        print(f"\n{r['database']}: {r['size']:,} comments, one group of {r['members']:,} "
              f"(filled in {r['fill_s']:.0f} s)")  # fmt: skip
        bare = r["bare"]["seconds"]
        for name in ("bare", "group answered", "rest drafted", "group draft confirmed",
                     "hotline, clause 3, unanswered"):  # fmt: skip
            step = r[name]
            print(f"  {name:32} {step['updated']:>9,} comments {step['seconds']:7.2f} s"
                  f"  ({step['seconds'] / bare:.3f} × bare)")  # fmt: skip
        print(f"  a member's receipt record        {r['receipt_ms']:7.2f} ms")
        print(f"  workspace: first page            {r['workspace_first_ms']:7.1f} ms")
        print(f"  workspace: unanswered            {r['workspace_unanswered_ms']:7.1f} ms "
              f"({r['unanswered_page']['listed']} listed, looked to #{r['unanswered_page']['scanned_to']})")  # fmt: skip
        print(f"  workspace: groups page           {r['groups_page_ms']:7.1f} ms")
    goal = all(r["group answered"]["seconds"] <= 10 for r in results)
    print(
        f"\n{'MET' if goal else 'NOT MET'}: a {results[0]['members']:,}-comment group answered in ≤ 10 s"
    )


if __name__ == "__main__":
    main()
