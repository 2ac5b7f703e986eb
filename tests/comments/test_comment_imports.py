"""Importing a file of comments in the browser (comments.imports, comments.intake): the upload
checked by its content, the preview with each row's problems (and nothing imported), the
go-ahead importing every row or none, CSV in UTF-8 and GB18030 and XLSX, the department
boundary, the template, and a large file taking the job path."""

from __future__ import annotations

import codecs
import io
import os
import re
import subprocess
import sys
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from consult.comments import imports
from consult.comments import intake
from consult.comments import rules
from consult.comments.models import Comment
from consult.comments.models import CommentImport
from consult.comments.models import DuplicateGroup
from consult.consultations.models import Consultation
from consult.core.audit import AuditEvent
from tests.helpers import DAY
from tests.helpers import NOW
from tests.helpers import PASSWORD
from tests.helpers import close_request_body
from tests.helpers import count
from tests.helpers import english
from tests.helpers import login
from tests.helpers import make_consultation
from tests.helpers import post
from tests.helpers import reload
from tests.helpers import zh

pytestmark = pytest.mark.usefixtures("files_in_tmp")

LETTER = (
    "我们坚决反对在小区中心绿地建设机械式立体车库。绿地是小区唯一的公共活动空间，老人每天在这里"
    "锻炼，孩子在这里玩耍。请求取消这一设计，另行选址，保留中心绿地。"
)
LAMP = "请在东门加装路灯，晚上太黑了，老人出门不安全。"
HEADER = "渠道 source,收到时间,姓名,意见内容 body,联系方式 contact,条款\n"


def text(response) -> str:
    return response.get_data(as_text=True)


def csv_bytes(rows: list[str], header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "".join(r + "\n" for r in rows)).encode(encoding)


def good_rows(n: int) -> list[str]:
    return [
        f"12345热线,2026-03-03 09:{i % 60:02d},市民{i},{LETTER},139 0000 {i:04d}," for i in range(n)
    ]


@pytest.fixture
def consultation(world, db, clock):
    c = make_consultation(world.matter, NOW)
    db.session.commit()
    clock.set(NOW + 5 * DAY)
    return c


@pytest.fixture
def officer(client, world):
    login(client, world.users["own_officer"])
    return world.users["own_officer"]


def page_url(c) -> str:
    return f"/manage/consultations/{c.id}/imports"


def upload(client, c, data: bytes, name: str = "热线.csv", source: str = ""):
    return close_request_body(
        post(
            client,
            f"/manage/comment-imports?consultation={c.id}",
            {"consultation": str(c.id), "source": source, "file": (io.BytesIO(data), name)},
            form_url=page_url(c),
            content_type="multipart/form-data",
        )
    )


def the_import(db) -> CommentImport:
    db.session.expire_all()
    return db.session.scalars(sa.select(CommentImport).order_by(CommentImport.id.desc())).first()


# --- the preview -----------------------------------------------------------------------------


def test_the_preview_lists_each_rows_problem_and_imports_nothing(client, db, consultation, officer):
    rows = good_rows(3)
    rows.insert(1, "12345热线,2026-03-03 09:30,张三,太短了,,")  # row 3: body too short
    rows.insert(3, "12345热线,昨天,李四," + LAMP + ",,")  # row 5: no time
    rows.append("信鸽,2026-03-03 09:30,王五," + LAMP + ",,99")  # row 7: source (and clause)
    response = upload(client, consultation, csv_bytes(rows))
    assert response.status_code == 303
    page = client.get(response.location)
    html = text(page)
    assert the_import(db).status == "refused"
    assert count(db, Comment) == 0
    # Row number, column and the message, in the reader's language (zh-Hans by default).
    assert "第3行" in html and "第5行" in html and "第7行" in html
    assert zh("Write at least %(n)d characters.", n=rules.BODY_MIN) in html
    assert "意见内容 body" in html and "收到时间 submitted_at" in html
    assert _problem_rows(html) == ["第3行", "第5行", "第7行"]
    assert zh("Nothing was imported") in html
    # Nothing to confirm; the form to upload a corrected file keeps the choices.
    assert '/import"' not in html
    assert f'<option selected value="{consultation.id}">' in html
    # The same problems, in English for an English reader.
    english(client)
    html = text(client.get(response.location))
    assert _problem_rows(html) == ["Row 3", "Row 5", "Row 7"]
    assert "Write at least 10 characters." in html
    assert "Choose where the comment came from." in html


