"""The feedback report as a tagged PDF/A-3a document, rendered by WeasyPrint in bounded parts.

One WeasyPrint document cannot hold a large consultation: its layout time and memory grow
faster than the row count (5,000 comment rows take ~49 s and ~800 MB, 20,000 take ~5 min and
3 GB). So `render_report` renders the report in parts, each in a fresh worker process that
returns its memory to the system when it exits:

1. ``front``: title page, figures (bars drawn as inline SVG by the template), the summary of
   changes and the first chunk of the comment table, flowing on (a section does not force a
   new page: the summary would otherwise end on a page of its own); with one chunk only, the
   duplicate groups too. This part carries the document's metadata (title, author,
   language), the PDF/A identification (XMP, OutputIntent) and the disposition table
   attached as CSV (/AF).
2. ``comments``: the further chunks of ``chunk_rows`` rows (header row repeated on every
   page, rows kept whole where they fit, fixed table layout with <colgroup> widths).
3. ``groups``: every duplicate group once, with all its receipt numbers (when the table has
   several chunks).
4. ``kit``: one page whose footer holds the glyphs of "第 X 页 / 共 Y 页" (the pattern of the
   report's language, and the digits).

Every word of the report is an English msgid translated with the project's catalogue for the
report's locale (`data["locale"]`, zh_Hans by default), in the template (jinja2.ext.i18n) and
here: the report is wholly in the language it is rendered in.

The parent then joins the parts with pypdf: it starts from the front part (keeping its
catalogue: XMP, OutputIntents, EmbeddedFiles, /AF, /Lang, and its /Info), appends the pages of
the other parts, and, now that the page count N is known, writes "第 X 页 / 共 N 页" on every
page with the kit's embedded font subset (glyph ids and widths read from its ToUnicode map and
/W array, the text centred by those widths): a few hundred bytes of content per page and no
layout, where a WeasyPrint document of N numbered pages would cost ~8 ms a page (marked as
pagination artifacts, outside the structure tree). Each part is tagged (a structure tree for
screen readers): the parts' trees are joined into the front's (see `_Structure`). Finally it
rebuilds the outline (bookmarks) from the positions WeasyPrint reported for each part, shifted
to the joined page numbers.

The font is Noto Sans SC from the ``justmytype-intl-cjk`` wheel, loaded through a URL fetcher
that allows exactly that file and refuses every other URL (no file:, http(s):, data:).
Privacy (design rule 6): the report data carries no contact details or addresses; the text of a
hidden comment is dropped here again before anything is rendered or attached.
"""

from __future__ import annotations

import atexit
import csv
import functools
import gc
import hashlib
import io
import logging
import multiprocessing
import os
import re
import resource
import shutil
import tempfile
import threading
import time
import warnings
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from consult import SITE

log = logging.getLogger(__name__)

TEMPLATES = SITE / "templates"
REPORT_TEMPLATE = "print/feedback_report.html"
FOLIO_TEMPLATE = "print/page_numbers.html"

FONT_PACKAGE = "justmytype_intl_cjk"
FONT_PARTS = ("fonts", "ofl", "notosanssc", "NotoSansSC[wght].ttf")

# The page numbers are written in the bottom margin, which the report leaves empty.
PAGE_MARGIN = "22mm 15mm 18mm 15mm"
# PDF/A-3 level A: archival (fonts embedded, sRGB output intent, the CSV as associated file)
# AND tagged (a structure tree a screen reader follows, /Lang, /MarkInfo, DisplayDocTitle).
# WeasyPrint writes one variant per document; "pdf/a-3a" is the one that is both. PDF/UA-1 is
# not claimed as well: nothing here can check its further rules (a validator such as veraPDF).
PDF_VARIANT = "pdf/a-3a"
FONT_WEIGHTS = (400, 700)
CSV_NAME = "dispositions.csv"
CSV_COLUMNS = (
    "receipt",
    "submitted_at",
    "source",
    "clause",
    "disposition",
    "reason",
    "duplicate_receipts",
    "withheld_reason",
)


def N_(message: str) -> str:  # noqa: N802 - marks a message for extraction; translated later
    return message


# The report's words are English msgids translated with the project's catalogue for the
# report's locale (see `translator`): a zh-Hans report holds no English word of ours.
WITHHELD_TEXT = N_("This comment is not published: it breaks the rules for publication.")
# Characters a part may print that its HTML need not contain (ellipsis of the running title).
FONT_EXTRA_CHARS = "".join(map(chr, range(0x20, 0x7F))) + "…·–—“”‘’　、，。：；（）"
DEFAULT_LABELS = {
    "report_title": N_("Feedback report on the public comments"),
    "issuer": "",
    "withheld": WITHHELD_TEXT,
}
DEFAULT_LOCALE = "zh_Hans"
HTML_LANG = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
BOOKMARK_EVERY = 100  # one bookmark per this many comments, under the comment table's
DUP_INLINE = 6  # duplicate receipts listed in the row; the groups section lists them all
# Page numbers: size, colour and baseline (pt above the bottom edge, in the 18 mm margin).
FOLIO_FORMAT = N_("Page %(n)d of %(total)d")
FOLIO_SIZE = 8.5
FOLIO_COLOUR = "#3b434b"
FOLIO_RGB = "0.231 0.263 0.294"
FOLIO_BASELINE = 22
PX_TO_PT = 0.75  # WeasyPrint positions are CSS px; PDF user space is pt

