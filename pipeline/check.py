"""Quality checks of translations: placeholders, unsafe markup, numbers, terms, leftovers, loops.

Every check is a function of (source, target, language) returning (code, message) pairs; the
codes, their severity and the language data they use are constants at the top. A finding is
silenced for one entry by the catalog flag ``#, pipeline-ignore-<code>``.
"""

from __future__ import annotations

import re
import unicodedata

import polib

from . import catalog, glossary, placeholders
from .config import Config, base_language, bcp47
from .segment import Finding
from .sentences import CJK_LANGS, CLOSERS
from .update import catalogs

# code -> (severity, what it means). Errors block publication and make `pipeline check` fail.
CHECKS = {
    "placeholder": ("error", "placeholders missing, invented, repeated, malformed or unbalanced"),
    "unsafe": ("error", "raw HTML tag or entity, or a javascript: URL, not in the source"),
    "empty": ("error", "translation empty after trimming (or placeholders only)"),
    "chinese": ("error", "Chinese characters left in a non-CJK translation"),
    "number": ("warning", "a number of the source missing from the translation"),
    "url": ("warning", "a URL of the source missing from the translation"),
    "email": ("warning", "an e-mail address of the source missing from the translation"),
    "glossary": ("warning", "a glossary term missing or rendered differently"),
    "identical": ("warning", "translation identical to the source"),
    "simplified": ("warning", "simplified characters left in a Traditional Chinese translation"),
    "whitespace": ("warning", "leading or trailing whitespace differs from the source"),
    "repeat": ("warning", "doubled word or repeated phrase (a machine-translation loop)"),
    "length": ("warning", "translation unusually short or long for the language pair"),
    "end-punct": ("warning", "sentence-final punctuation differs from the source"),
    "fullwidth": ("warning", "full-width (CJK) punctuation in a non-CJK translation"),
}
IGNORE_FLAG = "pipeline-ignore-"  # `#, pipeline-ignore-number` silences "number" for that entry

# Targets where Han characters are normal text.
HAN_LANGS = frozenset({"zh", "ja", "yue", "lzh"})
# Traditional Chinese targets: OpenCC conversions of the standards a translation may follow. A
# character is left simplified only when every one of them changes it (群 is s2t's 羣 but
# Taiwan's 群, so it passes).
TRADITIONAL = {"zh-hant": ("s2t", "s2tw", "s2hk"), "zh-tw": ("s2tw", "s2t"),
               "zh-hk": ("s2hk", "s2t"), "zh-mo": ("s2hk", "s2t")}
# Target characters per source character for Chinese sources, (low, high); outside: "length".
# Measured on news text: Latin scripts take 2-4 characters per Han character.
LENGTH_RATIO_FROM_ZH = {
    "en": (1.3, 6.0), "fr": (1.5, 7.0), "es": (1.5, 7.0), "de": (1.5, 7.0), "pt": (1.5, 7.0),
    "it": (1.5, 7.0), "ru": (1.3, 6.5), "ar": (1.0, 5.0), "ja": (0.7, 2.2), "ko": (0.5, 2.0),
    "zh": (0.8, 1.25),
}
LENGTH_RATIO_DEFAULT = (0.3, 8.0)
LENGTH_MIN_SOURCE = 10  # shorter sources (headings, names) vary too much to judge
# Sentence-final punctuation: equivalent marks across scripts share a class.
END_CLASSES = {
    "period": ".。｡．",
    "question": "?？؟",
    "exclamation": "!！",
    "colon": ":：",
    "semicolon": ";；؛",
    "comma": ",，、،",
    "ellipsis": "…⋯",
}
FULLWIDTH_PUNCT = "。，、；：？！（）【】「」『』《》〈〉〔〕～｡､・"
# Words that may legitimately follow themselves ("nous nous sommes", "that that").
DOUBLE_OK = {"fr": {"nous", "vous"}, "en": {"that", "had"}, "es": set(), "de": {"die", "der", "das"}}
# Chinese numbers multiplied by these are often rewritten ("3.5万" -> "35,000"): compare digits
# without trailing zeros.
CJK_MULTIPLIERS = "十百千万萬亿億兆"

HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")
NUMBER_RE = re.compile(r"\d+(?:[.,\u00a0\u202f\u2009' ]\d+)*")
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。、）)\]]+", re.I)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>|<!--|<!\[CDATA\[|<\?")
ENTITY_RE = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
SCRIPT_URL_RE = re.compile(r"(?:java|vb)script\s*:|data\s*:\s*text/html", re.I)


def check_text(source: str, target: str, *, lang: str, source_lang: str = "zh-Hans",
               terms: list[tuple[str, str, str]] = (), flags=()) -> list[tuple[str, str, str]]:
    """All findings for one translation as (severity, code, message), silenced ones left out."""
    found: list[tuple[str, str]] = []
    for rule in RULES if target.strip() else (_empty,):
        found.extend(rule(source, target, lang=lang, source_lang=source_lang, terms=terms))
    ignored = {f[len(IGNORE_FLAG):] for f in flags if f.startswith(IGNORE_FLAG)}
    return [(CHECKS[code][0], code, msg) for code, msg in found if code not in ignored]


def check_entry(entry: polib.POEntry, *, lang: str, where: str, source_lang: str = "zh-Hans",
                terms=()) -> list[Finding]:
    """Findings for a catalog entry (none for untranslated or obsolete entries)."""
    if entry.obsolete or not entry.msgstr:
        return []
    return [Finding(sev, where, code, msg, entry.msgid)
            for sev, code, msg in check_text(entry.msgid, entry.msgstr, lang=lang,
                                             source_lang=source_lang, terms=terms,
                                             flags=entry.flags)]


def check_catalog(po: polib.POFile, *, lang: str, rel: str, source_lang: str = "zh-Hans",
                  terms=()) -> list[Finding]:
    """Findings for every translated entry of a catalog, ``where`` = ``rel:line``."""
    out = []
    for e in po:
        where = f"{rel}:{e.linenum}" if e.linenum else rel
        out.extend(check_entry(e, lang=lang, where=where, source_lang=source_lang, terms=terms))
    return out


def check(cfg: Config, langs: tuple[str, ...]) -> list[Finding]:
    """Check every catalog of the given languages."""
    out: list[Finding] = []
    for lang in langs:
        terms = glossary.load(cfg, lang)
        for _doc, path in catalogs(cfg, lang):
            rel = cfg.rel(path)
            out.extend(check_catalog(catalog.load(path, rel), lang=lang, rel=rel,
                                     source_lang=cfg.source_language, terms=terms))
    return out


def summary(findings: list[Finding]) -> dict[str, int]:
    """How many findings are errors and how many warnings."""
    return {"errors": sum(f.severity == "error" for f in findings),
            "warnings": sum(f.severity == "warning" for f in findings)}


# --- the rules ----------------------------------------------------------------------------

def _placeholders(src, tgt, **_):
    for p in placeholders.problems(src, tgt):
        yield "placeholder", p


def _literal(s: str) -> str:
    """Text of a placeholder string with each placeholder as a space (keeps words apart)."""
    return "".join(t if isinstance(t, str) else " " for t in placeholders.tokenize(s))


def _unsafe(src, tgt, **_):
    s_text, t_text = _literal(src), _literal(tgt)
    for rx, what in ((TAG_RE, "raw HTML {!r} is not a placeholder"),
                     (ENTITY_RE, "HTML entity {!r} is not a placeholder"),
                     (SCRIPT_URL_RE, "{!r} URL: script links are not allowed")):
        allowed = {}
        for m in rx.finditer(s_text):
            allowed[m.group(0).lower()] = allowed.get(m.group(0).lower(), 0) + 1
        for m in rx.finditer(t_text):
            key = m.group(0).lower()
            if allowed.get(key, 0):
                allowed[key] -= 1
                continue
            yield "unsafe", what.format(m.group(0))


