"""Everything polib: segments to POT, reading and checking PO files, merging, headers, saving.

Merging is written here rather than with ``polib.POFile.merge`` because polib has no fuzzy
matching: a changed source sentence must keep its old translation as fuzzy with ``#|``.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import time
from functools import lru_cache
from pathlib import Path

import polib
from babel import Locale
from babel.messages.plurals import get_plural

from . import __version__, poreader, powriter
from .config import po_dir_name
from .errors import CatalogError
from .files import read_bytes, write_atomic
from .segment import Segment

GENERATOR = f"pipeline {__version__}"
FUZZY_THRESHOLD = 0.6  # similarity (difflib ratio) for reusing a translation as fuzzy, as msgmerge
FUZZY_MAX_EXACT = 2000  # longer msgids are compared with difflib's quick_ratio only
WRAP = 78
PLURAL_RE = re.compile(r"^\s*nplurals\s*=\s*[1-6]\s*;\s*plural\s*=\s*[0-9n!=<>&|%?:() \t]+;?\s*$")
DATE_KEYS = ("POT-Creation-Date", "PO-Revision-Date")


def segments_to_pot(segments: list[Segment], *, project: str) -> polib.POFile:
    """One POT for one document: identical msgids share an entry, in order of first use."""
    pot = polib.POFile(wrapwidth=WRAP)
    pot.header = f"Translation template for {project}, extracted by {GENERATOR}."
    pot.metadata = {
        "Project-Id-Version": project,
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": "",
        "PO-Revision-Date": "YEAR-MO-DA HO:MI+ZONE",
        "Last-Translator": "FULL NAME <EMAIL@ADDRESS>",
        "Language-Team": "LANGUAGE <LL@li.org>",
        "Language": "",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": GENERATOR,
    }
    # Ordered sets (dicts) of references and comment lines per msgid: list scans were
    # quadratic for a sentence repeated on thousands of lines or with thousands of placeholders.
    by_id: dict[str, tuple[dict, dict]] = {}
    for seg in segments:
        found = by_id.get(seg.msgid)
        if found is None:
            found = by_id[seg.msgid] = ({}, {})
        refs, lines = found
        refs[(seg.path, str(seg.line))] = None
        lines[seg.context] = None
        for note in seg.notes:
            lines[f"Note: {note}"] = None
        for legend in seg.placeholders:
            lines[f"Placeholder {legend}"] = None
    list.extend(pot, [poreader.new_entry(msgid, "", comment="\n".join(lines), occurrences=list(refs))
                      for msgid, (refs, lines) in by_id.items()])
    return pot


def language_metadata(lang: str) -> dict[str, str]:
    """Header fields that depend on the language, Plural-Forms from CLDR through Babel."""
    return dict(_language_metadata(lang))


@lru_cache(maxsize=64)
def _language_metadata(lang: str) -> tuple[tuple[str, str], ...]:
    # (Babel's look-ups, cached: they cost more than the rest of merging a small catalog)
    code = po_dir_name(lang)
    return (
        ("Language", code),
        ("Language-Team", f"{english_name(lang)} <{code}@li.org>"),
        ("Plural-Forms", get_plural(Locale.parse(code)).plural_forms),
    )


@lru_cache(maxsize=64)
def english_name(lang: str) -> str:
    """The language's name in English, from CLDR through Babel ("Chinese (Traditional)" for zh-Hant)."""
    return Locale.parse(po_dir_name(lang)).english_name