CHART_WIDTH = 680  # CSS px, the text width of an A4 page with PAGE_MARGIN
CHART_MAX_BARS = 30  # bars per chart, so that a chart fits a page
DISPOSITION_COLOURS = {
    "adopted": "#2f8f4e",
    "partly_adopted": "#c99a06",
    "not_adopted": "#c0392b",
    "not_applicable": "#8a939c",
}


class CatalogueMissing(RuntimeError):
    """The compiled catalogue of the report's language is missing: the report would fall back
    to English msgids in the middle of a Chinese document."""


@functools.cache
def translations(locale: str):
    """The project's gettext catalogue for `locale` (English: the msgids themselves), loaded
    without Flask, as the report is also rendered in worker processes and jobs."""
    from babel.support import NullTranslations, Translations

    if locale == "en":
        return NullTranslations()
    catalogue = Translations.load(str(TRANSLATIONS), [locale])
    if not isinstance(catalogue, Translations):
        raise CatalogueMissing(
            f"no compiled catalogue for {locale} in {TRANSLATIONS} (pybabel compile)"
        )
    return catalogue


def translator(locale: str):
    return translations(locale).gettext


def folio_sample(locale: str) -> str:
    """Every character "Page X of Y" may print in `locale`: the pattern's and the digits."""
    pattern = translator(locale)(FOLIO_FORMAT)
    return pattern.replace("%(n)d", "").replace("%(total)d", "") + "0123456789"


class FontMissing(RuntimeError):
    """The CJK font is not installed: WeasyPrint would silently print empty boxes."""


class FetchRefused(ValueError):
    """The report's URL fetcher refuses every URL but the bundled font."""


# --- font and URL fetcher ---------------------------------------------------------------
#
# The wheel ships Noto Sans SC as ONE variable font (31,000 glyphs, axis wght). WeasyPrint turns
# a variable font into a static one for every document it writes (fontTools' instancer, over
# every glyph slot: ~7 s per weight per document here), which would dominate a chunked render.
# So the fetcher serves, for `…/NotoSansSC%5Bwght%5D.ttf#wght=700`, a static instance of that
# file pinned at that weight, made once per process by HarfBuzz (uharfbuzz, ~0.4 s a weight)
# and handed to the workers as files. The URL is still that of the one allowed font file.
# Each part then gets that instance cut down to the characters of its own HTML (~20 ms), so
# WeasyPrint loads, scans and embeds ~1 MB instead of 10 MB (less time and ~40 MB less memory).


@functools.cache
def font_path() -> Path:
    """Where Noto Sans SC (variable weight) is installed, from the justmytype-intl-cjk wheel."""
    try:
        ref = resources.files(FONT_PACKAGE).joinpath(*FONT_PARTS)
    except ModuleNotFoundError as exc:
        raise FontMissing(f"{FONT_PACKAGE} is not installed") from exc
    path = Path(str(ref))
    if not path.is_file():
        raise FontMissing(f"font file not found: {path}")
    return Path(os.path.realpath(path))


def font_url(weight: int | None = None) -> str:
    """The font's file:// URL, brackets percent-encoded ("NotoSansSC%5Bwght%5D.ttf"), with
    the weight to serve as fragment."""
    url = font_path().as_uri()
    return f"{url}#wght={int(weight)}" if weight else url


def check_url(url: str) -> int | None:
    """The weight asked for when `url` is the bundled font's URL (None: the variable font
    itself); FetchRefused for every other URL."""
    parts = urlsplit(url)
    if (
        parts.scheme.lower() == "file"
        and parts.netloc in ("", "localhost")
        and not parts.query
        and os.path.realpath(unquote(parts.path)) == str(font_path())
    ):
        if not parts.fragment:
            return None
        key, _, value = parts.fragment.partition("=")
        if key == "wght" and value.isdigit() and int(value) in FONT_WEIGHTS:
            return int(value)
    raise FetchRefused(f"URL refused by the report's fetcher: {url[:200]}")


_instance_dir: str | None = None
_instance_lock = threading.Lock()


def static_font(weight: int) -> Path:
    """A static instance of the bundled variable font at `weight`, made once per process."""
    global _instance_dir
    if weight not in FONT_WEIGHTS:
        raise ValueError(f"weight {weight} not in {FONT_WEIGHTS}")
    with _instance_lock:
        if _instance_dir is None:
            _instance_dir = tempfile.mkdtemp(prefix="consult-fonts-")
            atexit.register(shutil.rmtree, _instance_dir, True)
        path = Path(_instance_dir) / f"NotoSansSC-{weight}.ttf"
        if not path.exists():
            import uharfbuzz as hb

            face = hb.Face(hb.Blob.from_file_path(str(font_path())))
            subset_input = hb.SubsetInput()
            subset_input.keep_everything()
            subset_input.pin_axis_location(face, "wght", weight)
            data = hb.subset(face, subset_input).blob.data
            if not data:
                raise FontMissing(f"could not pin {font_path()} at weight {weight}")
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            os.replace(tmp, path)
    return path


def static_fonts() -> dict[int, str]:
    return {weight: str(static_font(weight)) for weight in FONT_WEIGHTS}


