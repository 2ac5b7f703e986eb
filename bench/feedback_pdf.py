"""Benchmark: the feedback report PDF for 1,000 / 10,000 / 20,000 comments.

Prints figures; it is not a test. Each measurement runs in a fresh Python process:
  render   consult.feedback.pdf.render_report (chunks in worker processes, one font subset
           for the whole report, joined by consult/feedback/pdfjoin.py, streaming);
           CPU s = this process's CPU time plus every worker's
  bare     WeasyPrint rendering the same rows as ONE document (report_html, the same template),
           no chunking and no page numbers
"size ÷ bare": the rendered report's size over the bare document's of the same rows (goal
<= 1.3; the join adds page numbers, the CSV and one structure tree over all parts).
Memory: "parent MB" is the measuring process's VmHWM, "max child MB" the largest worker's, and
"tree PSS MB" (the figure held against the goal) the peak of the summed PSS of the process and
all its descendants (forkserver and workers), sampled every 250 ms: what the render holds at
once, with pages shared between processes counted once.

Other sessions on the machine slow every figure down: the load average is printed at the start
and the end, and CPU s (summed over processes) is less sensitive to it than wall s.

Goals (2-core machine): 10,000 comments <= 45 s and <= 600 MB; 20,000 <= 100 s and <= 600 MB.

    .venv/bin/python bench/feedback_pdf.py                      # 1000,10000,20000; bare <= 10000
    .venv/bin/python bench/feedback_pdf.py --sizes 1000 --skip-bare-above 0
    .venv/bin/python bench/feedback_pdf.py --sizes 20000 --skip-bare-above 20000 --bare-timeout 600

Comments are synthetic but shaped like real ones: ~150 Chinese characters of text and a
~60-character reason per row, sentences about a district regulation plus place names drawn
from the 3,755 most common characters (so the font subset is realistically large), 3% hidden,
some duplicate groups, eight sources, a dozen clauses.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = [
    "建议在老旧小区加装电梯的补贴标准中明确低层住户的补偿办法",
    "希望增加社区养老服务站的夜间照护人员并公开服务价格",
    "第三条规定的审批时限过长，建议压缩至十五个工作日以内",
    "停车位供给不足，建议利用学校操场和机关大院错时开放",
    "请明确物业服务企业退出时的交接程序和业主委员会的监督责任",
    "垃圾分类投放点设置离居民楼太近，夏季异味明显，建议调整位置",
    "建议将公共充电桩建设纳入新建住宅小区的规划条件",
    "公交线路调整前应当充分听取沿线居民和学校的意见",
    "农贸市场改造期间应安排临时摊位，保障周边居民买菜方便",
    "对违法建设的认定标准应当更加具体，避免执法尺度不一",
    "建议设立专门的听证程序，邀请利害关系人代表参加",
    "河道整治工程应同步建设步行道和夜间照明设施",
    "学校周边道路高峰时段拥堵严重，建议设置即停即走区域",
    "希望政府公开项目预算和资金使用情况，接受群众监督",
    "建议对困难家庭的补助申请实行一次告知、限时办结",
    "征收补偿方案应当明确评估机构的选定方式，保证公平公正",
    "建议增加无障碍设施的检查频次，并公布整改结果",
    "社区卫生服务中心应延长周末门诊时间，方便上班族就医",
    "噪声管理条款缺少对夜间施工的具体限制，建议补充",
    "意见征集期限较短，建议通过社区公告栏同步公开草案全文",
]
REASONS = [
    "该意见符合草案目的，已在修改稿第三条中增加相关规定并明确责任部门和办理时限",
    "该事项属于上位法已有规定的内容，本办法不再重复规定，执行中将加强宣传解释工作",
    "部分采纳：已补充程序性要求，具体标准将由主管部门另行制定实施细则予以明确",
    "经研究，现阶段财政承受能力有限，暂不具备实施条件，将在下一年度预算中统筹考虑",
    "该意见涉及的事项不属于本次征求意见的范围，已转交相关职能部门研究办理并答复",
    "已采纳，修改稿中将审批时限由二十个工作日调整为十五个工作日，并增加容缺受理",
    "该建议与现行规划不一致，经专家论证后未予采纳，相关情况已向意见提出人说明",
]
SOURCES = [
    ("online", "网上提交"),
    ("symposium", "座谈会"),
    ("hearing", "听证会"),
    ("field_visit", "实地走访"),
    ("hotline", "热线电话"),
    ("letter", "来信"),
    ("mailbox", "意见箱"),
    ("meeting", "代表会议"),
]
DISPOSITIONS = [
    ("adopted", "采纳"),
    ("partly_adopted", "部分采纳"),
    ("not_adopted", "未采纳"),
    ("not_applicable", "不适用"),
]
CLAUSES = ["整体"] + [f"第{n}条" for n in "一二三四五六七八九十"] + ["第十一条", "附则"]
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _common_hanzi() -> str:
    # GB2312 level 1: the 3,755 most common characters (rows 16-55).
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.append(bytes([hi, lo]).decode("gb2312"))
    return "".join(chars)


def synthetic_data(n: int, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    hanzi = _common_hanzi()
    receipts = []
    seen = set()
    while len(receipts) < n:
        r = "ZX-2026-" + "".join(rnd.choice(RECEIPT_ALPHABET) for _ in range(4))
        r += "-" + "".join(rnd.choice(RECEIPT_ALPHABET) for _ in range(4))
        if r not in seen:
            seen.add(r)
            receipts.append(r)
    comments = []
    for i, receipt in enumerate(receipts):
        text = ""
        while len(text) < 140:
            place = "".join(rnd.choice(hanzi) for _ in range(rnd.randint(2, 4)))
            text += f"{place}片区：{rnd.choice(SENTENCES)}。"
        source, source_label = SOURCES[rnd.randrange(len(SOURCES))]
        key, label = DISPOSITIONS[rnd.choices(range(4), weights=[30, 20, 40, 10])[0]]
        hidden = rnd.random() < 0.03
        day, minute = 1 + i * 29 // max(n, 1), rnd.randrange(8 * 60, 22 * 60)
        comments.append(
            {
                "receipt": receipt,
                "submitted_at": f"2026-11-{day:02d} {minute // 60:02d}:{minute % 60:02d}",
                "source": source,
                "source_label": source_label,
                "clause": rnd.choice(CLAUSES),
                "text": None if hidden else text[:160],
                "hidden": hidden,
                "hidden_reason_label": "含有人身攻击内容" if hidden else None,
                "disposition": key,
                "disposition_label": label,
                "reason": None if key == "adopted" and rnd.random() < 0.5 else rnd.choice(REASONS),
            }
        )
    # Duplicate groups of 2-5 comments, about 6% of the comments (listed once each).
    i = 0
    while i + 5 < n:
        if rnd.random() < 0.02:
            size = rnd.randint(2, 5)
            for k in range(size):
                comments[i + k]["group"] = i
                comments[i + k]["text"] = comments[i]["text"]
            i += size
        i += 1
    by = {}
    for m in comments:
        by.setdefault(("d", m["disposition"]), 0)
        by[("d", m["disposition"])] += 1
        by[("s", m["source"])] = by.get(("s", m["source"]), 0) + 1
        by[("c", m["clause"])] = by.get(("c", m["clause"]), 0) + 1
    answered = sum(v for (k, key), v in by.items() if k == "d" and key != "not_applicable")
    adopted = by.get(("d", "adopted"), 0) + by.get(("d", "partly_adopted"), 0)
    return {
        "consultation": {
            "id": 42,
            "title": "《东湖区老旧小区改造管理办法（征求意见稿）》公开征求意见",
            "matter_title": "东湖区老旧小区改造管理办法",
            "matter_code": "DH-2026-017",
            "department": "东湖区住房和城乡建设局",
            "opens_at": "2026-11-01 09:00",
            "closes_at": "2026-12-01 09:00",
            "published_at": "2026-12-20",
            "url": "https://consult.donghu.example.gov.cn/consultations/42",
        },
        "version": 1,
        "correction_note": None,
        "figures": {
            "total": n,
            "adoption_rate": adopted / answered if answered else 0.0,
            "by_source": [
                {"key": k, "label": lab, "count": by.get(("s", k), 0)} for k, lab in SOURCES
            ],
            "by_disposition": [
                {"key": k, "label": lab, "count": by.get(("d", k), 0)} for k, lab in DISPOSITIONS
            ],
            "by_clause": [{"label": c, "count": by.get(("c", c), 0)} for c in CLAUSES],
        },
        "changes_summary": "根据公众意见，修改稿共调整条款十二处。\n"
        "一是压缩审批时限，由二十个工作日调整为十五个工作日。\n"
        "二是补充加装电梯补贴中低层住户的协商和补偿办法。",
        "comments": comments,
        "labels": {},
    }


def _peak_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as fh:
                    todo.extend(int(c) for c in fh.read().split())
    return found


def _pss_kb(pid: int) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


class TreeMemory:
    """Peak of the summed proportional set size (PSS) of this process and all its descendants
    (forkserver, workers), sampled every 250 ms: the memory the whole render holds at once,
    with pages shared between processes counted once."""

    def __init__(self) -> None:
        import threading

        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            total = sum(_pss_kb(p) for p in _descendants(os.getpid()))
            self.peak_kb = max(self.peak_kb, total)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _one(mode: str, n: int, chunk_rows: int, workers: int, variant: str) -> dict:
    with TreeMemory() as tree:
        result = _measure(mode, n, chunk_rows, workers, variant)
    result["tree_mb"] = tree.peak_kb / 1024
    return result


def _measure(mode: str, n: int, chunk_rows: int, workers: int, variant: str) -> dict:
    data = synthetic_data(n)
    if mode == "render":
        from consult.feedback.pdf import render_report

        stats: dict = {}
        t0, c0 = time.perf_counter(), time.process_time()
        pdf = render_report(
            data, workers=workers, chunk_rows=chunk_rows, stats=stats, variant=variant
        )
        wall = time.perf_counter() - t0
        return {
            "wall": wall,
            "cpu": time.process_time() - c0 + stats["cpu_seconds_workers"],
            "parent_mb": _peak_kb() / 1024,
            "child_mb": stats["child_peak_rss_kb"] / 1024,
            "pages": stats["pages"],
            "bytes": len(pdf),
            "parts": stats["parts"],
            "split": f"last part done at {stats['seconds_parts']:.1f} s, "
            f"then {stats['seconds_join_tail']:.1f} s to number and write",
        }
    import weasyprint

    from consult.feedback.pdf import report_html
    from consult.feedback.pdf import url_fetcher

    t0, c0 = time.perf_counter(), time.process_time()
    html = report_html(data)
    del data
    document = weasyprint.HTML(string=html, url_fetcher=url_fetcher()).render()
    pdf = document.write_pdf(pdf_variant=variant)
    wall = time.perf_counter() - t0
    return {
        "wall": wall,
        "cpu": time.process_time() - c0,
        "parent_mb": _peak_kb() / 1024,
        "child_mb": 0.0,
        "pages": len(document.pages),
        "bytes": len(pdf),
    }


def _run_child(mode: str, n: int, args, timeout: float, variant: str) -> dict | str:
    cmd = [
        sys.executable,
        __file__,
        "--one",
        mode,
        "--sizes",
        str(n),
        "--chunk-rows",
        str(args.chunk_rows),
        "--workers",
        str(args.workers),
        "--variants",
        variant,
    ]
    # A session of its own, so that a timeout also stops its forkserver and workers.
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"stopped after {timeout:.0f} s (timeout)"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # nothing of the run may outlive it
    if proc.returncode != 0:
        return "failed: " + (stderr.strip().splitlines() or ["?"])[-1]
    return json.loads(stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,20000")
    parser.add_argument("--chunk-rows", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--skip-bare-above",
        type=int,
        default=10000,
        help="skip the one-document WeasyPrint run above this many comments "
        "(20,000 takes ~5 min and ~3 GB)",
    )
    parser.add_argument("--bare-timeout", type=float, default=420.0)
    parser.add_argument("--render-timeout", type=float, default=300.0)
    parser.add_argument(
        "--variants",
        default="pdf/a-3a",
        help="WeasyPrint pdf_variant(s) to compare, e.g. pdf/a-3a,pdf/a-3b (tagged, untagged)",
    )
    parser.add_argument("--modes", default="render,bare", help="render, bare or both")
    parser.add_argument("--one", choices=["render", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    if args.one:
        variant = args.variants.split(",")[0]
        print(json.dumps(_one(args.one, sizes[0], args.chunk_rows, args.workers, variant)))
        return

    print(
        f"feedback report PDF: {os.cpu_count()} CPUs, workers={args.workers}, "
        f"chunk_rows={args.chunk_rows}; each run in a fresh process; "
        "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    )
    header = (
        f"{'comments':>8}  {'variant':<8} {'run':<6} {'wall s':>7} {'CPU s':>6} {'parent MB':>9} "
        f"{'max child MB':>12} {'tree PSS MB':>11} {'pages':>6} {'size MB':>7} {'÷ bare':>6}"
    )
    print(header)
    skipped = []
    modes = [m for m in ("bare", "render") if m in args.modes.split(",")]
    runs = [(n, v, m) for n in sizes for v in args.variants.split(",") for m in modes]
    bare_bytes: dict = {}
    for n, variant, mode in runs:
        tag = f"{n:>8}  {variant.removeprefix('pdf/'):<8} {mode:<6}"
        if mode == "bare" and n > args.skip_bare_above:
            skipped.append(n)
            print(f"{tag} skipped (--skip-bare-above {args.skip_bare_above})")
            continue
        timeout = args.render_timeout if mode == "render" else args.bare_timeout
        r = _run_child(mode, n, args, timeout, variant)
        if isinstance(r, str):
            print(f"{tag} {r}")
            continue
        peak = r["tree_mb"]
        if mode == "bare":
            bare_bytes[(n, variant)] = r["bytes"]
        ratio = r["bytes"] / bare_bytes[(n, variant)] if (n, variant) in bare_bytes else None
        line = (
            f"{tag} {r['wall']:>7.1f} {r['cpu']:>6.0f} {r['parent_mb']:>9.0f} "
            f"{r['child_mb'] if mode == 'render' else float('nan'):>12.0f} {peak:>11.0f} "
            f"{r['pages']:>6} {r['bytes'] / 1e6:>7.1f} "
            f"{ratio if ratio is not None else float('nan'):>6.2f}"
        )
        if mode == "render":
            line += f"   ({r['parts']} parts; {r['split']})"
        print(line, flush=True)
    if skipped:
        print("bare one-document run skipped for: " + ", ".join(map(str, skipped)))
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print(
        "goals: 10,000 <= 45 s and <= 600 MB; 20,000 <= 100 s and <= 600 MB; size <= 1.3 × bare "
        "(memory = tree PSS: the render's processes together, shared pages counted once)"
    )


if __name__ == "__main__":
    main()
