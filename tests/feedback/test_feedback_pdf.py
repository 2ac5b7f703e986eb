"""The feedback report PDF, rendered for real by WeasyPrint (no mocks) and read back with pypdf.

One small report (96 comments, a group of three among them, so 94 table entries in chunks of
40: three parts, joined with their page numbers) is rendered once per module and inspected by
the tests below."""

from __future__ import annotations

import csv
import io
import re

import pytest
from pypdf import PdfReader

from consult.feedback import pdf as report_pdf

TITLE = "《东湖区老旧小区改造管理办法（征求意见稿）》公开征求意见"
DEPARTMENT = "东湖区住房和城乡建设局"
HIDDEN_TEXT = "这段被屏蔽的文字含有侮辱他人的内容绝不能出现在报告里"
HIDDEN_REASON = "含有人身攻击内容"
KNOWN_PHRASE = "建议在老旧小区加装电梯的补贴标准中明确低层住户的补偿办法"
N_COMMENTS = 96
N_ENTRIES = 94  # the group of three is one entry
CHUNK_ROWS = 40
GROUP = (30, 31, 55)
GROUP_REASON = "该意见与上位法规定不一致，暂不采纳。"
GROUP_TEXT = "我们联名坚决反对拆除小区内现有的自行车棚，请保留原有设施并增加照明。"

SOURCES = [
    ("online", "网上提交"),
    ("symposium", "座谈会"),
    ("letter", "来信"),
    ("hotline", "热线电话"),
]
DISPOSITIONS = [
    ("adopted", "采纳"),
    ("partly_adopted", "部分采纳"),
    ("not_adopted", "未采纳"),
    ("not_applicable", "不适用"),
]
SENTENCES = [
    KNOWN_PHRASE,
    "希望增加社区养老服务站的夜间照护人员并公开服务价格",
    "停车位供给不足，建议利用学校操场和机关大院错时开放",
    "垃圾分类投放点设置离居民楼太近，夏季异味明显，建议调整位置",
    "公交线路调整前应当充分听取沿线居民和学校的意见",
]