def subset_font(path: str | Path, chars: frozenset[str] | set[str]) -> bytes:
    """The font at `path` cut down to `chars` (and ASCII): a part's HTML names every character
    it can print, and WeasyPrint loads, scans and embeds a 1 MB font faster than a 10 MB one."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(path)))
    subset_input = hb.SubsetInput()
    subset_input.unicode_set.update(ord(c) for c in set(chars) | set(FONT_EXTRA_CHARS))
    return hb.subset(face, subset_input).blob.data


@functools.cache
def _fetcher_class() -> type:
    import weasyprint
    from weasyprint.urls import URLFetcherResponse

    class ReportURLFetcher(weasyprint.URLFetcher):
        """Serves the bundled font (as static instances per weight) and nothing else."""

        def __init__(self, instances: dict[int, str] | None = None, chars=None):
            super().__init__(timeout=1, allow_redirects=False)
            self._instances = {int(k): v for k, v in (instances or {}).items()}
            self._chars = chars

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            weight = check_url(url)
            if weight is None:
                path = font_path()
            else:
                path = self._instances.get(weight) or static_font(weight)
            body = subset_font(path, self._chars) if self._chars else Path(path).read_bytes()
            return URLFetcherResponse(url, body=body, headers={"Content-Type": "font/ttf"})

        def open(self, url, data=None, timeout=None):  # urllib's door: closed too
            raise FetchRefused("the report's fetcher opens nothing directly")

    return ReportURLFetcher


def url_fetcher(instances: dict[int, str] | None = None, chars: set[str] | None = None) -> Any:
    """A WeasyPrint URL fetcher that allows exactly the bundled font file; `instances` maps a
    weight to its static instance file (made here when absent); with `chars`, it serves the
    font cut down to those characters."""
    return _fetcher_class()(instances, chars)


# --- data preparation (parent) -------------------------------------------------------------


def _row(m: dict, whole: str = "") -> dict:
    """A comment as the template and the CSV see it; a hidden comment loses its text here.
    `whole`: what a comment on no clause addresses ("the draft as a whole")."""
    hidden = bool(m.get("hidden"))
    return {
        "receipt": str(m["receipt"]),
        "submitted_at": str(m.get("submitted_at") or ""),
        "source": str(m.get("source") or ""),
        "source_label": str(m.get("source_label") or m.get("source") or ""),
        "clause": str(m.get("clause") or whole),
        "text": None if hidden else (m.get("text") or ""),
        "hidden": hidden,
        "hidden_reason_label": (m.get("hidden_reason_label") or "") if hidden else "",
        "disposition": str(m.get("disposition") or ""),
        "disposition_label": str(m.get("disposition_label") or m.get("disposition") or ""),
        "reason": m.get("reason") or "",
        "duplicate_receipts": [str(r) for r in (m.get("duplicate_receipts") or [])],
    }


def _csv_cell(value: str) -> str:
    # Spreadsheets run cells that start like a formula; an officer's reason must stay text.
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def dispositions_csv(comments: list[dict]) -> bytes:
    """The disposition table as CSV, UTF-8 with BOM (so spreadsheets read the Chinese).

    No comment text is exported; a withheld comment shows its moderation reason instead."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for m in comments:
        r = _row(m)
        writer.writerow(
            [
                r["receipt"],
                r["submitted_at"],
                r["source"],
                _csv_cell(r["clause"]),
                r["disposition"],
                _csv_cell(r["reason"]),
                " ".join(r["duplicate_receipts"]),
                _csv_cell(r["hidden_reason_label"]),
            ]
        )
    return out.getvalue().encode("utf-8")


def duplicate_groups(comments: list[dict]) -> list[list[str]]:
    """Each duplicate group once, receipts in report order."""
    order = {str(m["receipt"]): i for i, m in enumerate(comments)}
    seen: set[str] = set()
    groups = []
    for m in comments:
        receipt = str(m["receipt"])
        dups = m.get("duplicate_receipts") or []
        if not dups or receipt in seen:
            continue
        members = sorted({receipt, *map(str, dups)}, key=lambda r: (order.get(r, 1 << 60), r))
        seen.update(members)
        groups.append(members)
    return groups


def _bar_chart(title: str, items: list[dict], colour_of, *, total: int | None = None) -> dict:
    bar_h, pitch, label_w = 13, 19, 150
    room = CHART_WIDTH - label_w - 110
    peak = max((int(i["count"]) for i in items), default=0) or 1
    rows = []
    for n, item in enumerate(items):
        count = int(item["count"])
        share = f"{count / total:.1%}" if total else None
        rows.append(
            {
                "label": str(item["label"]),
                "count": count,
                "w": round(max(room * count / peak, 0.8 if count else 0), 1),
                "y": 4 + n * pitch,
                "color": colour_of(item),
                "share": share,
            }
        )
    return {
        "title": title,
        "rows": rows,
        "width": CHART_WIDTH,
        "height": 8 + len(rows) * pitch,
        "label_w": label_w,
        "bar_h": bar_h,
    }


def _cap(items: list[dict], tr, keep: int = CHART_MAX_BARS) -> list[dict]:
    """At most `keep` bars (one page): the rest summed as "Other (N items)"."""
    if len(items) <= keep:
        return items
    rest = items[keep - 1 :]
    other = {
        "label": tr(N_("Other (%(num)d items)")) % {"num": len(rest)},
        "count": sum(int(i["count"]) for i in rest),
    }
    return [*items[: keep - 1], other]


def _locale(data: dict) -> str:
    return data.get("locale") or DEFAULT_LOCALE


