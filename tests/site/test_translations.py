"""The Chinese catalogue is complete: every message of the template (.pot) has its zh_Hans
translation, every plural form filled, nothing fuzzy, and the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "consult" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalogue(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _forms(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_every_message_of_the_template_is_in_the_chinese_catalogue():
    template = _catalogue(TRANSLATIONS / "messages.pot")
    chinese = _catalogue(TRANSLATIONS / "zh_Hans" / "LC_MESSAGES" / "messages.po")
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in template if m.id}
    have = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in chinese if m.id}
    assert wanted - have == set()


def test_every_chinese_message_is_translated_with_its_placeholders():
    chinese = _catalogue(TRANSLATIONS / "zh_Hans" / "LC_MESSAGES" / "messages.po")
    problems = []
    for m in chinese:
        if not m.id:
            continue
        ids = _forms(m.id)
        if m.fuzzy or not all(_forms(m.string)):
            problems.append(("untranslated", ids[0]))
            continue
        names = set(PLACEHOLDER.findall(ids[-1]))
        for form in _forms(m.string):
            if set(PLACEHOLDER.findall(form)) != names:
                problems.append(("placeholders", ids[0]))
    assert problems == []