def merge(old: polib.POFile | None, pot: polib.POFile, *, lang: str) -> tuple[polib.POFile, dict]:
    """Merge a template into a language's catalog, as msgmerge at its best.

    Exact msgid: translation, flags and translator comments kept. Changed sentence: the most
    similar translation no longer used becomes a fuzzy suggestion with its ``previous_msgid``.
    Removed sentence with a translation: obsolete (``#~``), and revived if the sentence returns.
    A non-empty msgstr is never dropped.
    """
    stats = {"kept": 0, "new": 0, "fuzzy": 0, "obsolete": 0, "revived": 0}
    po = polib.POFile(wrapwidth=WRAP)
    po.header = old.header if old is not None and old.header else (
        f"{english_name(lang)} translation of {pot.metadata.get('Project-Id-Version', '')}.")
    meta = {
        "Project-Id-Version": pot.metadata.get("Project-Id-Version", ""),
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": pot.metadata.get("POT-Creation-Date", ""),
        "PO-Revision-Date": "",
        "Last-Translator": "",
        "Language-Team": "",
        "Language": "",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": GENERATOR,
    }
    if old is not None:
        for key, val in old.metadata.items():
            if key not in ("POT-Creation-Date", "X-Generator", "Content-Type", "Project-Id-Version"):
                meta[key] = val
    lang_meta = language_metadata(lang)
    if old is not None and old.metadata.get("Plural-Forms", "").strip():
        del lang_meta["Plural-Forms"]  # a team's own (valid) choice is kept, as msgmerge does
    if old is not None and old.metadata.get("Language-Team", "").strip():
        del lang_meta["Language-Team"]
    meta.update(lang_meta)
    po.metadata = meta

    # Entries with a msgctxt or a plural (written by other tools; ours have neither) are never
    # matched, only kept as obsolete, so that two entries sharing a msgid cannot shadow each other.
    ours = [e for e in old if not e.msgctxt and not e.msgid_plural] if old is not None else []
    active = {e.msgid: e for e in ours if not e.obsolete}
    obsolete = {e.msgid: e for e in ours if e.obsolete}
    wanted = {e.msgid for e in pot}
    # Translations no longer used by any msgid: candidates for fuzzy matching.
    spare = [e for e in list(active.values()) + list(obsolete.values())
             if e.msgid not in wanted and e.msgstr.strip()]
    unmatched = [e for e in pot if e.msgid not in active and e.msgid not in obsolete] if spare else []
    suggestions = _fuzzy_pairs(unmatched, spare)
    entries: list[polib.POEntry] = []  # added to po at the end (POFile.append checks each)
    consumed: set[int] = set()  # id() of the old entries carried into the new catalog
    for ref in pot:
        src = active.get(ref.msgid)
        if src is None or (not src.msgstr.strip() and ref.msgid in obsolete):
            src = obsolete.get(ref.msgid, src)  # a hand-edited catalog may hold both
        if src is not None:
            consumed.add(id(src))
        entry = poreader.new_entry(ref.msgid, "", comment=ref.comment, occurrences=list(ref.occurrences),
                                   flags=list(ref.flags))
        if src is not None:
            entry.msgstr = src.msgstr
            entry.tcomment = src.tcomment
            entry.flags = _merge_flags(ref.flags, src.flags)
            entry.previous_msgid = src.previous_msgid
            stats["revived" if src.obsolete else "kept"] += 1
        elif ref.msgid in suggestions:
            base = suggestions[ref.msgid]
            consumed.add(id(base))
            entry.msgstr = base.msgstr
            entry.tcomment = base.tcomment
            entry.flags = _merge_flags(ref.flags, [f for f in base.flags if f != "fuzzy"] + ["fuzzy"])
            entry.previous_msgid = base.msgid
            stats["fuzzy"] += 1
        else:
            stats["new"] += 1
        entries.append(entry)
    if old is not None:
        for e in old:
            if id(e) in consumed or not _translated(e):
                continue
            if not e.obsolete:
                stats["obsolete"] += 1
            gone = polib.POEntry(msgid=e.msgid, msgstr=e.msgstr, tcomment=e.tcomment,
                                 flags=list(e.flags), previous_msgid=e.previous_msgid, obsolete=True,
                                 msgctxt=e.msgctxt, msgid_plural=e.msgid_plural,
                                 msgstr_plural=dict(e.msgstr_plural))
            entries.append(gone)
    list.extend(po, entries)
    return po, stats


def _translated(e: polib.POEntry) -> bool:
    return bool(e.msgstr.strip() or any(v.strip() for v in e.msgstr_plural.values()))