def _front_context(data: dict) -> dict:
    tr = translator(_locale(data))
    figures = data.get("figures") or {}
    total = int(figures.get("total") or 0)
    charts = [
        _bar_chart(
            tr(N_("By channel")), figures.get("by_source") or [], lambda i: "#2b6cb0", total=total
        ),
        _bar_chart(
            tr(N_("By answer")),
            figures.get("by_disposition") or [],
            lambda i: DISPOSITION_COLOURS.get(i.get("key"), "#4a5568"),
            total=total,
        ),
        _bar_chart(
            tr(N_("By clause")),
            _cap(figures.get("by_clause") or [], tr),
            lambda i: "#4a5568",
            total=total,
        ),
    ]
    summary = data.get("changes_summary") or ""
    paragraphs = [p.strip() for p in summary.replace("\r\n", "\n").split("\n") if p.strip()]
    return {
        "figures": {
            "total": total,
            "adoption_rate": float(figures.get("adoption_rate") or 0.0),
            "by_source": figures.get("by_source") or [],
            "by_disposition": figures.get("by_disposition") or [],
            "by_clause": figures.get("by_clause") or [],
        },
        "charts": charts,
        "changes_paragraphs": paragraphs,
    }


def _base_context(data: dict) -> dict:
    c = dict(data["consultation"])
    for key in ("title", "matter_title", "matter_code", "department", "url"):
        c[key] = str(c.get(key) or "")
    for key in ("opens_at", "closes_at", "published_at"):
        c[key] = str(c.get(key) or "")
    locale = _locale(data)
    tr = translator(locale)
    labels = {key: tr(value) if value else value for key, value in DEFAULT_LABELS.items()}
    labels.update(data.get("labels") or {})
    if not labels["issuer"]:
        labels["issuer"] = c["department"]
    return {
        "locale": locale,
        "html_lang": HTML_LANG.get(locale, locale.replace("_", "-")),
        "whole": tr(N_("The draft as a whole")),
        "consultation": c,
        "version": int(data.get("version") or 1),
        "correction_note": data.get("correction_note") or "",
        "labels": labels,
        "font_regular": font_url(400),
        "font_bold": font_url(700),
        "page_margin": PAGE_MARGIN,
        "bookmark_every": BOOKMARK_EVERY,
        "dup_inline": DUP_INLINE,
        "total_comments": len(data.get("comments") or []),
        # Defaults for the parts that do not use them.
        "figures": {"total": 0, "adoption_rate": 0.0},
        "charts": [],
        "changes_paragraphs": [],
        "rows": [],
        "first_number": 1,
        "first_chunk": False,
        "groups": [],
    }


def report_html(data: dict) -> str:
    """The whole report as ONE HTML document (no page numbers): small reports, the benchmark."""
    comments = data.get("comments") or []
    context = {
        **_base_context(data),
        **_front_context(data),
        "part": "all",
        "rows": [_row(m, context_whole(data)) for m in comments],
        "first_chunk": True,
        "groups": duplicate_groups(comments),
    }
    return _render_template(REPORT_TEMPLATE, context)


# --- worker side ---------------------------------------------------------------------------


def context_whole(data: dict) -> str:
    return translator(_locale(data))(N_("The draft as a whole"))


@functools.cache
def _jinja_env(locale: str):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    # New-style gettext: `_("… %(x)s", x=value)` formats and escapes the values.
    env.install_gettext_translations(translations(locale), newstyle=True)
    return env


def _render_template(name: str, context: dict) -> str:
    return _jinja_env(context.get("locale") or DEFAULT_LOCALE).get_template(name).render(**context)


