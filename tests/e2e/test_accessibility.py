"""axe-core in Chromium on every page residents, staff and representatives use, in normal
mode and in 关怀模式 (care mode), and the care mode's own promises measured on each page.

axe-core comes from the npm registry (tests/e2e/package.json, installed by `make e2e-deps`)
and is injected from that local file: no CDN. The app's Content-Security-Policy allows no
inline script, so these pages are opened in a context that bypasses CSP for the injection
only (the journeys run with the CSP on).

A page passes with no violation of impact "serious" or "critical". axe's "needs review"
results of those impacts count too (e.g. an aria-label on a <p>, which screen readers
ignore), except colour contrast it could not measure (a human looks at those). In care mode
axe's AAA contrast rule (7:1, `color-contrast-enhanced`) is switched on and counts as well.
Everything else is printed, and every result is written to test-artifacts/e2e/axe/<page>.json.

Care mode is also measured on every page (MIIT 互联网网站适老化通用设计规范, GB/T 37668-2019):
no visible text below 18 px, line height at least 1.5, every control at least 48 px tall,
nothing fixed, sticky or animated; and in both modes nothing wider than the screen.

The matrix: every page at 1280 px in both modes; the public pages also at 375 px (a phone)
in both modes. One browser; one page per (person, mode, width), reused from test to test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.conftest import AXE_JS
from tests.e2e.conftest import DESKTOP
from tests.e2e.conftest import HOUSING_OFFICER
from tests.e2e.conftest import PHONE
from tests.e2e.conftest import REPRESENTATIVE
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
# "Needs review" results left to a person: axe could not work out the colours behind the text.
REVIEW_ONLY = {"color-contrast", "color-contrast-enhanced"}

AXE_RUN = """async ({include, enhanced}) => {
  const result = await axe.run(include ? {include: [include]} : document, {
    resultTypes: ["violations", "incomplete"],
    rules: {"color-contrast-enhanced": {enabled: enhanced}},
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

# What care mode promises, measured in the page. Returns a list of findings (empty = kept).
CARE_PROMISES = """({minText, minTarget, lineHeight}) => {
  const found = [];
  const where = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && r.right > 0 && r.bottom > -5000
      && cs.visibility !== "hidden" && !el.closest("[hidden], .hp");
  };
  const headings = "h1, h2, h3, h4, h5, h6";
  const controls = "button, select, input, textarea, option";
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !shown(el)) continue;
    const cs = getComputedStyle(el);
    const size = parseFloat(cs.fontSize);
    const text = el.textContent.trim().slice(0, 30);
    if (size < minText) found.push(`text ${size}px < ${minText}px: ${where(el)} "${text}"`);
    if (!el.closest(headings) && !el.closest(controls) && cs.lineHeight !== "normal") {
      const ratio = parseFloat(cs.lineHeight) / size;
      if (ratio < lineHeight - 0.01)
        found.push(`line height ${ratio.toFixed(2)} < ${lineHeight}: ${where(el)} "${text}"`);
    }
  }
  for (const el of document.querySelectorAll("[data-label]")) {
    const before = getComputedStyle(el, "::before");
    if (shown(el) && before.content !== "none" && parseFloat(before.fontSize) < minText)
      found.push(`label ${before.fontSize} < ${minText}px: ${where(el)}::before`);
  }
  const targets = [
    "button", ".button", "select", "textarea", "summary", "label.check",
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio])",
    ".main-nav a", ".lang-switch a", ".sub-nav a", ".chips a", ".year-switch a", ".pager a",
  ].join(", ");
  for (const el of document.querySelectorAll(targets)) {
    if (!shown(el)) continue;
    const h = el.getBoundingClientRect().height;
    if (h < minTarget - 0.5)
      found.push(`target ${h.toFixed(1)}px < ${minTarget}px: ${where(el)} "${el.textContent.trim().slice(0, 30)}"`);
  }
  for (const el of document.querySelectorAll("*")) {
    const p = getComputedStyle(el).position;
    if (p === "fixed" || p === "sticky") found.push(`${p}: ${where(el)}`);
  }
  for (const a of document.getAnimations()) found.push(`moving: ${a.constructor.name} on ${where(a.effect.target)}`);
  for (const el of document.querySelectorAll("marquee, blink, video[autoplay], audio[autoplay]"))
    found.push(`moving: ${where(el)}`);
  return found;
}"""


# --- the pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """A page under test: who looks at it, where it is, and how to tell it is ready."""

    path: Callable[[dict], str]
    who: str | None = None  # None (a resident), "housing", "admin" or "representative"
    ready: str | None = None  # a CSS selector that must be visible besides the <h1>

    @property
    def public(self) -> bool:
        return self.who is None


PEOPLE = {"housing": HOUSING_OFFICER, "admin": ADMIN, "representative": REPRESENTATIVE}

PAGES: dict[str, Subject] = {
    # What a resident sees.
    "home": Subject(lambda s: "/"),
    "catalogue": Subject(lambda s: f"/catalogue/{s['year']}", ready="table.catalogue"),
    "catalogue-search": Subject(lambda s: "/catalogue/search?q=停车位", ready="table.catalogue"),
    "matter": Subject(lambda s: f"/matters/{s['matter']}"),
    "consultations-open": Subject(lambda s: "/consultations"),
    "consultations-scheduled": Subject(lambda s: "/consultations?status=scheduled"),
    "consultations-closed": Subject(lambda s: "/consultations?status=closed"),
    "consultation": Subject(lambda s: f"/consultations/{s['open']}", ready="#comment-form"),
    "comment-form": Subject(
        lambda s: f"/consultations/{s['open']}?clause={s['clause']}#comment-form",
        ready="#comment-form button[type=submit]",
    ),
    "feedback": Subject(lambda s: f"/consultations/{s['published']}#feedback", ready="#feedback"),
    "duplicate-group": Subject(lambda s: s["group"]),
    "receipt-lookup": Subject(lambda s: "/receipts"),
    "receipt": Subject(lambda s: f"/receipts/{s['receipt']}", ready=".receipt-number"),
    "meetings": Subject(lambda s: "/meetings"),
    "meeting": Subject(lambda s: s["meeting"]),
    "representatives": Subject(lambda s: "/representatives", ready=".rep-list .card"),
    "open-data": Subject(lambda s: "/open-data"),
    "subscribe": Subject(lambda s: "/subscriptions"),
    "subscription-confirm": Subject(lambda s: f"/subscriptions/confirm/{s['token']}"),
    "unsubscribe": Subject(lambda s: f"/subscriptions/unsubscribe/{s['token']}"),
    "interpretation": Subject(lambda s: s["interpretation"], ready=".interpretation-body"),
    "questions": Subject(lambda s: f"/matters/{s['asked_matter']}/questions", ready="#ask"),
    "question-lookup": Subject(lambda s: "/questions"),
    "question-receipt": Subject(lambda s: f"/questions/{s['question']}", ready=".receipt-number"),
    "specialists": Subject(lambda s: "/specialists"),
    "responsiveness": Subject(lambda s: "/responsiveness", ready="table.responsiveness"),
    "login": Subject(lambda s: "/login"),
    "apply-without-account": Subject(lambda s: "/representatives/apply"),
    "forgot-password": Subject(lambda s: "/password/forgot"),
    "reset-password": Subject(lambda s: s["reset"](), ready="form"),
    "not-found": Subject(lambda s: "/no-such-page"),
    # A representative.
    "my-invitations": Subject(lambda s: "/my/invitations", who="representative"),
    "venue": Subject(lambda s: s["venue"], who="representative"),
    "pass": Subject(lambda s: s["pass"], who="representative"),
    "apply": Subject(lambda s: "/representatives/apply", who="representative"),
    # A department officer (区住建局).
    "dashboard": Subject(lambda s: "/manage/", who="housing"),
    "new-matter": Subject(lambda s: "/manage/matters/new", who="housing"),
    "edit-matter": Subject(lambda s: s["edit_matter"], who="housing"),
    "progress": Subject(lambda s: s["progress"], who="housing"),
    "postpone": Subject(lambda s: s["edit_matter"].replace("/edit", "/postpone"), who="housing"),
    "withdraw": Subject(lambda s: s["withdraw"], who="admin"),
    "new-consultation": Subject(lambda s: s["new_consultation"], who="housing"),
    "manage-consultation": Subject(lambda s: s["manage_consultation"], who="housing"),
    "comment-imports": Subject(lambda s: s["manage_consultation"] + "/imports", who="housing"),
    "comment-import": Subject(lambda s: s["comment_import"], who="housing"),
    "feedback-workspace": Subject(
        lambda s: f"/manage/consultations/{s['answering']}/feedback",
        who="admin",
        ready="#bulk-form",
    ),
    "officer-workspace": Subject(lambda s: s["housing_workspace"], who="housing"),
    "answer-templates": Subject(lambda s: "/manage/answer-templates", who="housing"),
    "answer-template": Subject(lambda s: s["answer_template"], who="housing"),
    "manage-meetings": Subject(lambda s: "/manage/meetings", who="housing"),
    "manage-meeting": Subject(lambda s: s["manage_meeting"], who="housing"),
    "new-meeting": Subject(lambda s: "/manage/meetings/new", who="housing"),
    "check-in": Subject(lambda s: s["check_in"], who="housing"),
    "venue-screen": Subject(lambda s: s["venue_screen"], who="housing"),
    "account": Subject(lambda s: "/account", who="housing"),
    "question-queue": Subject(lambda s: "/manage/questions", who="housing"),
    "answer-question": Subject(
        lambda s: f"/manage/questions/{s['housing_question']}", who="housing"
    ),
    "follow-up": Subject(
        lambda s: f"/manage/matters/{s['housing_decided']}/follow-up", who="housing"
    ),
    "manage-specialists": Subject(lambda s: "/manage/specialists", who="housing"),
    # The government office (administration).
    "users": Subject(lambda s: "/admin/users", who="admin"),
    "user": Subject(lambda s: s["user"], who="admin"),
    "new-user": Subject(lambda s: "/admin/users/new", who="admin"),
    "departments": Subject(lambda s: "/admin/departments", who="admin"),
    "department": Subject(lambda s: s["department"], who="admin"),
    "new-department": Subject(lambda s: "/admin/departments/new", who="admin"),
    "pool": Subject(lambda s: "/admin/representatives", who="admin"),
    "representative": Subject(lambda s: s["representative"], who="admin"),
    "applications": Subject(lambda s: "/admin/representatives/applications", who="admin"),
    "figures": Subject(lambda s: "/admin/representatives/figures", who="admin"),
    "new-representative": Subject(lambda s: "/admin/representatives/new", who="admin"),
    "outbox": Subject(lambda s: "/admin/outbox", who="admin"),
    "outbox-mail": Subject(lambda s: s["outbox_mail"], who="admin"),
}

# Endpoints that are no page of their own: files, feeds, data, redirects and actions.
NOT_PAGES = re.compile(
    r"^(static|api\..*|feeds\..*|site\.(set_language|set_care_mode|health)|catalogue\.(index|"
    r"year_csv|year_json)|meetings\.venue|opendata\.download|calendars\..*|"
    r"consultations\.document|feedback\.(report_pdf|revised_draft)|"
    r"manage_comments\.(comment_attachment|import_progress|import_template))$"
)

MATRIX = [
    pytest.param(name, mode, width, id=f"{name}-{mode}-{width}")
    for name, subject in PAGES.items()
    for width in ((1280, 375) if subject.public else (1280,))
    for mode in ("normal", "care")
]


# --- what the pages show -----------------------------------------------------------------


def _refused_import(app, manage_url: str) -> str:
    """A file of comments uploaded to the consultation at `manage_url` and checked: one row
    fine, one with a problem (the page shows its preview, the problem and the form)."""
    from consult.accounts.models import SYSTEM
    from consult.comments import imports
    from consult.consultations.models import Consultation
    from consult.extensions import db

    rows = (
        "渠道,收到时间,姓名,意见内容\n"
        "12345热线,2026-03-03 09:30,张女士,建议在小区东门增设非机动车停放区，方便居民出行。\n"
        "来信,2026-03-03 09:30,李先生,太短\n"
    )
    with app.app_context():
        consultation = db.session.get(Consultation, int(manage_url.rsplit("/", 1)[1]))
        upload = imports.start_import(
            consultation, "热线.csv", rows.encode(), default_source=None, actor=SYSTEM
        )
        db.session.commit()
        imports.run_job(upload.id, upload.attempt)
        return f"/manage/comment-imports/{upload.id}"


def _first_link(client, path: str, pattern: str, *, via: str | None = None) -> str:
    """The first link on `path` (as the test client sees it) whose address matches; with
    `via`, the first such link on any of the pages `path` links to by `via`."""
    html = client.get(path).get_data(as_text=True)
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"#]+)', html)]
    if via is None:
        found = next((h for h in hrefs if re.fullmatch(pattern, h)), None)
    else:
        found = None
        for step in dict.fromkeys(h for h in hrefs if re.fullmatch(via, h)):
            try:
                found = _first_link(client, step, pattern)
                break
            except LookupError:
                continue
    if found is None:
        raise LookupError(f"no link like {pattern} on {path}" + (f" via {via}" if via else ""))
    return found


def _signed_in(app, email: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', html)
    response = client.post(
        "/login",
        data={"email": email, "password": "demo-password-2026", "csrf_token": token.group(1)},
    )
    assert response.status_code == 302, f"login as {email} failed"
    return client


@pytest.fixture(scope="session")
def subjects(e2e_app) -> dict:
    """Where the pages under test are, made ready through the services where the demo lacks
    them: a consultation with its feedback published (and its PDF rendered), one closed and
    still being answered, representatives on the roster, a subscription's link. The rest are
    the first link of their kind on the page a person would follow it from."""
    from consult.accounts.models import User
    from consult.comments.models import Comment
    from consult.comments.models import DuplicateGroup
    from consult.consultations.models import Consultation
    from consult.core.time import local_date_of
    from consult.core.time import now_utc
    from consult.extensions import db
    from consult.feedback import services as feedback
    from consult.feedback.models import ReportStatus
    from consult.notifications import services as notifications
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
        group = db.session.scalar(sa.select(DuplicateGroup).order_by(DuplicateGroup.id).limit(1))
        assert group is not None, "the demo has no group of copied comments"
        asked = notifications.subscribe("zhang.wei@example.cn", "all")
        housing = db.session.scalar(sa.select(User).where(User.email == HOUSING_OFFICER))
        if not feedback.templates_for(housing.department_id):
            feedback.save_template(
                housing.department,
                {
                    "title": "超出本次征求意见范围",
                    "disposition": "not_applicable",
                    "reason": "该意见不属于本次征求意见稿的调整范围，已转交相关部门研究办理。",
                },
                actor=housing,
            )
        from consult.catalogue.models import DecisionMatter
        from consult.interpretation.models import Interpretation
        from consult.interpretation.models import Question

        follow_up = db.session.scalar(
            sa.select(Interpretation).where(Interpretation.kind == "follow_up").limit(1)
        )
        assert follow_up is not None, "the demo has no follow-up interpretation"
        a_question = db.session.scalar(
            sa.select(Question).where(Question.status == "published").order_by(Question.id)
        )
        housing_question = db.session.scalar(
            sa.select(Question)
            .join(DecisionMatter, DecisionMatter.id == Question.matter_id)
            .where(DecisionMatter.department_id == housing.department_id)
            .order_by(Question.id)
        )
        assert a_question is not None and housing_question is not None
        questions = {
            "interpretation": f"/matters/{follow_up.matter_id}/interpretations/{follow_up.id}",
            "asked_matter": follow_up.matter_id,
            "question": a_question.receipt,
            "housing_question": housing_question.id,
            "housing_decided": housing_question.matter_id,
        }
        found = {
            **questions,
            "year": open_one.matter.year,
            "matter": open_one.matter_id,
            "open": open_one.id,
            "clause": open_one.clauses[1].number,
            "receipt": receipt,
            "published": published.id,
            "answering": answering.id,
            "group": f"/consultations/{group.consultation_id}/groups/{group.id}",
            "token": asked.token,
        }
        db.session.commit()
        notifications.send_confirmation(asked)  # a mail in the outbox, for the outbox pages

    anyone = e2e_app.test_client()
    found["meeting"] = _first_link(anyone, "/meetings", r"/meetings/\d+")
    rep = _signed_in(e2e_app, REPRESENTATIVE)
    found["venue"] = _first_link(rep, "/my/invitations", r"/meetings/\d+/check-in")
    with e2e_app.app_context():
        from consult.meetings.models import Invitation
        from consult.representatives.models import Representative

        mine = db.session.scalar(
            sa.select(Invitation)
            .join(Representative, Representative.id == Invitation.representative_id)
            .join(User, User.id == Representative.user_id)
            .where(User.email == REPRESENTATIVE, Invitation.checkin_code.is_not(None))
            .limit(1)
        )
        # What the QR code on her pass opens (an image, so no link to follow).
        found["pass"] = f"/meetings/{mine.meeting_id}/pass?code={mine.checkin_code}"

    def reset_link() -> str:
        """A password link as the mail carries it, made when the page is checked (a login
        in between would void an older one)."""
        from consult.accounts import services as accounts

        with e2e_app.app_context():
            resident = db.session.scalar(sa.select(User).where(User.role == "resident"))
            return f"/password/reset/{accounts.password_link_token(resident, 'reset')}"

    found["reset"] = reset_link
    officer = _signed_in(e2e_app, HOUSING_OFFICER)
    found["edit_matter"] = _first_link(officer, "/manage/", r"/manage/matters/\d+/edit")
    on_matter = {"via": r"/matters/\d+"}
    found["progress"] = _first_link(
        officer, "/manage/", r"/manage/matters/\d+/progress", **on_matter
    )
    found["new_consultation"] = _first_link(
        officer, "/manage/", r"/manage/matters/\d+/consultations/new", **on_matter
    )
    found["manage_consultation"] = _first_link(officer, "/manage/", r"/manage/consultations/\d+")
    found["comment_import"] = _refused_import(e2e_app, found["manage_consultation"])
    found["housing_workspace"] = _first_link(
        officer, "/manage/", r"/manage/consultations/\d+/feedback"
    )
    found["answer_template"] = _first_link(
        officer, "/manage/answer-templates", r"/manage/answer-templates/\d+"
    )
    found["manage_meeting"] = _first_link(officer, "/manage/meetings", r"/manage/meetings/\d+")
    found["check_in"] = _first_link(
        officer, found["manage_meeting"], r"/manage/meetings/\d+/check-in"
    )
    found["venue_screen"] = _first_link(
        officer, found["manage_meeting"], r"/manage/meetings/\d+/venue-screen"
    )
    office = _signed_in(e2e_app, ADMIN)
    # Withdrawing a published matter is the government office's (区政府办公室) decision.
    found["withdraw"] = _first_link(
        office, "/manage/", r"/manage/matters/\d+/withdraw", **on_matter
    )
    found["user"] = _first_link(office, "/admin/users", r"/admin/users/\d+")
    found["department"] = _first_link(office, "/admin/departments", r"/admin/departments/\d+")
    found["representative"] = _first_link(
        office, "/admin/representatives", r"/admin/representatives/\d+"
    )
    found["outbox_mail"] = _first_link(office, "/admin/outbox", r"/admin/outbox/[^/?]+")
    return found


# --- one page per (person, mode, width), reused ------------------------------------------


@pytest.fixture(scope="module")
def pages(browser, base_url) -> Iterator[Callable[[str | None, str, int], Page]]:
    """`pages(who, mode, width)`: a page in its own context (signed in as `who`, with the
    care-mode cookie when mode is "care"), opened once and reused by every test that asks."""
    opened: dict[tuple, Page] = {}

    def _page(who: str | None, mode: str, width: int) -> Page:
        key = (who, mode, width)
        if key not in opened:
            context = browser.new_context(
                base_url=base_url, bypass_csp=True, **(PHONE if width == 375 else DESKTOP)
            )
            # axe-core in every document of the context from its start: sent to the browser
            # once, not 500 KB over the wire for each check (run_axe adds it where missing).
            context.add_init_script(path=str(_axe_js()))
            if mode == "care":
                context.add_cookies([{"name": "care", "value": "1", "url": base_url}])
            page = context.new_page()
            if who:
                log_in(page, PEOPLE[who], english=False)
            opened[key] = page
        return opened[key]

    yield _page
    for page in opened.values():
        page.context.close()


# --- the checks --------------------------------------------------------------------------


def _axe_js():
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: `make e2e-deps` (run by `make test`) installs it")
    return AXE_JS


def run_axe(page: Page, name: str, include: str | None = None, *, enhanced=False) -> list[dict]:
    """Run axe-core (injected from the local file where the page lacks it); return its
    violations and "needs review" results (all impacts), also written to
    test-artifacts/e2e/axe/<name>.json."""
    if page.evaluate("typeof axe") != "object":
        page.add_script_tag(path=str(_axe_js()))
    found = page.evaluate(AXE_RUN, {"include": include, "enhanced": enhanced})
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
            if v["id"].startswith("color-contrast"):
                lines.append(f"      {node['summary'][:200]}")
    return "\n".join(lines)


def assert_no_blocking(
    page: Page, name: str, include: str | None = None, *, care: bool = False
) -> None:
    results = run_axe(page, name, include, enhanced=care)
    others = [r for r in results if not is_blocking(r)]
    if others:
        print(f"\naxe on {name} ({page.url}), not blocking:\n{describe(others)}")
    blocking = [r for r in results if is_blocking(r)]
    assert not blocking, f"axe on {name} ({page.url}):\n{describe(blocking)}"


def care_findings(page: Page) -> list[str]:
    return page.evaluate(CARE_PROMISES, {"minText": 18, "minTarget": 48, "lineHeight": 1.5})


def fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (
        f"{page.url} is {width}px wide on a {page.viewport_size['width']}px screen"
    )


# --- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "mode", "width"), MATRIX)
def test_page_has_no_serious_violations(pages, subjects, name, mode, width):
    subject = PAGES[name]
    page = pages(subject.who, mode, width)
    response = page.goto(subject.path(subjects))
    assert response.status == (404 if name == "not-found" else 200), page.url
    expect(page.locator("html")).to_have_class("care" if mode == "care" else "")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if subject.ready:
        expect(page.locator(subject.ready).first).to_be_visible()
    assert_no_blocking(page, f"{name}-{mode}-{width}", care=mode == "care")
    fits_the_screen(page)
    if mode == "care":
        findings = care_findings(page)
        assert not findings, f"care mode on {page.url}:\n" + "\n".join(findings[:25])


@pytest.mark.parametrize("mode", ["normal", "care"])
@pytest.mark.parametrize("width", [1280, 375])
def test_refused_comment_form_has_no_serious_violations(pages, subjects, mode, width):
    """A refused submission keeps the form accessible: errors summarised and on the fields."""
    page = pages(None, mode, width)
    page.goto(f"/consultations/{subjects['open']}?clause={subjects['clause']}#comment-form")
    form = page.locator("#comment-form")
    form.get_by_role("textbox", name="您的意见", exact=True).fill("太短")
    form.get_by_role("button", name="提交意见").click()
    expect(page.get_by_role("alert").filter(has_text="请更正以下内容")).to_be_visible()
    expect(page.locator("#comment-form [aria-invalid=true]").first).to_be_visible()
    name = f"comment-form-errors-{mode}-{width}"
    assert_no_blocking(page, name, "#comment-form", care=mode == "care")
    fits_the_screen(page)
    if mode == "care":
        findings = care_findings(page)
        assert not findings, "care mode on the refused form:\n" + "\n".join(findings[:25])


@pytest.mark.parametrize("mode", ["normal", "care"])
@pytest.mark.parametrize("width", [1280, 375])
def test_the_receipt_of_an_application_has_no_serious_violations(pages, mode, width):
    """The page an applicant without an account lands on, reached only by applying."""
    from consult.extensions import limiter

    limiter.reset()  # four applications from one address in a minute
    page = pages(None, mode, width)
    page.goto("/representatives/apply")
    form = page.locator("main form").last
    form.locator("[name=name]").fill("黄晓丽")
    form.locator("[name=email]").fill(f"huang.{mode}.{width}@example.cn")
    form.locator("[name=category]").select_option("other")
    form.locator("[name=affiliation]").fill("东湖区百花洲街道居民")
    form.locator("[name=statement]").fill("长期关注社区养老服务，希望参与相关决策的意见征集。")
    form.locator("button[type=submit]").click()
    expect(page.locator(".receipt-number, .receipt").first).to_be_visible()
    assert page.url.endswith("/representatives/apply/received")
    assert_no_blocking(page, f"application-received-{mode}-{width}", care=mode == "care")
    fits_the_screen(page)
    if mode == "care":
        assert not care_findings(page)


def test_every_page_of_the_site_is_checked(e2e_app, subjects):
    """Every HTML page in the URL map is in PAGES (or is no page: a file, feed or action), so
    a new page cannot slip past these checks."""
    adapter = e2e_app.url_map.bind("localhost")
    checked = {
        adapter.match(PAGES[n].path(subjects).split("#")[0].split("?")[0])[0]
        for n in PAGES
        if n != "not-found"
    } | {"representatives.application_received"}  # the test above
    pages_in_map = {
        rule.endpoint
        for rule in e2e_app.url_map.iter_rules()
        if "GET" in rule.methods and not NOT_PAGES.match(rule.endpoint)
    }
    assert pages_in_map - checked == set()


def test_axe_finds_a_planted_problem(pages):
    """The check itself works: an unlabelled field planted on a page is reported."""
    page = pages(None, "normal", 1280)
    page.goto("/")
    page.evaluate(
        """() => { const i = document.createElement("input");
                   i.type = "text"; i.id = "planted"; document.querySelector("main").append(i); }"""
    )
    results = run_axe(page, "planted")
    labels = [r for r in results if r["id"] == "label" and r["kind"] == "violation"]
    assert labels and any("#planted" in n["target"] for n in labels[0]["nodes"])
    assert re.search("critical|serious", labels[0]["impact"])


def test_care_checks_find_planted_problems(pages):
    """The care-mode measurements work: small text, a small button, a fixed bar, a moving
    element and low AAA contrast planted on a care-mode page are all reported."""
    page = pages(None, "care", 1280)
    page.goto("/")
    assert care_findings(page) == []
    page.evaluate(
        """() => {
          const main = document.querySelector("main");
          const p = document.createElement("p"); p.textContent = "小字"; p.id = "small";
          p.style.fontSize = "14px"; main.append(p);
          const b = document.createElement("button"); b.textContent = "小按钮"; b.id = "tiny";
          b.style.minHeight = "20px"; b.style.height = "20px"; b.style.padding = "0"; main.append(b);
          const bar = document.createElement("div"); bar.textContent = "浮动栏"; bar.id = "bar";
          bar.style.position = "fixed"; bar.style.bottom = "0"; main.append(bar);
          bar.animate([{opacity: 0}, {opacity: 1}], {duration: 100000});
          const grey = document.createElement("p"); grey.textContent = "浅灰色文字"; grey.id = "grey";
          grey.style.color = "#666"; main.append(grey);
        }"""
    )
    findings = "\n".join(care_findings(page))
    for expected in ["text 14px", "p#small", "button#tiny", "fixed: div#bar", "moving:"]:
        assert expected in findings
    results = run_axe(page, "planted-care", enhanced=True)
    enhanced = [r for r in results if r["id"] == "color-contrast-enhanced"]
    assert enhanced and any("#grey" in n["target"] for n in enhanced[0]["nodes"])
