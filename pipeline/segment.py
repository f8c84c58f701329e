"""The plain data types that flow between stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Segment:
    """One translatable sentence of a source document.

    ``msgid`` is the sentence with inline markup replaced by numbered placeholders
    (``<1>…</1>``, ``<2/>``); it is also the segment's identity in the catalogs.
    """

    msgid: str
    path: str  # source path relative to the project, e.g. "source/article.html"
    line: int
    context: str  # where it sits, e.g. '<li> in "结语"'
    notes: tuple[str, ...] = ()  # data-l10n-note / its-loc-note
    placeholders: tuple[str, ...] = ()  # legend, e.g. ("<1> = <strong>",)


_new = object.__new__


def new_segment(msgid: str, path: str, line: int, context: str, notes: tuple[str, ...] = (),
                placeholders: tuple[str, ...] = ()) -> Segment:
    """``Segment(...)``, several times faster: a frozen dataclass's ``__init__`` sets each
    field through ``object.__setattr__``; extract makes one segment per sentence."""
    s = _new(Segment)
    d = s.__dict__
    d["msgid"], d["path"], d["line"], d["context"] = msgid, path, line, context
    d["notes"], d["placeholders"] = notes, placeholders
    return s


@dataclass(frozen=True)
class Finding:
    """A problem found in a catalog or source: severity is "error" or "warning"."""

    severity: str
    where: str  # "locales/en/LC_MESSAGES/article.po:12"
    code: str
    message: str
    msgid: str = ""


@dataclass
class Result:
    """What a stage did: file counts and per-file details, for the CLI to print."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n