def _peak_rss_kb() -> int:
    """This process's peak resident set (VmHWM), in KiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


_ABANDONED: list = []


def _render_part(job: dict) -> dict:
    """Render one part to `job["out"]`; returns its page count and bookmark positions.

    Runs in a worker process (or inline with workers=0)."""
    gc_was_enabled = gc.isenabled()
    # WeasyPrint allocates millions of small objects per part; Python's cyclic collector then
    # rescans them again and again (~20% of a part's time, measured). A part is bounded and its
    # worker exits after it, so collecting cycles is pointless there; inline, the collector is
    # switched back on afterwards.
    gc.disable()
    try:
        return _render_part_now(job)
    finally:
        if gc_was_enabled:
            gc.enable()


def _render_part_now(job: dict) -> dict:
    import weasyprint

    started = time.perf_counter()
    epoch_started = time.time()
    cpu_started = time.process_time()
    html = _render_template(job["template"], job["context"])
    fetcher = url_fetcher(job.get("fonts"), frozenset(html))
    document = weasyprint.HTML(string=html, url_fetcher=fetcher).render()
    del html
    bookmarks = []
    for index, page in enumerate(document.pages):
        for level, label, (x, y), _state in page.bookmarks:
            bookmarks.append((level, label, index, x * PX_TO_PT, y * PX_TO_PT))
    attachments = None
    if job.get("csv") is not None:
        attachments = [
            weasyprint.Attachment(
                string=job["csv"],
                name=CSV_NAME,
                description=translator(job["context"]["locale"])(
                    N_("Comments and their answers (CSV, UTF-8)")
                ),
                relationship="Data",
                url_fetcher=fetcher,
            )
        ]
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for PDF/A and never closes it (ResourceWarning,
        # an error under the test suite's filterwarnings when rendering with workers=0).
        warnings.simplefilter("ignore", ResourceWarning)
        document.write_pdf(
            job["out"], pdf_variant=job.get("variant", PDF_VARIANT), attachments=attachments
        )
    if job.get("worker_exits"):
        # The worker process ends after this part: the system takes its memory back at once,
        # where freeing the document's boxes one by one would cost ~0.25 s a part.
        _ABANDONED.append(document)
    return {
        "kind": job["kind"],
        "out": job["out"],
        "pages": len(document.pages),
        "bookmarks": bookmarks,
        "seconds": time.perf_counter() - started,
        "epoch_started": epoch_started,
        "epoch_finished": time.time(),
        "cpu_seconds": time.process_time() - cpu_started,
        "process_cpu_seconds": time.process_time(),
        "peak_rss_kb": _peak_rss_kb(),
        "pid": os.getpid(),
    }


# --- orchestration (parent) ----------------------------------------------------------------


def _mp_context() -> multiprocessing.context.BaseContext:
    # forkserver: workers start from a small clean server that already imported WeasyPrint,
    # not from a copy of the (web) parent, and each exits after one part (memory returned).
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["weasyprint", __name__])
    return ctx


class _Inline:
    """workers=0: the same jobs in this process, one after the other (no memory bound)."""

    def submit(self, fn, job):
        class _Done:
            def __init__(self, value):
                self._value = value

            def result(self):
                return self._value

        return _Done(fn(job))

    def shutdown(self, wait=True, cancel_futures=False):
        pass


def _jobs(data, comments, base, fonts, tmp, chunk_rows, *, worker_exits, variant=PDF_VARIANT):
    """The parts to render, in document order: front, kit, comment chunks, groups.

    The front carries the first chunk of the table (its heading follows the summary of changes
    on the same page, where a part of its own would leave that page nearly empty), and, when
    the table has one chunk only, the duplicate groups too: a small report is one document."""
    common = {"fonts": fonts, "worker_exits": worker_exits, "variant": variant}
    groups = duplicate_groups(comments)
    single = len(comments) <= chunk_rows
    yield {
        **common,
        "kind": "front",
        "template": REPORT_TEMPLATE,
        "context": {
            **base,
            **_front_context(data),
            "part": "front",
            "rows": [_row(m, base["whole"]) for m in comments[:chunk_rows]],
            "first_number": 1,
            "first_chunk": True,
            "groups": groups if single else [],
        },
        "csv": dispositions_csv(comments),
        "out": os.path.join(tmp, "front.pdf"),
    }
    yield {
        **common,
        "kind": "kit",
        "template": FOLIO_TEMPLATE,
        "context": {
            "locale": base["locale"],
            "html_lang": base["html_lang"],
            "font_regular": base["font_regular"],
            "page_margin": PAGE_MARGIN,
            "sample": folio_sample(base["locale"]),
            "folio_size": FOLIO_SIZE,
            "folio_colour": FOLIO_COLOUR,
        },
        "out": os.path.join(tmp, "kit.pdf"),
    }
    for k, start in enumerate(range(chunk_rows, len(comments), chunk_rows), start=1):
        yield {
            **common,
            "kind": "comments",
            "template": REPORT_TEMPLATE,
            "context": {
                **base,
                "part": "comments",
                "rows": [_row(m, base["whole"]) for m in comments[start : start + chunk_rows]],
                "first_number": start + 1,
                "first_chunk": False,
            },
            "out": os.path.join(tmp, f"comments-{k:05d}.pdf"),
        }
    if groups and not single:
        yield {
            **common,
            "kind": "groups",
            "template": REPORT_TEMPLATE,
            "context": {**base, "part": "groups", "groups": groups},
            "out": os.path.join(tmp, "groups.pdf"),
        }


def render_report(
    data: dict,
    *,
    workers: int | None = None,
    chunk_rows: int = 500,
    stats: dict | None = None,
    variant: str = PDF_VARIANT,
) -> bytes:
    """The feedback report as tagged PDF/A-3a bytes (see the module docstring for the design).

    `workers`: processes rendering at once (default: min(2, CPUs)); 0 renders in this process.
    `variant`: WeasyPrint's pdf_variant (the benchmark compares "pdf/a-3b", untagged).
    `chunk_rows`: comment rows per part. `stats`, when given, is filled with figures (pages,
    timings, peak memory of this process and of the largest worker).

    Workers start by "forkserver": a script that calls this must guard its entry point with
    ``if __name__ == "__main__":`` (gunicorn, flask, rq and pytest do). Inside a daemonic
    process (a multiprocessing pool's worker), which may not start processes, pass workers=0."""
    started = time.perf_counter()
    fonts = static_fonts()  # fails loudly before anything is rendered: no font, no report
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    chunk_rows = max(1, int(chunk_rows))
    comments = data.get("comments") or []
    base = _base_context(data)

    with tempfile.TemporaryDirectory(prefix="consult-report-") as tmp:
        jobs = _jobs(
            data, comments, base, fonts, tmp, chunk_rows, worker_exits=workers > 0, variant=variant
        )
        if workers > 0:
            pool: Any = ProcessPoolExecutor(
                max_workers=workers, mp_context=_mp_context(), max_tasks_per_child=1
            )
        else:
            pool = _Inline()
        try:
            # Parts are submitted in document order (front, kit, chunks, groups) and at most
            # 2 × workers at a time: the workers render k+1 … while this process joins part k,
            # and only the rows of the parts in flight exist here (a chunk's rows are built
            # when it is submitted), which bounds this process's memory.
            limit = 2 * max(workers, 1)
            window: deque = deque()
            results: list[dict] = []
            joiner: _Joiner | None = None
            kit: dict | None = None

            def accept(result: dict) -> None:
                nonlocal joiner, kit
                results.append(result)
                if result["kind"] == "front":
                    joiner = _Joiner(result)
                elif result["kind"] == "kit":
                    kit = result
                else:
                    joiner.add(result)

            for job in jobs:
                window.append(pool.submit(_render_part, job))
                del job
                if len(window) >= limit:
                    accept(window.popleft().result())
            while window:
                accept(window.popleft().result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        parts_done = time.perf_counter()
        pdf = joiner.finish(kit, base["locale"])
        total = joiner.total
        finished = time.perf_counter()
    log.info(
        "feedback report: %d comments, %d parts, %d pages, %d bytes in %.1f s",
        len(comments),
        len(results) - 1,
        total,
        len(pdf),
        finished - started,
    )

    if stats is not None:
        parts = [r for r in results if r["kind"] != "kit"]
        stats.update(
            {
                "pages": total,
                "bytes": len(pdf),
                "parts": len(parts),
                "workers": workers,
                "chunk_rows": chunk_rows,
                "seconds": finished - started,
                "seconds_parts": parts_done - started,
                "seconds_join_tail": finished - parts_done,
                "part_seconds_max": max(p["seconds"] for p in parts),
                "cpu_seconds_workers": sum(p["cpu_seconds"] for p in results),
                "child_peak_rss_kb": max(p["peak_rss_kb"] for p in results),
                "parent_peak_rss_kb": _peak_rss_kb(),
            }
        )
    return pdf


class _FolioWriter:
    """Writes "第 X 页 / 共 Y 页" ("Page X of Y" in the report's language) with the font
    WeasyPrint embedded in the glyph kit page."""

    def __init__(self, kit_page, writer, locale: str = DEFAULT_LOCALE):
        from pypdf.generic import NameObject

        fonts = kit_page["/Resources"]["/Font"]
        (font_ref,) = fonts.values()
        font = font_ref.get_object()
        self.glyphs = _to_unicode_map(font["/ToUnicode"].get_object().get_data())
        descendant = font["/DescendantFonts"][0].get_object()
        self.widths = _cid_widths(descendant.get("/W", []))
        self.default_width = float(descendant.get("/DW", 1000))
        self.pattern = translator(locale)(FOLIO_FORMAT)
        missing = set(folio_sample(locale)) - set(self.glyphs)
        if missing:
            raise RuntimeError(f"page-number glyphs missing from the kit: {missing}")
        clone = font.clone(writer)
        _retag_font(clone, "page numbers")
        self.font_ref = writer._add_object(clone)
        self.name = NameObject("/ConsultFolio")

    def content(self, number: int, total: int, page_width: float) -> bytes:
        text = self.pattern % {"n": number, "total": total}
        cids = [self.glyphs[ch] for ch in text]
        width = sum(self.widths.get(c, self.default_width) for c in cids) * FOLIO_SIZE / 1000
        x = (page_width - width) / 2
        hexes = "".join(f"{c:04x}" for c in cids)
        # A pagination artifact: a screen reader skips it, and the tagged document's content
        # is all either in the structure tree or marked as an artifact.
        return (
            f"\nQ q /Artifact <</Type /Pagination /Subtype /Footer>> BDC "
            f"{FOLIO_RGB} rg BT {self.name} {FOLIO_SIZE:g} Tf "
            f"1 0 0 1 {x:.2f} {FOLIO_BASELINE:g} Tm <{hexes}> Tj ET EMC Q\n"
        ).encode("ascii")


def _to_unicode_map(cmap: bytes) -> dict[str, int]:
    """Character -> CID from a ToUnicode CMap (bfchar and bfrange entries)."""
    glyphs: dict[str, int] = {}
    text = cmap.decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for cid, uni in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            glyphs.setdefault(bytes.fromhex(uni).decode("utf-16-be"), int(cid, 16))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, uni in re.findall(
            r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            first = ord(bytes.fromhex(uni).decode("utf-16-be"))
            for offset, cid in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                glyphs.setdefault(chr(first + offset), cid)
    return glyphs


def _cid_widths(w: list) -> dict[int, float]:
    """CID -> width (1/1000 em) from a CIDFont /W array."""
    widths: dict[int, float] = {}
    items = [x.get_object() if hasattr(x, "get_object") else x for x in w]
    i = 0
    while i < len(items):
        first = int(items[i])
        nxt = items[i + 1]
        if isinstance(nxt, list):
            for k, value in enumerate(nxt):
                widths[first + k] = float(value)
            i += 2
        else:
            for cid in range(first, int(nxt) + 1):
                widths[cid] = float(items[i + 2])
            i += 3
    return widths


def _retag_fonts(page, part_number: int, done: set[int]) -> None:
    """Give each part's font subsets their own tag ("ABCDEF+Noto-Sans-SC").

    WeasyPrint derives the tag from the font, not from the subset, so every part would name
    its different subset alike; a viewer that caches fonts by name could then draw one part's
    text with another part's glyphs."""
    fonts = page.get("/Resources", {}).get("/Font", {})
    for ref in fonts.values():
        key = getattr(ref, "idnum", None)
        if key is None or key in done:
            continue
        done.add(key)
        _retag_font(ref.get_object(), str(part_number))


def _retag_font(font, salt: str) -> None:
    from pypdf.generic import NameObject

    objects = [font]
    for descendant in font.get("/DescendantFonts", []):
        descendant = descendant.get_object()
        objects.append(descendant)
        if "/FontDescriptor" in descendant:
            objects.append(descendant["/FontDescriptor"].get_object())
    for obj in objects:
        for field in ("/BaseFont", "/FontName"):
            name = str(obj.get(field, ""))
            if len(name) > 8 and name[7] == "+":
                digest = hashlib.sha256(f"{salt}{name}".encode()).digest()
                tag = "".join(chr(65 + b % 26) for b in digest[:6])
                obj[NameObject(field)] = NameObject(f"/{tag}{name[7:]}")


class _Structure:
    """The joined document's structure tree (tags, for screen readers and PDF/A level A).

    Every part is a tagged PDF of its own: a StructTreeRoot with one Document element, whose
    children (sections, headings, tables, rows, cells …) point at their pages (/Pg) and marked
    content (MCID), and a ParentTree that maps each page's /StructParents key (and each
    annotation's /StructParent) back to the elements. pypdf's add_page keeps the content and
    its MCIDs but drops /StructParents and knows nothing of the tree. So for each part after
    the front: its Document's children are cloned into the writer (their /Pg references
    resolve to the pages just added) and appended to the front's Document, and its
    ParentTree entries are added under new keys (shifted past the ones in use), which the
    part's pages and annotations then carry. A table's header cells have ids made from
    object numbers ("219-0-1"), which repeat from part to part: each part's get its prefix.

    Memory: a tagged part has ~15 structure elements per comment row, and pypdf holds each as
    Python objects of ~5 KB until the document is written (10,000 rows: ~1 GB in this
    process). Nothing changes an element once it is in place, so each is written out to its
    final bytes at once (`_freeze`), about a tenth of that."""

    def __init__(self, tree_root, document, nums):
        self.tree_root, self.document, self.nums = tree_root, document, nums
        self.parts = 0
        self.next_key = int(tree_root.get("/ParentTreeNextKey", 0)) or (
            max((int(k) for k in nums[::2]), default=-1) + 1
        )

    @classmethod
    def of(cls, catalogue, writer) -> _Structure | None:
        if "/StructTreeRoot" not in catalogue:
            return None
        tree_root = catalogue["/StructTreeRoot"].get_object()
        document = _only_kid(tree_root)
        nums = tree_root["/ParentTree"].get_object()["/Nums"]
        kids = document["/K"]
        _freeze(writer, kids if isinstance(kids, list) else [kids])
        return cls(tree_root, document, nums)

    def add(self, reader, writer, pages, keys) -> None:
        from pypdf.generic import NameObject, NumberObject

        catalogue = reader.trailer["/Root"]
        if "/StructTreeRoot" not in catalogue:
            raise RuntimeError("a part of the report is not tagged")
        source_root = catalogue["/StructTreeRoot"].get_object()
        source_document = _only_kid(source_root)
        source_nums = source_root["/ParentTree"].get_object()["/Nums"]
        offset = self.next_key
        kids = source_document["/K"]
        kids = kids if isinstance(kids, list) else [kids]
        # Cut the children loose from their Document first, or cloning them would pull in
        # that Document, its StructTreeRoot and the part's whole ParentTree again.
        for kid in kids:
            element = kid.get_object()
            if "/P" in element:
                del element["/P"]
        self.parts += 1
        _prefix_header_ids(kids, f"p{self.parts}-")
        own = self.document.indirect_reference
        target = self.document["/K"]
        clones = []
        for kid in kids:
            clone = kid.clone(writer)
            clone.get_object()[NameObject("/P")] = own
            target.append(clone)
            clones.append(clone)
        top = -1
        for key, value in zip(source_nums[::2], source_nums[1::2], strict=True):
            top = max(top, int(key))
            self.nums.append(NumberObject(int(key) + offset))
            self.nums.append(value.clone(writer))
        for page, key in zip(pages, keys, strict=True):
            if key is not None:
                page[NameObject("/StructParents")] = NumberObject(int(key) + offset)
            for annotation in page.get("/Annots", []) or []:
                annotation = annotation.get_object()
                if "/StructParent" in annotation:
                    shifted = int(annotation["/StructParent"]) + offset
                    annotation[NameObject("/StructParent")] = NumberObject(shifted)
        self.next_key = offset + top + 1
        self.tree_root[NameObject("/ParentTreeNextKey")] = NumberObject(self.next_key)
        _freeze(writer, clones)


class _Frozen:
    """An object of the writer already written out: pypdf writes `data` as the object's body."""

    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data

    def write_to_stream(self, stream, *args) -> None:
        stream.write(self.data)


def _freeze(writer, refs) -> None:
    """Write the structure elements under `refs` (and `refs`) to their final bytes in place."""
    from pypdf.generic import IndirectObject

    stack = [r for r in refs if isinstance(r, IndirectObject)]
    buffer = io.BytesIO()
    while stack:
        ref = stack.pop()
        element = writer._objects[ref.idnum - 1]
        if isinstance(element, _Frozen) or not hasattr(element, "get") or "/S" not in element:
            continue  # done already, or not an element (an annotation an OBJR points at)
        children = element.get("/K")
        if isinstance(children, list):
            stack.extend(k for k in children if isinstance(k, IndirectObject))
        elif isinstance(children, IndirectObject):
            stack.append(children)
        buffer.seek(0)
        buffer.truncate()
        element.write_to_stream(buffer)
        writer._objects[ref.idnum - 1] = _Frozen(buffer.getvalue())


def _prefix_header_ids(kids, prefix: str) -> None:
    """Prefix the /ID of header cells and the /Headers that name them, in a part's tree."""
    from pypdf.generic import ArrayObject, IndirectObject, NameObject, TextStringObject

    stack = list(kids)
    while stack:
        element = stack.pop().get_object()
        if not hasattr(element, "get"):
            continue
        if "/ID" in element:
            element[NameObject("/ID")] = TextStringObject(prefix + str(element["/ID"]))
        attributes = element.get("/A")
        if attributes is not None and hasattr(attributes, "get") and "/Headers" in attributes:
            attributes[NameObject("/Headers")] = ArrayObject(
                TextStringObject(prefix + str(h)) for h in attributes["/Headers"]
            )
        children = element.get("/K")
        if isinstance(children, list):
            stack.extend(k for k in children if isinstance(k, IndirectObject))
        elif isinstance(children, IndirectObject):
            stack.append(children)


def _only_kid(tree_root):
    kids = tree_root["/K"]
    kids = kids if isinstance(kids, list) else [kids]
    if len(kids) != 1:
        raise RuntimeError("a part's structure tree has no single Document element")
    return kids[0].get_object()


class _Joiner:
    """Joins the parts with pypdf as they arrive, then numbers the pages and builds the outline.

    The writer starts as a clone of the front part, whose catalogue carries what PDF/A-3a and
    the metadata need: XMP (pdfaid part 3, conformance A), OutputIntents, the CSV in
    EmbeddedFiles and /AF, /Lang, /MarkInfo, /ViewerPreferences (DisplayDocTitle), the
    structure tree the other parts' trees join (`_Structure`); and its /Info (Title, Author,
    Producer, matching the XMP)."""

    def __init__(self, front: dict):
        from pypdf import PdfWriter
        from pypdf.generic import ArrayObject, NameObject

        assert front["kind"] == "front"
        # pypdf notes that cloning WeasyPrint's file makes more objects than its trailer
        # /Size (object streams unpacked): expected, and /Size is rewritten on output.
        writer_log = logging.getLogger("pypdf._writer")
        level = writer_log.level
        writer_log.setLevel(logging.ERROR)
        try:
            self.writer = PdfWriter(clone_from=front["out"])
        finally:
            writer_log.setLevel(level)
        root = self.writer._root_object
        # WeasyPrint's outline covers only the front part: rebuilt for the whole in finish().
        for key in ("/Outlines", "/PageMode"):
            if key in root:
                del root[key]
        if "/AF" in root:  # WeasyPrint lists the CSV's file specification twice
            unique = {}
            for ref in root["/AF"]:
                unique.setdefault(getattr(ref, "idnum", id(ref)), ref)
            root[NameObject("/AF")] = ArrayObject(unique.values())
        # writer.pages walks the page tree on every len(): keep our own list of the pages.
        self.pages = list(self.writer.pages)
        if len(self.pages) != front["pages"]:
            raise RuntimeError("the front part's page count changed on reading")
        self.bookmarks = [(0, front["bookmarks"])]
        self._retagged: set[int] = set()
        self._structure = _Structure.of(root, self.writer)

    @property
    def total(self) -> int:
        return len(self.pages)

    def add(self, part: dict) -> None:
        from pypdf import PdfReader

        offset = len(self.pages)
        reader = PdfReader(part["out"])
        keys = []
        for page in reader.pages:
            keys.append(page.get("/StructParents"))
            self.pages.append(self.writer.add_page(page))
            _retag_fonts(self.pages[-1], len(self.bookmarks), self._retagged)
        if len(self.pages) - offset != part["pages"]:
            raise RuntimeError(f"part {part['out']}: {len(self.pages) - offset} pages joined")
        if self._structure is not None:
            self._structure.add(reader, self.writer, self.pages[offset:], keys)
        self.bookmarks.append((offset, part["bookmarks"]))
        # pypdf keeps every reader it cloned from alive (its table of translated object
        # numbers holds the reader, and its map of merged pages the reader's page references,
        # which it needs only to patch links between documents: the parts have none).
        # Nothing more is taken from this one: let it go with all the objects it parsed
        # (with tags ~50 MB per 1,000 rows otherwise).
        self.writer._id_translated.pop(id(reader), None)
        merged = self.writer._merged_in_pages
        for key in [k for k in merged if getattr(k, "pdf", None) is reader]:
            del merged[key]
        del reader
        os.unlink(part["out"])  # the temporary file is no longer needed

    def finish(self, kit: dict, locale: str = DEFAULT_LOCALE) -> bytes:
        from pypdf import PdfReader
        from pypdf.generic import (
            ArrayObject,
            DecodedStreamObject,
            DictionaryObject,
            Fit,
            NameObject,
        )

        writer, total = self.writer, len(self.pages)
        # Page numbers, drawn last on each page; the page's own content is wrapped in q … Q so
        # its graphics state cannot move them.
        folio = _FolioWriter(PdfReader(kit["out"]).pages[0], writer, locale)
        open_q = writer._add_object(
            DecodedStreamObject.initialize_from_dictionary({"__streamdata__": b"q\n"})
        )
        for number, page in enumerate(self.pages, start=1):
            resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
            page_fonts = DictionaryObject(resources.get("/Font", DictionaryObject()).get_object())
            page_fonts[folio.name] = folio.font_ref
            resources[NameObject("/Font")] = page_fonts
            page[NameObject("/Resources")] = resources
            stamp = DecodedStreamObject()
            stamp.set_data(folio.content(number, total, float(page.mediabox.width)))
            contents = page.get("/Contents")
            if contents is None:
                items = []
            elif isinstance(contents.get_object(), ArrayObject):
                items = list(contents.get_object())
            else:
                items = [contents]
            page[NameObject("/Contents")] = ArrayObject([open_q, *items, writer._add_object(stamp)])

        # Outline: level-1 entries from every part in page order; level 2 under the last one.
        height = float(self.pages[0].mediabox.height)
        current_parent = None
        for offset, bookmarks in self.bookmarks:
            for level, label, page_index, x, y in bookmarks:
                fit = Fit.xyz(left=x, top=height - y)
                if level <= 1 or current_parent is None:
                    current_parent = writer.add_outline_item(
                        title=label, page_number=offset + page_index, fit=fit
                    )
                else:
                    writer.add_outline_item(
                        title=label, page_number=offset + page_index, parent=current_parent, fit=fit
                    )
        writer.page_mode = "/UseOutlines"

        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()
