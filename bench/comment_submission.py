"""Benchmark: comment submission through gunicorn, on SQLite and PostgreSQL.

Prints figures; it is not a test. For each database it

1. creates a scratch database (SQLite: a temporary folder; PostgreSQL: `consult_bench` on
   127.0.0.1:5432, created here and dropped at the end; never `test`), migrates it with
   `flask db upgrade` *before* gunicorn starts, and creates a department, an officer, a
   published decision matter and an open consultation with clauses through the services;
2. starts the application and the bare baseline (bench/bare_app.py: plain Flask, one table,
   one INSERT) under the same gunicorn settings (2 sync workers by default);
3. drives each endpoint with wrk on loopback at 4 and 16 connections (one wrk thread per
   connection, a short warm-up, then the measured run):
     bare  POST /bare/comments                      the ceiling
     form  POST /consultations/<id>/comments        browser form: multipart, session cookie +
                                                     CSRF token per connection, 303 → receipt
     api   POST /api/v1/consultations/<id>/comments JSON, 201 {"receipt": ...}
   Every request carries a different Chinese comment (50-300 characters); ~10% are copies of
   five form-letter campaigns (8% varied near-duplicates, 2% verbatim) so the duplicate-group
   path runs too. Rate limiting stays on (Flask-Limiter, memory storage per worker) with
   COMMENT_RATE_LIMIT raised so the benchmark itself is not limited;
4. after each run checks that every receipt returned is in the database (exact set), and
   prints a table per database with PASS/FAIL against the goals of issue #10:
     the form and API paths ≥ 50% of the bare rate at 4 connections on SQLite, with all
     validation, CSRF and limits on; every receipt returned is in the database afterwards;
   and the grouping lag of every comment (grouped_at − submitted_at: the web process's
   grouping thread groups them a moment after the receipt).

Results are also written as JSON to bench/out/ (git-ignored).

    .venv/bin/python bench/comment_submission.py                      # both databases
    .venv/bin/python bench/comment_submission.py --db sqlite --duration 10 --connections 4,16

Needs wrk (`apt-get install -y wrk`) and, for --db postgres, a PostgreSQL server that
accepts `postgres` without a password on 127.0.0.1 (the CI service). All traffic goes to
127.0.0.1; every wait and run is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import UTC
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
LUA = BENCH / "comment_submission.lua"
VENV_BIN = ROOT / ".venv" / "bin"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432"
PG_DB_DEFAULT = "consult_bench"
RATE_LIMIT = "1000000 per minute"
EXPECTED = {"bare": 201, "form": 303, "api": 201}
GOAL_RATIO = 0.50  # issue #10: the form and API paths at 4 connections, SQLite
# req/s the text pools are sized for (above the bare ceiling RECIPES measured, 1,194 req/s);
# a faster run reuses texts with a suffix and says so
BARE_PLAN_RATE = 2500
APP_PLAN_RATE = 1500


# --- realistic comment texts ---------------------------------------------------------------

_ESTATE_A = [
    "幸福",
    "和平",
    "东湖",
    "建设",
    "光明",
    "桃源",
    "新华",
    "红旗",
    "翠苑",
    "锦绣",
    "长青",
    "春晖",
    "民主",
    "文化",
    "解放",
    "朝阳",
    "向阳",
    "丰收",
    "团结",
    "育才",
]
_ESTATE_B = ["里", "小区", "花园", "新村", "家园", "苑", "公寓", "社区"]
_SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "高",
    "林",
    "罗",
    "郑",
    "梁",
    "谢",
    "宋",
    "唐",
    "许",
]
_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建国",
    "志强",
    "海燕",
    "晓东",
    "文华",
    "玉兰",
    "春梅",
    "德明",
]
_IDENTITIES = [
    "我是{c}的居民",
    "作为在{c}住了{n}年的老住户",
    "本人是{c}业主委员会成员",
    "我家住{c}{b}栋{u}单元",
    "我是{c}的一名退休职工",
    "我在{c}附近开了一家小超市",
    "我是{c}的租户",
    "我母亲一个人住在{c}{b}栋",
    "我是{c}{b}栋的楼长",
    "作为{c}的有车业主",
    "我住{c}，每天骑电动车上下班",
    "我是{c}物业公司的工作人员",
    "我在{c}带孙子",
    "我是{c}附近小学的老师",
]
_TOPICS = [
    "停车位划设",
    "机械式立体车库",
    "电动自行车充电桩",
    "新能源汽车充电桩",
    "停车收费标准",
    "施工期间的临时停车",
    "消防通道",
    "绿化带改造",
    "夜间施工时间",
    "外来车辆管理",
    "车牌识别道闸",
    "无障碍停车位",
    "地面硬化",
    "雨水排放",
    "监控摄像头",
    "改造资金分摊",
    "业主表决程序",
    "错时共享停车",
    "路灯照明",
    "快递车辆临时停放",
    "非机动车棚",
    "人行通道",
]
_PROBLEMS = [
    "经常被私家车占用",
    "晚上几乎找不到车位",
    "一下雨就积水",
    "老人出行很不方便",
    "救护车根本开不进来",
    "不少人把电动车推进楼道充电",
    "外来车辆随意停放",
    "路面坑洼不平",
    "照明不足，晚上容易摔倒",
    "车辆乱停堵住了单元门口",
    "孩子放学时人车混行",
    "树枝挡住视线，拐弯处容易出事",
    "快递三轮车占道",
    "共享单车堆成一片",
]
_PLACES = [
    "小区东门",
    "{b}栋楼下",
    "北侧围墙边",
    "幼儿园门口那段路",
    "菜市场旁边的空地",
    "主干道两侧",
    "垃圾分类点附近",
    "篮球场旁边",
    "南门出入口",
    "地下室入口",
    "社区卫生服务站门前",
    "老年活动中心外面",
]
_CONSEQUENCES = [
    "住户意见很大",
    "已经发生过好几次剐蹭",
    "存在很大的安全隐患",
    "邻里之间经常因此吵架",
    "物业也管不过来",
    "老人和孩子经过时提心吊胆",
    "消防检查时被通报过",
    "投诉了很多次都没有解决",
]
_WISHES = [
    "统筹考虑",
    "一并解决",
    "优先安排",
    "先听取住户意见再定",
    "设置明显的标识",
    "增加巡查频次",
    "安装限高杆",
    "划出专用区域",
    "实行分时段管理",
    "预留将来扩容的空间",
]
_FIXES = [
    "明确具体标准",
    "补充实施细则",
    "列出时间表",
    "公开资金使用情况",
    "设置过渡期",
    "增加公示环节",
    "征求全体业主意见",
    "由街道牵头协调",
    "写明责任单位",
    "规定投诉处理时限",
]
_WHATS = [
    "由谁负责后期维护",
    "费用怎么分摊",
    "施工期间车辆停到哪里",
    "收费标准如何确定",
    "租户是否享有同等权利",
    "具体的验收标准",
    "如何照顾老年人的需要",
    "车位怎么分配",
]
_PARTIES = ["街道办", "社区居委会", "物业公司", "区住建局", "施工单位", "业主委员会", "交警部门"]
_PHASES = ["开工", "方案确定", "签订施工合同", "开始收费", "竣工验收"]
_ACTIONS = [
    "召开居民议事会",
    "张贴公告",
    "逐户上门征求意见",
    "公开设计图纸",
    "公布投诉电话",
    "组织住户代表现场踏勘",
    "开一次说明会",
]
_ATTITUDES = ["非常支持", "基本赞成", "有些担心", "持保留意见", "不太认同"]
_REASONS = [
    "小区的车这几年多了一倍",
    "很多住户是七八十岁的老人",
    "现有车位只够一半的车",
    "周边没有公共停车场",
    "改造后的维护费用最后还是落到业主头上",
    "以前类似的工程拖了很久",
    "租户和业主的需求并不一样",
    "很多人下班回来已经很晚了",
    "附近学校上下学时车流量很大",
    "小区道路本来就很窄",
]
_PARAMS = [
    ("每月停车费", ["八十元", "一百元", "一百五十元", "二百元"]),
    ("临时停车免费时长", ["十五分钟", "半小时", "一小时", "两小时"]),
    ("充电桩数量", ["十个", "二十个", "三十个", "五十个"]),
    ("夜间施工截止时间", ["晚上六点", "晚上八点", "晚上九点", "晚上十点"]),
]
_TIMES = ["早上七点多", "傍晚六点左右", "晚上十点以后", "周末", "下雨天", "节假日", "中午"]
_EVALS = ["很有必要", "考虑得比较周到", "可操作性不强", "和实际情况有出入", "还不够具体"]
_REFS = ["隔壁{c}", "其他城区", "去年改造的{c}", "外地一些老小区"]
_CLOSINGS = [
    "以上意见供参考。",
    "谢谢！",
    "希望能够采纳。",
    "盼复。",
    "辛苦了！",
    "恳请相关部门重视。",
    "",
    "",
    "",
]
_SENTENCES = [
    "第{k}条提到{topic}，但没有说明{what}，建议{fix}。",
    "{place}{problem}，{conseq}，希望改造时{wish}。",
    "建议把{param}从{a}调整到{z}，因为{reason}。",
    "对于{topic}，我{attitude}，{reason}。",
    "希望{party}在{phase}前{action}，让大家心里有数。",
    "{topic}这一部分写得比较笼统，{what}没有讲清楚。",
    "每天{time}，{place}{problem}。",
    "方案里关于{topic}的规定{eval}，{reason}。",
    "能否参考{ref}的做法，{wish}？",
    "另外，{topic}也应该{fix}。",
    "我们这栋楼有{n2}户，大概{m}辆车，{problem}。",
    "{place}的{topic}问题比较突出，{conseq}。",
]
# Form-letter campaigns: the same text sent by many people (the duplicate-group path).
_CAMPAIGNS = [
    "我们坚决反对在小区中心绿地建设机械式立体车库。绿地是小区唯一的公共活动空间，老人每天在这里锻炼，孩子在这里玩耍。立体车库噪音大、遮挡采光，还会带来安全隐患。请求取消这一设计，另行选址，保留中心绿地。",
    "强烈建议每栋楼下都安装电动自行车集中充电设施，并配备自动断电和烟感报警装置。目前很多住户把电动车推进楼道甚至家里充电，火灾风险极大。充电收费应当按实际用电量计算，不得额外加价。",
    "停车收费标准必须经全体业主表决通过后才能执行。老旧小区的道路和公共区域属于全体业主共有，收取的停车费应当扣除管理成本后归全体业主所有，并每季度公示收支明细，接受业主监督。",
    "施工期间请务必保障消防通道和救护车通道畅通，晚上十点以后和中午十二点到两点之间禁止施工。小区里有很多独居老人和需要照顾的病人，希望施工单位文明施工，做好围挡和降尘措施。",
    "建议优先保障本小区业主和长期租户的停车需求，外来车辆只能临时停放并按时计费。小区出入口应当安装车牌识别系统，同时为残疾人和老年人保留无障碍车位，不得挪作他用。",
]
_CN_NUM = "一二三四五六七八九十"


class _LazyFields(dict):
    """Draws a slot's value the first time a template asks for it."""

    def __init__(self, gen: TextGenerator):
        super().__init__()
        self.gen = gen

    def __missing__(self, key: str):
        r = self.gen.rnd
        if key in ("param", "a", "z"):
            param, values = r.choice(_PARAMS)
            a, z = r.sample(values, 2)
            self.update(param=param, a=a, z=z)
            return self[key]
        value = _SLOTS[key](r, self.gen)
        self[key] = value
        return value