def _merge_flags(template: list[str], kept: list[str]) -> list[str]:
    out = list(kept)
    for f in template:
        if f not in out:
            out.append(f)
    return out


def _fuzzy_pairs(new: list[polib.POEntry], spare: list[polib.POEntry]) -> dict[str, polib.POEntry]:
    """Best one-to-one pairs (new msgid -> old entry) with similarity over the threshold."""
    if not new or not spare:
        return {}
    scored = []
    for n in new:
        sm = difflib.SequenceMatcher(None, b=n.msgid, autojunk=False)  # seq2 is cached
        for o in spare:
            sm.set_seq1(o.msgid)
            if sm.real_quick_ratio() < FUZZY_THRESHOLD or sm.quick_ratio() < FUZZY_THRESHOLD:
                continue
            # ratio() is quadratic in the length: for very long sentences its cheap upper
            # bound has to do (a 40,000-character paragraph took minutes).
            long = max(len(n.msgid), len(o.msgid)) > FUZZY_MAX_EXACT
            r = sm.quick_ratio() if long else sm.ratio()
            if r >= FUZZY_THRESHOLD:
                scored.append((-r, n.msgid, o.msgid, o))
    scored.sort(key=lambda t: t[:3])
    out: dict[str, polib.POEntry] = {}
    taken: set[str] = set()
    for _, nid, oid, o in scored:
        if nid in out or oid in taken:
            continue
        out[nid] = o
        taken.add(oid)
    return out


_PO_LINE = re.compile(
    r'^(?:#~\s*\|?\s*)?(?:#\|\s*)?(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"\s*$')


# A whole text of lines that the loop in _check_lines accepts, in the shape nearly every
# catalog has (one regex over the text instead of a Python loop over its lines). What this
# does not match, the loop looks at line by line.
_PLAIN = r'[ \t\r]*(?:#(?![~|])[^\n]*|#[~|][^"\n]*|(?:#~[ \t]*\|?[ \t]*)?(?:#\|[ \t]*)?' \
         r'(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)[ \t]+)?"(?:[^"\\\n]|\\.)*")?[ \t\r]*'
_PLAIN_TEXT = re.compile(rf"(?:{_PLAIN}\n)*(?:{_PLAIN})?")


def _check_lines(text: str, where: str) -> None:
    """Reject what polib silently repairs (an unterminated string loses its last character)."""
    if _PLAIN_TEXT.fullmatch(text):
        return
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or (s.startswith("#") and not s.startswith(("#~", "#|"))):
            continue
        if s.startswith(("#~", "#|")) and '"' not in s:
            continue
        if not _PO_LINE.match(s):
            raise CatalogError(f"{where}:{n}", f"syntax error: {s[:60]!r}")


def _where_line(where: str, text: str, needle: str, nth: int = 1) -> str:
    """``where:line`` of the nth line containing ``needle`` (just ``where`` if there is none)."""
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            nth -= 1
            if not nth:
                return f"{where}:{n}"
    return where


class _POText(str):
    """PO text whose lines end at "\\n" only.

    ``str.splitlines`` also breaks at U+2028, U+2029, U+0085, \\x1c-\\x1e, \\v and \\f, which
    polib writes raw inside a message; polib (and poreader) split text with it and silently
    dropped part of such a message.
    """

    def splitlines(self, keepends: bool = False) -> list[str]:
        lines = self.split("\n")
        if lines and not lines[-1]:
            lines.pop()
        elif keepends:
            lines[-1] += "\0"  # marks the last line as having no newline (removed below)
        if keepends:
            return [l[:-1] if l.endswith("\0") else l + "\n" for l in lines]
        return [l[:-1] if l.endswith("\r") else l for l in lines]


