"""Uploaded files: the type is read from the content, never trusted from the name."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from consult.core.errors import RuleViolation

KIND_PDF = "pdf"
KIND_DOCX = "docx"
KIND_ODT = "odt"
KIND_PNG = "png"
KIND_JPEG = "jpeg"
KIND_GIF = "gif"
KIND_WEBP = "webp"

CONTENT_TYPES = {
    KIND_PDF: "application/pdf",
    KIND_DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    KIND_ODT: "application/vnd.oasis.opendocument.text",
    KIND_PNG: "image/png",
    KIND_JPEG: "image/jpeg",
    KIND_GIF: "image/gif",
    KIND_WEBP: "image/webp",
}
EXTENSIONS = {
    KIND_PDF: {".pdf"},
    KIND_DOCX: {".docx"},
    KIND_ODT: {".odt"},
    KIND_PNG: {".png"},
    KIND_JPEG: {".jpg", ".jpeg"},
    KIND_GIF: {".gif"},
    KIND_WEBP: {".webp"},
}


def sniff(data: bytes) -> str | None:
    """The file kind its bytes show, or None."""
    if data.startswith(b"%PDF-"):
        return KIND_PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return KIND_PNG
    if data.startswith(b"\xff\xd8\xff"):
        return KIND_JPEG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return KIND_GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return KIND_WEBP
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if (
                    "mimetype" in names
                    and zf.read("mimetype").strip() == CONTENT_TYPES[KIND_ODT].encode()
                ):
                    return KIND_ODT
                if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
                    return KIND_DOCX
        except (zipfile.BadZipFile, KeyError, OSError):
            return None
    return None


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    kind: str
    content_type: str
    data: bytes


def safe_filename(name: str) -> str:
    """Keep Chinese names readable; drop paths and characters that break headers or disks."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"/\\|?*;')
    return base[:150] or "file"


def check_upload(
    filename: str, data: bytes, allowed: set[str], max_bytes: int, field: str
) -> CheckedFile:
    """Refuse a file that is too big, of a kind not allowed, or whose content does not match
    its extension."""
    if len(data) > max_bytes:
        raise RuleViolation(
            field, _l("The file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024))
        )
    if not data:
        raise RuleViolation(field, _l("The file is empty."))
    name = safe_filename(filename)
    ext = os.path.splitext(name)[1].lower()
    kind = sniff(data)
    allowed_exts = sorted(e for k in allowed for e in EXTENSIONS[k])
    if kind is None or kind not in allowed:
        raise RuleViolation(
            field,
            _l(
                "This type of file is not accepted. Allowed: %(types)s.",
                types=", ".join(allowed_exts),
            ),
        )
    if ext not in EXTENSIONS[kind]:
        raise RuleViolation(
            field, _l("The file's content does not match its extension “%(ext)s”.", ext=ext or "—")
        )
    return CheckedFile(name, kind, CONTENT_TYPES[kind], data)