_SLOTS = {
    "c": lambda r, g: r.choice(_ESTATE_A) + r.choice(_ESTATE_B),
    "n": lambda r, g: r.randint(3, 40),
    "n2": lambda r, g: r.randint(12, 60),
    "m": lambda r, g: r.randint(8, 70),
    "b": lambda r, g: r.randint(1, 36),
    "u": lambda r, g: r.randint(1, 6),
    "k": lambda r, g: _CN_NUM[r.randrange(min(g.clauses, 10))],
    "topic": lambda r, g: r.choice(_TOPICS),
    "what": lambda r, g: r.choice(_WHATS),
    "fix": lambda r, g: r.choice(_FIXES),
    "place": lambda r, g: r.choice(_PLACES),
    "problem": lambda r, g: r.choice(_PROBLEMS),
    "conseq": lambda r, g: r.choice(_CONSEQUENCES),
    "wish": lambda r, g: r.choice(_WISHES),
    "reason": lambda r, g: r.choice(_REASONS),
    "attitude": lambda r, g: r.choice(_ATTITUDES),
    "party": lambda r, g: r.choice(_PARTIES),
    "phase": lambda r, g: r.choice(_PHASES),
    "action": lambda r, g: r.choice(_ACTIONS),
    "time": lambda r, g: r.choice(_TIMES),
    "eval": lambda r, g: r.choice(_EVALS),
    "ref": lambda r, g: r.choice(_REFS),
}