def _empty(src, tgt, **_):
    if not tgt.strip():
        yield "empty", "translation is only whitespace"
    elif not placeholders.plain_text(tgt).strip() and placeholders.plain_text(src).strip():
        yield "empty", "translation has placeholders but no text"


def _digits(s: str) -> str:
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in s)


def _numbers(text: str) -> list[tuple[str, bool]]:
    """(digits without separators, followed by a Chinese multiplier) for each number."""
    text = _digits(unicodedata.normalize("NFKC", text))
    return [(re.sub(r"\D", "", m.group(0)), text[m.end():m.end() + 1] in CJK_MULTIPLIERS)
            for m in NUMBER_RE.finditer(text)]


def _number(src, tgt, **_):
    have = [d for d, _ in _numbers(_literal(tgt))]
    stripped = [d.rstrip("0") for d in have]
    for digits, scaled in _numbers(_literal(src)):
        if digits in have:
            have.remove(digits)
            stripped.remove(digits.rstrip("0"))
        elif scaled and digits.rstrip("0") in stripped:
            stripped.remove(digits.rstrip("0"))
        else:
            yield "number", f"number {digits} of the source is missing"


def _urls_emails(src, tgt, **_):
    s, t = _literal(src), _literal(tgt)
    for rx, code in ((URL_RE, "url"), (EMAIL_RE, "email")):
        for m in rx.finditer(s):
            item = m.group(0).rstrip(".,;:!?")
            if item not in t:
                yield code, f"{item} of the source is missing"


def _term_regex(term: str, lang: str) -> re.Pattern:
    if base_language(lang) in CJK_LANGS:
        return re.compile(re.escape(term))
    # Tolerate inflected endings: each word matches from its stem on (border/borders, граница/границы).
    parts = []
    for word in term.split():
        w = word.rstrip(",.;:!?)»”’")  # "physical," : stem the word, keep its punctuation
        stem = w[:max(4, len(w) - 2)] if len(w) > 4 else w
        parts.append(re.escape(stem) + (r"\w*" if stem != w else "") + re.escape(word[len(w):]))
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.I)


def _glossary(src, tgt, *, lang, terms, **_):
    s, t = _literal(src), _literal(tgt)
    for term, rendering, _note in terms:
        options = glossary.variants(rendering)
        if term in s and not any(_term_regex(o, lang).search(t) for o in options):
            yield "glossary", f"term {term} should be rendered {' or '.join(map(repr, options))}"


def _chinese(src, tgt, *, lang, **_):
    if base_language(lang) in HAN_LANGS:
        return
    left = HAN_RE.findall(_literal(tgt))
    if left:
        yield "chinese", f"Chinese text left in the translation: {' '.join(left)}"


def _identical(src, tgt, *, lang, source_lang, **_):
    # Same language in another script (zh-Hans -> zh-Hant): text without simplified-only
    # characters is rightly identical; "simplified" reports the rest.
    if tgt == src and base_language(lang) != base_language(source_lang) and re.search(r"[^\W\d_]", _literal(src)):
        yield "identical", "translation is identical to the source"


def _simplified(src, tgt, *, lang, **_):
    convs = [c for c in map(_converter, TRADITIONAL.get(bcp47(lang).lower(), ())) if c]
    if not convs:
        return
    text = _literal(tgt)
    left = None
    for conv in convs:
        changed = {a for a, b in zip(text, conv.convert(text)) if a != b}
        left = changed if left is None else left & changed
    if left:
        yield "simplified", f"simplified characters left: {''.join(sorted(left))} (OpenCC: {convs[0].convert(text).strip()!r})"


_CONVERTERS: dict = {}


def _converter(name: str | None):
    if name is None:
        return None
    if name not in _CONVERTERS:
        try:
            import opencc
            _CONVERTERS[name] = opencc.OpenCC(name)
        except (ImportError, Exception):  # opencc is in the "mt" extra; without it, skip
            _CONVERTERS[name] = None
    return _CONVERTERS[name]


def _whitespace(src, tgt, **_):
    for side, a, b in (("leading", src[:1], tgt[:1]), ("trailing", src[-1:], tgt[-1:])):
        if a.isspace() != b.isspace():
            yield "whitespace", f"{side} whitespace differs from the source"


