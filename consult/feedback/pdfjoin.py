"""Join the feedback report's parts (PDF files WeasyPrint wrote) into one tagged PDF/A-3a file,
streaming: one part is read at a time, its objects are renumbered and written out at once, so
the memory does not grow with the report (100,000 rows are ~10,000 pages and ~2 million
objects, which pypdf would hold as Python objects: gigabytes).

Every part is a complete PDF/A-3a document written by WeasyPrint (through pydyf: the objects
that are not streams sit in one compressed object stream, the cross-reference table is a
stream). Their syntax is regular, so the join works on bytes:

- a reference "12 0 R" in an object is renumbered by a regular expression that steps over
  string literals (pydyf escapes their parentheses and backslashes), and the referenced object
  is queued: only what the kept objects reach is written (each part's catalogue, page tree,
  structure tree root, outline and metadata are left behind, the joined document has its own);
- the parts' page objects get the joined page tree as parent, their structure-parent keys
  shifted, and the page number drawn last ("第 X 页 / 共 Y 页", a pagination artifact);
- each part's structure tree (WeasyPrint: one element per page under its Document) is hung
  under one Document; the parent tree's entries are shifted to keys of their own; the table
  header ids, made from a part's object numbers, get the part's prefix;
- fonts: every part was rendered with the same font files (the report's characters, subset
  once), and WeasyPrint keeps glyph ids when it subsets (RETAIN_GIDS). So the parts' fonts are
  not copied: the joined file embeds each weight ONCE, cut down to the glyphs all the parts
  used (with their widths and ToUnicode entries merged from the parts' own font dictionaries);
- a stream without references (an ICC profile, a repeated image) is written once;
- the disposition CSV, attached by the front part as a placeholder, is streamed from its file
  through zlib into the embedded-file stream (a million rows never sit in memory);
- objects that are not streams are packed into compressed object streams again, and the
  cross-reference table is a stream (PDF 1.5+, allowed by PDF/A-2 and -3).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import deque
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from typing import BinaryIO

# --- PDF syntax (as pydyf writes it) -----------------------------------------------------

_STRING = rb"\((?:[^\\()]|\\.)*\)"
# A reference, or a string literal to step over (group 1 is None for a string).
_REF = re.compile(_STRING + rb"|(?<![\d.])(\d+) 0 R(?![\w])", re.S)
_STRUCT_PARENT = re.compile(rb"/StructParents? (\d+)")
_ID = re.compile(rb"/ID \(")
_HEADERS = re.compile(rb"/Headers \[([^\]]*)\]")
_TOKEN = re.compile(
    rb"\s*(?:(<<)|(>>)|(\[)|(\])|(/[^\s/<>\[\]()%{}]*)|(" + _STRING + rb")|(<[0-9A-Fa-f\s]*>)"
    rb"|(\d+) (\d+) R|([-+]?(?:\d+\.?\d*|\.\d+))|(true|false|null))",
    re.S,
)
_OBJ_HEADER = re.compile(rb"(\d+) (\d+) obj\s*")


class Name(bytes):
    """A PDF name, with its solidus: b"/Type"."""


class Raw(bytes):
    """A number, string, boolean or null, kept as the bytes it was written with."""


@dataclass(frozen=True)
class Ref:
    num: int


def parse(data: bytes, pos: int = 0) -> tuple[Any, int]:
    """One PDF object (dictionary, array, name, reference, number, string) from `data`."""
    m = _TOKEN.match(data, pos)
    if not m:
        raise ValueError(f"PDF syntax not understood at {pos}: {data[pos : pos + 40]!r}")
    pos = m.end()
    if m.group(1):  # <<
        result: dict = {}
        while True:
            end = _TOKEN.match(data, pos)
            if end and end.group(2):
                return result, end.end()
            key, pos = parse(data, pos)
            if not isinstance(key, Name):
                raise ValueError(f"dictionary key is not a name at {pos}")
            result[key], pos = parse(data, pos)
    if m.group(3):  # [
        items = []
        while True:
            end = _TOKEN.match(data, pos)
            if end and end.group(4):
                return items, end.end()
            item, pos = parse(data, pos)
            items.append(item)
    if m.group(5):
        return Name(m.group(5)), pos
    if m.group(8):
        return Ref(int(m.group(8))), pos
    for group in (6, 7, 10, 11):
        if m.group(group):
            return Raw(m.group(group)), pos
    raise ValueError(f"unexpected token at {pos}: {m.group(0)!r}")


def dump(value: Any, ref: Callable[[int], int] = lambda n: n) -> bytes:
    """`value` (as `parse` returns it) in PDF syntax, references renumbered by `ref`."""
    if isinstance(value, dict):
        return b"<<" + b"".join(k + b" " + dump(v, ref) for k, v in value.items()) + b">>"
    if isinstance(value, list):
        return b"[" + b" ".join(dump(v, ref) for v in value) + b"]"
    if isinstance(value, Ref):
        return b"%d 0 R" % ref(value.num)
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, float):
        return (b"%.4f" % value).rstrip(b"0").rstrip(b".")
    if isinstance(value, str):
        return pdf_text(value)
    raise TypeError(f"cannot write {type(value).__name__} to PDF")


def pdf_text(text: str) -> bytes:
    """A text string: UTF-16BE with BOM, hex-encoded (no escaping questions)."""
    return b"<" + ("\ufeff" + text).encode("utf-16-be").hex().encode() + b">"


def relocate(body: bytes, ref: Callable[[int], int]) -> bytes:
    """`body` with every reference renumbered by `ref` (strings are left as they are)."""

    def replace(m: re.Match) -> bytes:
        num = m.group(1)
        return m.group(0) if num is None else b"%d 0 R" % ref(int(num))

    return _REF.sub(replace, body)


def references(body: bytes) -> list[int]:
    return [int(m.group(1)) for m in _REF.finditer(body) if m.group(1) is not None]


# --- reading a part -------------------------------------------------------------------------


class PartFile:
    """A PDF file as pydyf writes it: objects by number, parsed when asked for."""

    def __init__(self, path: str | Path):
        self.data = Path(path).read_bytes()
        tail = self.data[-64:]
        m = re.search(rb"startxref\s+(\d+)\s+%%EOF", tail)
        if not m:
            raise ValueError(f"{path}: no startxref")
        xref_dict, xref_data = self._object_at(int(m.group(1)))
        self.trailer = parse(xref_dict)[0]
        if self.trailer.get(Name(b"/Type")) != b"/XRef":
            raise ValueError(f"{path}: no cross-reference stream (a compressed pydyf file)")
        widths = [int(w) for w in self.trailer[Name(b"/W")]]
        raw = _decode(self.trailer, xref_data or b"")
        size = int(self.trailer[Name(b"/Size")])
        index = [int(i) for i in self.trailer.get(Name(b"/Index"), [0, size])]
        self.entries: dict[int, tuple[int, ...]] = {}
        pos = 0
        for first, count in zip(index[::2], index[1::2], strict=True):
            for num in range(first, first + count):
                fields = []
                for w in widths:
                    fields.append(int.from_bytes(raw[pos : pos + w], "big") if w else 1)
                    pos += w
                self.entries[num] = tuple(fields)
        self._objstm: dict[int, list[bytes]] = {}
        self._parsed: dict[int, Any] = {}

    def _object_at(self, offset: int) -> tuple[bytes, bytes | None]:
        m = _OBJ_HEADER.match(self.data, offset)
        if not m:
            raise ValueError(f"no object at offset {offset}")
        start = m.end()
        if self.data.startswith(b"<<", start):
            value, end = parse(self.data, start)
            rest = self.data[end : end + 12]
            s = re.match(rb"\s*stream\r?\n", rest)
            if s:
                length = value.get(Name(b"/Length"))
                if not isinstance(length, Raw):
                    raise ValueError("stream length is not a direct number")
                begin = end + s.end()
                return self.data[start:end], self.data[begin : begin + int(length)]
            return self.data[start:end], None
        end = self.data.index(b"endobj", start)
        return self.data[start:end].rstrip(), None

    def raw(self, num: int) -> tuple[bytes, bytes | None]:
        """(the object's text — a stream's dictionary —, a stream's encoded data or None)."""
        kind, a, b = self.entries[num]
        if kind == 1:
            return self._object_at(a)
        if kind == 2:
            bodies = self._objstm.get(a)
            if bodies is None:
                bodies = self._objstm[a] = self._load_objstm(a)
            return bodies[b], None
        raise KeyError(f"object {num} is free")

    def _load_objstm(self, num: int) -> list[bytes]:
        head, data = self.raw(num)
        info = parse(head)[0]
        content = _decode(info, data)
        first, count = int(info[Name(b"/First")]), int(info[Name(b"/N")])
        numbers = [int(x) for x in content[:first].split()]
        offsets = numbers[1::2][:count]
        bodies = []
        for i, offset in enumerate(offsets):
            end = offsets[i + 1] if i + 1 < len(offsets) else len(content) - first
            bodies.append(content[first + offset : first + end].strip())
        return bodies

    def value(self, num: int) -> Any:
        if num not in self._parsed:
            self._parsed[num] = parse(self.raw(num)[0])[0]
        return self._parsed[num]

    def stream(self, num: int) -> bytes:
        head, data = self.raw(num)
        return _decode(parse(head)[0], data or b"")


def _decode(info: dict, data: bytes) -> bytes:
    filters = info.get(Name(b"/Filter"))
    if filters is None:
        return data
    filters = filters if isinstance(filters, list) else [filters]
    for f in filters:
        if f != b"/FlateDecode":
            raise ValueError(f"filter {f!r} not supported")
        data = zlib.decompress(data)
    return data


# --- writing the joined file ----------------------------------------------------------------

OBJSTM_OBJECTS = 400
OBJSTM_BYTES = 256 * 1024


class Writer:
    """Writes objects as they come: streams at once, others packed into object streams; keeps
    only the cross-reference entries (8 bytes an object)."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.pos = 0
        self.next_num = 1
        self.xref = bytearray(b"\0\0\0\0\0\0\xff\xff")  # entry 0: the head of the free list
        self._pending: list[tuple[int, bytes]] = []
        self._pending_bytes = 0
        self._write(b"%PDF-1.7\n%\xf0\x9f\x96\xa4\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.pos += len(data)

    def alloc(self) -> int:
        num = self.next_num
        self.next_num += 1
        return num

    def _entry(self, num: int, kind: int, a: int, b: int) -> None:
        end = (num + 1) * 8
        if len(self.xref) < end:
            self.xref.extend(bytes(end - len(self.xref)))
        self.xref[num * 8 : end] = bytes([kind]) + a.to_bytes(5, "big") + b.to_bytes(2, "big")

    def put(self, num: int, body: bytes) -> None:
        """An object that is not a stream (into the next object stream)."""
        self._pending.append((num, body))
        self._pending_bytes += len(body)
        if len(self._pending) >= OBJSTM_OBJECTS or self._pending_bytes >= OBJSTM_BYTES:
            self.flush_objects()

    def flush_objects(self) -> None:
        if not self._pending:
            return
        stm = self.alloc()
        header, bodies, offset = [], [], 0
        for i, (num, body) in enumerate(self._pending):
            header.append(b"%d %d" % (num, offset))
            bodies.append(body)
            offset += len(body) + 1
            self._entry(num, 2, stm, i)
        head = b" ".join(header) + b"\n"
        content = zlib.compress(head + b"\n".join(bodies), 6)
        info = b"<</Type /ObjStm/N %d/First %d/Filter /FlateDecode/Length %d>>" % (
            len(self._pending),
            len(head),
            len(content),
        )
        self._direct(stm, info, content)
        self._pending, self._pending_bytes = [], 0

    def _direct(self, num: int, head: bytes, data: bytes | None = None) -> None:
        self._entry(num, 1, self.pos, 0)
        if data is None:
            self._write(b"%d 0 obj\n%s\nendobj\n" % (num, head))
        else:
            self._write(b"%d 0 obj\n%s\nstream\n" % (num, head))
            self._write(data)
            self._write(b"\nendstream\nendobj\n")

    def put_stream(self, num: int, head: bytes, data: bytes) -> None:
        """A stream whose dictionary `head` already holds its /Length."""
        self._direct(num, head, data)

    def put_stream_chunks(self, num: int, head: dict, chunks: Iterable[bytes]) -> None:
        """A stream written as it is produced: its /Length is an object written after it."""
        length = self.alloc()
        head = {**head, Name(b"/Length"): Ref(length)}
        self._entry(num, 1, self.pos, 0)
        self._write(b"%d 0 obj\n%s\nstream\n" % (num, dump(head)))
        size = 0
        for chunk in chunks:
            self._write(chunk)
            size += len(chunk)
        self._write(b"\nendstream\nendobj\n")
        self.put(length, b"%d" % size)

    def finish(self, root: int, info: int | None, identifier: bytes) -> None:
        self.flush_objects()
        xref_num = self.alloc()
        self._entry(xref_num, 1, self.pos, 0)
        size = self.next_num
        data = zlib.compress(bytes(self.xref[: size * 8]), 6)
        trailer = {
            Name(b"/Type"): Name(b"/XRef"),
            Name(b"/Size"): size,
            Name(b"/W"): [1, 5, 2],
            Name(b"/Index"): [0, size],
            Name(b"/Root"): Ref(root),
            Name(b"/ID"): [Raw(b"<" + identifier + b">"), Raw(b"<" + identifier + b">")],
            Name(b"/Filter"): Name(b"/FlateDecode"),
            Name(b"/Length"): len(data),
        }
        if info is not None:
            trailer[Name(b"/Info")] = Ref(info)
        start = self.pos
        self._write(b"%d 0 obj\n%s\nstream\n" % (xref_num, dump(trailer)))
        self._write(data)
        self._write(b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start)


# --- fonts ----------------------------------------------------------------------------------


@dataclass
class _Font:
    """One weight of the report's font in the joined file: the glyphs, widths and Unicode
    values all the parts used, and the object numbers it will be written under."""

    weight: int
    path: str
    type0: int
    widths: dict[int, float] = field(default_factory=dict)
    unicode: dict[int, str] = field(default_factory=dict)
    descriptor: dict | None = None
    cidfont: dict | None = None


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_HEX_TRIPLE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def to_unicode_entries(cmap: bytes) -> dict[int, str]:
    """Glyph (CID) -> text from a ToUnicode CMap (bfchar and bfrange entries)."""
    entries: dict[int, str] = {}
    for block in _BFCHAR.findall(cmap):
        for cid, text in _HEX_PAIR.findall(block):
            entries.setdefault(int(cid, 16), bytes.fromhex(text.decode()).decode("utf-16-be"))
    for block in _BFRANGE.findall(cmap):
        for lo, hi, text in _HEX_TRIPLE.findall(block):
            first = ord(bytes.fromhex(text.decode()).decode("utf-16-be"))
            for i, cid in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                entries.setdefault(cid, chr(first + i))
    return entries


def cid_widths(w: list) -> dict[int, float]:
    """CID -> width (1/1000 em) from a CIDFont /W array (as `parse` returns it)."""
    widths: dict[int, float] = {}
    i = 0
    while i < len(w):
        first = int(w[i])
        nxt = w[i + 1]
        if isinstance(nxt, list):
            for k, value in enumerate(nxt):
                widths[first + k] = float(value)
            i += 2
        else:
            for cid in range(first, int(nxt) + 1):
                widths[cid] = float(w[i + 2])
            i += 3
    return widths


def _number(value: float) -> bytes:
    return b"%d" % value if float(value).is_integer() else (b"%.3f" % value).rstrip(b"0")


def _to_unicode_cmap(entries: dict[int, str]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    items = sorted(entries.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(b"%d beginbfchar" % len(batch))
        for cid, text in batch:
            lines.append(b"<%04x> <%s>" % (cid, text.encode("utf-16-be").hex().encode()))
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _w_array(widths: dict[int, float]) -> list:
    """A /W array of runs of consecutive CIDs."""
    out: list = []
    run: list = []
    previous = None
    for cid in sorted(widths):
        if previous is not None and cid == previous + 1:
            run.append(Raw(_number(widths[cid])))
        else:
            if run:
                out.append(run)
            out.append(cid)
            run = [Raw(_number(widths[cid]))]
        previous = cid
    if run:
        out.append(run)
    return out


def subset_glyphs(path: str, glyphs: set[int]) -> bytes:
    """The font at `path` cut down to `glyphs`, glyph ids kept (as WeasyPrint subsets)."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(path))
    keep = hb.SubsetInput()
    keep.glyph_set.update(glyphs | {0})
    keep.flags = (
        hb.SubsetFlags.RETAIN_GIDS
        | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
        | hb.SubsetFlags.DESUBROUTINIZE
        | hb.SubsetFlags.NO_HINTING
    )
    for tag in ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT"):
        keep.drop_table_tag_set.add(_tag(tag))
    data = hb.subset(face, keep).blob.data
    if not data:
        raise RuntimeError(f"could not subset {path}")
    return data


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")


class GlyphSource:
    """Glyph ids and advances of a font file (for the page numbers)."""

    def __init__(self, path: str):
        import uharfbuzz as hb

        self.face = hb.Face(hb.Blob.from_file_path(path))
        self.font = hb.Font(self.face)
        self.upem = self.face.upem

    def glyph(self, char: str) -> int:
        gid = self.font.get_nominal_glyph(ord(char))
        if not gid:
            raise RuntimeError(f"the report's font has no glyph for {char!r}")
        return gid

    def width(self, gid: int) -> float:
        return round(self.font.get_glyph_h_advance(gid) * 1000 / self.upem)


# --- the join -------------------------------------------------------------------------------


@dataclass
class Part:
    path: str
    pages: int
    bookmarks: list  # (level, label, page index, x pt, y pt from the top)


@dataclass
class Folio:
    pattern: str  # "第 %(n)d 页 / 共 %(total)d 页"
    size: float
    rgb: str
    baseline: float


@dataclass
class Attachment:
    path: str
    size: int
    md5: str


_TAG_PREFIX = re.compile(rb"^/[A-Z]{6}\+")


class Joiner:
    """See the module docstring. `fonts`: weight -> the font file every part was rendered
    with (glyph ids are those of these files)."""

    def __init__(self, out: BinaryIO, fonts: dict[int, str], folio: Folio):
        self.w = Writer(out)
        self.folio = folio
        # Page numbers are written last, when the page count is known: (object, width, font).
        self.stamps: list[tuple[int, float, bytes]] = []
        self.pages_num = self.w.alloc()
        self.root_num = self.w.alloc()
        self.document_num = self.w.alloc()
        self.parent_tree_num = self.w.alloc()
        self.outlines_num = self.w.alloc()
        self.catalogue_num = self.w.alloc()
        self.open_q = self.w.alloc()
        self.w.put_stream(self.open_q, b"<</Length 2>>", b"q\n")
        self.fonts = {
            weight: _Font(weight, str(path), self.w.alloc()) for weight, path in fonts.items()
        }
        self.glyphs = GlyphSource(self.fonts[400].path)
        self.page_nums: list[int] = []
        self.document_kids: list[int] = []
        self.parent_tree: list[tuple[int, int]] = []
        self.next_key = 0
        self.bookmarks: list[tuple] = []
        self.parts = 0
        self._streams: dict[bytes, int] = {}
        self.catalogue: dict | None = None
        self.document_extra: dict = {}
        self.role_map: Any = None
        self.info_num: int | None = None

    # -- one part --

    def add(self, part: Part, *, attachment: Attachment | None = None) -> None:
        pf = PartFile(part.path)
        front = self.parts == 0
        prefix = b"p%d-" % self.parts
        catalogue = pf.value(pf.trailer[Name(b"/Root")].num)
        page_tree = pf.value(catalogue[Name(b"/Pages")].num)
        pages = [k.num for k in page_tree[Name(b"/Kids")]]
        if len(pages) != part.pages:
            raise RuntimeError(f"{part.path}: {len(pages)} pages, {part.pages} expected")
        tree_root_num = catalogue[Name(b"/StructTreeRoot")].num
        tree_root = pf.value(tree_root_num)
        kids = tree_root[Name(b"/K")]
        kids = kids if isinstance(kids, list) else [kids]
        if len(kids) != 1:
            raise RuntimeError(f"{part.path}: the structure tree has no single Document")
        document_num = kids[0].num
        document = pf.value(document_num)
        parent_tree_num = tree_root[Name(b"/ParentTree")].num
        nums = pf.value(parent_tree_num)[Name(b"/Nums")]

        mapping: dict[int, int] = {pf.trailer[Name(b"/Root")].num: self.catalogue_num}
        mapping[catalogue[Name(b"/Pages")].num] = self.pages_num
        mapping[tree_root_num] = self.root_num
        mapping[document_num] = self.document_num
        mapping[parent_tree_num] = self.parent_tree_num
        if Name(b"/Outlines") in catalogue:
            mapping[catalogue[Name(b"/Outlines")].num] = self.outlines_num
        queue: deque[int] = deque()
        key_offset = self.next_key

        def assign(old: int) -> int:
            new = mapping.get(old)
            if new is not None:
                return new
            head, data = pf.raw(old)
            if data is None and head.startswith(b"<</Type /Font/Subtype /Type0"):
                font = self._font_of(pf, old)
                if font is not None:
                    mapping[old] = font.type0
                    return font.type0
            elif data is not None and _REF.search(head) is None and b"/EmbeddedFile" not in head:
                digest = hashlib.sha1(head + b"\0" + data).digest()
                known = self._streams.get(digest)
                if known is None:
                    known = self._streams[digest] = self.w.alloc()
                    self.w.put_stream(known, head, data)
                mapping[old] = known
                return known
            new = mapping[old] = self.w.alloc()
            queue.append(old)
            return new

        def shift(m: re.Match) -> bytes:
            return m.group(0)[: m.start(1) - m.start(0)] + b"%d" % (int(m.group(1)) + key_offset)

        def rewrite(head: bytes) -> bytes:
            head = relocate(head, assign)
            if b"/StructParent" in head:
                head = _STRUCT_PARENT.sub(shift, head)
            if b"/ID (" in head:
                head = _ID.sub(b"/ID (" + prefix, head)
            if b"/Headers [" in head:
                head = _HEADERS.sub(
                    lambda m: b"/Headers [" + m.group(1).replace(b"(", b"(" + prefix) + b"]", head
                )
            return head

        # Pages first: their numbers are known to everything that points at them.
        page_base = len(self.page_nums)
        new_pages = []
        for old in pages:
            new = mapping[old] = self.w.alloc()
            new_pages.append((old, new))
            self.page_nums.append(new)
        resources_cache: dict[Any, tuple[int, bytes]] = {}
        for old, new in new_pages:
            page = pf.value(old)
            resources, folio_font = self._page_resources(
                pf, page.get(Name(b"/Resources")), assign, resources_cache
            )
            contents = page.get(Name(b"/Contents"))
            contents = contents if isinstance(contents, list) else [contents] if contents else []
            stamp = self.w.alloc()
            self.stamps.append((stamp, float(page[Name(b"/MediaBox")][2]), folio_font))
            body = {}
            for key, value in page.items():
                if key == Name(b"/Parent"):
                    body[key] = Raw(b"%d 0 R" % self.pages_num)
                elif key == Name(b"/Resources"):
                    body[key] = Raw(b"%d 0 R" % resources)
                elif key == Name(b"/Contents"):
                    refs = [Raw(b"%d 0 R" % self.open_q)]
                    refs += [Raw(dump(c, assign)) for c in contents]
                    body[key] = [*refs, Raw(b"%d 0 R" % stamp)]
                elif key == Name(b"/StructParents"):
                    body[key] = int(value) + key_offset
                else:
                    body[key] = Raw(rewrite(dump(value)))
            self.w.put(new, dump(body))

        # The structure tree: the part's Document's children under the joined Document.
        doc_kids = document.get(Name(b"/K"), [])
        doc_kids = doc_kids if isinstance(doc_kids, list) else [doc_kids]
        for kid in doc_kids:
            if isinstance(kid, Ref):
                self.document_kids.append(assign(kid.num))
        if front:
            self.document_extra = {
                k: v for k, v in document.items() if k not in (b"/K", b"/P", b"/Type", b"/S")
            }
            if Name(b"/RoleMap") in tree_root:
                self.role_map = tree_root[Name(b"/RoleMap")]
        top = -1
        for key, value in zip(nums[::2], nums[1::2], strict=True):
            key = int(key)
            top = max(top, key)
            if isinstance(value, list):
                entry = self.w.alloc()
                self.w.put(entry, dump(value, assign))
            else:
                entry = assign(value.num)
            self.parent_tree.append((key + key_offset, entry))
        self.next_key = key_offset + top + 1

        if front:
            self.catalogue = {
                k: v
                for k, v in catalogue.items()
                if k not in (b"/Pages", b"/StructTreeRoot", b"/Outlines", b"/PageMode", b"/Type")
            }
            if Name(b"/AF") in self.catalogue:  # WeasyPrint lists the CSV's file spec twice
                unique = list(dict.fromkeys(self.catalogue[Name(b"/AF")]))
                self.catalogue[Name(b"/AF")] = unique
            self.catalogue = {k: Raw(dump(v, assign)) for k, v in self.catalogue.items()}
            info = pf.trailer.get(Name(b"/Info"))
            if isinstance(info, Ref):
                self.info_num = assign(info.num)

        while queue:
            old = queue.popleft()
            head, data = pf.raw(old)
            new = mapping[old]
            if data is None:
                self.w.put(new, rewrite(head))
            elif b"/EmbeddedFile" in head and attachment is not None:
                self._attachment(new, parse(rewrite(head))[0], attachment)
            else:
                self.w.put_stream(new, rewrite(head), data)
        self.bookmarks.append((page_base, part.bookmarks))
        self.parts += 1

    def _font_of(self, pf: PartFile, num: int) -> _Font | None:
        """The joined file's font for a part's Type0 font of the report's family (its widths
        and Unicode values merged in), or None for any other font (copied as it is)."""
        font = pf.value(num)
        name = bytes(font.get(Name(b"/BaseFont"), b""))
        if not _TAG_PREFIX.match(name) or not name[8:].startswith(b"Noto-Sans-SC"):
            return None
        weight = 700 if name.endswith(b"-Bold") else 400
        target = self.fonts.get(weight)
        if target is None:
            return None
        cid = pf.value(font[Name(b"/DescendantFonts")][0].num)
        target.widths.update(cid_widths(cid.get(Name(b"/W"), [])))
        unicode = font.get(Name(b"/ToUnicode"))
        if isinstance(unicode, Ref):
            for gid, text in to_unicode_entries(pf.stream(unicode.num)).items():
                target.unicode.setdefault(gid, text)
        if target.descriptor is None:
            target.descriptor = dict(pf.value(cid[Name(b"/FontDescriptor")].num))
            target.cidfont = dict(cid)
        return target

    def _page_resources(self, pf, resources, assign, cache) -> tuple[int, bytes]:
        """The page's resources (renumbered), with the regular font under a name the page
        number can use: (object number, font resource name)."""
        key = resources.num if isinstance(resources, Ref) else dump(resources)
        if key in cache:
            return cache[key]
        value = dict(pf.value(resources.num) if isinstance(resources, Ref) else resources or {})
        fonts = value.get(Name(b"/Font"), {})
        fonts = dict(pf.value(fonts.num) if isinstance(fonts, Ref) else fonts)
        regular = self.fonts[400].type0
        name = None
        for font_name, ref in fonts.items():
            if isinstance(ref, Ref) and assign(ref.num) == regular:
                name = bytes(font_name)
                break
        if name is None:
            name = b"/ConsultFolio"
            fonts[Name(name)] = Raw(b"%d 0 R" % regular)
        value[Name(b"/Font")] = fonts
        num = self.w.alloc()
        self.w.put(num, dump(value, assign))
        cache[key] = (num, name)
        return cache[key]

    def _stamp(self, number: int, page_width: float, font_name: bytes) -> tuple[bytes, bytes]:
        text = self.folio.pattern % {"n": number, "total": len(self.page_nums)}
        font = self.fonts[400]
        gids = [self.glyphs.glyph(ch) for ch in text]
        width = 0.0
        for gid, ch in zip(gids, text, strict=True):
            if gid not in font.widths:
                font.widths[gid] = self.glyphs.width(gid)
            font.unicode.setdefault(gid, ch)
            width += font.widths[gid]
        width *= self.folio.size / 1000
        x = (page_width - width) / 2
        hexes = "".join(f"{g:04x}" for g in gids)
        # A pagination artifact: a screen reader skips it; the page's own content was wrapped
        # in q … Q (the shared "q" stream first), so its graphics state cannot move it.
        data = (
            f"\nQ q /Artifact <</Type /Pagination /Subtype /Footer>> BDC "
            f"{self.folio.rgb} rg BT {font_name.decode()} {self.folio.size:g} Tf "
            f"1 0 0 1 {x:.2f} {self.folio.baseline:g} Tm <{hexes}> Tj ET EMC Q\n"
        ).encode("ascii")
        return b"<</Length %d>>" % len(data), data

    def _attachment(self, num: int, head: dict, attachment: Attachment) -> None:
        """The embedded CSV, streamed from its file through zlib."""
        params = dict(head.get(Name(b"/Params"), {}))
        params[Name(b"/Size")] = attachment.size
        params[Name(b"/CheckSum")] = Raw(b"<" + attachment.md5.encode() + b">")
        head = {k: v for k, v in head.items() if k not in (b"/Length", b"/Filter", b"/DecodeParms")}
        head[Name(b"/Params")] = params
        head[Name(b"/Filter")] = Name(b"/FlateDecode")

        def chunks():
            packer = zlib.compressobj(6)
            with open(attachment.path, "rb") as fh:
                while block := fh.read(1 << 20):
                    if out := packer.compress(block):
                        yield out
            yield packer.flush()

        self.w.put_stream_chunks(num, head, chunks())

    # -- the end --

    def finish(self, identifier: str | None = None) -> int:
        """Write what needed every part: page numbers, fonts, trees, outline, catalogue.
        Returns the page count."""
        w = self.w
        for number, (stamp, width, font_name) in enumerate(self.stamps, start=1):
            w.put_stream(stamp, *self._stamp(number, width, font_name))
        for font in self.fonts.values():
            self._write_font(font)
        w.put(
            self.pages_num,
            b"<</Type /Pages/Kids [%s]/Count %d>>"
            % (b" ".join(b"%d 0 R" % n for n in self.page_nums), len(self.page_nums)),
        )
        document = {
            Name(b"/Type"): Name(b"/StructElem"),
            Name(b"/S"): Name(b"/Document"),
            Name(b"/P"): Ref(self.root_num),
            **self.document_extra,
            Name(b"/K"): [Ref(n) for n in self.document_kids],
        }
        w.put(self.document_num, dump(document))
        w.put(
            self.parent_tree_num,
            b"<</Nums [%s]>>" % b" ".join(b"%d %d 0 R" % kv for kv in self.parent_tree),
        )
        root = {
            Name(b"/Type"): Name(b"/StructTreeRoot"),
            Name(b"/K"): [Ref(self.document_num)],
            Name(b"/ParentTree"): Ref(self.parent_tree_num),
            Name(b"/ParentTreeNextKey"): self.next_key,
        }
        if self.role_map is not None:
            root[Name(b"/RoleMap")] = self.role_map
        w.put(self.root_num, dump(root))
        self._write_outline()
        catalogue = {
            Name(b"/Type"): Name(b"/Catalog"),
            Name(b"/Pages"): Ref(self.pages_num),
            Name(b"/StructTreeRoot"): Ref(self.root_num),
            Name(b"/Outlines"): Ref(self.outlines_num),
            Name(b"/PageMode"): Name(b"/UseOutlines"),
            **(self.catalogue or {}),
        }
        w.put(self.catalogue_num, dump(catalogue))
        identifier = (
            identifier
            or hashlib.md5(
                repr((self.page_nums[:1], len(self.page_nums), w.pos)).encode(),
                usedforsecurity=False,
            ).hexdigest()
        )
        w.finish(self.catalogue_num, self.info_num, identifier.encode("ascii"))
        return len(self.page_nums)

    def _write_font(self, font: _Font) -> None:
        w = self.w
        if font.descriptor is None:  # no part used this weight: nothing points at it
            return
        data = subset_glyphs(font.path, set(font.widths) | set(font.unicode))
        digest = hashlib.sha256(data).digest()
        tag = "".join(chr(65 + b % 26) for b in digest[:6]).encode()
        family = bytes(font.descriptor.get(Name(b"/FontName"), b"/XXXXXX+Font"))[8:]
        base = Name(b"/" + tag + b"+" + family)
        file_num, descriptor_num, cid_num, unicode_num = (w.alloc() for _ in range(4))
        packed = zlib.compress(data, 6)
        w.put_stream(
            file_num,
            b"<</Length1 %d/Filter /FlateDecode/Length %d>>" % (len(data), len(packed)),
            packed,
        )
        descriptor = {
            **font.descriptor,
            Name(b"/FontName"): base,
            Name(b"/FontFile2"): Ref(file_num),
        }
        w.put(descriptor_num, dump(descriptor))
        cidfont = {
            **(font.cidfont or {}),
            Name(b"/BaseFont"): base,
            Name(b"/FontDescriptor"): Ref(descriptor_num),
            Name(b"/W"): _w_array(font.widths),
        }
        w.put(cid_num, dump(cidfont))
        cmap = zlib.compress(_to_unicode_cmap(font.unicode), 6)
        w.put_stream(unicode_num, b"<</Filter /FlateDecode/Length %d>>" % len(cmap), cmap)
        w.put(
            font.type0,
            dump(
                {
                    Name(b"/Type"): Name(b"/Font"),
                    Name(b"/Subtype"): Name(b"/Type0"),
                    Name(b"/BaseFont"): base,
                    Name(b"/ToUnicode"): Ref(unicode_num),
                    Name(b"/Encoding"): Name(b"/Identity-H"),
                    Name(b"/DescendantFonts"): [Ref(cid_num)],
                }
            ),
        )

    def _write_outline(self) -> None:
        """Level-1 entries from every part in page order; level 2 under the last level 1."""
        w = self.w
        height = 841.889764
        top: list[dict] = []
        for offset, bookmarks in self.bookmarks:
            for level, label, page_index, x, y in bookmarks:
                item = {"label": label, "page": offset + page_index, "x": x, "y": y, "kids": []}
                if level <= 1 or not top:
                    top.append(item)
                else:
                    top[-1]["kids"].append(item)

        def write(items: list[dict], parent: int) -> tuple[int, int, int]:
            nums = [w.alloc() for _ in items]
            count = len(items)
            for i, (item, num) in enumerate(zip(items, nums, strict=True)):
                entry = {
                    Name(b"/Title"): item["label"],
                    Name(b"/Parent"): Ref(parent),
                    Name(b"/Dest"): [
                        Ref(self.page_nums[item["page"]]),
                        Name(b"/XYZ"),
                        float(item["x"]),
                        float(height - item["y"]),
                        0,
                    ],
                }
                if i:
                    entry[Name(b"/Prev")] = Ref(nums[i - 1])
                if i + 1 < len(nums):
                    entry[Name(b"/Next")] = Ref(nums[i + 1])
                if item["kids"]:
                    first, last, _ = write(item["kids"], num)
                    entry[Name(b"/First")] = Ref(first)
                    entry[Name(b"/Last")] = Ref(last)
                    entry[Name(b"/Count")] = -len(item["kids"])  # closed
                w.put(num, dump(entry))
            return (nums[0], nums[-1], count) if nums else (0, 0, 0)

        first, last, count = write(top, self.outlines_num)
        outline: dict = {Name(b"/Type"): Name(b"/Outlines"), Name(b"/Count"): count}
        if count:
            outline[Name(b"/First")] = Ref(first)
            outline[Name(b"/Last")] = Ref(last)
        w.put(self.outlines_num, dump(outline))


def join(
    parts: list[Part],
    out: BinaryIO,
    *,
    fonts: dict[int, str],
    folio: Folio,
    attachment: Attachment | None = None,
) -> int:
    """Join `parts` (the first one is the front, whose catalogue, metadata and attachment the
    joined file keeps) into `out`. Returns the page count."""
    joiner = Joiner(out, fonts, folio)
    for i, part in enumerate(parts):
        joiner.add(part, attachment=attachment if i == 0 else None)
    return joiner.finish()
