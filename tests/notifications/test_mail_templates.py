"""Every mail is written as templates, `templates/mail/<kind>/{subject,body}.txt`, and every
kind the code sends has both."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAIL_TEMPLATES = ROOT / "templates" / "mail"


def test_every_kind_the_code_renders_has_a_subject_and_a_body():
    code = "\n".join(p.read_text() for p in (ROOT / "consult").rglob("*.py"))
    kinds = set(re.findall(r'render_mail\(\s*"(\w+)"', code))
    kinds |= set(re.findall(r'_subscribers_mail\(\s*"(\w+)"', code))
    assert kinds, "no mail is rendered from templates"
    for kind in kinds:
        assert (MAIL_TEMPLATES / kind / "subject.txt").is_file(), kind
        assert (MAIL_TEMPLATES / kind / "body.txt").is_file(), kind


def test_no_mail_template_is_left_unused():
    code = "\n".join(p.read_text() for p in (ROOT / "consult").rglob("*.py"))
    for folder in MAIL_TEMPLATES.iterdir():
        if folder.is_dir():
            assert f'"{folder.name}"' in code, f"mail/{folder.name} is never sent"


def test_mail_texts_are_translated_messages_not_literal_words():
    """Besides placeholders and links, a mail template's words go through gettext, so the
    Chinese catalogue holds them."""
    for template in MAIL_TEMPLATES.rglob("*.txt"):
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", template.read_text(), flags=re.S)
        assert not re.search(r"[A-Za-z\u4e00-\u9fff]", text), template
