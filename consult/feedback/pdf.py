"""The feedback report as a tagged PDF/A-3a document, rendered by WeasyPrint in bounded parts.

One WeasyPrint document cannot hold a large consultation: its layout time and memory grow
faster than the row count (5,000 comment rows take ~49 s and ~800 MB, 20,000 take ~5 min and
3 GB). So the report is rendered in parts of `chunk_rows` table entries, each in a process of
its own (a worker of `render_parts`'s pool, or an RQ job: consult/feedback/report.py) that
returns its memory to the system when it ends, and the parts are joined by
consult/feedback/pdfjoin.py, streaming:

1. ``front``: title page, figures (bars drawn as inline SVG by the template), the summary of
   changes and the first chunk of the comment table, flowing on (a section does not force a
   new page). It carries the document's metadata (title, author, language), the PDF/A
   identification (XMP, OutputIntent) and the disposition table attached as CSV (/AF; the
   part attaches a placeholder, the join streams the real file in).
2. ``comments``: the further chunks (header row repeated on every page, rows kept whole where
   they fit, fixed table layout with <colgroup> widths).

The table lists each comment once, in the order received, except that a duplicate group (a
campaign letter and its copies) is ONE entry, where its first member stands: its text, how
many comments it holds ("与本条内容相同或相近的意见共N条"), and its answer; where the members
were answered differently, each distinct answer with its count. The attached CSV lists every
comment with its receipt number, its answer and the entry that shows it, so that anyone finds
their own.

Fonts: before any part is rendered, the report's characters are collected (the caller streams
them) and the bundled font is cut down to them ONCE per weight (`report_fonts`); every part
renders with those same files, so the glyph ids agree from part to part and the join embeds
each weight once, cut to the glyphs the parts used (a part embedding a subset of its own made
the 10,000-comment report 19.2 MB where one document was 5.5 MB).

Every word of the report is an English msgid translated with the project's catalogue for the
report's locale (`data["locale"]`, zh_Hans by default), in the template (jinja2.ext.i18n) and
here: the report is wholly in the language it is rendered in.

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
import resource
import shutil
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections import deque
from collections.abc import Iterable
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from urllib.parse import urlsplit

from consult import SITE
from consult.feedback import pdfjoin

log = logging.getLogger(__name__)

TEMPLATES = SITE / "templates"
REPORT_TEMPLATE = "print/feedback_report.html"

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
CHUNK_ROWS = 500
CSV_NAME = "dispositions.csv"
# `entry`: the number of the table entry that shows the comment's answer (a group's members
# all point at the group's entry); `group_receipt`: that entry's receipt, for a group member.
CSV_COLUMNS = (
    "receipt",
    "submitted_at",
    "source",
    "clause",
    "disposition",
    "reason",
    "entry",
    "group_receipt",
    "withheld_reason",
)


def N_(message: str) -> str:  # noqa: N802 - marks a message for extraction; translated later
    return message


# The report's words are English msgids translated with the project's catalogue for the
# report's locale (see `translator`): a zh-Hans report holds no English word of ours.
WITHHELD_TEXT = N_("This comment is not published: it breaks the rules for publication.")
# Characters a part may print that its data need not contain (ellipsis of the running title).
FONT_EXTRA_CHARS = "".join(map(chr, range(0x20, 0x7F))) + "…·–—“”‘’　、，。：；（）"
DEFAULT_LABELS = {
    "report_title": N_("Feedback report on the public comments"),
    "issuer": "",
    "withheld": WITHHELD_TEXT,
}
DEFAULT_LOCALE = "zh_Hans"
HTML_LANG = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
BOOKMARK_EVERY = 100  # one bookmark per this many entries, under the comment table's
GROUP_ANSWERS = 10  # distinct answers listed in a group's entry; the CSV has every one
# Page numbers: size, colour and baseline (pt above the bottom edge, in the 18 mm margin).
FOLIO_FORMAT = N_("Page %(n)d of %(total)d")
FOLIO_SIZE = 8.5
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
    from babel.support import NullTranslations
    from babel.support import Translations

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


# --- the report's characters and fonts ----------------------------------------------------


@functools.cache
def catalogue_chars(locale: str) -> frozenset[str]:
    """Every character the catalogue of `locale` can print (the template's own words)."""
    catalogue = translations(locale)
    chars: set[str] = set()
    for value in getattr(catalogue, "_catalog", {}).values():
        chars.update(str(value))
    return frozenset(chars)


class CharSet:
    """The characters a report prints, gathered as its data streams past."""

    def __init__(self, locale: str):
        self.chars: set[str] = set(FONT_EXTRA_CHARS) | set(folio_sample(locale))
        self.chars |= catalogue_chars(locale)

    def add(self, *texts: str | None) -> None:
        for text in texts:
            if text:
                self.chars.update(text)


def report_fonts(chars: Iterable[str], directory: str | Path) -> dict[int, str]:
    """The bundled font cut down to `chars`, one file per weight in `directory`: every part
    of one report renders with these same files (glyph ids agree from part to part)."""
    chars = set(chars)
    paths = {}
    for weight in FONT_WEIGHTS:
        path = Path(directory) / f"report-font-{weight}.ttf"
        path.write_bytes(subset_font(static_font(weight), chars))
        paths[weight] = str(path)
    return paths


# --- rows: what the template and the CSV see -----------------------------------------------


def _csv_cell(value: str) -> str:
    # Spreadsheets run cells that start like a formula; an officer's reason must stay text.
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


class CsvFile:
    """The disposition table as CSV, UTF-8 with BOM (so spreadsheets read the Chinese),
    written row by row to a file: a million rows never sit in memory.

    No comment text is exported; a withheld comment shows its moderation reason instead."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._fh = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._fh.write("\ufeff")
        self._writer = csv.writer(self._fh, lineterminator="\r\n")
        self._writer.writerow(CSV_COLUMNS)
        self.rows = 0

    def write(self, m: dict, entry: int, group_receipt: str = "") -> None:
        hidden = bool(m.get("hidden"))
        self._writer.writerow(
            [
                str(m["receipt"]),
                str(m.get("submitted_at") or ""),
                str(m.get("source") or ""),
                _csv_cell(str(m.get("clause") or "")),
                str(m.get("disposition") or ""),
                _csv_cell(m.get("reason") or ""),
                entry,
                group_receipt,
                _csv_cell((m.get("hidden_reason_label") or "") if hidden else ""),
            ]
        )
        self.rows += 1

    def close(self) -> pdfjoin.Attachment:
        self._fh.close()
        digest = hashlib.md5(usedforsecurity=False)
        with open(self.path, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
        return pdfjoin.Attachment(self.path, os.path.getsize(self.path), digest.hexdigest())


def dispositions_csv(comments: list[dict]) -> bytes:
    """The CSV of `comments` (each its own entry) as bytes: small reports and tests."""
    with tempfile.TemporaryDirectory() as tmp:
        out = CsvFile(Path(tmp) / CSV_NAME)
        for n, m in enumerate(comments, start=1):
            out.write(m, n)
        return Path(out.close().path).read_bytes()


def entry_row(m: dict, whole: str = "") -> dict:
    """A comment (or a group's first member) as the template sees it; a hidden comment loses
    its text here. `m["group"]`, for a group: {"size", "withheld", "answers": [{"disposition",
    "disposition_label", "reason", "count"}, …] most frequent first}."""
    hidden = bool(m.get("hidden"))
    row = {
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
        "group": None,
    }
    group = m.get("group")
    if group:
        answers = [
            {
                "disposition": str(a.get("disposition") or ""),
                "disposition_label": str(a.get("disposition_label") or a.get("disposition") or ""),
                "reason": a.get("reason") or "",
                "count": int(a["count"]),
            }
            for a in group["answers"]
        ]
        row["group"] = {
            "size": int(group["size"]),
            "withheld": int(group.get("withheld") or 0),
            "answers": answers[:GROUP_ANSWERS],
            "more_answers": max(0, len(answers) - GROUP_ANSWERS),
            "mixed": len(answers) > 1,
        }
        if len(answers) == 1:  # one answer for the whole group: shown as a comment's is
            row.update(
                disposition=answers[0]["disposition"],
                disposition_label=answers[0]["disposition_label"],
                reason=answers[0]["reason"],
            )
    return row


def row_chars(row: dict, chars: CharSet) -> None:
    chars.add(row["receipt"], row["submitted_at"], row["source_label"], row["clause"])
    chars.add(row["text"], row["hidden_reason_label"], row["disposition_label"], row["reason"])
    for answer in (row["group"] or {}).get("answers", []):
        chars.add(answer["disposition_label"], answer["reason"])


def group_answers(members: Iterable[dict]) -> list[dict]:
    """A group's distinct answers (disposition, reason) with their counts, most frequent first."""
    counts: Counter = Counter()
    labels = {}
    for m in members:
        key = (m.get("disposition") or "", m.get("reason") or "")
        counts[key] += 1
        labels[key[0]] = m.get("disposition_label") or key[0]
    return [
        {"disposition": d, "disposition_label": labels[d], "reason": r, "count": n}
        for (d, r), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def entries_from_comments(comments: list[dict]) -> tuple[list[dict], list[tuple[dict, int, str]]]:
    """Report data given as a list of comments (small reports, tests, the benchmark): the
    table's entries (a group — comments sharing `m["group"]` — once, where its first member
    stands, with its text; a hidden first member's text is withheld, the next published one's
    shown) and every comment's CSV row (comment, entry number, group receipt)."""
    members: dict[Any, list[dict]] = {}
    for m in comments:
        if m.get("group") is not None:
            members.setdefault(m["group"], []).append(m)
    entries, csv_rows, numbers = [], [], {}
    for m in comments:
        key = m.get("group")
        if key is None or len(members[key]) < 2:
            entries.append(m)
            csv_rows.append((m, len(entries), ""))
            continue
        if key not in numbers:
            group = members[key]
            shown = next((g for g in group if not g.get("hidden")), None)
            entry = {
                **m,
                "hidden": shown is None,
                "text": shown["text"] if shown else None,
                "group": {
                    "size": len(group),
                    "withheld": sum(1 for g in group if g.get("hidden")),
                    "answers": group_answers(group),
                },
            }
            if shown is None:
                entry["hidden_reason_label"] = m.get("hidden_reason_label")
            entries.append(entry)
            numbers[key] = (len(entries), str(m["receipt"]))
        csv_rows.append((m, *numbers[key]))
    return entries, csv_rows


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


def front_context(data: dict) -> dict:
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


def header_chars(data: dict, chars: CharSet) -> None:
    """The characters of everything but the table: consultation, figures, summary, labels."""
    chars.add(repr(data.get("consultation")), data.get("correction_note"))
    chars.add(data.get("changes_summary"), repr(data.get("figures")), repr(data.get("labels")))


def base_context(data: dict, total_entries: int, total_comments: int) -> dict:
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
        "total_entries": total_entries,
        "total_comments": total_comments,
        # Defaults for the parts that do not use them.
        "figures": {"total": 0, "adoption_rate": 0.0},
        "charts": [],
        "changes_paragraphs": [],
        "rows": [],
        "first_number": 1,
        "first_chunk": False,
    }


def report_html(data: dict) -> str:
    """The whole report as ONE HTML document (no page numbers): small reports, the benchmark."""
    entries, _ = entries_from_comments(data.get("comments") or [])
    base = base_context(data, len(entries), len(data.get("comments") or []))
    context = {
        **base,
        **front_context(data),
        "part": "all",
        "rows": [entry_row(m, base["whole"]) for m in entries],
        "first_chunk": True,
    }
    return _render_template(REPORT_TEMPLATE, context)


# --- worker side ---------------------------------------------------------------------------


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


def render_part(job: dict) -> dict:
    """Render one part to `job["out"]`; returns its page count and bookmark positions.

    Runs in a worker process (a pool's, or an RQ job's), or inline with workers=0."""
    gc_was_enabled = gc.isenabled()
    # WeasyPrint allocates millions of small objects per part; Python's cyclic collector then
    # rescans them again and again (~20% of a part's time, measured). A part is bounded and its
    # process ends after it, so collecting cycles is pointless there; inline, the collector is
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
    context = job["context"]
    html = _render_template(REPORT_TEMPLATE, context)
    fetcher = url_fetcher(job["fonts"])
    document = weasyprint.HTML(string=html, url_fetcher=fetcher).render()
    del html
    bookmarks = []
    for index, page in enumerate(document.pages):
        for level, label, (x, y), _state in page.bookmarks:
            bookmarks.append((level, label, index, x * PX_TO_PT, y * PX_TO_PT))
    attachments = None
    if job.get("attach"):
        # A placeholder: the join streams the real CSV into this embedded file.
        attachments = [
            weasyprint.Attachment(
                string="\ufeff",
                name=CSV_NAME,
                description=translator(context["locale"])(
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
        # The process ends after this part: the system takes its memory back at once, where
        # freeing the document's boxes one by one would cost ~0.25 s a part.
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
        "peak_rss_kb": _peak_rss_kb(),
        "pid": os.getpid(),
    }


def part_job(
    kind: str,
    base: dict,
    rows: list[dict],
    first_number: int,
    fonts: dict[int, str],
    out: str,
    *,
    front: dict | None = None,
    worker_exits: bool = False,
    variant: str = PDF_VARIANT,
) -> dict:
    """What `render_part` takes: the front (title page, figures, summary, the first rows and
    the CSV's place) or a further chunk of the table."""
    context = {**base, "part": "comments", "rows": rows, "first_number": first_number}
    if kind == "front":
        context.update(front or {}, part="front", first_chunk=True)
    return {
        "kind": kind,
        "context": context,
        "fonts": fonts,
        "out": out,
        "attach": kind == "front",
        "worker_exits": worker_exits,
        "variant": variant,
    }


def folio(locale: str) -> pdfjoin.Folio:
    return pdfjoin.Folio(translator(locale)(FOLIO_FORMAT), FOLIO_SIZE, FOLIO_RGB, FOLIO_BASELINE)


def joined_part(result: dict) -> pdfjoin.Part:
    return pdfjoin.Part(result["out"], result["pages"], [tuple(b) for b in result["bookmarks"]])


# --- orchestration in one process (with its pool of workers) --------------------------------


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


def render_parts(
    jobs: Iterable[dict],
    out,
    *,
    fonts: dict[int, str],
    locale: str,
    attachment: pdfjoin.Attachment | None,
    workers: int | None = None,
    stats: dict | None = None,
) -> int:
    """Render `jobs` (front first, then the table's chunks, built lazily by the caller) in
    `workers` processes and join them into `out` as they come back, in order. Returns the
    page count.

    Parts are submitted at most 2 × workers at a time: the workers render k+1 … while this
    process joins part k, and only the rows of the parts in flight exist here."""
    started = time.perf_counter()
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    if workers > 0:
        pool: Any = ProcessPoolExecutor(
            max_workers=workers, mp_context=_mp_context(), max_tasks_per_child=1
        )
    else:
        pool = _Inline()
    joiner = pdfjoin.Joiner(out, fonts, folio(locale))
    results: list[dict] = []
    join_seconds = 0.0

    def accept(result: dict) -> None:
        nonlocal join_seconds
        t0 = time.perf_counter()
        results.append(result)
        joiner.add(joined_part(result), attachment=attachment if len(results) == 1 else None)
        os.unlink(result["out"])
        join_seconds += time.perf_counter() - t0

    try:
        limit = 2 * max(workers, 1)
        window: deque = deque()
        for job in jobs:
            job["worker_exits"] = workers > 0
            window.append(pool.submit(render_part, job))
            del job
            if len(window) >= limit:
                accept(window.popleft().result())
        while window:
            accept(window.popleft().result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    parts_done = time.perf_counter()
    total = joiner.finish()
    finished = time.perf_counter()
    if stats is not None:
        stats.update(
            {
                "pages": total,
                "parts": len(results),
                "workers": workers,
                "seconds": finished - started,
                "seconds_parts": parts_done - started,
                "seconds_join_tail": finished - parts_done,
                "seconds_join": join_seconds + finished - parts_done,
                "part_seconds_max": max(p["seconds"] for p in results),
                "cpu_seconds_workers": sum(p["cpu_seconds"] for p in results),
                "child_peak_rss_kb": max(p["peak_rss_kb"] for p in results),
                "parent_peak_rss_kb": _peak_rss_kb(),
            }
        )
    return total


def render_report(
    data: dict,
    *,
    workers: int | None = None,
    chunk_rows: int = CHUNK_ROWS,
    stats: dict | None = None,
    variant: str = PDF_VARIANT,
) -> bytes:
    """The feedback report of `data` (a dict with every comment: small reports, tests and the
    benchmark; the platform streams its reports from the database, consult/feedback/report.py)
    as tagged PDF/A-3a bytes.

    `workers`: processes rendering at once (default: min(2, CPUs)); 0 renders in this process.
    `variant`: WeasyPrint's pdf_variant. `chunk_rows`: table entries per part. `stats`, when
    given, is filled with figures (pages, timings, peak memory of this process and of the
    largest worker).

    Workers start by "forkserver": a script that calls this must guard its entry point with
    ``if __name__ == "__main__":`` (gunicorn, flask, rq and pytest do). Inside a daemonic
    process (a multiprocessing pool's worker), which may not start processes, pass workers=0."""
    started = time.perf_counter()
    static_fonts()  # fails loudly before anything is rendered: no font, no report
    chunk_rows = max(1, int(chunk_rows))
    comments = data.get("comments") or []
    locale = _locale(data)
    entries, csv_rows = entries_from_comments(comments)
    base = base_context(data, len(entries), len(comments))
    rows = [entry_row(m, base["whole"]) for m in entries]
    chars = CharSet(locale)
    header_chars(data, chars)
    for row in rows:
        row_chars(row, chars)
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="consult-report-") as tmp:
        table = CsvFile(Path(tmp) / CSV_NAME)
        for m, entry, group_receipt in csv_rows:
            table.write(m, entry, group_receipt)
        attachment = table.close()
        fonts = report_fonts(chars.chars, tmp)

        def jobs() -> Iterator[dict]:
            for k, start in enumerate(range(0, max(len(rows), 1), chunk_rows)):
                yield part_job(
                    "front" if k == 0 else "comments",
                    base,
                    rows[start : start + chunk_rows],
                    start + 1,
                    fonts,
                    os.path.join(tmp, f"part-{k:05d}.pdf"),
                    front=front_context(data) if k == 0 else None,
                    variant=variant,
                )

        render_parts(
            jobs(),
            buffer,
            fonts=fonts,
            locale=locale,
            attachment=attachment,
            workers=workers,
            stats=stats,
        )
    content = buffer.getvalue()
    if stats is not None:
        stats.update(
            bytes=len(content), chunk_rows=chunk_rows, seconds=time.perf_counter() - started
        )
    log.info(
        "feedback report: %d comments, %d entries, %d bytes in %.1f s",
        len(comments),
        len(entries),
        len(content),
        time.perf_counter() - started,
    )
    return content