def _problem_rows(html: str) -> list[str]:
    table = html.split('class="stacked-rows problems"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row">([^<]+)</th>', table)


def test_a_checked_file_is_imported_on_the_go_ahead_all_at_once(client, db, consultation, officer):
    rows = good_rows(4) + [
        "来信,2026-03-04T10:00:00+08:00,王女士,'=请在东门加装路灯，晚上太黑了。,,2"
    ]
    response = upload(client, consultation, codecs.BOM_UTF8 + csv_bytes(rows))
    page = text(client.get(response.location))
    upload_row = the_import(db)
    assert upload_row.status == "checked" and upload_row.rows_total == 5
    assert upload_row.sources == {"hotline": 4, "letter": 1}
    assert count(db, Comment) == 0  # a preview, not an import
    assert "市民0" in page and "=请在东门加装路灯" in page  # the first rows as stored
    assert "139 0000" not in page  # the contact is only said to be there
    assert "导入全部 5 条意见" in page

    confirm = post(
        client, f"/manage/comment-imports/{upload_row.id}/import", form_url=response.location
    )
    assert confirm.status_code == 303
    done = text(client.get(confirm.location))
    upload_row = the_import(db)
    assert upload_row.status == "imported" and upload_row.imported_count == 5
    comments = db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()
    assert [c.source for c in comments] == ["hotline"] * 4 + ["letter"]
    assert comments[-1].clause.number == 2 and comments[-1].body.startswith("=请")
    assert comments[0].entered_by_id == officer.id
    assert comments[0].submitted_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    assert db.session.scalar(sa.select(DuplicateGroup.size)) == 4  # the four copies grouped
    assert upload_row.first_receipt == comments[0].receipt in done
    assert count(db, AuditEvent, AuditEvent.action == "comments_imported") == 1
    logged = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "comment_import")
    ).all()
    assert logged == ["uploaded", "confirmed"]

    # A second go-ahead (a double click, a colleague) imports nothing more.
    again = post(
        client, f"/manage/comment-imports/{upload_row.id}/import", form_url=response.location
    )
    assert again.status_code == 303
    assert count(db, Comment) == 5
    assert zh("This file is no longer waiting for that.") in text(client.get(again.location))


def test_an_import_refused_when_it_runs_stores_nothing(client, db, consultation, officer, world):
    """The rules are checked again when the import runs: an officer who has moved to another
    department since the preview imports nothing, and the file says why."""
    response = upload(client, consultation, csv_bytes(good_rows(3)))
    upload_row = the_import(db)
    assert upload_row.status == "checked"
    imports.confirm_import(upload_row, actor=officer)
    db.session.commit()
    officer.department_id = world.other_dept.id
    db.session.commit()
    imports.run_job(upload_row.id, upload_row.attempt)
    upload_row = the_import(db)
    assert upload_row.status == "refused"
    assert count(db, Comment) == 0
    assert upload_row.errors[0]["msgid"] == "You can only act for your own department."
    assert response.status_code == 303


def test_a_stale_run_of_the_job_writes_nothing(db, consultation, world):
    """A job started again (a worker that stopped) supersedes the old run: the old one,
    waking up, neither checks nor imports."""
    officer = world.users["own_officer"]
    upload_row = imports.start_import(
        consultation, "a.csv", csv_bytes(good_rows(2)), default_source=None, actor=officer
    )
    db.session.commit()
    old = upload_row.attempt
    imports.run_job(upload_row.id, old)
    imports.confirm_import(reload(db, CommentImport, upload_row.id), actor=officer)
    db.session.commit()
    imports.run_job(upload_row.id, old)  # the check's run, again: not the import's
    assert count(db, Comment) == 0
    assert the_import(db).status == "importing"
    imports.run_job(upload_row.id, old + 1)
    assert count(db, Comment) == 2 and the_import(db).status == "imported"


