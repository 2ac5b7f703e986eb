"""`flask import-comments`: a CSV of hotline records and letters, every row through
`import_comments`, all or nothing; `flask group-comments` and `flask tick` group what waits."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from consult.comments import intake
from consult.comments import services
from consult.comments.models import Comment
from consult.comments.models import DuplicateGroup
from tests.helpers import DAY
from tests.helpers import NOW
from tests.helpers import comment_data
from tests.helpers import count
from tests.helpers import make_consultation

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")

LETTER = (
    "我们坚决反对在小区中心绿地建设机械式立体车库。绿地是小区唯一的公共活动空间，老人每天在这里"
    "锻炼，孩子在这里玩耍。请求取消这一设计，另行选址，保留中心绿地。"
)
HEADER = "渠道 source,收到时间,姓名,意见内容 body,联系方式 contact,条款\n"


@pytest.fixture(autouse=True)
def _commits_stay_in_the_test(db, monkeypatch):
    """Commands commit: send the default bind to the test's connection (see the catalogue
    CLI tests)."""
    monkeypatch.setitem(db.engines, None, db.session.session_factory.kw["bind"])


@pytest.fixture
def consultation(world, db, clock):
    consultation = make_consultation(world.matter, NOW)
    db.session.commit()
    clock.set(NOW + 5 * DAY)
    return consultation


def write(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "comments.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(path)


def run(runner, path: str, consultation):
    return runner.invoke(
        args=["import-comments", path, "--consultation", str(consultation.id)],
        catch_exceptions=False,
    )


def test_a_hotline_export_is_imported_and_grouped(runner, db, consultation, tmp_path):
    rows = [
        f"12345热线,2026-03-03 09:30,市民{i},{LETTER},+86 139 0000 {i:04d},\n" for i in range(5)
    ]
    rows.append("letter,2026-03-04T10:00:00+08:00,王女士,'=请在东门加装路灯，晚上太黑了。,,2\n")
    path = write(tmp_path, "\ufeff" + HEADER + "".join(rows) + ",,,,,\n")
    result = run(runner, path, consultation)
    assert result.exit_code == 0, result.output
    assert "imported 6 comment(s)" in result.output
    comments = db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()
    assert [c.source for c in comments] == ["hotline"] * 5 + ["letter"]
    assert comments[0].contact == "+86 139 0000 0000"  # a number with its sign is no formula
    assert comments[-1].body.startswith("=请在东门")  # the apostrophe marked it as text
    assert comments[-1].clause.number == 2
    assert comments[0].submitted_at.isoformat() == "2026-03-03T01:30:00+00:00"  # Beijing time
    assert len({c.duplicate_group_id for c in comments[:5]}) == 1
    assert db.session.scalar(sa.select(DuplicateGroup.size)) == 5


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("pigeon,2026-03-03 09:30,张三,请在东门加装路灯，晚上太黑了。,,", "source"),
        ("hotline,2026-03-03 09:30,张三,,,", "body"),
        ("hotline,yesterday,张三,请在东门加装路灯，晚上太黑了。,,", "submitted_at"),
        ("online,2026-02-01 09:30,张三,请在东门加装路灯，晚上太黑了。,,", "submitted_at"),
        (
            'hotline,2026-03-03 09:30,=HYPERLINK("x"),请在东门加装路灯，晚上太黑了。,,',
            "author_name",
        ),
        ("hotline,2026-03-03 09:30,张三,@SUM(A1),,", "body"),
        ("hotline,2026-03-03 09:30,张三,请在东门加装路灯，晚上太黑了。,,99", "clause"),
    ],
)
def test_a_bad_row_is_reported_and_nothing_is_imported(
    runner, db, consultation, tmp_path, row, field
):
    good = "hotline,2026-03-03 09:30,李四,建议延长公共自行车租赁点的服务时间。,,\n"
    path = write(tmp_path, HEADER + good + row + "\n" + good)
    result = runner.invoke(args=["import-comments", path, "--consultation", str(consultation.id)])
    assert result.exit_code == 1
    assert f"row 3 / 第3行: {field}:" in result.output
    assert "row 2 " not in result.output and "row 4 " not in result.output
    assert "nothing was imported" in result.output
    assert count(db, Comment) == 0


def test_a_file_mixing_utf8_and_gbk_is_refused_with_its_line(runner, db, consultation, tmp_path):
    text = HEADER + "hotline,2026-03-03 09:30,张三,请在东门加装路灯，晚上太黑了。,,\n"
    path = write(tmp_path, text.encode("utf-8") + "王五,意见".encode("gbk") + b"\n")
    result = runner.invoke(args=["import-comments", path, "--consultation", str(consultation.id)])
    assert result.exit_code == 1
    assert "3" in result.output and "UTF-8" in result.output  # the line, the encoding
    assert count(db, Comment) == 0


def test_a_file_without_the_needed_columns_is_refused(runner, consultation, tmp_path):
    path = write(tmp_path, "姓名,意见内容\n张三,请在东门加装路灯。\n")
    result = runner.invoke(args=["import-comments", path, "--consultation", str(consultation.id)])
    assert result.exit_code == 1
    assert "渠道 source" in result.output and "收到时间 submitted_at" in result.output


def test_an_unknown_consultation_is_refused(runner, consultation, tmp_path):
    path = write(tmp_path, HEADER)
    result = runner.invoke(args=["import-comments", path, "--consultation", "999999"])
    assert result.exit_code == 1 and "no consultation" in result.output


@pytest.mark.parametrize(("who", "imported"), [("own_officer", 1), ("other_officer", 0)])
def test_the_import_is_recorded_for_a_staff_account_of_the_department_only(
    runner, db, world, consultation, tmp_path, who, imported
):
    """The CLI's smoke test of rule 4 (the matrix: tests/accounts/test_role_matrix.py)."""
    path = write(tmp_path, HEADER + f"letter,2026-03-04 10:00,王女士,{LETTER},,\n")
    email = world.users[who].email
    result = runner.invoke(
        args=["import-comments", path, "--consultation", str(consultation.id), "--as", email]
    )
    assert result.exit_code == (0 if imported else 1), result.output
    assert count(db, Comment) == imported
    if not imported:
        assert "您只能办理本部门的事项" in result.output  # the platform's language
    else:
        comment = db.session.scalar(sa.select(Comment))
        assert comment.entered_by_id == world.users[who].id


