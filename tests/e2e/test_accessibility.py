"""axe-core in Chromium on the pages residents, staff and representatives use most.

axe-core comes from the npm registry (tests/e2e/package.json, installed by `make e2e-deps`)
and is injected from that local file: no CDN. The app's Content-Security-Policy allows no
inline script, so these pages are opened in a context that bypasses CSP for the injection
only (the journeys run with the CSP on).

A page passes with no violation of impact "serious" or "critical". axe's "needs review"
results of those impacts count too (e.g. an aria-label on a <p>, which screen readers
ignore), except colour contrast it could not measure (a human looks at those). Everything
else is printed, and every result is written to test-artifacts/e2e/axe/<page>.json.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN, ARTIFACTS, AXE_JS, DESKTOP, log_in

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
# "Needs review" results left to a person: axe could not work out the colours behind the text.
REVIEW_ONLY = {"color-contrast"}

AXE_RUN = """async (include) => {
  const result = await axe.run(include ? {include: [include]} : document, {
    resultTypes: ["violations", "incomplete"],
  });
  const brief = (kind) => (v) => ({
    id: v.id,
    kind: kind,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(" "),
      html: n.html.slice(0, 300),
      summary: n.failureSummary
        || [...n.any, ...n.all, ...n.none].map((c) => c.message).join("; "),
    })),
  });
  return {
    version: axe.version,
    results: [
      ...result.violations.map(brief("violation")),
      ...result.incomplete.map(brief("needs review")),
    ],
  };
}"""


def run_axe(page: Page, name: str, include: str | None = None) -> list[dict]:
    """Inject axe-core from the local file and run it; return its violations and "needs
    review" results (all impacts), also written to test-artifacts/e2e/axe/<name>.json."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: `make e2e-deps` (run by `make test`) installs it")
    page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(AXE_RUN, include)
    out = ARTIFACTS / "axe"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(
        json.dumps(
            {"url": page.url, "axe": found["version"], "results": found["results"]},
            ensure_ascii=False,
            indent=2,
        )
    )
    return found["results"]


def is_blocking(result: dict) -> bool:
    if result["impact"] not in BLOCKING:
        return False
    return result["kind"] == "violation" or result["id"] not in REVIEW_ONLY


def describe(results: list[dict]) -> str:
    lines = []
    for v in results:
        lines.append(
            f"- [{v['impact']}, {v['kind']}] {v['id']}: {v['help']} ({len(v['nodes'])} node(s))"
        )
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}  {node['html'][:160]}")
    return "\n".join(lines)


# --- what the pages show -----------------------------------------------------------------


@pytest.fixture(scope="session")
def subjects(e2e_app) -> dict:
    """Ids for the pages under test, made ready through the services where the demo lacks
    them: a consultation with its feedback published (and its PDF rendered), one closed and
    still being answered, representatives on the roster."""
    from consult.accounts.models import User
    from consult.comments.models import Comment
    from consult.consultations.models import Consultation
    from consult.core.time import local_date_of, now_utc
    from consult.extensions import db
    from consult.feedback import services as feedback
    from consult.feedback.models import ReportStatus
    from consult.representatives import services as pool

    with e2e_app.app_context():
        now = now_utc()
        admin = db.session.scalar(sa.select(User).where(User.email == ADMIN))
        consultations = list(db.session.scalars(sa.select(Consultation).order_by(Consultation.id)))
        open_one = next(
            c for c in consultations if c.status_at(now) == "open" and len(c.clauses) >= 2
        )
        # Closed, comments in, no feedback yet: the last is left for the workspace page.
        closed = [
            c for c in consultations if c.status_at(now) == "closed" and feedback.all_comments(c)
        ]
        answering = closed[-1]
        published = next((c for c in consultations if c.feedback_published_at), None)
        if published is None:
            published = closed[0]
            assert published is not answering, "the demo needs two closed consultations"
            comments = feedback.all_comments(published)
            feedback.dispose_comments(
                published,
                [c.id for c in comments[:-1]],
                {"disposition": "adopted", "reason": ""},
                actor=admin,
            )
            feedback.dispose_comment(
                comments[-1],
                {
                    "disposition": "not_adopted",
                    "reason": "与上位法规定不一致，暂不采纳，将在实施细则中予以说明。",
                },
                actor=admin,
            )
            feedback.publish_feedback(
                published,
                {"summary": "根据公众意见，对第二条、第五条作了修改，补充了实施步骤。"},
                actor=admin,
            )
            db.session.commit()
        # Its PDF report rendered (the page shows the file's SHA-256).
        for report in feedback.reports(published):
            if report.status != ReportStatus.READY:
                report = feedback.render_report_now(report.id)
            assert report.status == ReportStatus.READY, report.error

        if len(pool.roster(local_date_of(now))) < 3:
            for name, category, affiliation in [
                ("李明华", "npc_deputy", "区人大代表"),
                ("赵雪梅", "cppcc_member", "区政协委员"),
                ("孙立强", "media", "东湖日报社"),
            ]:
                pool.add_representative(
                    {
                        "name": name,
                        "category": category,
                        "affiliation": affiliation,
                        "interests": ["城市建设", "社区治理"],
                        "term_start": date(now.year - 1, 1, 1),
                        "term_end": date(now.year + 1, 12, 31),
                    },
                    actor=admin,
                )
        receipt = db.session.scalar(
            sa.select(Comment.receipt)
            .where(Comment.consultation_id == open_one.id, Comment.status == "published")
            .limit(1)
        )
        db.session.commit()
        return {
            "year": open_one.matter.year,
            "open": open_one.id,
            "clause": open_one.clauses[1].number,
            "receipt": receipt,
            "published": published.id,
            "answering": answering.id,
        }