# --- what a file may be ----------------------------------------------------------------------


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_workbook_is_read_with_its_typed_cells(app):
    raw = xlsx_bytes(
        [
            ["意见内容", "渠道", "收到时间", "署名", "公开署名", "电话", "条款"],
            [LAMP, "来信", datetime(2026, 3, 3, 9, 30), "张三", True, 13900001111, 2.0],
            [None, None, None, None, None, None, None],
            [LETTER, "hotline", "2026/03/04 10:15", "李四", "否", None, None],
        ]
    )
    with app.app_context():
        sheet = intake.read_sheet(raw)
    assert sheet.errors == [] and sheet.rows == [2, 4]
    first, second = sheet.records
    assert first["source"] == "letter" and first["body"] == LAMP
    assert first["submitted_at"].isoformat() == "2026-03-03T09:30:00+08:00"
    assert first["show_name"] is True and first["contact"] == "13900001111"
    assert first["clause"] == "2"
    assert second["source"] == "hotline" and second["show_name"] is False
    assert second["submitted_at"].isoformat() == "2026-03-04T10:15:00+08:00"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("gb18030", b""), ("gbk", b"")],
)
def test_a_csv_is_read_in_utf8_or_gb18030(app, encoding, prefix):
    # 䶮 is in GB18030 only (four bytes), not in GBK.
    name = "龑䶮" if encoding == "gb18030" else "王芳"
    raw = prefix + csv_bytes([f"热线,2026-03-03 09:30,{name},{LETTER},,"], encoding=encoding)
    reader = intake.SheetReader(raw)
    rows = list(reader.rows())
    assert reader.encoding == ("GB18030" if encoding.startswith("gb") else "UTF-8")
    assert rows[0].record["author_name"] == name and rows[0].record["body"] == LETTER


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_quoted_cell_may_hold_several_lines(app, newline):
    body = f"尊敬的领导：{newline}{LETTER}{newline}此致敬礼"
    raw = newline.join(["渠道,收到时间,姓名,意见内容", f'来信,2026-03-03 09:30,张三,"{body}"', ""])
    sheet = intake.read_sheet(raw.encode())
    assert sheet.errors == [] and sheet.rows == [2]
    assert sheet.records[0]["body"] == body