class TextGenerator:
    """Chinese comments of 50-300 characters; ~8% varied copies of a campaign letter and ~2%
    verbatim copies. No quote, backslash or control character (the wrk script puts them raw
    into JSON and multipart bodies)."""

    def __init__(self, seed: int, clauses: int):
        self.rnd = random.Random(seed)
        self.clauses = max(clauses, 1)

    def _fill(self, template: str) -> str:
        fields = _LazyFields(self)
        text = template.format_map(fields)
        # second-level placeholders ({c}, {b}) inside chosen phrases
        return text.format_map(fields) if "{" in text else text

    def text(self) -> str:
        r = self.rnd
        roll = r.random()
        if roll < 0.02:
            return r.choice(_CAMPAIGNS)
        if roll < 0.10:
            return self.opening() + r.choice(_CAMPAIGNS) + r.choice(_CLOSINGS)
        return self.distinct()

    def opening(self) -> str:
        """A personal opening a resident puts before a campaign letter ("我是…的居民，")."""
        return self._fill(self.rnd.choice(_IDENTITIES)) + "，"

    def closing(self) -> str:
        return self.rnd.choice(_CLOSINGS)

    def distinct(self) -> str:
        """A comment of one's own: 50-300 characters from the grammar."""
        r = self.rnd
        target = r.randint(50, 300)
        parts = [self._fill(r.choice(_IDENTITIES)) + "。"]
        length = len(parts[0])
        while length < target:
            sentence = self._fill(r.choice(_SENTENCES))
            parts.append(sentence)
            length += len(sentence)
        closing = r.choice(_CLOSINGS)
        if length + len(closing) <= 300:
            parts.append(closing)
        text = "".join(parts)
        while len(text) > 300 and len(parts) > 2:
            parts.pop()
            text = "".join(parts)
        return text[:300] if len(text) > 300 else text

    def name(self) -> str:
        return self.rnd.choice(_SURNAMES) + self.rnd.choice(_GIVEN)


def _check_text(text: str) -> None:
    assert 10 <= len(text) <= 300, (len(text), text)
    assert not re.search(r'["\\\x00-\x1f|]', text), text


# --- small helpers -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(msg: str) -> None:
    print(msg, flush=True)


