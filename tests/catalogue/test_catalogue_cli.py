"""`flask import-catalogue`: every row through the service, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from consult.catalogue import services
from consult.catalogue.cli import map_header
from consult.catalogue.cli import parse_hearing
from consult.catalogue.cli import parse_procedures
from consult.catalogue.models import CatalogueAdjustment
from consult.catalogue.models import CatalogueYear
from consult.catalogue.models import DecisionMatter

HEADER = "决策事项 title,承办部门,planned_time,是否听证 hearing,摘要 summary,procedures\n"


@pytest.fixture(autouse=True)
def _commits_stay_in_the_test(db, monkeypatch):
    """Commands commit. conftest binds the session to the test's connection, but
    Flask-SQLAlchemy's get_bind returns the engine, so a commit would outlive the test; send
    the default bind to that connection, where a commit only releases a savepoint."""
    monkeypatch.setitem(db.engines, None, db.session.session_factory.kw["bind"])


@pytest.fixture
def depts(db, create_department):
    housing = create_department("区住房和城乡建设局", "住建局")
    transport = create_department("区交通运输局", "交通局")
    # A failed import rolls the session back; what the test set up must survive that.
    db.session.commit()
    return housing, transport


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / "catalogue.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def matters(db, year: int) -> list[DecisionMatter]:
    return list(
        db.session.scalars(
            sa.select(DecisionMatter)
            .where(DecisionMatter.year == year)
            .order_by(DecisionMatter.number)
        )
    )


def test_imports_good_rows(runner, db, depts, tmp_path):
    housing, transport = depts
    path = write(
        tmp_path,
        HEADER
        + "老旧小区停车设施改造实施方案,区住房和城乡建设局,2026-07,是,增设停车泊位。,"
        + "公众参与;合法性审查\n"
        + "城区公交线网优化调整方案,交通局,2026-Q3,no,,"
        + "public_participation; collective_discussion\n"
        + "城市内涝治理实施方案,住建局,2026年7月,true,,\n"
        + ",,,,,\n"  # a blank line left by a spreadsheet is skipped
        + "慢行交通系统建设规划,交通局,2026年第三季度,0,,风险评估、专家论证\n",
    )
    result = runner.invoke(args=["import-catalogue", path, "--year", "2026"])
    assert result.exit_code == 0, result.output
    assert "imported 4 matter(s)" in result.output

    rows = matters(db, 2026)
    assert [
        (m.number, m.title, m.department_id, m.planned.code, m.hearing, m.status) for m in rows
    ] == [
        (1, "老旧小区停车设施改造实施方案", housing.id, "2026-07", True, "planned"),
        (2, "城区公交线网优化调整方案", transport.id, "2026-Q3", False, "planned"),
        (3, "城市内涝治理实施方案", housing.id, "2026-07", True, "planned"),
        (4, "慢行交通系统建设规划", transport.id, "2026-Q3", False, "planned"),
    ]
    assert rows[0].summary == "增设停车泊位。"
    required = [sorted(p.kind for p in m.procedures if p.required) for m in rows]
    assert required == [
        ["legality_review", "public_participation"],
        ["collective_discussion", "public_participation"],
        [],
        ["expert_argumentation", "risk_assessment"],
    ]
    assert not db.session.get(CatalogueYear, 2026).is_published
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CatalogueAdjustment)) == 0


def test_a_bad_row_reports_its_number_and_nothing_is_imported(runner, db, depts, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "老旧小区停车设施改造实施方案,住建局,2026-07,是,,\n"  # row 2: good
        + "背街小巷改造提升实施方案,区城市管理局,2026-Q2,否,,\n"  # row 3: unknown department
        + "养老服务设施布局规划,住建局,2025-09,否,,\n"  # row 4: outside the year
        + ",住建局,2026-10,否,,\n"  # row 5: no title
        + "农贸市场管理办法,交通局,2026-08,也许,,\n"  # row 6: hearing unreadable
        + "优化营商环境若干措施,交通局,2026-03,否,,公众参与;拍脑袋决定\n",
    )  # row 7
    result = runner.invoke(args=["import-catalogue", path, "--year", "2026"])

    assert result.exit_code == 1
    out = result.output
    assert "row 2" not in out
    assert "row 3: lead_department: 未知部门" in out and "区城市管理局" in out
    assert "row 4: planned_time: " in out and "2026" in out.split("row 4: ")[1].splitlines()[0]
    assert "row 5: title: " in out
    assert "row 6: hearing: " in out
    assert "row 7: procedures: " in out and "拍脑袋决定" in out
    assert "nothing was imported" in out
    assert matters(db, 2026) == []
    assert db.session.get(CatalogueYear, 2026) is None


def test_an_inactive_department_is_refused_by_the_service(runner, db, depts, tmp_path):
    housing, _ = depts
    housing.active = False
    db.session.commit()
    path = write(tmp_path, HEADER + "城市内涝治理实施方案,住建局,2026-04,否,,\n")
    result = runner.invoke(args=["import-catalogue", path, "--year", "2026"])
    assert result.exit_code == 1
    assert "row 2: lead_department: " in result.output
    assert matters(db, 2026) == []


def test_a_byte_order_mark_is_handled(runner, db, depts, tmp_path):
    path = write(
        tmp_path, HEADER + "城市内涝治理实施方案,住建局,2026-04,否,,\n", encoding="utf-8-sig"
    )
    assert Path(path).read_bytes().startswith(b"\xef\xbb\xbf")
    result = runner.invoke(args=["import-catalogue", path, "--year", "2026"])
    assert result.exit_code == 0, result.output
    assert [m.title for m in matters(db, 2026)] == ["城市内涝治理实施方案"]


def test_a_file_that_is_not_utf8_is_refused(runner, db, depts, tmp_path):
    path = write(tmp_path, HEADER + "城市内涝治理实施方案,住建局,2026-04,否,,\n", encoding="gbk")
    result = runner.invoke(args=["import-catalogue", path, "--year", "2026"])
    assert result.exit_code == 1
    assert "UTF-8" in result.output
    assert matters(db, 2026) == []


def test_missing_columns_are_named(runner, db, depts, tmp_path):
    path = write(tmp_path, "title,summary\n城市内涝治理实施方案,摘要\n")
    result = runner.invoke(args=["import-catalogue", path, "--year", "2026"])
    assert result.exit_code == 1
    for column in ("lead_department", "planned_time", "hearing"):
        assert column in result.output
    assert "title" not in result.output.split("缺少列:")[1].replace("title 决策事项", "")


def test_an_implausible_year_is_refused(runner, db, depts, tmp_path):
    path = write(tmp_path, HEADER + "城市内涝治理实施方案,住建局,1999-04,否,,\n")
    result = runner.invoke(args=["import-catalogue", path, "--year", "1999"])
    assert result.exit_code == 1
    assert "error: year: " in result.output
    assert db.session.get(CatalogueYear, 1999) is None


def test_a_published_year_needs_a_reason_and_gets_adjustments(
    runner, db, depts, create_matter, tmp_path
):
    housing, _ = depts
    create_matter(department=housing, year=2026, published=True)
    db.session.commit()
    path = write(
        tmp_path,
        HEADER
        + "城市内涝治理实施方案,住建局,2026-10,否,,\n"
        + "城区公交线网优化调整方案,交通局,2026-Q4,是,,\n",
    )

    refused = runner.invoke(args=["import-catalogue", path, "--year", "2026"])
    assert refused.exit_code == 1
    assert "--reason" in refused.output
    assert len(matters(db, 2026)) == 1

    reason = "根据区政府常务会议研究，新增列入目录。"
    result = runner.invoke(args=["import-catalogue", path, "--year", "2026", "--reason", reason])
    assert result.exit_code == 0, result.output
    added = matters(db, 2026)[1:]
    assert [m.title for m in added] == ["城市内涝治理实施方案", "城区公交线网优化调整方案"]
    for m in added:
        assert [(a.kind, a.reason, a.actor_id) for a in m.adjustments] == [
            ("addition", reason, None)
        ]
        assert any(e.action == "listed" for e in services.timeline(m))


def test_the_export_can_be_imported_again(runner, client, db, depts, create_matter, tmp_path):
    """The export's own header ("决策事项 title", "是 yes", full names) is accepted."""
    housing, transport = depts
    create_matter(
        department=housing,
        title="老旧小区停车设施改造实施方案",
        planned_time="2026-Q3",
        hearing=True,
    )
    create_matter(
        department=transport,
        title="城区公交线网优化调整方案",
        planned_time="2026-06",
        published=True,
    )
    db.session.commit()
    exported = client.get("/catalogue/2026.csv").data
    assert exported.startswith(b"\xef\xbb\xbf")  # the export writes a BOM for Excel
    path = tmp_path / "export.csv"
    path.write_bytes(exported)

    result = runner.invoke(
        args=["import-catalogue", str(path), "--year", "2026", "--reason", "复制"]
    )
    assert result.exit_code == 0, result.output
    assert "ignoring column(s)" in result.output and "状态 status" in result.output
    copies = matters(db, 2026)[2:]
    assert [(m.title, m.department_id, m.planned.code, m.hearing) for m in copies] == [
        ("老旧小区停车设施改造实施方案", housing.id, "2026-Q3", True),
        ("城区公交线网优化调整方案", transport.id, "2026-06", False),
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("是", True),
        ("否", False),
        ("yes", True),
        ("No", False),
        ("TRUE", True),
        ("false", False),
        ("1", True),
        ("0", False),
        ("是 yes", True),
        ("否 no", False),
        ("", ""),
        ("也许", "也许"),
        ("是 no", "是 no"),
    ],
)
def test_hearing_cells(cell, expected):
    assert parse_hearing(cell) == expected


def test_procedure_cells():
    assert parse_procedures("公众参与;专家论证；风险评估, legality_review;集体讨论决定") == [
        "public_participation",
        "expert_argumentation",
        "risk_assessment",
        "legality_review",
        "collective_discussion",
    ]
    assert parse_procedures("Public participation; public_participation") == [
        "public_participation"
    ]
    assert parse_procedures("") == []
    assert parse_procedures("拍脑袋") == ["拍脑袋"]  # passed on for the service to refuse


def test_headers_match_by_either_language_or_both():
    assert map_header(
        ["\ufeff决策事项 title", "承办部门", "planned_time", "Hearing", "状态 status"]
    ) == {
        "title": 0,
        "lead_department": 1,
        "planned_time": 2,
        "hearing": 3,
    }