def parse(text: str, where: str, *, translated_only: bool = False) -> polib.POFile:
    """Parse PO/POT text; syntax errors, duplicates, bad charset or Plural-Forms raise CatalogError.

    ``translated_only``: keep only the entries that are not obsolete and have a translation (a
    msgstr, or a msgstr of a plural form), all that build uses; the same checks and errors.
    """
    text = _POText(text)
    # As polib writes it (nearly every catalog): read fast, and free of syntax errors.
    fast = po = poreader.read_as_written(text, wrapwidth=WRAP, translated_only=translated_only)
    if po is None:
        _check_lines(text, where)
    try:
        if po is None:
            po = poreader.read(text, wrapwidth=WRAP)  # other layouts; None: ask polib
        if po is None:
            po = polib.pofile(text, wrapwidth=WRAP, check_for_duplicates=True)
    except (OSError, ValueError) as e:
        msg = str(e)
        m = re.search(r"line (\d+)", msg)
        loc = f"{where}:{m.group(1)}" if m else where
        msg = re.sub(r"^Syntax error in po file \(line \d+\)", "syntax error", msg)
        msg = re.sub(r"^Syntax error in po file (\S+ )?\(line \d+\)", "syntax error", msg)
        dup = re.match(r"Entry \"(.*)\" already exists", msg)
        if dup:
            msg = f'duplicate msgid "{dup.group(1)}"'
            loc = _where_line(where, text, f'msgid "{dup.group(1)}"', nth=2)
        raise CatalogError(loc, msg.splitlines()[0] if msg else "cannot parse catalog") from None
    if translated_only and fast is None:  # read whole: keep what the fast path keeps
        po[:] = [e for e in po if not e.obsolete and (e.msgstr or any(e.msgstr_plural.values()))]
    ctype = po.metadata.get("Content-Type", "text/plain; charset=UTF-8")
    m = re.search(r"charset=([\w-]+)", ctype)
    if m and m.group(1).lower().replace("_", "-") not in ("utf-8", "utf8", "charset"):
        raise CatalogError(_where_line(where, text, "charset="), f"charset {m.group(1)} in Content-Type header; catalogs must be UTF-8")
    plural = po.metadata.get("Plural-Forms")
    if plural is not None and plural.strip() and not PLURAL_RE.match(plural):
        raise CatalogError(_where_line(where, text, "Plural-Forms:"), f"invalid Plural-Forms header {plural!r}")
    return po


def load(path: Path, where: str, *, translated_only: bool = False) -> polib.POFile:
    """Read a catalog from disk (UTF-8 only); ``translated_only`` as for :func:`parse`."""
    data = read_bytes(path, where)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise CatalogError(f"{where}:{line}", "not valid UTF-8") from None
    if b"\x00" in data:  # (the bytes: in UTF-8 only NUL has a zero byte, and bytes search faster)
        raise CatalogError(where, "binary file, not a PO catalog")
    return parse(text, where, translated_only=translated_only)


def render(po: polib.POFile) -> str:
    """The text of a catalog, exactly as polib writes it (faster: see powriter)."""
    return powriter.render(po)


def _masked(text: str) -> str:
    return re.sub(r'"(POT-Creation-Date|PO-Revision-Date): [^"\\]*\\n"', r'"\1: \\n"', text)