def test_a_tab_separated_utf16_file_is_read(app):
    raw = ("渠道\t收到时间\t姓名\t意见内容\n来信\t2026-03-03 09:30\t张三\t" + LAMP + "\n").encode(
        "utf-16"
    )
    sheet = intake.read_sheet(raw)
    assert sheet.records[0]["body"] == LAMP and sheet.records[0]["source"] == "letter"


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("意见.csv", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "not_a_table"),
        ("意见.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old_excel"),
        ("意见.xlsx", b"PK\x03\x04not really a zip", "not_a_table"),
        ("意见.csv", b"", "empty"),
        ("意见.csv", "姓名,意见内容\n张三,请在东门加装路灯。\n".encode(), "missing_columns"),
        (
            "意见.csv",
            HEADER.encode() + "热线,2026-03-03,张三,".encode() + "意见".encode("gbk"),
            "encoding",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_at_once_keeping_the_choices(
    client, db, consultation, officer, name, data, code
):
    response = upload(client, consultation, data, name=name, source="letter")
    assert response.status_code == 422
    html = text(response)
    assert count(db, CommentImport) == 0
    assert '<option selected value="letter">' in html
    assert f'<option selected value="{consultation.id}">' in html
    assert (
        zh("For your safety the browser does not keep a chosen file: please choose it again.")
        in html
    )
    with pytest.raises(intake.ImportFailed) as refused:
        intake.SheetReader(data)
    assert refused.value.code == code and refused.value.field == "file"


def test_the_file_decides_by_its_content_not_its_name(client, db, consultation, officer):
    raw = xlsx_bytes(
        [["渠道", "收到时间", "姓名", "意见内容"], ["来信", "2026-03-03 09:30", "张三", LAMP]]
    )
    response = upload(client, consultation, raw, name="意见.csv")
    assert response.status_code == 303
    assert the_import(db).kind == "xlsx" and the_import(db).status == "checked"


def test_a_workbook_without_the_columns_is_refused_by_its_check(client, db, consultation, officer):
    """A workbook's header is read by the check (opening a large one takes seconds): the
    file is refused there, as a whole, with the form to upload it again."""
    raw = xlsx_bytes([["姓名", "意见内容"], ["张三", LAMP]])
    response = upload(client, consultation, raw, name="意见.xlsx", source="hotline")
    html = text(client.get(response.location))
    assert the_import(db).status == "refused"
    assert _problem_rows(html) == ["整个文件"]
    assert "收到时间 submitted_at" in html
    assert '<option selected value="hotline">' in html


def test_a_file_over_the_limit_is_refused_with_the_limit(
    client, db, consultation, officer, monkeypatch
):
    monkeypatch.setattr(rules, "MAX_IMPORT_BYTES", 2 * 1024 * 1024)
    raw = csv_bytes(good_rows(1)) + b"#" * (2 * 1024 * 1024)
    response = upload(client, consultation, raw)
    assert response.status_code == 422
    assert zh("The file is larger than %(mb)d MB. Split it into several files.", mb=2) in text(
        response
    )
    assert count(db, CommentImport) == 0


def test_the_upload_may_be_larger_than_other_requests(
    app, client, db, consultation, officer, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = upload(client, consultation, csv_bytes(good_rows(40)))  # ~10 KB
    assert response.status_code == 303
    assert the_import(db).rows_total == 40


def test_a_file_with_too_many_rows_is_refused(client, db, consultation, officer, monkeypatch):
    monkeypatch.setattr(rules, "MAX_IMPORT_ROWS", 3)
    response = upload(client, consultation, csv_bytes(good_rows(4)))
    reader = intake.SheetReader(csv_bytes(good_rows(4)), max_rows=3)
    with pytest.raises(intake.ImportFailed):
        list(reader.rows())
    assert response.status_code == 303  # the rows are counted as they are read
    assert the_import(db).status == "refused"


def test_online_and_meeting_comments_are_not_imported_in_the_browser(
    client, db, consultation, officer
):
    rows = [
        "网上,2026-03-03 09:30,张三," + LAMP + ",,",
        "会议,2026-03-03 09:30,李四," + LAMP + ",,",
    ]
    response = upload(client, consultation, csv_bytes(rows))
    html = text(client.get(response.location))
    assert the_import(db).status == "refused" and the_import(db).error_count == 2
    assert _problem_rows(html) == ["第2行", "第3行"]


def test_rows_without_a_source_take_the_one_chosen(client, db, consultation, officer):
    raw = f"收到时间,姓名,意见内容\n2026-03-03 09:30,张三,{LAMP}\n2026-03-03 10:30,李四,{LAMP}\n"
    response = upload(client, consultation, raw.encode(), source="mailbox")
    assert response.status_code == 303
    row = the_import(db)
    assert row.status == "checked" and row.sources == {"mailbox": 2}


# --- the department boundary ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["other_officer", "resident", "representative"])
def test_only_the_departments_staff_may_import(client, db, consultation, world, role):
    officer = world.users["own_officer"]
    upload_row = imports.start_import(
        consultation, "a.csv", csv_bytes(good_rows(2)), default_source=None, actor=officer
    )
    db.session.commit()
    imports.run_job(upload_row.id, upload_row.attempt)
    login(client, world.users[role])
    assert client.get(page_url(consultation)).status_code == 403
    assert client.get(f"/manage/comment-imports/{upload_row.id}").status_code == 403
    assert client.get(f"/manage/comment-imports/{upload_row.id}/progress").status_code == 403
    refused = post(
        client,
        "/manage/comment-imports",
        {
            "consultation": str(consultation.id),
            "file": (io.BytesIO(csv_bytes(good_rows(1))), "a.csv"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403
    assert post(client, f"/manage/comment-imports/{upload_row.id}/import").status_code == 403
    assert count(db, Comment) == 0 and count(db, CommentImport) == 1


def test_the_government_office_may_import_for_any_department(client, db, consultation, world):
    login(client, world.users["admin"])
    response = upload(client, consultation, csv_bytes(good_rows(2)))
    assert response.status_code == 303 and the_import(db).status == "checked"


# --- the page and its template ----------------------------------------------------------------


def test_the_page_documents_the_columns_and_offers_the_template(client, db, consultation, officer):
    html = text(client.get(page_url(consultation)))
    for column in intake.COLUMNS:
        assert intake.COLUMNS[column][0] in html
    assert "12345热线" in html and "意见箱" in html  # words a source cell may say
    assert "64" in html and "200,000" in html  # the limits, from rules
    csv_template = client.get("/manage/comment-imports/template.csv")
    xlsx_template = client.get("/manage/comment-imports/template.xlsx")
    assert csv_template.data.startswith(codecs.BOM_UTF8)
    assert "attachment" in csv_template.headers["Content-Disposition"]
    for data in (csv_template.data, xlsx_template.data):
        sheet = intake.read_sheet(data)
        assert sheet.errors == [] and len(sheet.records) == 2
    # The template's own example rows import.
    response = upload(client, consultation, xlsx_template.data, name="模板.xlsx")
    assert the_import(db).status == "checked", text(client.get(response.location))


def test_the_consultation_page_links_to_the_import(client, db, consultation, officer):
    html = text(client.get(f"/manage/consultations/{consultation.id}"))
    assert page_url(consultation) in html


@pytest.fixture
def commits_stay_in_the_test(db, monkeypatch):
    """A command commits: send the default bind to the test's connection (as in the CLI's
    tests)."""
    monkeypatch.setitem(db.engines, None, db.session.session_factory.kw["bind"])


@pytest.mark.usefixtures("commits_stay_in_the_test")
def test_the_command_line_reads_xlsx_with_the_same_parser(runner, db, consultation, tmp_path):
    path = tmp_path / "letters.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                ["渠道", "收到时间", "姓名", "意见内容"],
                ["来信", datetime(2026, 3, 3, 9, 30), "张三", LAMP],
            ]
        )
    )
    result = runner.invoke(
        args=["import-comments", str(path), "--consultation", str(consultation.id)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert count(db, Comment) == 1


# --- the job path ----------------------------------------------------------------------------


@pytest.fixture
def served(committed, tmp_path):  # noqa: F811 (the fixture imported above)
    """The `committed` app (a database of its own, whose requests really commit) with an
    officer of the consultation's department, and files that take the job path whatever
    their size."""
    from consult.accounts import services as accounts
    from consult.accounts.models import SYSTEM
    from consult.accounts.models import Department
    from consult.extensions import db as _db

    app, consultation_id = committed
    app.config.update(COMMENT_IMPORT_IN_REQUEST_BYTES=0, STORAGE_DIR=str(tmp_path / "files"))
    with app.app_context():
        department = _db.session.scalar(sa.select(Department))
        officer = accounts.create_user(
            {
                "email": "officer@donghu.example",
                "display_name": "住建局王科长",
                "password": PASSWORD,
                "role": "officer",
                "department_id": department.id,
            },
            actor=SYSTEM,
        )
        _db.session.commit()
        opened = _db.session.get(Consultation, consultation_id).opens_at
        email = officer.email
        _db.session.remove()
    client = app.test_client()
    login(client, SimpleNamespace(email=email))
    return app, client, consultation_id, opened


def _poll(app, import_id: int, until: str, seen: list, seconds: float = 60) -> CommentImport:
    from consult.extensions import db as _db

    deadline = time.monotonic() + seconds
    with app.app_context():
        while time.monotonic() < deadline:
            row = _db.session.get(CommentImport, import_id)
            seen.append((row.status, row.rows_checked))
            if row.status == until or not row.is_working:
                _db.session.expunge(row)
                return row
            _db.session.rollback()
            time.sleep(0.02)
    raise AssertionError(f"the job did not finish: {seen[-3:]}")


def _upload_to(client, consultation_id: int, raw: bytes):
    return close_request_body(
        post(
            client,
            f"/manage/comment-imports?consultation={consultation_id}",
            {"consultation": str(consultation_id), "file": (io.BytesIO(raw), "热线.csv")},
            content_type="multipart/form-data",
        )
    )


def _job_file(opened: datetime, n: int) -> bytes:
    moment = (opened + timedelta(milliseconds=1)).isoformat()
    rows = [
        f"12345热线,{moment},市民{i},{LETTER if i % 2 else LAMP + str(i) * 3},," for i in range(n)
    ]
    return csv_bytes(rows)


def test_a_large_file_is_checked_and_imported_by_a_thread_with_its_progress(served, monkeypatch):
    """A file over COMMENT_IMPORT_IN_REQUEST_BYTES is checked by a job (here a thread, as
    without Redis): the request answers at once with the progress page, the job reports
    its progress chunk by chunk, and the import on the go-ahead is a job too."""
    app, client, consultation_id, opened = served
    app.config["COMMENT_IMPORT_JOBS"] = "thread"
    monkeypatch.setattr(imports, "CHECK_CHUNK", 100)
    time.sleep(0.01)  # the rows were received after the window opened, and before now
    raw = _job_file(opened, 3000)
    response = _upload_to(client, consultation_id, raw)
    assert response.status_code == 303
    import_id = int(response.location.rsplit("/", 1)[1])
    page = text(client.get(response.location))
    seen: list = []
    checked = _poll(app, import_id, "checked", seen)
    assert seen[0][0] == "checking"
    assert any(status == "checking" and 0 < n < 3000 for status, n in seen)  # progress
    # The page, fetched before the first look at the job (so while it checked), follows it:
    # reloading without JavaScript, with its progress bar.
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "<progress" in page and "data-progress-url" in page
    progress = client.get(f"/manage/comment-imports/{import_id}/progress").get_json()
    assert progress == {"status": "checked", "checked": 3000, "total": 3000}
    assert checked.status == "checked" and checked.error_count == 0

    confirm = post(client, f"/manage/comment-imports/{import_id}/import")
    assert confirm.status_code == 303
    done = _poll(app, import_id, "imported", seen)
    assert done.status == "imported" and done.imported_count == 3000
    from consult.extensions import db as _db

    with app.app_context():
        assert _db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 3000
        assert _db.session.scalar(sa.select(sa.func.max(DuplicateGroup.size))) == 1500


def _redis_url() -> str | None:
    try:
        from redis import Redis

        url = "redis://127.0.0.1:6379/14"
        Redis.from_url(url, socket_connect_timeout=0.5).ping()
        return url
    except Exception:
        return None


@pytest.mark.skipif(_redis_url() is None, reason="no Redis at 127.0.0.1:6379")
def test_with_redis_an_rq_worker_checks_and_imports_the_file(served, tmp_path):
    """With REDIS_URL the job is an RQ job: a real `rq worker` process, sharing the database
    and the storage, checks the file, then imports it."""
    app, client, consultation_id, opened = served
    url = _redis_url()
    app.config.update(COMMENT_IMPORT_JOBS="", REDIS_URL=url)
    time.sleep(0.01)
    raw = _job_file(opened, 200)
    response = _upload_to(client, consultation_id, raw)
    import_id = int(response.location.rsplit("/", 1)[1])
    env = {
        **os.environ,
        "CONSULT_ENV": "test",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "STORAGE_DIR": app.config["STORAGE_DIR"],
        "CONSULT_INSTANCE_DIR": str(tmp_path),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    worker = [sys.executable, "-m", "rq.cli", "worker", "-w", "consult.jobs.Worker", "--burst"]
    worker += ["--url", url, "imports"]
    subprocess.run(worker, env=env, check=True, timeout=120, capture_output=True)
    assert _poll(app, import_id, "checked", []).status == "checked"
    post(client, f"/manage/comment-imports/{import_id}/import")
    subprocess.run(worker, env=env, check=True, timeout=120, capture_output=True)
    done = _poll(app, import_id, "imported", [])
    assert done.status == "imported" and done.imported_count == 200


@pytest.mark.skipif(_redis_url() is None, reason="no Redis at 127.0.0.1:6379")
def test_the_projects_rq_worker_listens_for_commands_a_second_at_a_time():
    """A plain `rq worker` blocks up to 60 s on its command channel, and stopping waits for
    that read; consult.jobs.Worker reads a second at a time, so it stops at once."""
    from redis import Redis

    from consult.jobs import Worker

    worker = Worker(["imports"], connection=Redis.from_url(_redis_url()))
    worker.subscribe()
    try:
        assert worker.pubsub_thread.sleep_time == 1
    finally:
        worker.unsubscribe()