def _receipt(i: int) -> str:
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    a, b = divmod(i * 7919 + 104729, len(alphabet) ** 4)
    code = "".join(alphabet[(b // len(alphabet) ** k) % len(alphabet)] for k in range(4))
    return f"ZX-2026-{code}-{alphabet[i % 31]}{alphabet[(i // 31) % 31]}{alphabet[a % 31]}K"


def make_data(n: int = N_COMMENTS) -> dict:
    comments = []
    for i in range(n):
        key, label = DISPOSITIONS[i % 4]
        source, source_label = SOURCES[i % len(SOURCES)]
        text = "".join(SENTENCES[(i + k) % len(SENTENCES)] + "。" for k in range(3))
        comments.append(
            {
                "receipt": _receipt(i),
                "submitted_at": f"2026-11-{1 + i % 28:02d} {8 + i % 12:02d}:{i % 60:02d}",
                "source": source,
                "source_label": source_label,
                "clause": "整体" if i % 5 == 0 else f"第{'一二三四'[i % 4]}条",
                "text": text,
                "hidden": False,
                "hidden_reason_label": None,
                "disposition": key,
                "disposition_label": label,
                # Every reason unique, so each one can be found in the text.
                "reason": None
                if key == "adopted"
                else f"答复第{i + 1}号：经研究该意见{label}，理由已向提出人说明",
            }
        )
    if n < 60:
        return _wrap(comments, n)
    hidden = comments[17]
    hidden.update(text=HIDDEN_TEXT, hidden=True, hidden_reason_label=HIDDEN_REASON)
    # A duplicate group of three (answered alike), a long comment (taller than most rows)
    # near a chunk border.
    for k in GROUP:
        comments[k].update(
            group="g1", text=GROUP_TEXT, disposition="not_adopted", reason=GROUP_REASON
        )
        comments[k]["disposition_label"] = "未采纳"
    comments[39]["text"] = "关于第三条的详细意见：" + "".join(SENTENCES) * 12
    return _wrap(comments, n)


def _wrap(comments: list[dict], n: int) -> dict:
    return {
        "consultation": {
            "id": 7,
            "title": TITLE,
            "matter_title": "东湖区老旧小区改造管理办法",
            "matter_code": "DH-2026-017",
            "department": DEPARTMENT,
            "opens_at": "2026-11-01 09:00",
            "closes_at": "2026-12-01 09:00",
            "published_at": "2026-12-20",
            "url": "https://consult.example.gov.cn/consultations/7",
        },
        "version": 2,
        "correction_note": "更正第 12 条意见的处理理由。",
        "figures": {
            "total": n,
            "adoption_rate": 0.5,
            "by_source": [{"key": k, "label": lab, "count": n // 4} for k, lab in SOURCES],
            "by_disposition": [
                {"key": k, "label": lab, "count": n // 4} for k, lab in DISPOSITIONS
            ],
            "by_clause": [{"label": "整体", "count": 20}, {"label": "第一条", "count": 19}],
        },
        "changes_summary": "根据公众意见，修改稿共调整条款十二处。\n一是压缩审批时限。",
        "comments": comments,
        "labels": {},
    }


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def rendered(data):
    stats: dict = {}
    content = report_pdf.render_report(data, workers=2, chunk_rows=CHUNK_ROWS, stats=stats)
    reader = PdfReader(io.BytesIO(content))
    pages = [page.extract_text() for page in reader.pages]
    return {"bytes": content, "reader": reader, "pages": pages, "stats": stats}


def test_is_a_pdf_of_a4_pages_in_several_parts(rendered):
    assert rendered["bytes"].startswith(b"%PDF-")
    # the front (with the first chunk of 40 entries), two more chunks
    assert rendered["stats"]["parts"] == 3
    for page in rendered["reader"].pages:
        assert round(float(page.mediabox.width)) == 595
        assert round(float(page.mediabox.height)) == 842


def test_every_entry_and_every_reason_is_in_the_text(rendered, data):
    text = _squash("".join(rendered["pages"]))
    for k, comment in enumerate(data["comments"]):
        if k in GROUP[1:]:  # listed with the group, at its first member
            assert comment["receipt"] not in text
            continue
        assert comment["receipt"] in text
        if comment["reason"]:
            assert _squash(comment["reason"]) in text
        if not comment["hidden"]:
            assert _squash(comment["text"][:40]) in text


def test_chinese_is_embedded_noto_sans_sc_and_extracts(rendered):
    reader = rendered["reader"]
    fonts, names = {}, {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor
            names[ref.idnum] = str(font["/BaseFont"])
    assert fonts, "no fonts at all"
    assert all("Noto-Sans-SC" in name for name in fonts), fonts
    assert all(fonts.values()), "a font is not embedded"
    assert any(name.endswith("Bold") for name in fonts)
    # Every part rendered with the same font files: each weight is embedded ONCE.
    assert len(names) == len(set(names.values())) == 2
    text = _squash("".join(rendered["pages"]))
    assert "公众意见采纳情况反馈报告" in text
    assert KNOWN_PHRASE in text
    assert "\ufffd" not in text


def test_title_page_and_figures(rendered):
    first = _squash(rendered["pages"][0])
    for expected in (TITLE, DEPARTMENT, "东湖区老旧小区改造管理办法（DH-2026-017）", "第2版"):
        assert _squash(expected) in first
    assert "更正说明" in first
    assert "2026-11-0109:00至2026-12-0109:00" in first
    figures = _squash(rendered["pages"][1])
    assert "一、意见统计概况" in figures
    assert "50.0%" in figures  # adoption rate
    assert "按来源统计" in figures and "网上提交" in figures  # the SVG bars carry their labels


def test_hidden_comment_shows_receipt_and_moderation_reason_not_text(rendered, data):
    text = _squash("".join(rendered["pages"]))
    hidden = data["comments"][17]
    assert _squash(HIDDEN_TEXT) not in text
    assert HIDDEN_TEXT[:8] not in text
    assert hidden["receipt"] in text
    assert "该意见因违反发布规则未予公开。" in text
    assert "屏蔽原因：" + HIDDEN_REASON in text
    assert HIDDEN_REASON in text


def test_a_duplicate_group_is_one_entry_with_its_size_and_answer(rendered, data):
    text = _squash("".join(rendered["pages"]))
    first = data["comments"][GROUP[0]]
    assert text.count(first["receipt"]) == 1
    assert text.count(_squash(GROUP_TEXT)) == 1  # (its copies are not listed)
    assert "与本条内容相同或相近的意见共3条" in text
    assert "理由：" + _squash(GROUP_REASON) in text
    assert "四、重复意见分组" not in text


def test_page_footers_count_every_page(rendered):
    pages = rendered["pages"]
    total = len(pages)
    assert total == rendered["stats"]["pages"] > 10
    for number, page_text in enumerate(pages, start=1):
        folios = re.findall(r"第(\d+)页/共(\d+)页", _squash(page_text))
        assert folios == [(str(number), str(total))], (number, folios)


def test_comment_table_header_repeats_on_every_table_page(rendered):
    table_pages = [t for t in rendered["pages"] if "ZX-2026-" in t]
    assert len(table_pages) >= 8
    for page_text in table_pages:
        assert "回执及处理结果" in page_text and "意见内容及处理理由" in page_text
        assert TITLE in page_text  # running header


def test_dispositions_csv_is_attached_and_matches(rendered, data):
    reader = rendered["reader"]
    attachments = reader.attachments
    assert list(attachments) == [report_pdf.CSV_NAME]
    (raw,) = attachments[report_pdf.CSV_NAME]
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == report_pdf.CSV_COLUMNS
    # EVERY comment, its copies in a group too, so that anyone finds their own receipt.
    assert [r["receipt"] for r in rows] == [c["receipt"] for c in data["comments"]]
    for row, comment in zip(rows, data["comments"], strict=True):
        assert row["disposition"] == comment["disposition"]
        assert row["reason"] == (comment["reason"] or "")
        assert row["source"] == comment["source"]
    group = [rows[k] for k in GROUP]
    assert {r["entry"] for r in group} == {rows[GROUP[0]]["entry"]} == {"31"}
    assert {r["group_receipt"] for r in group} == {data["comments"][GROUP[0]]["receipt"]}
    assert rows[GROUP[2] + 1]["entry"] == str(GROUP[2] + 1 - 1)  # two rows fewer, plus one
    assert rows[0]["group_receipt"] == "" and rows[0]["entry"] == "1"
    assert rows[17]["withheld_reason"] == HIDDEN_REASON
    assert HIDDEN_TEXT[:8] not in raw.decode("utf-8-sig")
    # PDF/A-3: the file is an associated file of the document, listed once.
    root = reader.trailer["/Root"]
    af = [ref.get_object() for ref in root["/AF"]]
    assert len(af) == 1
    assert af[0]["/AFRelationship"] == "/Data"
    assert af[0]["/EF"]["/F"].get_object()["/Subtype"] == "/text/csv"


def test_csv_cells_cannot_start_a_spreadsheet_formula():
    comment = make_data(1)["comments"][0]
    comment.update(reason='=HYPERLINK("http://x")', clause="+第一条")
    rows = list(csv.reader(io.StringIO(report_pdf.dispositions_csv([comment]).decode("utf-8-sig"))))
    assert rows[1][3] == "'+第一条"
    assert rows[1][5] == '\'=HYPERLINK("http://x")'


def test_metadata_title_author_language(rendered):
    reader = rendered["reader"]
    assert TITLE in reader.metadata.title
    assert reader.metadata.author == DEPARTMENT
    assert reader.trailer["/Root"]["/Lang"] == "zh-Hans"


def test_pdfa_3a_identification(rendered):
    reader = rendered["reader"]
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="A"' in xmp  # level A: archival and tagged
    assert TITLE in xmp and DEPARTMENT in xmp
    (intent,) = root["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"
    assert "/DestOutputProfile" in intent.get_object()
    assert reader.trailer["/ID"]
    # PDF/A wants /Info and XMP to agree: WeasyPrint wrote both, the join kept /Producer.
    assert f'pdf:Producer="{reader.metadata.producer}"' in xmp


def test_bookmarks_cover_every_part_at_the_right_pages(rendered):
    reader = rendered["reader"]
    top = [item for item in reader.outline if not isinstance(item, list)]
    titles = [item.title for item in top]
    assert titles == ["封面", "一、意见统计概况", "二、草案修改情况", "三、意见处理情况表"]
    pages = [reader.get_destination_page_number(item) for item in top]
    assert pages == sorted(pages) and pages[0] == 0
    children = reader.outline[titles.index("三、意见处理情况表") + 1]
    assert isinstance(children, list)
    assert children[0].title == f"第 1–{N_ENTRIES} 条"
    assert reader.get_destination_page_number(children[0]) == pages[3]
    texts = rendered["pages"]
    assert "三、意见处理情况表" in texts[pages[3]]


def test_a_hundred_comments_each_get_a_bookmark():
    data = make_data(205)
    content = report_pdf.render_report(data, workers=2, chunk_rows=120)
    reader = PdfReader(io.BytesIO(content))
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    children = reader.outline[top.index("三、意见处理情况表") + 1]
    assert [c.title for c in children] == ["第 1–100 条", "第 101–200 条", "第 201–203 条"]
    numbers = [reader.get_destination_page_number(c) for c in children]
    assert numbers == sorted(numbers)
    entries, _ = report_pdf.entries_from_comments(data["comments"])
    assert entries[100]["receipt"] in reader.pages[numbers[1]].extract_text()


def test_workers_zero_renders_in_this_process():
    content = report_pdf.render_report(make_data(5), workers=0, chunk_rows=2)
    reader = PdfReader(io.BytesIO(content))
    text = _squash("".join(page.extract_text() for page in reader.pages))
    assert all(_receipt(i) in text for i in range(5))
    assert f"第{len(reader.pages)}页/共{len(reader.pages)}页" in text


def test_no_comments_still_renders_a_report():
    data = make_data(0)
    content = report_pdf.render_report(data, workers=1)
    reader = PdfReader(io.BytesIO(content))
    text = _squash("".join(page.extract_text() for page in reader.pages))
    assert "未收到意见" in text
    assert f"第1页/共{len(reader.pages)}页" in text


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "http://example.com/font.ttf",
        "https://example.com/NotoSansSC%5Bwght%5D.ttf",
        "data:font/ttf;base64,AAAA",
        "ftp://example.com/x",
        "file:///etc/../etc/passwd",
    ],
)
def test_url_fetcher_refuses_anything_but_the_font(url):
    fetcher = report_pdf.url_fetcher()
    with pytest.raises(report_pdf.FetchRefused):
        fetcher(url)
    with pytest.raises(report_pdf.FetchRefused):
        fetcher.fetch(url)


def test_url_fetcher_refuses_tricks_on_the_font_url():
    fetcher = report_pdf.url_fetcher()
    url = report_pdf.font_url()
    for bad in (url + "?x=1", url + "#wght=300", url.replace("file://", "file://evil.example")):
        with pytest.raises(report_pdf.FetchRefused):
            fetcher(bad)
    with pytest.raises(report_pdf.FetchRefused):
        report_pdf.check_url(report_pdf.font_path().parent.joinpath("OFL.txt").as_uri())


def test_url_fetcher_serves_the_font_with_its_brackets_encoded():
    url = report_pdf.font_url(700)
    assert "NotoSansSC%5Bwght%5D.ttf#wght=700" in url
    response = report_pdf.url_fetcher()(url)
    try:
        head = response.read(4)
    finally:
        response.close()
    assert head == b"\x00\x01\x00\x00"  # a TrueType font


# --- language: every word of the report in the report's language ---------------------------

# What a zh-Hans report may print in Latin letters: receipt numbers, the matter's code, the
# address, "PDF"/"CSV" are data, not words of ours.
_DATA_LATIN = re.compile(r"ZX-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}|DH-\d{4}-\d{3}|https://\S+|CSV")


def test_a_chinese_report_holds_no_english_word(rendered):
    text = "\n".join(rendered["pages"])
    words = re.findall(r"[A-Za-z]{2,}", _DATA_LATIN.sub(" ", text))
    assert words == [], sorted(set(words))


def test_an_english_rendering_is_all_english(data):
    english = {**data, "locale": "en"}
    content = report_pdf.render_report(english, workers=0, chunk_rows=200)
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in (
        "Feedback report on the public comments",
        "1. Comments in figures",
        "3. Every comment and its answer",
        "This comment is not published: it breaks the rules for publication.",
        f"Page 1 of {len(reader.pages)}",
    ):
        assert expected in text, expected
    # The template's and pdf.py's own Chinese is gone (the data stays as given).
    for chinese in ("公众意见采纳情况反馈报告", "意见统计概况", "第 1 页", "屏蔽原因", "理由："):
        assert chinese not in text
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_a_missing_catalogue_stops_the_report_instead_of_mixing_languages(data):
    with pytest.raises(report_pdf.CatalogueMissing):
        report_pdf.render_report({**data, "locale": "fr"}, workers=0)


# --- layout: sections flow on, no page is left nearly empty by a break ----------------------


def _filled(page) -> float:
    """How far down the page its lowest text reaches (0 top … 1 bottom), page number aside."""
    lowest = []

    def visit(text, cm, tm, font, size):
        if text.strip() and "页" not in text:
            lowest.append(tm[5])

    page.extract_text(visitor_text=visit)
    height = float(page.mediabox.height)
    return 1 - min(lowest) / height if lowest else 0.0


def test_the_summary_of_changes_and_the_table_share_a_page(rendered):
    pages = [_squash(t) for t in rendered["pages"]]
    figures = next(i for i, t in enumerate(pages) if "一、意见统计概况" in t)
    assert "二、草案修改情况" in pages[figures]  # figures and summary on one page
    table = next(i for i, t in enumerate(pages) if "三、意见处理情况表" in t)
    assert table == figures and _receipt(0) in pages[table]  # the table begins right after


def test_no_page_but_the_cover_and_the_last_is_left_mostly_empty(rendered):
    pages = rendered["reader"].pages
    for number, page in enumerate(pages[1:-1], start=2):
        assert _filled(page) > 0.6, f"page {number} is mostly empty"


def test_a_small_report_is_one_part_with_its_group():
    data = make_data(12)
    for k in (3, 4):
        data["comments"][k]["group"] = "g"
    stats: dict = {}
    content = report_pdf.render_report(data, workers=0, chunk_rows=500, stats=stats)
    assert stats["parts"] == 1
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 3  # cover; figures, summary, table; the rest of the table
    text = _squash("".join(page.extract_text() for page in reader.pages))
    assert data["comments"][3]["receipt"] in text
    assert data["comments"][4]["receipt"] not in text
    # The members were answered differently: each answer, with how many got it.
    assert "分2种情况处理" in text
    for k in (3, 4):
        label = data["comments"][k]["disposition_label"]
        assert f"{label}1条" in text
        if data["comments"][k]["reason"]:
            assert "；理由：" + _squash(data["comments"][k]["reason"]) in text


def test_a_group_whose_first_comment_is_withheld_shows_a_published_copy():
    data = make_data(6)
    for k in (1, 2, 3):
        data["comments"][k].update(group="g", text=f"第{k}份：支持增设非机动车停放区。")
    data["comments"][1].update(hidden=True, text=HIDDEN_TEXT, hidden_reason_label=HIDDEN_REASON)
    content = report_pdf.render_report(data, workers=0)
    reader = PdfReader(io.BytesIO(content))
    text = _squash("".join(page.extract_text() for page in reader.pages))
    assert HIDDEN_TEXT[:8] not in text
    assert "第2份：支持增设非机动车停放区。" in text  # the first published one
    assert "与本条内容相同或相近的意见共3条（其中1条未予公开）" in text
    (raw,) = reader.attachments[report_pdf.CSV_NAME]
    assert HIDDEN_TEXT[:8] not in raw.decode("utf-8-sig")


def test_only_the_two_weights_of_the_bundled_font_are_embedded(rendered):
    for page in rendered["reader"].pages:
        for ref in page["/Resources"]["/Font"].values():
            assert "Noto-Sans-SC" in str(ref.get_object()["/BaseFont"])  # no fallback font
    files = {
        ref.get_object()["/DescendantFonts"][0]
        .get_object()["/FontDescriptor"]
        .get_object()
        .raw_get("/FontFile2")
        .idnum
        for page in rendered["reader"].pages
        for ref in page["/Resources"]["/Font"].values()
    }
    assert len(files) == 2


# --- tags: one structure tree over all the joined parts ------------------------------------


def _elements(root):
    """Every structure element under the StructTreeRoot, depth first."""
    from pypdf.generic import IndirectObject

    stack = [root["/StructTreeRoot"].get_object()]
    while stack:
        element = stack.pop()
        kids = element.get("/K")
        kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
        for kid in kids:
            if isinstance(kid, IndirectObject):
                kid = kid.get_object()
                if "/S" in kid:
                    yield kid
                    stack.append(kid)


def test_the_report_is_tagged_for_screen_readers(rendered):
    root = rendered["reader"].trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert root["/Lang"] == "zh-Hans"
    (document,) = root["/StructTreeRoot"]["/K"]
    assert document.get_object()["/S"] == "/Document"
    kinds = [str(e["/S"]) for e in _elements(root)]
    assert kinds.count("/H1") == 1 and kinds.count("/H2") == 3  # title; the three sections
    assert kinds.count("/TH") >= 2 * 8  # the header row repeated on every table page
    body_rows = sum(
        1 for e in _elements(root) if e["/S"] == "/TR" and e["/P"].get_object()["/S"] == "/TBody"
    )
    assert body_rows >= N_ENTRIES  # every entry's row, the later parts' too


def test_every_page_is_in_the_structure_tree_under_its_own_key(rendered):
    reader = rendered["reader"]
    root = reader.trailer["/Root"]
    tree = root["/StructTreeRoot"].get_object()
    nums = tree["/ParentTree"].get_object()["/Nums"]
    parents = dict(zip([int(k) for k in nums[::2]], nums[1::2], strict=True))
    assert len(parents) == len(nums) // 2  # keys unique
    assert int(tree["/ParentTreeNextKey"]) > max(parents)
    keys = [int(page["/StructParents"]) for page in reader.pages]
    assert len(set(keys)) == len(keys) == len(reader.pages)
    for number, (page, key) in enumerate(zip(reader.pages, keys, strict=True), start=1):
        marked = parents[key].get_object()
        assert len(marked) > 0, f"page {number} has no tagged content"
        for element in marked:
            element = element.get_object()
            if "/Pg" in element:
                assert element.raw_get("/Pg").idnum == page.indirect_reference.idnum, number


def test_table_header_ids_are_unique_and_every_cell_names_existing_ones(rendered):
    root = rendered["reader"].trailer["/Root"]
    ids, named = [], set()
    for element in _elements(root):
        if "/ID" in element:
            ids.append(str(element["/ID"]))
        attributes = element.get("/A")
        if attributes is not None and "/Headers" in attributes.get_object():
            named.update(str(h) for h in attributes.get_object()["/Headers"])
    assert len(ids) == len(set(ids)) > 2
    assert named and named <= set(ids)


def test_page_numbers_are_marked_as_pagination_artifacts(rendered):
    for page in rendered["reader"].pages:
        contents = page["/Contents"].get_object()
        stamp = contents[-1].get_object().get_data()
        assert stamp.count(b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC") == 1
        assert b"EMC" in stamp