def stamp() -> str:
    """Now (or SOURCE_DATE_EPOCH, for reproducible runs) in gettext's date format."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = time.gmtime(int(epoch)) if epoch and epoch.isdigit() else time.gmtime()
    return time.strftime("%Y-%m-%d %H:%M+0000", t)


def save(po: polib.POFile, path: Path, *, where: str, date_key: str) -> bool:
    """Write a catalog atomically; False (and no write at all) when only dates would change.

    The date header is refreshed only when the content changes, so re-runs are byte-identical.
    """
    text = text_to_save(po, path, date_key=date_key)
    return text is not None and write_atomic(path, text, where)


def text_to_save(po: polib.POFile, path: Path, *, date_key: str) -> str | None:
    """What :func:`save` would write to ``path``, or None when only dates would change."""
    path = Path(path)
    try:
        old_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        old_text = None
    m = None if old_text is None else re.search(rf'"{date_key}: ([^"\\]*)\\n"', old_text)
    if m is not None and m.group(1).isprintable() and len(po.metadata) > 1:
        # Rendered once, with the new date: masked, it is the text the old date gives, as the
        # header of several fields is written line by line and the old date (printable, no
        # quote or backslash) is neither escaped nor cut.
        po.metadata[date_key] = stamp()
        text = render(po)
        if _masked(text) == _masked(old_text):
            po.metadata[date_key] = m.group(1)  # (as if rendered with the old date)
            return None
        return text
    if old_text is not None:
        if m:
            po.metadata[date_key] = m.group(1)
        if _masked(render(po)) == _masked(old_text):
            return None
    po.metadata[date_key] = stamp()
    return render(po)


def first_catalog_bytes(pot: bytes, *, lang: str, where: str) -> bytes:
    """``text_to_save(merge(None, load(<template>)), <new file>)``, encoded: a language's first
    catalog, for a template whose bytes ``pot`` are exactly as extract wrote them (the caller
    knows from the recorded hash; ``where`` names it in errors).

    A first catalog's entries are the template's with empty msgstrs, which the template already
    holds: their bytes are taken as they are after the header, and only the header entry is
    decoded and parsed (merge takes nothing else from a template besides its entries).
    """
    cut = pot.find(b"\n\n")  # the end of the header entry: no blank line comes before it
    bare = polib.POFile(wrapwidth=WRAP)
    bare.metadata = parse((pot if cut < 0 else pot[: cut + 1]).decode("utf-8"), where).metadata
    po, _ = merge(None, bare, lang=lang)
    po.metadata["PO-Revision-Date"] = stamp()
    head = render(po).encode("utf-8")
    return head if cut < 0 else head + b"\n" + pot[cut + 2:]


# --- Provenance and review state ------------------------------------------------------------
# Machine output is recorded in a translator comment line "pipeline-mt: {json}" (engine, model,
# version, path, score, ...). Translator comments survive merges; extracted comments do not.
PROVENANCE_PREFIX = "pipeline-mt: "
REVIEWED_PREFIX = "reviewed-by: "


def _provenance_span(lines: list[str]) -> tuple[int, int, dict | None] | None:
    """(first line, end, record) of the provenance record among translator-comment lines.

    polib wraps long comment lines when saving (at spaces, and after hyphens between letters,
    as textwrap does), so the JSON may go on over the following lines: they are joined back
    until it parses.
    """
    key = PROVENANCE_PREFIX.rstrip()
    for i, line in enumerate(lines):
        if not line.startswith(key):
            continue
        text = line[len(key):].strip()
        for j in range(i + 1, len(lines) + 1):
            if j > i + 1:
                more = lines[j - 1].strip()
                text += more if not text or text.endswith("-") else " " + more
            try:
                rec = json.loads(text)
            except ValueError:
                continue
            return i, j, rec if isinstance(rec, dict) else None
        return i, i + 1, None
    return None


def get_provenance(entry: polib.POEntry) -> dict | None:
    """The machine-translation record of an entry, or None."""
    span = _provenance_span((entry.tcomment or "").splitlines())
    return span[2] if span else None


def set_provenance(entry: polib.POEntry, record: dict | None) -> None:
    """Replace the entry's machine-translation record (None removes it)."""
    lines = (entry.tcomment or "").splitlines()
    span = _provenance_span(lines)
    if span:
        del lines[span[0] : span[1]]
    if record is not None:
        lines.append(PROVENANCE_PREFIX + json.dumps(record, ensure_ascii=False, sort_keys=True,
                                                    separators=(",", ":")))
    entry.tcomment = "\n".join(lines)


def state(entry: polib.POEntry) -> str:
    """One of "reviewed", "machine" (MT, unreviewed), "changed" (fuzzy: source changed),
    "fuzzy" (other unreviewed), "untranslated"."""
    if not entry.msgstr.strip():
        return "untranslated"
    if "fuzzy" not in entry.flags:
        return "reviewed"
    if entry.previous_msgid:
        return "changed"
    if get_provenance(entry) is not None:
        return "machine"
    return "fuzzy"
