"""Benchmark: a 100,000-row file of comments imported in the browser's way (comments.imports).

Prints figures; it is not a test. For each file format (CSV in UTF-8, CSV in GB18030 as
Chinese Excel saves it, XLSX) and database (SQLite in a temporary folder; PostgreSQL
`consult_import_bench` on 127.0.0.1:5432, created here and dropped at the end) it

1. migrates a scratch database with `flask db upgrade` and opens a consultation (a 45-day
   window, 29 days of it gone) through the services, with one officer of its department;
2. writes the file: hotline records, letters and the mailbox (60/25/15 %), with
   bench/scale.py's texts (90 % copies of five campaign letters, half of them with a personal
   opening or closing; 10 % the residents' own), names, a contact for 30 %, times within the
   window in Beijing time;
3. in a fresh process (as a worker would run it) measures each step, with the process's CPU
   seconds and its peak RSS (VmHWM) after the step:
   - upload: what the request does (`imports.start_import`: the content's kind, decoding,
     the header; the file into the storage);
   - check: the check job (`imports.run_job` while "checking": every row read and checked,
     progress written every 5,000 rows);
   - import: the go-ahead and the import job (`imports.run_job` while "importing": every row
     read again and stored through `services.import_comments`, grouping included, one
     transaction).

    .venv/bin/python bench/import_comments.py                        # 100,000 rows, SQLite
    .venv/bin/python bench/import_comments.py --db both --formats csv,gb18030,xlsx
    .venv/bin/python bench/import_comments.py --rows 10000

Results: one line per format and database (rows/s by the clock, and rows per CPU second of the
measuring process: on a shared machine the second is the figure to compare; the database's
own CPU, PostgreSQL's backend, is not in it), and JSON in
bench/out/import_comments-<time>.json (git-ignored).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import comment_submission as cs  # noqa: E402  (the databases)
import scale  # noqa: E402  (the texts, the consultation, the app's environment)

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432"
SOURCES = (("12345热线", 60), ("来信", 25), ("意见箱", 15))
HEADER = ["渠道 source", "收到时间", "姓名", "公开署名", "联系方式", "意见内容 body"]
OFFICER = "officer@import-bench.example"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def write_file(path: Path, fmt: str, rows: int, opens_at: datetime, seed: int) -> int:
    """The file of `rows` comments; returns its size in bytes."""
    texts = scale.Texts(seed)
    rnd = random.Random(seed + 2)
    zone = ZoneInfo("Asia/Shanghai")
    # Whole minutes (as a hotline writes them) from a minute after the opening to an hour ago.
    opens_at += timedelta(minutes=1)
    span = (datetime.now(zone) - opens_at) - timedelta(hours=1)
    names, weights = zip(*SOURCES, strict=True)

    def row() -> list[str]:
        at = (opens_at + span * rnd.random()).astimezone(zone)
        return [
            rnd.choices(names, weights=weights)[0],
            at.strftime("%Y-%m-%d %H:%M"),
            texts.gen.name(),
            "是" if rnd.random() < 0.4 else "否",
            f"139{rnd.randint(10_000_000, 99_999_999)}" if rnd.random() < 0.3 else "",
            texts.comment(),
        ]

    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("意见")
        sheet.append(HEADER)
        for _ in range(rows):
            sheet.append(row())
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8" if fmt == "csv" else "gb18030", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            for _ in range(rows):
                writer.writerow(row())
    return path.stat().st_size


# --- in the measuring process ----------------------------------------------------------------


def _high_water_mb() -> float:
    return scale._high_water_mb()


def _step(name: str, action) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return {
        "step": name,
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "peak_rss_mb": _high_water_mb(),
    }


def _measure(consultation_id: int, path: str) -> dict:
    """One file through the three steps, in this (fresh) process."""
    import sqlalchemy as sa

    from consult import create_app
    from consult.accounts.models import User
    from consult.comments import imports
    from consult.comments.models import Comment
    from consult.comments.models import CommentImport
    from consult.consultations.models import Consultation
    from consult.extensions import db

    app = create_app()
    steps = []
    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.email == OFFICER))
        consultation = db.session.get(Consultation, consultation_id)
        data = Path(path).read_bytes()
        found: dict = {}

        def upload() -> None:
            found["upload"] = imports.start_import(
                consultation, Path(path).name, data, default_source=None, actor=officer
            )
            db.session.commit()
            found["id"], found["attempt"] = found["upload"].id, found["upload"].attempt

        steps.append(_step("upload", upload))
        steps.append(_step("check", lambda: imports.run_job(found["id"], found["attempt"])))
        row = db.session.get(CommentImport, found["id"])
        if row.status != "checked":
            raise SystemExit(f"the check refused the file: {row.errors[:3]}")
        rows = row.rows_total

        def go_ahead() -> None:
            upload = db.session.get(CommentImport, found["id"])
            imports.confirm_import(upload, actor=officer)
            db.session.commit()
            imports.run_job(upload.id, upload.attempt)

        steps.append(_step("import", go_ahead))
        db.session.expire_all()
        row = db.session.get(CommentImport, found["id"])
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Comment))
        if row.status != "imported" or stored != rows:
            raise SystemExit(f"the import did not store the file: {row.status}, {stored}")
    for step in steps:
        step["rows_per_s"] = rows / step["wall_s"]
    return {"rows": rows, "steps": steps}


def _setup() -> dict:
    from consult import create_app
    from consult.accounts import services as accounts
    from consult.accounts.models import SYSTEM
    from consult.consultations.models import Consultation
    from consult.extensions import db

    app = create_app()
    with app.app_context():
        consultation_id = scale.open_consultation()
        consultation = db.session.get(Consultation, consultation_id)
        accounts.create_user(
            {
                "email": OFFICER,
                "display_name": "住建局王科长",
                "password": "import-bench-password",
                "role": "officer",
                "department_id": consultation.matter.department_id,
            },
            actor=SYSTEM,
        )
        db.session.commit()
        return {"consultation_id": consultation_id, "opens_at": consultation.opens_at.isoformat()}


def _in_process(env: dict, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "_probe", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=7200,
    )
    if out.returncode != 0:
        raise RuntimeError(f"probe {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- one run ---------------------------------------------------------------------------------


def run(kind: str, fmt: str, args, workdir: Path) -> dict:
    if kind == "sqlite":
        database = cs.SqliteDatabase(workdir / f"{fmt}")
    else:
        database = cs.PostgresDatabase(args.pg_url, args.pg_db)
    database.prepare()
    instance = workdir / f"instance-{kind}-{fmt}"
    instance.mkdir(exist_ok=True)
    env = scale.app_env(database.url, instance)
    env["PYTHONPATH"] = str(ROOT)
    try:
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "consult", "db", "upgrade"],
            env=env, cwd=ROOT, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        made = _in_process(env, "setup")
        path = workdir / f"comments-{fmt}.{'xlsx' if fmt == 'xlsx' else 'csv'}"
        size = write_file(path, fmt, args.rows, datetime.fromisoformat(made["opens_at"]), args.seed)
        log(f"[{kind} {fmt}] {args.rows:,} rows, {size / 1e6:.1f} MB")
        result = _in_process(env, "measure", str(made["consultation_id"]), str(path))
        result.update(database=kind, format=fmt, bytes=size)
        return result
    finally:
        if not args.keep:
            database.drop()


def line(result: dict) -> str:
    parts = [
        f"{result['database']:8} {result['format']:7} {result['rows']:>8,} rows "
        f"{result['bytes'] / 1e6:5.1f} MB"
    ]
    for step in result["steps"]:
        parts.append(
            f"{step['step']} {step['wall_s']:6.1f} s ({step['rows_per_s']:>8,.0f} rows/s), "
            f"CPU {step['cpu_s']:5.1f} s ({result['rows'] / max(step['cpu_s'], 1e-3):>8,.0f} "
            "rows/CPU-s)"
        )
    parts.append(f"peak RSS {max(s['peak_rss_mb'] for s in result['steps']):,.0f} MB")
    return " | ".join(parts)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_probe":
        what, rest = sys.argv[2], sys.argv[3:]
        result = _setup() if what == "setup" else _measure(int(rest[0]), rest[1])
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--pg-db", default="consult_import_bench")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results = []
    with tempfile.TemporaryDirectory(prefix="consult-import-bench-") as tmp:
        for kind in kinds:
            for fmt in args.formats.split(","):
                results.append(run(kind, fmt, args, Path(tmp)))
                print(line(results[-1]), flush=True)
    OUT.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (OUT / f"import_comments-{stamp}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
