"""A department's officer imports the 12345 hotline's records into an open consultation:
from the consultation's page to the import page, a file with a broken row (each row's
problem shown, nothing imported), the corrected file in GB18030 as Chinese Excel saves it,
its preview on a 375-px phone in Chinese (a screenshot in test-artifacts/e2e/), the go-ahead,
and the comments stored with their receipts."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.conftest import HOUSING_OFFICER
from tests.e2e.conftest import PHONE
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

LETTER = "建议在小区东门增设非机动车停放区，并延长夜间照明时间，方便老人和孩子出行。"
OTHER = "改造期间请保留临时停车位，并提前在单元门口张贴施工公告，告知居民施工时间。"


def _open_housing_consultation(app_db) -> tuple[int, datetime]:
    from consult.accounts.models import Department
    from consult.catalogue.models import DecisionMatter
    from consult.consultations.models import Consultation
    from consult.core.time import now_utc

    with app_db() as db:
        housing = db.session.scalar(sa.select(Department).where(Department.short_name == "住建局"))
        now = now_utc()
        found = [
            c
            for c in db.session.scalars(
                sa.select(Consultation)
                .join(DecisionMatter)
                .where(DecisionMatter.department_id == housing.id)
                .order_by(Consultation.id)
            )
            if c.status_at(now) == "open"
        ]
        assert found, "the demo has no open consultation of 住建局 to import into"
        c = found[0]
        # A time in the window, and before now, in Beijing time as the hotline writes it.
        received = c.opens_at + (now - c.opens_at) / 2
        return c.id, received


def _csv(received: datetime, rows: list[tuple[str, str, str]], encoding: str) -> bytes:
    from zoneinfo import ZoneInfo

    at = received.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    lines = ["渠道,收到时间,姓名,意见内容,联系方式"]
    lines += [f"{source},{at},{name},{body},139 0791 0000" for source, name, body in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _choose_file(page: Page, name: str, data: bytes) -> None:
    page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )


def test_an_officer_imports_hotline_records_with_a_preview(page: Page, new_page, app_db):
    from consult.comments.models import Comment
    from consult.comments.models import CommentImport

    consultation_id, received = _open_housing_consultation(app_db)
    with app_db() as db:
        before = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Comment)
            .where(Comment.consultation_id == consultation_id)
        )

    # From the consultation's page to the import page, in English.
    log_in(page, HOUSING_OFFICER)
    page.goto(f"/manage/consultations/{consultation_id}")
    page.get_by_role("link", name=re.compile("^Import many from a file")).click()
    expect(page.get_by_role("heading", level=1, name="Import comments from a file")).to_be_visible()
    expect(page.get_by_role("link", name="Template (XLSX)")).to_be_visible()
    with page.expect_download() as template:
        page.get_by_role("link", name="Template (CSV)").click()
    assert template.value.suggested_filename == "意见导入模板.csv"

    # A file with a broken row: the problem of each row, nothing imported.
    page.get_by_label("Where the comments came from").select_option(label="12345 hotline")
    broken = [
        ("12345热线", "张女士", LETTER),
        ("12345热线", "李先生", "太短"),
        ("来信", "王五", OTHER),
    ]
    _choose_file(page, "12345热线导出.csv", _csv(received, broken, "utf-8"))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    problems = page.locator("table.problems")
    expect(problems.get_by_role("rowheader", name="Row 3")).to_be_visible()
    expect(problems).to_contain_text("Write at least 10 characters.")
    expect(problems).to_contain_text("意见内容 body")
    # The form to upload a corrected file keeps the choices.
    expect(page.get_by_label("Where the comments came from")).to_have_value("hotline")
    expect(page.get_by_label("Consultation", exact=True)).to_have_value(str(consultation_id))

    # The corrected file, saved by Chinese Excel as "CSV" (GB18030).
    fixed = [("12345热线", "张女士", LETTER), ("热线", "李先生", LETTER), ("来信", "王五", OTHER)]
    _choose_file(page, "12345热线导出（改）.csv", _csv(received, fixed, "gb18030"))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="All 3 rows can be imported")).to_be_visible()
    preview_url = page.url
    with app_db() as db:
        upload = db.session.scalars(
            sa.select(CommentImport).order_by(CommentImport.id.desc())
        ).first()
        assert upload.encoding == "GB18030" and upload.status == "checked"

    # The preview on the officer's phone, in Chinese: it fits, the Chinese renders.
    phone = new_page(**PHONE)
    log_in(phone, HOUSING_OFFICER, english=False)
    phone.goto(preview_url)
    expect(phone.get_by_role("heading", name="全部 3 行均可导入")).to_be_visible()
    expect(phone.locator("table.preview")).to_contain_text("张女士")
    expect(phone.locator("table.preview")).to_contain_text("12345热线")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "import-preview-phone.png"), full_page=True)

    # The go-ahead, from the phone.
    phone.get_by_role("button", name="导入全部 3 条意见").click()
    expect(phone.get_by_role("heading", name="已导入 3 条意见")).to_be_visible()
    with app_db() as db:
        comments = db.session.scalars(
            sa.select(Comment)
            .where(Comment.consultation_id == consultation_id)
            .order_by(Comment.id.desc())
            .limit(3)
        ).all()
        after = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Comment)
            .where(Comment.consultation_id == consultation_id)
        )
        assert after == before + 3
        assert {c.source for c in comments} == {"hotline", "letter"}
        assert {c.author_name for c in comments} == {"张女士", "李先生", "王五"}
        assert all(c.submitted_at <= datetime.now(UTC) for c in comments)
    expect(phone.get_by_text(re.compile(r"回执编号 ZX-"))).to_be_visible()