def run(cmd: list[str], env: dict, timeout: float = 120, check: bool = True) -> str:
    result = subprocess.run(
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def http_get(port: int, path: str, headers: dict | None = None, timeout: float = 30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def wait_ready(port: int, path: str, proc: subprocess.Popen, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn on port {port} exited with {proc.returncode}")
        try:
            status, _h, _b = http_get(port, path, timeout=5)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn on port {port} not ready after {timeout}s")


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def children_of(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(entry.name))
    return kids


def total_busy_ticks() -> tuple[int, int]:
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


TICK = os.sysconf("SC_CLK_TCK")


def busy_cores(seconds: float = 1.0) -> float:
    """How many cores were busy over `seconds` (whole machine)."""
    b0, a0 = total_busy_ticks()
    time.sleep(seconds)
    b1, a1 = total_busy_ticks()
    return (os.cpu_count() or 1) * (b1 - b0) / max(a1 - a0, 1)


class IdleGate:
    """Other work on the machine (another session's test suite) distorts the figures. Before
    each measured run wait, within a budget, for the machine to be quiet; report what was seen."""

    def __init__(self, budget: float, per_run: float = 20.0, threshold: float = 0.3):
        self.budget, self.per_run, self.threshold = budget, per_run, threshold
        self.waited = 0.0

    def wait(self) -> float:
        start = time.monotonic()
        busy = busy_cores(0.5)
        while busy > self.threshold and self.waited + (time.monotonic() - start) < self.budget:
            if time.monotonic() - start > self.per_run:
                break
            busy = busy_cores(1.0)
        self.waited += time.monotonic() - start
        return busy


def db_backend_pids(dbname: str) -> list[int]:
    """PostgreSQL backends serving `dbname` (their title is "postgres: user db host ...")."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {dbname} " in title:
            pids.append(int(entry.name))
    return pids


class Server:
    """A gunicorn master we started (stopped by its own pid)."""

    def __init__(self, name: str, app: str, port: int, env: dict, args, logdir: Path, extra=()):
        self.name, self.port = name, port
        cmd = [
            str(VENV_BIN / "gunicorn"),
            "-w", str(args.workers),
            "-k", args.worker_class,
            "-b", f"127.0.0.1:{port}",
            "--timeout", "60",
            "--log-level", "warning",
            "--error-logfile", str(logdir / f"{name}-gunicorn.log"),
            *(["--threads", str(args.threads)] if args.worker_class == "gthread" else []),
            *extra,
            app,
        ]  # fmt: skip
        self.cmd = cmd
        self.output = open(logdir / f"{name}-output.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=self.output, stderr=subprocess.STDOUT
        )

    def workers(self) -> list[int]:
        return children_of(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.output.close()


# --- databases -----------------------------------------------------------------------------


class Database:
    kind: str
    url: str

    def engine(self):
        import sqlalchemy as sa

        url = self.url
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return sa.create_engine(url, poolclass=sa.pool.NullPool)

    def prepare(self) -> None: ...

    def drop(self) -> None: ...


class SqliteDatabase(Database):
    kind = "sqlite"
    name = "sqlite"

    def __init__(self, workdir: Path):
        self.dir = workdir / "sqlite"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.url = f"sqlite:///{self.dir / 'consult.db'}"
        self.bare_url = f"sqlite:///{self.dir / 'bare.db'}"

    def drop(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresDatabase(Database):
    kind = "postgres"

    def __init__(self, base: str, name: str):
        if name in ("test", "postgres", "template0", "template1"):
            raise SystemExit(f"refusing to use the {name!r} database: pick a scratch name")
        self.base, self.name = base.rstrip("/"), name
        self.url = f"{self.base}/{name}"
        self.bare_url = self.url  # its own table, bench_bare_comment

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.base}/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)

    def prepare(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# --- setup inside the application (run as a subprocess with the app's environment) ----------

DRAFT = """为改善老旧小区停车条件，规范停车秩序，结合本区实际，制定本方案。
第一条 本方案适用于本区2000年以前建成的老旧小区停车设施改造。
第二条 改造应当充分利用小区内闲置空地，合理划设停车位，保障消防通道畅通。
第三条 每个小区应当按照不低于住户数百分之十的比例配建电动自行车集中充电设施。
第四条 停车收费标准由业主大会依法决定，收支情况每季度公示一次。
第五条 施工期间，施工单位应当合理安排作业时间，夜间二十二时至次日六时不得施工。
第六条 改造资金由区财政、产权单位和业主按比例共同分担。
第七条 本方案自发布之日起施行。"""


def _setup_in_app() -> None:
    """Create department, officer, published matter and an open consultation; print JSON."""
    sys.path.insert(0, str(ROOT))
    from datetime import timedelta

    from consult import create_app
    from consult.accounts import services as accounts
    from consult.accounts.models import SYSTEM
    from consult.catalogue import services as catalogue
    from consult.consultations import services as consultations
    from consult.core.time import now_utc
    from consult.extensions import db

    app = create_app()
    with app.app_context():
        now = now_utc()
        dept = accounts.create_department(
            {"name": "区住房和城乡建设局", "short_name": "住建局"}, actor=SYSTEM
        )
        officer = accounts.create_user(
            {
                "email": "officer@bench.example",
                "display_name": "陈建国（区住建局）",
                "password": secrets.token_urlsafe(24),
                "role": "officer",
                "department_id": dept.id,
            },
            actor=SYSTEM,
        )
        year = now.year
        matter = catalogue.create_matter(
            {
                "year": year,
                "title": "老旧小区停车设施改造",
                "summary": "对辖区老旧小区停车设施进行改造。",
                "department_id": dept.id,
                "planned_time": f"{year}-12",
                "hearing": False,
                "procedures": {"public_participation": True, "legality_review": True},
            },
            actor=SYSTEM,
        )
        catalogue.publish_catalogue(matter.catalogue, actor=SYSTEM)
        consultation = consultations.open_consultation(
            matter,
            {
                "title": "东湖区老旧小区停车设施改造实施方案（征求意见稿）",
                "draft": DRAFT,
                "explanation": "起草说明：本方案依据有关规定起草。",
                "contact": "区住建局物业科，电话 027-12345678",
                "opens_at": now,
                "closes_at": now + timedelta(days=45),
            },
            actor=officer,
        )
        db.session.commit()
        print(
            json.dumps({"consultation_id": consultation.id, "clauses": len(consultation.clauses)})
        )


# --- one database: servers, runs, verification --------------------------------------------


class Bench:
    def __init__(self, db: Database, args, workdir: Path):
        self.db, self.args, self.workdir = db, args, workdir
        self.logdir = args.logdir / db.kind
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.servers: list[Server] = []
        self.results: list[dict] = []
        self.notes: list[str] = []
        self.seed = args.seed
        self.gate = args.gate

    def env(self, extra: dict) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("REDIS_URL", "RATELIMIT_STORAGE_URI", "FLASK_APP")
        }
        env.update(extra)
        return env

    def app_env(self) -> dict:
        inst = self.workdir / f"instance-{self.db.kind}"
        inst.mkdir(exist_ok=True)
        return self.env(
            {
                "CONSULT_ENV": "production",
                "SECRET_KEY": self.args.secret,
                "SESSION_COOKIE_SECURE": "0",
                "PUBLIC_URL": "http://127.0.0.1",  # production requires it
                "DATABASE_URL": self.db.url,
                "COMMENT_RATE_LIMIT": RATE_LIMIT,
                # Limits are counted per worker (no Redis): out of reach here, so that is moot.
                "CONSULT_SINGLE_PROCESS": "1",
                "CONSULT_INSTANCE_DIR": str(inst),
                "STORAGE_DIR": str(inst / "storage"),
            }
        )

    def setup(self) -> None:
        t0 = time.monotonic()
        self.db.prepare()
        env = self.app_env()
        run([str(VENV_BIN / "flask"), "--app", "consult", "db", "upgrade"], env, timeout=180)
        out = run([str(VENV_BIN / "python"), str(Path(__file__).resolve()), "_setup"], env)
        info = json.loads(out.strip().splitlines()[-1])
        self.consultation_id, self.clauses = info["consultation_id"], info["clauses"]
        bare_env = self.env({"BARE_DATABASE_URL": self.db.bare_url})
        run([str(VENV_BIN / "python"), str(BENCH / "bare_app.py"), "init"], bare_env)
        self.app_port, self.bare_port = free_port(), free_port()
        self.app = Server(
            "app", self.args.app_factory, self.app_port, env, self.args, self.logdir,
            extra=("--pythonpath", self.args.app_pythonpath) if self.args.app_pythonpath else (),
        )  # fmt: skip
        self.servers.append(self.app)
        self.bare = Server(
            "bare", "bare_app:create_app()", self.bare_port, bare_env, self.args, self.logdir,
            extra=("--pythonpath", str(BENCH)),
        )  # fmt: skip
        self.servers.append(self.bare)
        wait_ready(self.app_port, "/login", self.app.proc)
        wait_ready(self.bare_port, "/bare/ping", self.bare.proc)
        log(
            f"[{self.db.kind}] schema migrated, consultation {self.consultation_id} open "
            f"({self.clauses} clauses); app on :{self.app_port}, bare on :{self.bare_port} "
            f"({time.monotonic() - t0:.1f}s)"
        )

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers.clear()

    # sessions: one per wrk thread (= per connection), each with its own CSRF token
    def sessions(self, count: int) -> list[tuple[str, str]]:
        found = []
        for i in range(count):
            # The first from the consultation page itself (timed: it lists every comment),
            # the others from the login page (the token is per session, not per form).
            path = f"/consultations/{self.consultation_id}" if i == 0 else "/login"
            t0 = time.perf_counter()
            status, headers, body = http_get(self.app_port, path)
            elapsed = time.perf_counter() - t0
            if i == 0:
                self.page_timings.append((elapsed, len(body)))
            cookie = next(
                (
                    v.split(";", 1)[0]
                    for k, v in headers
                    if k.lower() == "set-cookie" and v.startswith("session=")
                ),
                None,
            )
            match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
            if status != 200 or not cookie or not match:
                raise RuntimeError(f"no session/CSRF token from {path} (status {status})")
            found.append((cookie, match.group(1).decode()))
        return found

    def texts(self, tag: str, threads: int, seconds: float, rate: float) -> str:
        per_thread = int(rate * seconds * 1.3 / threads) + 50
        prefix = self.workdir / "texts" / f"{self.db.kind}-{tag}-"
        prefix.parent.mkdir(exist_ok=True)
        gen = TextGenerator(zlib.crc32(f"{self.seed}-{self.db.kind}-{tag}".encode()), self.clauses)
        for t in range(1, threads + 1):
            lines = []
            for _ in range(per_thread):
                text = gen.text()
                _check_text(text)
                lines.append(text)
            (Path(f"{prefix}{t}.txt")).write_text("\n".join(lines) + "\n", encoding="utf-8")
        return str(prefix)

    def wrk(
        self, endpoint: str, conns: int, seconds: float, tag: str, texts: str, sessions
    ) -> dict:
        port = self.bare_port if endpoint == "bare" else self.app_port
        path = {
            "bare": "/bare/comments",
            "form": f"/consultations/{self.consultation_id}/comments",
            "api": f"/api/v1/consultations/{self.consultation_id}/comments",
        }[endpoint]
        rundir = self.workdir / "runs" / f"{self.db.kind}-{tag}"
        rundir.mkdir(parents=True, exist_ok=True)
        names = GEN_NAMES
        cfg = {
            "mode": endpoint,
            "path": path,
            "seed": str(zlib.crc32(f"{self.seed}-{tag}".encode()) % 100000),
            "texts_prefix": texts,
            "out_prefix": str(rundir / "responses-"),
            "summary": str(rundir / "summary.json"),
            "names": ",".join(names),
            "clauses": str(self.clauses),
            "origin": f"http://127.0.0.1:{port}",
            "referer": f"http://127.0.0.1:{port}/consultations/{self.consultation_id}",
        }
        for i, (cookie, token) in enumerate(sessions or [], start=1):
            cfg[f"session_{i}"] = f"{cookie}|{token}"
        cfg_path = rundir / "config.txt"
        cfg_path.write_text("".join(f"{k}={v}\n" for k, v in cfg.items()), encoding="utf-8")
        cmd = [
            "wrk", "-t", str(conns), "-c", str(conns), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
            "-s", str(LUA), f"http://127.0.0.1:{port}{path}",
        ]  # fmt: skip
        workers = (self.bare if endpoint == "bare" else self.app).workers()
        backends = db_backend_pids(self.db.name) if self.db.kind == "postgres" else []
        d0 = sum(cpu_ticks(p) for p in backends)
        w0 = sum(cpu_ticks(p) for p in workers)
        busy0, all0 = total_busy_ticks()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        proc = subprocess.Popen(
            cmd, env={**os.environ, "BENCH_CONFIG": str(cfg_path)}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, cwd=rundir,
        )  # fmt: skip
        try:
            stdout, _ = proc.communicate(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=10)
            raise RuntimeError(f"wrk did not finish ({tag})") from None
        wall = time.monotonic() - t0
        busy1, all1 = total_busy_ticks()
        w1 = sum(cpu_ticks(p) for p in workers)
        d1 = sum(cpu_ticks(p) for p in backends)
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk is the only child reaped
        wrk_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
        (rundir / "wrk.txt").write_bytes(stdout)
        if proc.returncode != 0 or not (rundir / "summary.json").exists():
            raise RuntimeError(f"wrk failed ({tag}):\n{stdout.decode(errors='replace')}")
        summary = json.loads((rundir / "summary.json").read_text())
        statuses: dict[str, int] = {}
        receipts: list[str] = []
        wraps = 0
        for f in sorted(rundir.glob("responses-*.txt")):
            for line in f.read_text().splitlines():
                if line == "W":
                    wraps += 1
                    continue
                status, _, receipt = line.partition(" ")
                statuses[status] = statuses.get(status, 0) + 1
                if status == str(EXPECTED[endpoint]) and receipt != "-":
                    receipts.append(receipt)
        cores = os.cpu_count() or 1
        machine = 100.0 * cores * (busy1 - busy0) / max(all1 - all0, 1)
        server = 100.0 * (w1 - w0) / TICK / wall
        dbcpu = 100.0 * (d1 - d0) / TICK / wall
        wrk_pct = 100.0 * wrk_cpu / wall
        summary.update(
            statuses=statuses,
            receipts=receipts,
            wraps=wraps,
            wall=wall,
            cpu={
                "server_workers_pct": server,
                "db_backends_pct": dbcpu,
                "wrk_pct": wrk_pct,
                "machine_busy_pct": machine,
                "other_pct": max(machine - server - dbcpu - wrk_pct, 0.0),
            },
        )
        return summary

    def settle(self, endpoint: str, timeout: float = 15.0) -> int:
        """The last row id once no request is still committing (stable for 0.5 s)."""
        deadline = time.monotonic() + timeout
        last = self.max_id(endpoint)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.max_id(endpoint)
            if now == last:
                return now
            last = now
        return last

    def max_id(self, endpoint: str) -> int:
        import sqlalchemy as sa

        table = "bench_bare_comment" if endpoint == "bare" else "comment"
        engine = self.bare_engine if endpoint == "bare" else self.app_engine
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()

    def stored_receipts(self, endpoint: str, after_id: int, upto_id: int | None = None) -> set[str]:
        import sqlalchemy as sa

        cond = "id > :a" + (" AND id <= :b" if upto_id is not None else "")
        params = {"a": after_id, "b": upto_id}
        if endpoint == "bare":
            with self.bare_engine.connect() as conn:
                rows = conn.execute(
                    sa.text(f"SELECT id FROM bench_bare_comment WHERE {cond}"), params
                )
                return {f"B{r[0]}" for r in rows}
        with self.app_engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT receipt FROM comment WHERE {cond}"), params)
            return {r[0] for r in rows}

    def exists(self, endpoint: str, receipts: list[str]) -> int:
        """How many of `receipts` are in the database (chunked IN queries)."""
        import sqlalchemy as sa

        found = 0
        for i in range(0, len(receipts), 500):
            chunk = receipts[i : i + 500]
            if endpoint == "bare":
                ids = [int(r[1:]) for r in chunk]
                stmt = sa.text("SELECT count(*) FROM bench_bare_comment WHERE id IN :v").bindparams(
                    sa.bindparam("v", expanding=True)
                )
                with self.bare_engine.connect() as conn:
                    found += conn.execute(stmt, {"v": ids}).scalar_one()
            else:
                stmt = sa.text("SELECT count(*) FROM comment WHERE receipt IN :v").bindparams(
                    sa.bindparam("v", expanding=True)
                )
                with self.app_engine.connect() as conn:
                    found += conn.execute(stmt, {"v": chunk}).scalar_one()
        return found

    def one(self, endpoint: str, conns: int) -> dict:
        args = self.args
        tag = f"{endpoint}-c{conns}"
        sessions = self.sessions(conns) if endpoint == "form" else None
        if endpoint == "bare":  # no duplicate detection there: one pool serves both runs
            texts = warm_texts = self.texts(
                tag, conns, max(args.duration, args.warmup), BARE_PLAN_RATE
            )
        else:
            warm_texts = self.texts(f"{tag}-warm", conns, args.warmup, APP_PLAN_RATE)
            texts = self.texts(tag, conns, args.duration, APP_PLAN_RATE)
        # warm-up (receipts checked too, not timed)
        warm = self.wrk(endpoint, conns, args.warmup, f"{tag}-warm", warm_texts, sessions)
        before = self.settle(endpoint)  # requests in flight at the warm-up's end finish first
        idle_before = self.gate.wait()
        res = self.wrk(endpoint, conns, args.duration, tag, texts, sessions)
        after = self.settle(endpoint)
        stored = self.stored_receipts(endpoint, before, after)
        returned = res["receipts"]
        returned_set = set(returned)
        missing = returned_set - stored
        extra = stored - returned_set
        warm_found = self.exists(endpoint, warm["receipts"])
        rps = res["requests"] / (res["duration_us"] / 1e6)
        ok_status = res["statuses"].get(str(EXPECTED[endpoint]), 0)
        bad_status = sum(n for s, n in res["statuses"].items() if s != str(EXPECTED[endpoint]))
        e = res["errors"]
        socket_errors = e["connect"] + e["read"] + e["write"] + e["timeout"]
        result = {
            "db": self.db.kind,
            "endpoint": endpoint,
            "connections": conns,
            "requests": res["requests"],
            "seconds": res["duration_us"] / 1e6,
            "rps": rps,
            # server CPU (gunicorn workers + PostgreSQL backends) per request: unlike req/s it
            # hardly moves when other processes share the machine
            "cpu_ms_per_request": 1000.0
            * (res["cpu"]["server_workers_pct"] + res["cpu"]["db_backends_pct"])
            / 100.0
            * res["wall"]
            / max(res["requests"], 1),
            "p50_ms": res["latency_us"]["p50"] / 1000,
            "p90_ms": res["latency_us"]["p90"] / 1000,
            "p99_ms": res["latency_us"]["p99"] / 1000,
            "max_ms": res["latency_us"]["max"] / 1000,
            "statuses": res["statuses"],
            "errors": bad_status + socket_errors,
            "socket_errors": e,
            "ok": ok_status,
            "receipts_returned": len(returned),
            "receipts_unique": len(returned_set),
            "receipts_in_db": len(returned_set & stored),
            "receipts_missing": sorted(missing)[:20],
            "missing_count": len(missing),
            "db_rows_in_window": len(stored),
            "db_rows_not_returned": len(extra),
            "warmup_receipts": len(warm["receipts"]),
            "warmup_receipts_in_db": warm_found,
            "text_pool_wraps": res["wraps"],
            "cpu": res["cpu"],
            "client_cpu_pct": res["cpu"]["wrk_pct"],
            "busy_cores_before_run": idle_before,
        }
        verified = (
            not missing
            and len(returned) == len(returned_set)
            and warm_found == len(warm["receipts"])
            and len(returned) == ok_status
        )
        result["receipts_verified"] = verified
        cpu = res["cpu"]
        wrk_cpu = f"{cpu['wrk_pct']:.0f}%"
        dbcpu = cpu["db_backends_pct"]
        log(
            f"  {endpoint:4} c={conns:<3} {rps:8.1f} req/s  p50 {result['p50_ms']:6.2f} ms  "
            f"p99 {result['p99_ms']:6.2f} ms  errors {result['errors']}  "
            f"receipts {len(returned)} returned, {len(returned_set & stored)} in DB"
            f"{' (exact set)' if not missing and not extra else ''}"
            f"{f', +{len(extra)} rows in flight at cut-off' if extra else ''}"
            f"{f', {len(missing)} MISSING' if missing else ''}; "
            f"warm-up {warm_found}/{len(warm['receipts'])}; "
            f"CPU: workers {cpu['server_workers_pct']:.0f}%"
            f"{f', postgres {dbcpu:.0f}%' if self.db.kind == 'postgres' else ''}, wrk {wrk_cpu}, "
            f"other {cpu['other_pct']:.0f}% (machine {cpu['machine_busy_pct']:.0f}% of "
            f"{os.cpu_count()}00%)"
        )
        if cpu["other_pct"] > 25:
            self.notes.append(
                f"{tag}: other processes used {cpu['other_pct']:.0f}% CPU during the run "
                f"(busy {idle_before:.1f} cores just before): figures are disturbed"
            )
        if res["wraps"]:
            self.notes.append(f"{tag}: text pool wrapped {res['wraps']} times (suffixed texts)")
        if bad_status:
            self.notes.append(f"{tag}: unexpected statuses {res['statuses']}")
        return result

    def duplicate_stats(self) -> dict:
        import sqlalchemy as sa

        with self.app_engine.connect() as conn:
            total = conn.execute(sa.text("SELECT count(*) FROM comment")).scalar_one()
            grouped = conn.execute(
                sa.text("SELECT count(*) FROM comment WHERE duplicate_group_id IS NOT NULL")
            ).scalar_one()
            groups = conn.execute(sa.text("SELECT count(*) FROM duplicate_group")).scalar_one()
            waiting = conn.execute(
                sa.text("SELECT count(*) FROM comment WHERE grouped_at IS NULL")
            ).scalar_one()
            # The grouping lag of every comment: from its commit to its grouping (the web
            # process's grouping thread, a moment after the receipt).
            lags = []
            for submitted, grouped_at in conn.execute(
                sa.text("SELECT submitted_at, grouped_at FROM comment WHERE grouped_at IS NOT NULL")
            ):
                if isinstance(submitted, str):
                    submitted, grouped_at = map(datetime.fromisoformat, (submitted, grouped_at))
                lags.append((grouped_at - submitted).total_seconds())
            lags.sort()
            # a group should hold at least two comments; fewer means a race split a group
            thin = conn.execute(
                sa.text(
                    "SELECT count(*) FROM duplicate_group g WHERE (SELECT count(*) FROM comment c "
                    "WHERE c.duplicate_group_id = g.id) < 2"
                )
            ).scalar_one()
        return {
            "comments": total,
            "in_duplicate_groups": grouped,
            "groups": groups,
            "groups_with_fewer_than_2": thin,
            "waiting": waiting,
            "lag_p50_s": lags[len(lags) // 2] if lags else None,
            "lag_p99_s": lags[int(len(lags) * 0.99)] if lags else None,
            "lag_max_s": lags[-1] if lags else None,
        }

    def run_all(self) -> None:
        self.page_timings: list[tuple[float, int]] = []
        self.app_engine = self.db.engine()
        self.bare_engine = (
            self.app_engine if self.db.bare_url == self.db.url else _engine_for(self.db.bare_url)
        )
        try:
            for conns in self.args.connections:
                for endpoint in self.args.endpoints:
                    self.results.append(self.one(endpoint, conns))
            self.dups = self.duplicate_stats()
        finally:
            self.app_engine.dispose()
            self.bare_engine.dispose()


def _engine_for(url: str):
    import sqlalchemy as sa

    return sa.create_engine(url, poolclass=sa.pool.NullPool)


GEN_NAMES = [s + g for s in _SURNAMES for g in _GIVEN]


# --- report --------------------------------------------------------------------------------


def table(bench: Bench) -> tuple[str, list[tuple[str, bool]]]:
    rows = bench.results
    bare = {r["connections"]: r["rps"] for r in rows if r["endpoint"] == "bare"}
    lines = [
        f"{'endpoint':9} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'vs bare':>8} {'CPU ms/req':>10}  receipts in DB",
    ]
    for r in rows:
        ratio = r["rps"] / bare[r["connections"]] if r["connections"] in bare else None
        r["ratio_to_bare"] = ratio
        lines.append(
            f"{r['endpoint']:9} {r['connections']:>5} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} "
            f"{r['p99_ms']:>8.2f} {r['errors']:>7} "
            f"{(f'{ratio:.0%}' if ratio is not None else '-'):>8} "
            f"{r['cpu_ms_per_request']:>10.1f}  "
            f"{r['receipts_in_db']}/{r['receipts_returned']}"
            f"{'' if r['receipts_verified'] else '  NOT VERIFIED'}"
        )
    bare_cpu = {r["connections"]: r["cpu_ms_per_request"] for r in rows if r["endpoint"] == "bare"}
    est = [
        f"{r['endpoint']} c={r['connections']} {bare_cpu[r['connections']] / r['cpu_ms_per_request']:.0%}"
        for r in rows
        if r["endpoint"] != "bare" and r["connections"] in bare_cpu and r["cpu_ms_per_request"]
    ]
    if est:
        lines.append(
            "server CPU per request, bare ÷ endpoint (the rate ratio a CPU-bound idle machine "
            "would show): " + ", ".join(est)
        )
    checks: list[tuple[str, bool]] = []
    for r in rows:
        if r["endpoint"] == "bare":
            continue
        ratio = r.get("ratio_to_bare")
        if ratio is not None and r["connections"] == 4 and bench.db.kind == "sqlite":
            checks.append(
                (f"{r['endpoint']} c=4: ≥ {GOAL_RATIO:.0%} of bare ({ratio:.0%})",
                 ratio >= GOAL_RATIO)
            )  # fmt: skip
        checks.append(
            (f"{r['endpoint']} c={r['connections']}: no errors ({r['errors']})", r["errors"] == 0)
        )
    checks.append(
        (
            "every receipt returned is in the database afterwards "
            f"({sum(r['receipts_in_db'] for r in rows)}/{sum(r['receipts_returned'] for r in rows)}"
            " measured, plus warm-ups)",
            all(r["receipts_verified"] for r in rows),
        )
    )
    return "\n".join(lines), checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per run")
    parser.add_argument("--connections", default="4,16", help="comma-separated, e.g. 4,16")
    parser.add_argument("--endpoints", default="bare,form,api", help="of bare,form,api")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=4, help="per worker, with gthread")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT))
    parser.add_argument("--pg-db", default=PG_DB_DEFAULT)
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument(
        "--app-factory",
        default="consult:create_app()",
        help="gunicorn app spec for the application (to measure a variant while investigating)",
    )
    parser.add_argument("--app-pythonpath", default="", help="extra gunicorn --pythonpath")
    parser.add_argument(
        "--idle-wait",
        type=float,
        default=40.0,
        help="total seconds the script may wait for other processes to leave the CPU idle",
    )
    args = parser.parse_args(argv)
    args.connections = [int(c) for c in args.connections.split(",") if c.strip()]
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    if "bare" in args.endpoints:  # bare first, so the others have their ratio
        args.endpoints.remove("bare")
        args.endpoints.insert(0, "bare")
    if not 1 <= args.duration <= 120 or not 0 <= args.warmup <= 30:
        parser.error("--duration 1..120 s, --warmup 0..30 s")
    if not all(1 <= c <= 256 for c in args.connections):
        parser.error("--connections between 1 and 256")
    if unknown := set(args.endpoints) - {"bare", "form", "api"}:
        parser.error(f"unknown endpoints {unknown}")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install -y wrk)")
    args.secret = secrets.token_urlsafe(36)  # 48 characters
    args.gate = IdleGate(args.idle_wait)

    OUT.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="consult-bench-"))
    started = datetime.now(UTC)
    args.logdir = OUT / f"logs-{started:%Y%m%dT%H%M%S}"
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    log(
        f"Comment submission benchmark {started:%Y-%m-%d %H:%M:%S} UTC — gunicorn {args.workers} "
        f"{args.worker_class} workers{f' × {args.threads} threads' if args.worker_class == 'gthread' else ''}"
        f" (app and bare alike), wrk on loopback, one thread per connection, "
        f"{args.warmup:g}s warm-up + {args.duration:g}s per run, {os.cpu_count()} cores.\n"
        f"App: CONSULT_ENV=production, CSRF on (form), validation on, rate limiting ON with "
        f"COMMENT_RATE_LIMIT={RATE_LIMIT!r} (memory storage per worker), duplicate detection on.\n"
        f"Texts: distinct Chinese comments of 50-300 characters; 10% campaign copies (8% varied, 2% verbatim)."
    )
    report: dict = {
        "started": started.isoformat(),
        "settings": {
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads if args.worker_class == "gthread" else 1,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "endpoints": args.endpoints,
            "rate_limit": RATE_LIMIT,
            "cpus": os.cpu_count(),
        },
        "databases": {},
    }
    all_ok = True
    try:
        for kind in kinds:
            db = (
                SqliteDatabase(workdir)
                if kind == "sqlite"
                else PostgresDatabase(args.pg_url, args.pg_db)
            )
            bench = Bench(db, args, workdir)
            try:
                bench.setup()
                bench.run_all()
            finally:
                bench.stop()
                if not args.keep:
                    try:
                        db.drop()
                    except Exception as exc:  # noqa: BLE001 - report, keep going
                        log(f"  could not drop the {kind} scratch database: {exc}")
            text, checks = table(bench)
            log(f"\n=== {kind} ===\n{text}")
            page = bench.page_timings[-1] if bench.page_timings else None
            log(
                f"comments stored: {bench.dups['comments']}, in duplicate groups: "
                f"{bench.dups['in_duplicate_groups']} ({bench.dups['groups']} groups, "
                f"{bench.dups['groups_with_fewer_than_2']} of them with fewer than 2 comments); "
                f"waiting for grouping at the end: {bench.dups['waiting']}; grouping lag p50 "
                f"{bench.dups['lag_p50_s']:.2f} s, p99 {bench.dups['lag_p99_s']:.2f} s, max "
                f"{bench.dups['lag_max_s']:.2f} s"
            )
            if page:
                log(
                    f"GET /consultations/<id> (first page of 50 comments, counts of all) before the last form "
                    f"run: {page[0] * 1000:.0f} ms, {page[1] / 1024:.0f} KiB"
                )
            for note in bench.notes:
                log(f"note: {note}")
            for label, ok in checks:
                log(f"{'PASS' if ok else 'FAIL'}  {label}")
                all_ok &= ok
            report["databases"][kind] = {
                "results": bench.results,
                "checks": [{"check": c, "pass": ok} for c, ok in checks],
                "duplicates": bench.dups,
                "detail_page_ms_bytes": page,
                "notes": bench.notes,
            }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report["finished"] = datetime.now(UTC).isoformat()
    report["all_pass"] = all_ok
    name = f"comment_submission-{started:%Y%m%dT%H%M%S}.json"
    for r in (r for d in report["databases"].values() for r in d["results"]):
        r.pop("receipts_missing", None) if not r.get("missing_count") else None
    (OUT / name).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    shutil.copyfile(OUT / name, OUT / "comment_submission-latest.json")
    log(f"\nOverall: {'PASS' if all_ok else 'FAIL'}; results in bench/out/{name}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["_setup"]:
        _setup_in_app()
    else:
        sys.exit(main())
