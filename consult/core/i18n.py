"""Language choice and the Traditional Chinese rendering.

zh-Hans is the source of the Chinese UI (a gettext catalogue) and English is the msgid
language. Traditional Chinese is not a second catalogue to keep in step: a zh-Hant page is
the zh-Hans page converted by OpenCC, content included, so nothing can drift.

The conversion is character by character (OpenCC `s2hk`: Simplified to Traditional with the
Hong Kong character forms, e.g. 公眾, 用户), never vocabulary: the readers of 繁體 here are in
Hong Kong, Macao and overseas, and the text is official. A Taiwan-vocabulary conversion
(`s2twp`) rewrites 社区居民委员会 into 社群居民委員會, 法定程序 into 法定程式, 发布 into 釋出,
信息 into 資訊 and 项目 into 專案: other words, other meanings, in legal text.

What a reader may copy or send back is left as stored: form values (so a refused form keeps
what the user typed and staff do not save a Traditional copy of an official title), link
targets, and `<pre>`/`<code>` (a draw's seed and pool are hashed exactly as published).

A search typed in Traditional (停車) is turned back into Simplified (`to_simplified`, OpenCC
`hk2s`) by the domain's search, since everything is stored in Simplified.
"""

from __future__ import annotations

import functools
import re

from flask import Response
from flask import current_app
from flask import has_request_context
from flask import request

LANG_COOKIE = "lang"
HTML_LANG = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}
LANGUAGE_NAMES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}

TO_TRADITIONAL = "s2hk"
TO_SIMPLIFIED = "hk2s"

# The parts of a page the conversion leaves alone (see the module's docstring). The markup is
# the templates' own, with attribute values always in double quotes (Jinja escapes a quote
# inside one), so a regular expression finds them reliably.
_KEEP = re.compile(
    r"""(?P<attr>\s(?:value|href|src|action|srcset|formaction)="[^"]*")"""
    r"""|(?P<open><(?P<tag>textarea|pre|code|script|style)\b[^>]*>)"""
    r"""(?P<body>.*?)(?P<close></(?P=tag)\s*>)""",
    re.IGNORECASE | re.DOTALL,
)


def requested_language() -> str:
    """The user's choice (cookie), else zh-Hans.

    The browser's Accept-Language is deliberately not followed on pages: residents on phones
    set to English still expect the district's site in Chinese, and the switch is one tap
    away. The API follows it (Accept-Language: en gives English error messages).
    """
    if not has_request_context():
        return "zh_Hans"
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    # A program reading the API's error messages says which language it wants.
    if request.path.startswith("/api/") and request.accept_languages:
        best = request.accept_languages.best_match(("zh", "zh-Hans", "zh-CN", "en"))
        if best == "en":
            return "en"
    return "zh_Hans"


def select_locale() -> str:
    # zh-Hant pages are rendered with the zh-Hans catalogue, then converted.
    lang = requested_language()
    return "zh_Hans" if lang == "zh_Hant" else lang


@functools.cache
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_traditional(text: str) -> str:
    """Plain text in Traditional characters, the words unchanged."""
    return _converter(TO_TRADITIONAL).convert(text)


def to_simplified(text: str) -> str:
    """Traditional (also Hong Kong forms such as 綫, 裏) to Simplified characters; Simplified
    text comes back as it was."""
    return _converter(TO_SIMPLIFIED).convert(text)


def html_to_traditional(html: str) -> str:
    """A page in Traditional characters, except what must stay as stored (module docstring)."""
    convert = _converter(TO_TRADITIONAL).convert
    parts: list[str] = []
    done = 0
    for m in _KEEP.finditer(html):
        parts.append(convert(html[done : m.start()]))
        if m.group("attr"):
            parts.append(m.group("attr"))
        else:
            # The element's own attributes (a textarea's placeholder) are shown text.
            parts.append(convert(m.group("open")))
            parts.append(m.group("body"))
            parts.append(m.group("close"))
        done = m.end()
    parts.append(convert(html[done:]))
    return "".join(parts)


def convert_response(response: Response) -> Response:
    """Convert a finished zh-Hans HTML page to Traditional Chinese when asked for. (JSON and
    exports stay as stored: machines want the data, not a rendering.)"""
    if response.direct_passthrough or response.status_code in (204, 304):
        return response
    if response.mimetype != "text/html":
        return response
    if requested_language() != "zh_Hant":
        return response
    body = response.get_data(as_text=True)
    response.set_data(html_to_traditional(body))
    return response
