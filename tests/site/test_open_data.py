"""/open-data: the page and the bulk downloads. Every dataset in both formats parses, the CSV
opens in Excel (BOM), the expected public rows are there, and nothing private is: no
contact, IP, phone or email, no hidden comment's text or name, no answer before the
feedback is published, not even in the SQL that produced the file."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from consult.accounts.models import SYSTEM
from consult.comments import services as comment_services
from consult.site import opendata
from tests.helpers import ADOPT_REASON
from tests.helpers import ANON_BODY
from tests.helpers import DAY
from tests.helpers import HOTLINE_BODY
from tests.helpers import HOUR
from tests.helpers import IP
from tests.helpers import NOW
from tests.helpers import OPEN_BODY
from tests.helpers import PHONE
from tests.helpers import PUBLIC_BODY
from tests.helpers import assert_no_private

DATASETS = ("catalogue", "consultations", "comments", "meetings", "attendance")
BOM = b"\xef\xbb\xbf"


def download(client, name: str, fmt: str, **kwargs):
    response = client.get(f"/open-data/{name}.{fmt}", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def rows(client, name: str, fmt: str) -> list[dict]:
    """The records of a download; CSV columns are keyed by field name ("署名 author" → author)."""
    response = download(client, name, fmt)
    if fmt == "csv":
        assert response.data.startswith(BOM)
        reader = csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")))
        return [{k.split(" ")[-1]: v for k, v in row.items()} for row in reader]
    body = json.loads(response.data)
    assert body["dataset"] == name and body["total"] == len(body["items"])
    assert body["licence"]["name"]
    return body["items"]


def by(records: list[dict], key: str) -> dict:
    return {str(r[key]): r for r in records}


def empty(value) -> bool:
    return value in (None, "")


# --- the page ----------------------------------------------------------------------------


def test_page_describes_every_dataset_with_both_formats(client, district):
    client.set_cookie("lang", "en")
    response = client.get("/open-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in DATASETS:
        assert f'href="/open-data/{name}.csv"' in page
        assert f'href="/open-data/{name}.json"' in page
        assert f'id="{name}"' in page
    assert "CC BY 4.0" in page and "Licence" in page and "Fields" in page
    assert "disposition_reason" in page and "representative_name" in page
    assert_no_private(page, district, "/open-data")


def test_footer_links_to_open_data(client, district):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/open-data"' in page


# --- every dataset, both formats ---------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("name", DATASETS)
def test_download_parses_and_carries_nothing_private(client, district, name, fmt):
    response = download(client, name, fmt)
    expected = "text/csv" if fmt == "csv" else "application/json"
    assert response.mimetype == expected
    assert f'filename="donghu-{name}.{fmt}"' in response.headers["Content-Disposition"]
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    text = response.data.decode("utf-8-sig")
    if fmt == "csv":
        assert response.data.startswith(BOM)
        header = next(csv.reader(io.StringIO(text)))
        assert header == [
            f"{label} {key}" for key, label, _ in opendata._csv_fields(opendata.DATASETS[name])
        ]
    else:
        assert not response.data.startswith(BOM)
        json.loads(text)
        assert "\\u" not in text  # ensure_ascii=False: Chinese is written as such
    assert_no_private(text, district, f"{name}.{fmt}")
    for key in ("submitter_ip", "email", "phone", "checkin_code", "decline_reason"):
        assert key not in text


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_catalogue_lists_every_published_matter(client, district, fmt):
    records = by(rows(client, "catalogue", fmt), "code")
    assert {r["title"] for r in records.values()} == {m.title for m in district.matters.values()}
    first = records["2026-01"]
    assert first["status"] == "consulting" and first["completion"] == "in_progress"
    lead = first["lead_department"]
    assert (lead if fmt == "csv" else lead["name"]) == "东湖区住房和城乡建设局"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_consultations_with_status_counts_and_feedback(client, district, fmt):
    c = district.consultations
    records = by(rows(client, "consultations", fmt), "id")
    assert set(records) == {str(x.id) for x in c.values()}
    statuses = {k: records[str(v.id)]["status"] for k, v in c.items()}
    assert statuses == {"a": "feedback_published", "b": "open", "c": "scheduled", "d": "closed"}
    assert str(records[str(c["a"].id)]["comment_count"]) == "4"
    assert records[str(c["a"].id)]["feedback_summary"] == "根据意见增设非机动车停放区。"
    assert empty(records[str(c["d"].id)]["feedback_summary"])
    assert "time_left" not in records[str(c["b"].id)]
    if fmt == "json":
        assert [cl["number"] for cl in records[str(c["a"].id)]["clauses"]] == [1, 2, 3, 4]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_comments_public_fields_and_answers_only_once_published(client, district, fmt):
    cm = district.comments
    records = by(rows(client, "comments", fmt), "receipt")
    # B's hidden comment is not public (B's feedback is not out); everything else is listed.
    assert set(records) == {cm[k].receipt for k in ("a1", "a2", "a3", "a4", "b1", "d1")}
    a1, a2, a3, a4 = (records[cm[k].receipt] for k in ("a1", "a2", "a3", "a4"))
    assert a1["author"] == "张三" and a1["body"] == PUBLIC_BODY
    assert a1["disposition"] == "adopted" and a1["status"] == "published"
    assert empty(a2["author"]) and a2["body"] == ANON_BODY  # anonymous: no name
    assert a2["disposition"] == "partly_adopted" and a2["disposition_reason"] == "部分采纳。"
    # Withheld by moderation: listed with its answer, without its text or name.
    assert a3["status"] == "hidden" and a3["hidden_reason"] == "abusive"
    assert empty(a3["body"]) and empty(a3["author"])
    assert a3["disposition"] == "not_applicable"
    assert a4["source"] == "hotline" and a4["body"] == HOTLINE_BODY
    assert a4["disposition_reason"] == ADOPT_REASON
    assert str(a4["consultation_id"]) == str(district.consultations["a"].id)
    # D is answered but its feedback is not published: no answer yet.
    d1 = records[cm["d1"].receipt]
    assert empty(d1["disposition"]) and empty(d1["disposition_reason"])
    b1 = records[cm["b1"].receipt]
    assert b1["body"] == OPEN_BODY and empty(b1["disposition"])


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_meetings_with_agenda_and_published_outcome(client, district, fmt):
    m = district.meetings
    records = by(rows(client, "meetings", fmt), "id")
    assert set(records) == {str(x.id) for x in m.values()}
    m1, m2 = records[str(m["m1"].id)], records[str(m["m2"].id)]
    assert m1["outcome_summary"] == "会议原则通过老旧小区停车设施改造方案。"
    assert empty(m2["outcome_summary"]) and empty(m2["outcome_published_at"])
    if fmt == "json":
        assert m1["agenda"][0]["decision"] == "原则通过，修改后印发。"
        assert m2["agenda"][0]["decision"] is None
    else:
        assert m1["agenda"] == "1. 老旧小区停车设施改造 — 原则通过，修改后印发。"
        assert m2["agenda"] == "1. 中小学学区划分调整"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_attendance_only_of_meetings_with_recorded_attendance(client, district, fmt):
    records = rows(client, "attendance", fmt)
    m1 = district.meetings["m1"]
    assert {str(r["meeting_id"]) for r in records} == {str(m1.id)}
    got = {r["representative_name"]: (r["category"], r["status"], r["attendance"]) for r in records}
    assert got == {
        "周文静": ("npc_deputy", "accepted", "attended"),
        "吴建国": ("expert", "declined", "absent"),
        "郑海燕": ("media", "pending", "absent"),
    }
    assert set(records[0]) == {
        "meeting_id",
        "meeting_title",
        "meeting_starts_at",
        "representative_id",
        "representative_name",
        "category",
        "invited_by",
        "status",
        "attendance",
    }


# --- how the files are made --------------------------------------------------------------


def test_private_columns_are_never_read(app, client, district):
    statements: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.replace('"', "").replace("`", "").lower())

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", capture)
    try:
        client.get("/open-data")
        for name in DATASETS:
            for fmt in ("csv", "json"):
                download(client, name, fmt)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", capture)
    assert any("from comment" in s for s in statements)
    for forbidden in (
        "comment.contact",
        "submitter_ip",
        "representative.phone",
        "representative.email",
        "checkin_code",
        "decline_reason",
        "user.email",
    ):
        assert not [s for s in statements if forbidden in s], forbidden


def test_downloads_stream_in_batches_without_gaps(app, client, district, monkeypatch, frozen):
    # Enough comments for several batches of two, across consultations.
    frozen(NOW - DAY + DAY // 2)
    b = district.consultations["b"]
    extra = [
        comment_services.submit_comment(
            b,
            {
                "author_name": "市民",
                "show_name": False,
                "contact": PHONE,
                "body": f"第{n}条意见：建议在{n}号楼旁增设电动自行车充电设施。",
                "clause": None,
                "consent": True,
            },
            ip=IP,
        )
        for n in range(5)
    ]
    frozen(NOW)
    monkeypatch.setattr(opendata, "BATCH", 2)
    response = client.get("/open-data/comments.json", buffered=False)
    assert response.is_streamed
    items = json.loads(response.get_data())["items"]
    receipts = [i["receipt"] for i in items]
    assert len(receipts) == len(set(receipts)) == 6 + len(extra)
    assert {c.receipt for c in extra} <= set(receipts)
    keys = [(i["consultation_id"], receipts.index(i["receipt"])) for i in items]
    assert keys == sorted(keys)
    csv_rows = rows(client, "comments", "csv")
    assert [r["receipt"] for r in csv_rows] == receipts
    for name in ("catalogue", "consultations", "meetings", "attendance"):
        assert len(rows(client, name, "json")) == len(rows(client, name, "csv"))
    # One consultation's comments alone, in batches too, named after it.
    response = client.get(f"/open-data/comments.json?consultation={b.id}", buffered=False)
    assert response.is_streamed
    assert f"donghu-comments-{b.id}.json" in response.headers["Content-Disposition"]
    own = [i["receipt"] for i in json.loads(response.get_data())["items"]]
    assert own == [i["receipt"] for i in items if i["consultation_id"] == b.id]
    assert {c.receipt for c in extra} <= set(own)
    assert client.get("/open-data/comments.csv?consultation=999999").status_code == 404
    assert client.get("/open-data/comments.csv?consultation=x").status_code == 404


def test_formula_like_text_stays_text_in_csv(client, district, frozen):
    frozen(NOW - DAY // 2)
    comment = comment_services.submit_comment(
        district.consultations["b"],
        {
            "author_name": "市民",
            "show_name": True,
            "contact": "",
            "body": '=HYPERLINK("http://x","点我")',
            "clause": None,
            "consent": True,
        },
        ip=IP,
    )
    frozen(NOW)
    csv_row = by(rows(client, "comments", "csv"), "receipt")[comment.receipt]
    assert csv_row["body"] == '\'=HYPERLINK("http://x","点我")'
    json_row = by(rows(client, "comments", "json"), "receipt")[comment.receipt]
    assert json_row["body"] == '=HYPERLINK("http://x","点我")'


@pytest.mark.parametrize(
    "url", ["/open-data/contacts.csv", "/open-data/comments.xml", "/open-data/comments"]
)
def test_unknown_downloads_are_not_found(client, district, url):
    assert client.get(url).status_code == 404


# --- conditional requests ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("name", DATASETS)
def test_unchanged_download_answers_304(client, district, name, fmt):
    first = download(client, name, fmt)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "no-cache" in first.headers["Cache-Control"]
    assert "Cookie" in first.headers["Vary"]
    again = client.get(f"/open-data/{name}.{fmt}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    since = client.get(f"/open-data/{name}.{fmt}", headers={"If-Modified-Since": modified})
    assert since.status_code == 304


def test_a_new_comment_changes_the_validators(client, district, frozen):
    first = download(client, "comments", "csv")
    frozen(NOW + DAY)
    comment_services.submit_comment(
        district.consultations["b"],
        {
            "author_name": "新人",
            "show_name": True,
            "contact": PHONE,
            "body": "新的意见：增加校车。",
            "clause": None,
            "consent": True,
        },
        ip=IP,
    )
    headers = {
        "If-None-Match": first.headers["ETag"],
        "If-Modified-Since": first.headers["Last-Modified"],
    }
    changed = client.get("/open-data/comments.csv", headers=headers)
    assert changed.status_code == 200 and "新的意见：增加校车。" in changed.data.decode("utf-8-sig")
    assert changed.headers["ETag"] != first.headers["ETag"]


def test_a_hidden_comment_leaves_the_download(client, district, frozen):
    first = download(client, "comments", "json")
    frozen(NOW + HOUR)
    comment_services.hide_comment(district.comments["b1"], "spam", "广告", actor=SYSTEM)
    changed = client.get(
        "/open-data/comments.json", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert changed.status_code == 200
    assert OPEN_BODY not in changed.get_data(as_text=True)


def test_the_etag_depends_on_the_language(client, district):
    zh = download(client, "comments", "csv").headers["ETag"]
    client.set_cookie("lang", "en")
    en = download(client, "comments", "csv").headers["ETag"]
    assert zh != en
    assert client.get("/open-data/comments.csv", headers={"If-None-Match": zh}).status_code == 200


@pytest.mark.parametrize("name", ["catalogue", "meetings", "attendance"])
def test_small_batches_give_the_same_rows_in_the_same_order(
    client, district, create_matter, monkeypatch, name
):
    # The keyset conditions between batches (the catalogue: newest year first, then by
    # number; attendance: by meeting, then invitation) neither skip nor repeat a row.
    for title in ("社区卫生服务中心布局调整", "公共自行车站点调整"):
        create_matter(year=2025, published=True, title=title, reason="年中增补事项。")
    whole = rows(client, name, "json")
    assert len(whole) > 2
    monkeypatch.setattr(opendata, "BATCH", 2)
    assert rows(client, name, "json") == whole