def _repeats(text: str, lang: str) -> list[str]:
    if base_language(lang) in CJK_LANGS:
        # Reduplication is grammar in Chinese (常常, 研究研究); loops repeat 3 times or more.
        return [m.group(0) for m in re.finditer(r"([^\W\d_]{2,12}?)\1{2,}|([^\W\d_])\2{3,}", text)]
    # (word, clause number): a doubled word counts within a clause ("the the"); a phrase
    # across punctuation only when it comes three times ("border control, border control, ...").
    words, clause = [], 0
    for m in re.finditer(r"([^\W\d_]+(?:['’-][^\W\d_]+)*)|([.,;:!?…،؛؟])", text):
        if m.group(2):
            clause += 1
        else:
            words.append((m.group(1).lower(), clause))
    ok = DOUBLE_OK.get(base_language(lang), set())
    out, i = [], 0
    while i < len(words):
        for n in range(1, 7):
            unit = [w for w, _ in words[i:i + n]]
            k = 1
            while [w for w, _ in words[i + k * n:i + (k + 1) * n]] == unit:
                k += 1
            same_clause = words[i][1] == words[min(i + k * n, len(words)) - 1][1]
            if k >= 3 or (k == 2 and same_clause and not (n == 1 and unit[0] in ok)):
                out.append(" ".join(unit) + (f" (x{k})" if k > 2 else " " + " ".join(unit)))
                i += k * n - 1
                break
        i += 1
    return out


def _repeat(src, tgt, *, lang, source_lang, **_):
    found = _repeats(placeholders.plain_text(tgt), lang)
    if base_language(lang) in CJK_LANGS and base_language(source_lang) in CJK_LANGS:
        if len(found) <= len(_repeats(placeholders.plain_text(src), source_lang)):
            return
    for r in found:
        yield "repeat", f"repeated: {r!r}"


def _length(src, tgt, *, lang, source_lang, **_):
    s = len(placeholders.plain_text(src).strip())
    t = len(placeholders.plain_text(tgt).strip())
    if s < LENGTH_MIN_SOURCE or not t:
        return
    low, high = (LENGTH_RATIO_FROM_ZH.get(base_language(lang), LENGTH_RATIO_DEFAULT)
                 if base_language(source_lang) == "zh" else LENGTH_RATIO_DEFAULT)
    ratio = t / s
    if ratio < low:
        yield "length", f"translation is short: {t} characters for {s} ({ratio:.2f}, expected >= {low})"
    elif ratio > high:
        yield "length", f"translation is long: {t} characters for {s} ({ratio:.2f}, expected <= {high})"


def _end_class(text: str) -> tuple[str | None, str]:
    text = text.rstrip(" \t\n\u00a0\u3000" + "".join(CLOSERS) + "」』）》】")
    if text.endswith("...") or text.endswith("……"):
        return "ellipsis", text[-3:]
    last = text[-1:]
    for name, marks in END_CLASSES.items():
        if last and last in marks:
            return name, last
    return None, ""


def _end_punct(src, tgt, **_):
    (a, a_mark), (b, b_mark) = _end_class(_literal(src)), _end_class(_literal(tgt))
    if a != b:
        want = f"{a_mark!r} ({a})" if a else "no final punctuation"
        got = f"{b_mark!r} ({b})" if b else "none"
        yield "end-punct", f"source ends with {want}, translation with {got}"


def _fullwidth(src, tgt, *, lang, **_):
    if base_language(lang) in CJK_LANGS:
        return
    marks = sorted({c for c in _literal(tgt) if c in FULLWIDTH_PUNCT or 0xFF01 <= ord(c) <= 0xFF0F})
    if marks:
        yield "fullwidth", f"full-width punctuation {' '.join(marks)} in the translation"


RULES = (_placeholders, _unsafe, _empty, _chinese, _number, _urls_emails, _glossary,
         _identical, _simplified, _whitespace, _repeat, _length, _end_punct, _fullwidth)
