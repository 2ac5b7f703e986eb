"""Language choice and the Traditional Chinese rendering.

zh-Hans is the source of the Chinese UI (a gettext catalogue) and English is the msgid
language. Traditional Chinese is not a second catalogue to keep in step: a zh-Hant page is
the zh-Hans page converted by OpenCC (s2twp), content included, so nothing can drift.
"""

from __future__ import annotations

import functools

from flask import Response, current_app, has_request_context, request

LANG_COOKIE = "lang"
HTML_LANG = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}
LANGUAGE_NAMES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}


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
def _converter():
    import opencc

    return opencc.OpenCC("s2twp")


def to_traditional(text: str) -> str:
    return _converter().convert(text)


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
    response.set_data(to_traditional(body))
    return response
