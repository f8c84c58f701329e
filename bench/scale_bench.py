"""Corpus-scale benchmark: Translate Toolkit's html2po + po2html and this pipeline's
extract + update + build (one language, empty catalog), on the same pages in one run.

    python bench/scale_bench.py [--pages 400] [--repeat 5] [--check]

It generates the corpus (bench/make_corpus.py) when missing, then measures:
  1. the full run, both tools side by side (best of --repeat, interleaved), and the ratio;
  2. a re-run with nothing changed: time, documents and catalogs parsed, files rewritten;
  3. one article changed: what is parsed and rewritten again;
  4. peak RSS of the full run for --small pages and for --pages pages;
  5. a serial run (--jobs 1) against the parallel one: the two trees must be byte-identical.
Each tool runs in a fresh Python process. "work" is timed inside it, after its imports, by
calling the tool's own entry points (html2po.main and po2html.main; the stage functions
behind `pipeline extract`, `update` and `build`); "process" is the whole process from
outside, interpreter start-up and imports included. Targets are judged on "work".
With --check the exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_corpus  # noqa: E402  (a sibling script, not a package)

TARGET_RATIO = 3.0
TARGET_RERUN = 20.0
LANG = "en"
# Fixed dates in every catalog, so that two runs can be compared byte for byte.
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "PYTHONDONTWRITEBYTECODE": "1"}
PYPROJECT = f"""[tool.pipeline]
source_language = "zh-Hans"
target_languages = ["{LANG}"]
threshold = 0.0  # publish the edition of an empty catalog too: the work po2html does
"""


def project(folder: Path, pages: list[Path]) -> Path:
    """A fresh pipeline project holding copies of ``pages``."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "source").mkdir(parents=True)
    (folder / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    for p in pages:
        shutil.copyfile(p, folder / "source" / p.name)
    return folder


def measure(kind: str, *args: str, counts: Path | None = None) -> dict:
    """Run one tool in a fresh process (see :func:`child`); what it measured, plus "process"."""
    env = dict(ENV, BENCH_COUNTS=str(counts)) if counts else ENV
    # The set-up just deleted the previous run's files and copied the pages: let the kernel
    # write that out first, or its disk work lands in whichever tool runs next.
    os.sync()
    t = time.perf_counter()
    r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", kind, *args],
                       env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode:
        sys.exit(f"{kind} {' '.join(args)} failed:\n{r.stdout}{r.stderr}")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["process"] = wall
    out["work"] = sum(w for _, w, _ in out["stages"])
    return out


def snapshot(proj: Path) -> dict[str, tuple]:
    """(inode, mtime, size) of every output file: a rewrite changes the inode (atomic rename)."""
    out = {}
    for sub in ("locales", "site"):
        for p in sorted((proj / sub).rglob("*")):
            if p.is_file():
                st = p.stat()
                out[p.relative_to(proj).as_posix()] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def contents(proj: Path) -> dict[str, str]:
    """Hash of every output file, by path."""
    return {p.relative_to(proj).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for sub in ("locales", "site") for p in sorted((proj / sub).rglob("*")) if p.is_file()}


def read_counts(path: Path) -> dict[str, list[str]]:
    """What the instrumented run parsed: {"html": [paths], "catalog": [paths]} (distinct)."""
    found: dict[str, list[str]] = {"html": [], "catalog": []}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            kind, where = line.split(" ", 1)
            if where not in found[kind]:
                found[kind].append(where)
        path.unlink()
    return found


def row(name: str, work: float, cpu: float, process: float | None = None) -> str:
    return f"  {name:30} {work:8.2f} {cpu:8.2f} {'' if process is None else f'{process:9.2f}'}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--small", type=int, default=100, help="the smaller corpus for peak RSS")
    ap.add_argument("--repeat", type=int, default=5, help="full runs per tool (best is kept)")
    ap.add_argument("--corpus", type=Path, default=HERE / "corpus")
    ap.add_argument("--work", type=Path, default=HERE / "out", help="where the runs write")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args()
    if sys.platform == "win32":
        sys.exit("the benchmark needs a POSIX system (resource, fork)")

    pages = sorted(args.corpus.glob("*.html"))[: args.pages]
    if len(pages) < args.pages:
        make_corpus.make(args.corpus, args.pages)
        pages = sorted(args.corpus.glob("*.html"))[: args.pages]
    from translate.__version__ import sver as tt_version

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"corpus: {len(pages)} pages, {sum(p.stat().st_size for p in pages) / 1e6:.1f} MB of HTML; "
          f"machine: {cpus} CPUs ({platform.machine()}), Python {platform.python_version()}, "
          f"Translate Toolkit {tt_version}; runs in {args.work}")
    work = args.work
    counts = work / "counts.txt"

    # 1. Full runs, interleaved so that both tools see the same machine load. Every run gets
    # folders of its own, all made before the first is timed and removed after the last: a copy
    # between two timed runs is disk work that would land in whichever run comes next, and
    # after a mass deletion creating files costs several times more kernel time for a minute or
    # more (ext4 without a journal skips recently freed inodes; see the README).
    runs = work / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    src = project(runs / "tt-src", pages) / "source"
    folders = [(runs / f"tt-{i}", project(runs / f"pipeline-{i}", pages)) for i in range(args.repeat)]
    os.sync()
    tt = pl = proj = None
    for tt_out, pl_proj in folders:
        tt_out.mkdir()
        t = measure("tt", str(src), str(tt_out))
        p = measure("pipeline", str(pl_proj))
        tt = t if tt is None or t["work"] < tt["work"] else tt
        if pl is None or p["work"] < pl["work"]:
            pl, proj = p, pl_proj
    print(f"\nfull run, seconds ({'best of ' + str(args.repeat) if args.repeat > 1 else 'one run'})"
          f"{'work':>11} {'cpu':>8} {'process':>9}")
    for name, w, c in tt["stages"]:
        print(row(f"Translate Toolkit {name}", w, c))
    print(row("= Translate Toolkit", tt["work"], sum(c for *_, c in tt["stages"]), tt["process"]))
    for name, w, c in pl["stages"]:
        print(row(f"pipeline {name}", w, c))
    print(row("= pipeline", pl["work"], sum(c for *_, c in pl["stages"]), pl["process"]))
    ratio = tt["work"] / pl["work"]
    ok = {"ratio": ratio >= TARGET_RATIO}
    print(f"  pipeline faster than Translate Toolkit: {ratio:.2f}x work, "
          f"{tt['process'] / pl['process']:.2f}x process (target >= {TARGET_RATIO:g}x)")

    # 5. Serial against parallel (before the edits below change the parallel project).
    serial = project(work / "serial", pages)
    s = measure("pipeline", str(serial), "1")
    same = contents(serial) == contents(proj)
    ok["identical"] = same
    print(f"\nserial (--jobs 1): {s['work']:.2f} s work; parallel ({cpus} jobs): {pl['work']:.2f} s; "
          f"{len(contents(proj))} output files byte-identical: {'yes' if same else 'NO'}")

    # 2. Nothing changed.
    before = snapshot(proj)
    rerun = min((measure("pipeline", str(proj), counts=counts) for _ in range(args.repeat)),
                key=lambda r: r["work"])
    parsed = read_counts(counts)
    rewritten = [k for k, v in snapshot(proj).items() if before.get(k) != v]
    speed = pl["work"] / rerun["work"]
    ok["rerun"] = speed >= TARGET_RERUN and not rewritten and not any(parsed.values())
    print(f"\nre-run, nothing changed: {rerun['work']:.3f} s work ({rerun['process']:.2f} s process), "
          f"{speed:.0f}x faster than the full run (target >= {TARGET_RERUN:g}x); documents parsed: "
          f"{len(parsed['html'])}, catalogs parsed: {len(parsed['catalog'])}, files rewritten: {len(rewritten)}")

    # 3. One article changed.
    changed = proj / "source" / pages[len(pages) // 2].name
    changed.write_text(changed.read_text(encoding="utf-8").replace(
        "</article>", "<p>本文已于今日更新。</p>\n</article>"), encoding="utf-8")
    before = snapshot(proj)
    one = measure("pipeline", str(proj), counts=counts)
    parsed = read_counts(counts)
    rewritten = [k for k, v in snapshot(proj).items() if before.get(k) != v]
    touched = parsed["html"] + parsed["catalog"] + rewritten
    ok["one"] = bool(rewritten) and all(Path(p).stem == changed.stem for p in touched)
    print(f"one article changed ({changed.name}): {one['work']:.3f} s work; documents parsed: "
          f"{parsed['html']}; catalogs parsed: {parsed['catalog']}; files rewritten: {rewritten}")

    # 4. Memory as the corpus grows.
    small = measure("pipeline", str(project(work / "small", pages[: args.small])))["rss"]
    large = pl["rss"]
    ok["memory"] = large <= small * 1.25
    print(f"\npeak RSS (largest process of a full run): {args.small} pages {small / 1024:.0f} MB, "
          f"{len(pages)} pages {large / 1024:.0f} MB ({large / small:.2f}x; Translate Toolkit "
          f"{tt['rss'] / 1024:.0f} MB)")

    shutil.rmtree(runs, ignore_errors=True)
    missed = [k for k, v in ok.items() if not v]
    print("\ntargets: " + ("all met" if not missed else "MISSED: " + ", ".join(missed)))
    return 1 if args.check and missed else 0


def child(kind: str, *args: str) -> None:
    """Import one tool, then time its stages; prints JSON: stages [name, wall, cpu], rss (KiB).

    With $BENCH_COUNTS set, every document and catalog the pipeline parses (in this process
    or a worker) is appended to that file.
    """
    if kind == "tt":
        from translate.convert import html2po, po2html

        src, out = args
        steps = [("html2po", lambda: html2po.main(["--progress=none", "-i", src, "-o", f"{out}/po"])),
                 ("po2html", lambda: po2html.main(["--progress=none", "-i", f"{out}/po", "-t", src,
                                                   "-o", f"{out}/html"]))]
    else:
        from pipeline import build, catalog, config, document, extract, update

        path = os.environ.get("BENCH_COUNTS")
        if path:
            def counting(kind, fn):
                def wrapper(*a, **kw):
                    with open(path, "a", encoding="utf-8") as f:
                        f.write(f"{kind} {a[1]}\n")
                    return fn(*a, **kw)
                return wrapper

            document.parse = counting("html", document.parse)
            catalog.load = counting("catalog", catalog.load)
        cfg = config.load(args[0], jobs=int(args[1]) if len(args) > 1 else None)
        steps = [("extract", lambda: extract.extract(cfg)),
                 (f"update -l {LANG}", lambda: update.update(cfg, (LANG,))),
                 (f"build -l {LANG}", lambda: build.build(cfg, langs=(LANG,)))]
    stages = []
    for name, fn in steps:
        before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        fn()
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))
        stages.append((name, wall, cpu))
    # VmHWM, not RUSAGE_SELF: Linux carries ru_maxrss over exec, so that would count the
    # benchmark process this one was started from. Workers are forks of this process.
    status = Path("/proc/self/status")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if status.exists():
        own = next(int(line.split()[1]) for line in status.read_text().splitlines()
                   if line.startswith("VmHWM:"))
    rss = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"stages": stages, "rss": rss}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:])
    else:
        sys.exit(main())
