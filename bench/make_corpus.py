"""Generate the benchmark corpus: article-size Chinese HTML pages recombined from the real
paragraphs of source/article.html (deterministic: a fixed seed, one random stream per page).

    python bench/make_corpus.py [--pages 400] [--out bench/corpus]
"""

from __future__ import annotations

import argparse
import html
import random
import re
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240611
# Inline markup wrapped around a phrase of a sentence, as (open, close) with a {n} slot.
INLINE = [
    ('<a href="https://example.org/news/{n}.html">', "</a>"),
    ("<strong>", "</strong>"),
    ("<em>", "</em>"),
    ('<a href="/topics/{n}" title="相关报道">', "</a>"),
    ("<code>", "</code>"),
]
CODE_SNIPPETS = [
    "def count_cases(records):\n    return sum(1 for r in records if r.closed)\n",
    "SELECT region, COUNT(*) FROM cases\nWHERE year = 2023\nGROUP BY region;\n",
    "curl -s https://example.org/api/v1/reports?page=2 | jq '.items[] | .title'\n",
]


def material(source: Path) -> tuple[list[str], list[str]]:
    """(sentences, headings) of the seed article."""
    tree = lxml.html.fromstring(source.read_bytes().decode("utf-8"))
    sentences: list[str] = []
    for el in tree.iter("p", "li", "dd", "dt"):
        text = re.sub(r"\s+", " ", el.text_content()).strip()
        sentences += [s for s in re.findall(r"[^。！？]+[。！？]?", text) if len(s.strip()) > 6]
    headings = [re.sub(r"\s+", " ", h.text_content()).strip() for h in tree.iter("h1", "h2")]
    return sentences, headings


def decorate(rng: random.Random, sentence: str, n: int) -> str:
    """Escape a sentence and, sometimes, wrap one phrase of it in inline markup."""
    if rng.random() < 0.45 and len(sentence) > 12:
        a = rng.randrange(0, len(sentence) - 8)
        b = a + rng.randrange(2, 7)
        open_, close = rng.choice(INLINE)
        return (html.escape(sentence[:a]) + open_.format(n=n) + html.escape(sentence[a:b]) + close
                + html.escape(sentence[b:]))
    return html.escape(sentence)


def paragraph(rng: random.Random, sentences: list[str], n: int) -> str:
    picked = rng.sample(sentences, rng.randint(2, 5))
    return "".join(decorate(rng, s, n * 10 + i) for i, s in enumerate(picked))


def page(i: int, sentences: list[str], headings: list[str]) -> str:
    rng = random.Random(SEED * 1000 + i)
    title = f"{rng.choice(headings)}(第{i + 1}期)"
    desc = html.escape("".join(rng.sample(sentences, 2)))
    body: list[str] = [
        f'<h1>{html.escape(title)}</h1>',
        f'<p class="lead"><strong>导语:</strong> {paragraph(rng, sentences, 0)}</p>',
    ]
    for s in range(rng.randint(4, 6)):
        body.append(f'<section id="s{s + 1}">\n<h2>{html.escape(rng.choice(headings))}</h2>')
        for k in range(rng.randint(2, 3)):
            body.append(f"<p>{paragraph(rng, sentences, s * 10 + k)}</p>")
        kind = s % 4
        if kind == 0:
            items = "\n".join(f"<li><strong>要点{j + 1}:</strong> {decorate(rng, x, j)}</li>"
                              for j, x in enumerate(rng.sample(sentences, rng.randint(3, 5))))
            kind_list = rng.choice(("ul", "ol"))
            body.append(f"<{kind_list}>\n{items}\n</{kind_list}>")
        elif kind == 1:
            alt = html.escape(rng.choice(sentences).rstrip("。"))
            body.append(f'<figure>\n<img src="/img/{i}-{s}.jpg" alt="{alt}" width="640" height="360">\n'
                        f"<figcaption>{decorate(rng, rng.choice(sentences), s)}</figcaption>\n</figure>")
        elif kind == 2:
            rows = "\n".join(
                f"<tr><td>{2019 + r}</td><td>{rng.randint(100, 9999)}</td>"
                f"<td>{html.escape(rng.choice(sentences)[:18])}</td></tr>" for r in range(4))
            body.append('<table>\n<caption>近年来查处案件情况</caption>\n'
                        f"<thead><tr><th>年份</th><th>案件数</th><th>说明</th></tr></thead>\n"
                        f"<tbody>\n{rows}\n</tbody>\n</table>")
        else:
            body.append(f"<p>数据可以用下面的脚本统计, 例如 <code>count_cases()</code>。</p>\n"
                        f"<pre><code>{html.escape(rng.choice(CODE_SNIPPETS))}</code></pre>")
        body.append("</section>")
    body.append(f'<footer>\n<p class="closing">{decorate(rng, rng.choice(sentences), 99)}</p>\n</footer>')
    return ("<!DOCTYPE html>\n<html lang=\"zh-Hans\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<meta name=\"description\" content=\"{desc}\">\n"
            "</head>\n<body>\n<article>\n" + "\n".join(body) + "\n</article>\n</body>\n</html>\n")


def make(out: Path, pages: int = 400, *, source: Path = ROOT / "source" / "article.html") -> list[Path]:
    """Write ``pages`` documents into ``out`` (created); returns their paths."""
    sentences, headings = material(source)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(pages):
        p = out / f"article-{i:04d}.html"
        p.write_text(page(i, sentences, headings), encoding="utf-8")
        paths.append(p)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "corpus")
    args = ap.parse_args()
    make(args.out, args.pages)
    print(f"wrote {args.pages} pages into {args.out}")


if __name__ == "__main__":
    main()
