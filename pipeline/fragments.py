"""Protecting placeholders and glossary terms through MT: a msgid becomes plain-text fragments.

The engine only ever sees the text between placeholders, cut again at glossary terms; the
placeholders (in source order) and the glossary's target terms are put back around the
translated fragments. So no MT output can lose, invent or reorder a placeholder, and every
glossary term appears exactly as the glossary says. The price is that the model translates
clauses rather than whole sentences where a sentence has inline markup or a term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .placeholders import Tag, escape, problems, tokenize

# Chinese punctuation in text kept as is, written for Latin-script targets.
LATIN_PUNCT = str.maketrans({"，": ", ", "、": ", ", "。": ". ", "：": ": ", "；": "; ", "！": "! ",
                             "？": "? ", "（": " (", "）": ") ", "“": '"', "”": '"', "‘": "'",
                             "’": "'", "《": '"', "》": '"', "【": "[", "】": "]", "—": "-"})
SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:!?)\]])")
SPACE_AFTER_OPEN = re.compile(r"([(\[]) +")
SPACES = re.compile(r"\s+")
# Where pieces that touched in the source meet: these end and start words in Latin text.
LEFT_WORD, RIGHT_WORD = frozenset(",.;:!?)]%"), frozenset("(")


@dataclass(frozen=True)
class Part:
    """One piece of a planned sentence: kind is "tag", "keep" (no letters), "mt" or "term"."""

    kind: str
    text: str  # tag string, kept text, fragment to translate, or the term's target
    lead: str = ""  # whitespace around the text in the source
    trail: str = ""
    source: str = ""  # for a term: the source term


def plan(msgid: str, terms: list[tuple[str, str]]) -> list[Part]:
    """Cut a msgid into placeholders, glossary terms and fragments for the engine.

    ``terms`` are (source, target) pairs; the longest term wins where several match.
    """
    ordered = sorted(terms, key=lambda t: (-len(t[0]), t[0]))
    parts: list[Part] = []
    for tok in tokenize(msgid):
        if isinstance(tok, Tag):
            parts.append(Part("tag", str(tok)))
            continue
        for is_term, text, target in _cut_terms(tok, ordered):
            if is_term:
                parts.append(Part("term", target, source=text))
                continue
            core = text.strip()
            lead = text[: len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()):]
            if not core:
                parts.append(Part("keep", "", lead=text))
            elif any(ch.isalpha() for ch in core):
                parts.append(Part("mt", core, lead, trail))
            else:
                parts.append(Part("keep", core, lead, trail))
    return parts


def _cut_terms(text: str, terms: list[tuple[str, str]]):
    start = i = 0
    while i < len(text):
        for src, tgt in terms:
            if text.startswith(src, i):
                if i > start:
                    yield False, text[start:i], ""
                yield True, src, tgt
                i += len(src)
                start = i
                break
        else:
            i += 1
    if start < len(text):
        yield False, text[start:], ""


def fragments(parts: list[Part]) -> list[str]:
    """The texts the engine must translate."""
    return [p.text for p in parts if p.kind == "mt"]


def assemble(msgid: str, parts: list[Part], translated: dict[str, str], *, latin: bool) -> tuple[str, list[str]]:
    """Put a planned sentence back together; returns (msgstr, problems).

    ``latin``: the target separates words with spaces, so pieces that touched in the source
    are spaced and Chinese punctuation is written the Latin way.
    """
    pieces: list[tuple[str, str]] = []  # (kind, escaped text) with kind "tag" or "text"
    for p in parts:
        if p.kind == "tag":
            pieces.append(("tag", p.text))
            continue
        body = translated[p.text] if p.kind == "mt" else p.text
        body = SPACES.sub(" ", body).strip()
        if latin and p.kind == "keep":
            body = body.translate(LATIN_PUNCT).strip()
        lead, trail = (" " if p.lead else ""), (" " if p.trail else "")
        pieces.append(("text", escape(lead + body + trail)))
    if latin:
        pieces = _space_words(pieces)
    out = "".join(text for _, text in pieces)
    if latin:
        out = SPACE_AFTER_OPEN.sub(r"\1", SPACE_BEFORE_PUNCT.sub(r"\1", SPACES.sub(" ", out)))
    out = out.strip()
    found = problems(msgid, out)
    if not tokenize(out) or not any(isinstance(t, str) and t.strip() for t in tokenize(out)):
        found.append("no text")
    return out, found


def _space_words(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Insert a space where two words meet across placeholders or terms, outside paired tags."""
    out = list(pieces)
    prev_text = None  # index of the last text piece
    i = 0
    while i < len(out):
        kind, text = out[i]
        if kind == "text" and text:
            if prev_text is not None:
                left = out[prev_text][1]
                if left and text and (left[-1].isalnum() or left[-1] in LEFT_WORD) and (
                        text[0].isalnum() or text[0] in RIGHT_WORD):
                    between = [t for _, t in out[prev_text + 1 : i]]
                    if between and all(t.startswith("<") and not t.startswith("</") and not t.endswith("/>") for t in between):
                        out[prev_text] = ("text", left + " ")
                    else:
                        out[i] = ("text", " " + text)
            prev_text = i
        i += 1
    return out
