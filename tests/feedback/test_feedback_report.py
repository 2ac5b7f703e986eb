"""The report of a consultation with a campaign, from the database (consult/feedback/report.py):
a duplicate group is listed ONCE, with its size and answers, and the attached CSV lists every
receipt with its answer. Rendered for real (WeasyPrint, the streaming join) and read back with
pypdf."""

from __future__ import annotations

import csv
import io
import re

import pytest
from pypdf import PdfReader

from consult.accounts.models import SYSTEM
from consult.comments import services as comment_services
from consult.core.storage import storage
from consult.feedback import pdf as report_pdf
from consult.feedback import report as reports
from consult.feedback import services
from consult.feedback.models import ReportStatus
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import NOT_ADOPTED
from tests.helpers import NOW
from tests.helpers import make_consultation
from tests.helpers import submit

CAMPAIGN = "我们坚决反对拆除小区东侧的自行车棚，请保留原有设施，并增加夜间照明和监控。"
CAMPAIGN_SIZE = 14
OWN = [
    "建议在小区东门增设非机动车停放区，方便居民出行。",
    "第二条应当明确街道办事处的协调职责，避免相互推诿。",
    "希望改造施工期间保留临时停车位，减少对老人出行的影响。",
    "建议公开改造项目的预算和资金使用情况，接受居民监督。",
    "垃圾分类投放点离居民楼太近，建议调整位置。",
]
PHONE = "13912345678"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def campaign(world, clock, db, app):
    """Five residents' own comments and a campaign of 14 copies (answered as a group, two of
    them differently on their own, one withheld), every one answered; published; parts of 3
    entries."""
    clock.set(NOW)
    c = make_consultation(world.matter, NOW)
    own = [submit(c, body=b, contact=PHONE, author_name=f"居民{i}") for i, b in enumerate(OWN[:2])]
    copies = [
        submit(c, body=CAMPAIGN, contact=PHONE, author_name=f"签名{i}")
        for i in range(CAMPAIGN_SIZE)
    ]
    own += [submit(c, body=b, author_name="居民") for b in OWN[2:]]
    comment_services.hide_comment(copies[5], "personal_data", "含电话号码", actor=SYSTEM)
    db.session.commit()
    assert len({x.duplicate_group_id for x in copies}) == 1 and copies[0].duplicate_group_id
    clock.set(c.closes_at + HOUR)
    for x in own:
        services.dispose_comment(x, {"disposition": "adopted", "reason": ""}, actor=SYSTEM)
    group = {"group_id": copies[0].duplicate_group_id}
    assert services.answer_selection(c, group, NOT_ADOPTED, actor=SYSTEM) == CAMPAIGN_SIZE
    for x in copies[-2:]:
        services.dispose_comment(
            x, {"disposition": "partly_adopted", "reason": "照明部分予以采纳。"}, actor=SYSTEM
        )
    report = services.publish_feedback(c, {"summary": "根据意见修改两处。"}, actor=SYSTEM)
    db.session.commit()
    app.config["REPORT_CHUNK_ROWS"] = 3
    yield {"consultation": c, "own": own, "copies": copies, "report": report}
    app.config["REPORT_CHUNK_ROWS"] = 500


def _rendered(report):
    assert report.status == ReportStatus.READY, report.error
    data = storage().read(report.file.storage_key)
    reader = PdfReader(io.BytesIO(data))
    text = _squash("".join(page.extract_text() for page in reader.pages))
    (raw,) = reader.attachments[report_pdf.CSV_NAME]
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    return reader, text, rows, raw.decode("utf-8-sig")


def test_a_campaign_is_listed_once_and_every_receipt_is_in_the_csv(campaign, db):
    report = services.render_report_now(campaign["report"].id, workers=0)
    reader, text, rows, raw = _rendered(report)
    copies, own = campaign["copies"], campaign["own"]
    # The group: once, where its first member stands, with its size and both answers.
    assert text.count(_squash(CAMPAIGN)) == 1
    assert copies[0].receipt in text
    assert not any(x.receipt in text for x in copies[1:])
    assert f"与本条内容相同或相近的意见共{CAMPAIGN_SIZE}条（其中1条未予公开）" in text
    assert "分2种情况处理" in text
    assert f"不予采纳{CAMPAIGN_SIZE - 2}条；理由：" + _squash(NOT_ADOPTED["reason"]) in text
    assert "部分采纳2条；理由：照明部分予以采纳。" in text
    for x in own:
        assert x.receipt in text and _squash(x.body) in text
    # Entries: 2 own, the group, 3 own = 6, in parts of 3 (the table's numbering runs on).
    assert "#6·" in text and "#7·" not in text
    # The CSV: every comment, in the order received, with its answer and its entry.
    everyone = [*own[:2], *copies, *own[2:]]
    assert [r["receipt"] for r in rows] == [x.receipt for x in everyone]
    by_receipt = {r["receipt"]: r for r in rows}
    for x in copies:
        row = by_receipt[x.receipt]
        assert (row["entry"], row["group_receipt"]) == ("3", copies[0].receipt)
        assert (row["disposition"], row["reason"]) == (x.answer.disposition, x.answer.reason)
    assert by_receipt[copies[5].receipt]["withheld_reason"]
    assert by_receipt[own[2].receipt]["entry"] == "4"
    assert by_receipt[own[2].receipt]["group_receipt"] == ""
    # Rule 6: no contact, no IP, no name that was not to be shown.
    for private in (PHONE, "198.51.100.7", "签名3"):
        assert private not in text and private not in raw
    assert len(reader.pages) >= 3


def test_the_report_is_rendered_by_the_pool_and_stays_tagged(campaign, db):
    report = services.render_report_now(campaign["report"].id)  # two worker processes
    reader, text, rows, _ = _rendered(report)
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
    assert root["/MarkInfo"]["/Marked"].value is True
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        assert f"第{number}页/共{total}页" in _squash(page.extract_text())
    assert report.pages == total and len(rows) == 5 + CAMPAIGN_SIZE


def test_an_abandoned_report_is_rendered_again_by_the_tick(campaign, db, clock):
    """A renderer that died leaves the report "rendering" with a lease that runs out; the
    tick then renders it (no Redis: in its own process)."""
    report = campaign["report"]
    assert reports._claim(type(report), report.id, statuses=("pending",))
    report.status = ReportStatus.RENDERING.value
    db.session.commit()
    assert reports.recover() == []  # its lease is still alive
    clock.set(clock.now + reports._lease() + HOUR)
    assert reports.recover() == [f"report {report.id}: rendered again: ready"]
    db.session.refresh(report)
    assert report.status == ReportStatus.READY and report.attempts == 2


def test_a_report_that_keeps_failing_ends_failed_not_rendering(campaign, db, clock):
    report = campaign["report"]
    report.status, report.attempts = ReportStatus.RENDERING.value, reports.MAX_ATTEMPTS
    db.session.commit()
    clock.set(clock.now + DAY)
    assert reports.recover() == [f"report {report.id}: failed"]
    db.session.refresh(report)
    assert report.status == ReportStatus.FAILED and report.error