@pytest.fixture
def axe_page(new_context) -> Page:
    """A desktop page whose context lets the axe-core script in (bypass_csp)."""
    return new_context(bypass_csp=True, **DESKTOP).new_page()


def assert_no_blocking(page: Page, name: str, include: str | None = None) -> None:
    results = run_axe(page, name, include)
    others = [r for r in results if not is_blocking(r)]
    if others:
        print(f"\naxe on {name} ({page.url}), not blocking:\n{describe(others)}")
    blocking = [r for r in results if is_blocking(r)]
    assert not blocking, f"axe on {name} ({page.url}):\n{describe(blocking)}"


# --- the pages ---------------------------------------------------------------------------


PUBLIC_PAGES = {
    "home": lambda s: "/",
    "catalogue": lambda s: f"/catalogue/{s['year']}",
    "consultation": lambda s: f"/consultations/{s['open']}",
    "receipt": lambda s: f"/receipts/{s['receipt']}",
    "receipt-lookup": lambda s: "/receipts",
    "feedback": lambda s: f"/consultations/{s['published']}#feedback",
    "roster": lambda s: "/representatives",
    "apply-without-account": lambda s: "/representatives/apply",
    "forgot-password": lambda s: "/password/forgot",
}


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_public_page_has_no_serious_violations(axe_page: Page, subjects, name):
    axe_page.goto(PUBLIC_PAGES[name](subjects))
    expect(axe_page.get_by_role("heading", level=1)).to_be_visible()
    if name == "feedback":
        expect(axe_page.locator("#feedback")).to_contain_text("SHA-256")
    if name == "roster":
        expect(axe_page.locator(".rep-list .card").first).to_be_visible()
    assert_no_blocking(axe_page, name)


def test_comment_form_has_no_serious_violations(axe_page: Page, subjects):
    page = axe_page
    page.goto(f"/consultations/{subjects['open']}?clause={subjects['clause']}#comment-form")
    form = page.locator("#comment-form")
    expect(form.get_by_role("button", name="提交意见")).to_be_visible()
    assert_no_blocking(page, "comment-form", "#comment-form")

    # And with its errors shown: a refused submission keeps the form accessible.
    form.get_by_role("textbox", name="您的意见", exact=True).fill("太短")
    form.get_by_role("button", name="提交意见").click()
    expect(page.get_by_role("alert").filter(has_text="请更正以下内容")).to_be_visible()
    expect(page.locator("#comment-form [aria-invalid=true]").first).to_be_visible()
    assert_no_blocking(page, "comment-form-errors", "#comment-form")


def test_feedback_workspace_has_no_serious_violations(axe_page: Page, subjects):
    page = axe_page
    log_in(page, ADMIN, english=False)
    page.goto(f"/manage/consultations/{subjects['answering']}/feedback")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#bulk-form")).to_be_visible()
    assert page.locator("article.fb-comment").count() > 0
    assert_no_blocking(page, "feedback-workspace")


def test_axe_finds_a_planted_problem(axe_page: Page, subjects):
    """The check itself works: an unlabelled field planted on a page is reported."""
    page = axe_page
    page.goto("/")
    page.evaluate(
        """() => { const i = document.createElement("input");
                   i.type = "text"; i.id = "planted"; document.querySelector("main").append(i); }"""
    )
    results = run_axe(page, "planted")
    labels = [r for r in results if r["id"] == "label" and r["kind"] == "violation"]
    assert labels and any("#planted" in n["target"] for n in labels[0]["nodes"])
    assert re.search("critical|serious", labels[0]["impact"])