def test_the_sheet_reader_reads_the_exports_column_names_and_booleans():
    raw = (
        "回执编号 receipt,渠道 source,提交时间 submitted_at,署名 author_name,"
        "意见内容 body,公开署名,同意发布\n"
        "ZX-2026-AAAA-BBBB,online,2026-03-03 09:30,张三,意见内容写在这里。,是,yes\n"
    ).encode()
    sheet = intake.read_sheet(raw)
    assert sheet.errors == [] and sheet.ignored == ["回执编号 receipt"]
    assert sheet.records[0]["show_name"] is True and sheet.records[0]["consent"] is True
    assert sheet.rows == [2]


def test_group_comments_and_tick_group_what_waits(runner, db, consultation):
    for _ in range(2):
        draft = services.check_comment(consultation, comment_data(body=LETTER))
        services.store_comment(draft)
    db.session.commit()
    result = runner.invoke(args=["group-comments"], catch_exceptions=False)
    assert "grouped 2 comment(s)" in result.output
    draft = services.check_comment(consultation, comment_data(body=LETTER))
    services.store_comment(draft)
    db.session.commit()
    result = runner.invoke(args=["tick"], catch_exceptions=False)
    assert "grouped 1 waiting comment(s)" in result.output
    assert db.session.scalar(sa.select(DuplicateGroup.size)) == 3
