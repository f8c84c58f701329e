"""The ``pipeline`` command: parses options, calls one stage, prints what it returns."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__, config
from .errors import PipelineError
from .files import project_lock


class Obj:
    """The global options, for the commands to load the configuration with their own overrides."""

    def __init__(self, root: Path, overrides: dict, wait: float):
        self.root, self.overrides, self.wait = root, overrides, wait

    def cfg(self, **more) -> config.Config:
        return config.load(self.root, **{**self.overrides, **more})


def _print_result(result, verb: str = "wrote") -> None:
    for path in result.written:
        click.echo(f"{verb} {path}")
    for msg in result.messages:
        click.echo(msg, err=True)
    if result.counts:
        click.echo(", ".join(f"{k}: {v}" for k, v in result.counts.items()))
    if result.unchanged and not result.written:
        click.echo(f"{len(result.unchanged)} file(s) already up to date")


class PipelineGroup(click.Group):
    """Turns PipelineError into ``Error: ...`` and exit status 1, without a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PipelineError as e:
            click.echo(f"Error: {e}", err=True)
            ctx.exit(1)
        except OSError as e:
            # A disk problem no stage anticipated: still one line naming the file, no traceback.
            where = f"{e.filename}: " if e.filename else ""
            click.echo(f"Error: {where}{e.strerror or e}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted; finished work is saved.", err=True)
            ctx.exit(130)


lang_option = click.option("--lang", "-l", "langs", multiple=True, metavar="L",
                           help="Target language (repeatable); default: all configured.")


@click.group(cls=PipelineGroup)
@click.version_option(__version__, prog_name="pipeline")
@click.option("--project", "-C", type=click.Path(file_okay=False, path_type=Path), default=".",
              help="Project folder (with pyproject.toml).")
@click.option("--source-dir", help="Folder of source HTML documents.")
@click.option("--locales-dir", help="Folder of POT/PO catalogs.")
@click.option("--site-dir", help="Folder the editions are built into.")
@click.option("--source-language", help="Language of the source documents (BCP 47).")
@click.option("--wait", type=float, default=0.0, help="Seconds to wait for another run's lock.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
              help="Worker processes for documents (0: one per CPU; 1: no pool).")
@click.pass_context
def main(ctx, project, source_dir, locales_dir, site_dir, source_language, wait, jobs):
    """Offline translation and publication pipeline."""
    ctx.obj = Obj(project, dict(source_dir=source_dir, locales_dir=locales_dir,
                                site_dir=site_dir, source_language=source_language, jobs=jobs), wait)


@main.command()
@click.pass_obj
def extract(obj):
    """Write locales/<doc>.pot for every source/<doc>.html."""
    from .extract import extract as run

    cfg = obj.cfg()
    with project_lock(cfg.root, wait=obj.wait):
        _print_result(run(cfg))


@main.command()
@lang_option
@click.pass_obj
def update(obj, langs):
    """Create or merge locales/<L>/LC_MESSAGES/<doc>.po from the templates."""
    from .update import update as run

    cfg = obj.cfg()
    with project_lock(cfg.root, wait=obj.wait):
        _print_result(run(cfg, config.with_languages(cfg, langs)))


@main.command()
@lang_option
@click.option("--engine", default=None, metavar="NAME",
              help="argos (machine translation) or opencc (zh-Hant script conversion).")
@click.option("--refresh", is_flag=True, help="Redo machine output that nobody has edited.")
@click.option("--beam-size", type=int, help="Beam size (1: greedy).")
@click.option("--compute-type", help="CTranslate2 compute type: int8, float32, int8_float16, ...")
@click.option("--device", help="cpu or cuda.")
@click.option("--threads", type=int, help="CPU threads per translation (0: CTranslate2 picks).")
@click.pass_obj
def translate(obj, langs, engine, refresh, beam_size, compute_type, device, threads):
    """Fill untranslated entries with translation memory, then machine translation (fuzzy)."""
    from .translate import translate as run

    cfg = obj.cfg(beam_size=beam_size, compute_type=compute_type, device=device, threads=threads)
    bars: dict = {}

    def progress(lang, done, total):
        if lang not in bars:
            bars[lang] = click.progressbar(length=total, label=f"translating {lang}",
                                           show_eta=True, file=sys.stderr)
        bar = bars[lang]
        bar.update(done - bar.pos)
        if done >= total:
            bar.render_finish()

    with project_lock(cfg.root, wait=obj.wait):
        try:
            result = run(cfg, config.with_languages(cfg, langs), engine=engine, refresh=refresh,
                         progress=progress if sys.stderr.isatty() else None)
        finally:
            for bar in bars.values():
                if bar.pos < bar.length:
                    bar.render_finish()
    _print_result(result)


@main.group()
def models():
    """Argos Translate model packages."""


@models.command("list")
def models_list():
    """Installed packages (and those of the cached Argos index)."""
    from .models import list_models

    rows = list_models()
    if not rows:
        click.echo("no Argos packages installed; use `pipeline models install SRC TGT` or "
                   "`pipeline models add FILE.argosmodel`")
    for m in rows:
        state = m.where if m.installed else "available"
        click.echo(f"{m.from_code} -> {m.to_code}\t{m.name}\t{m.version}\t{state}")


@models.command("install")
@click.argument("src")
@click.argument("tgt")
def models_install(src, tgt):
    """Download and install the package SRC -> TGT from the Argos index."""
    from .models import install

    m = install(src, tgt)
    click.echo(f"installed {m.name} {m.version} ({m.from_code} -> {m.to_code}) in {m.where}")


@models.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def models_add(file):
    """Install a downloaded .argosmodel file."""
    from .models import add

    m = add(file)
    click.echo(f"installed {m.name} {m.version} ({m.from_code} -> {m.to_code}) in {m.where}")


@main.command()
@lang_option
@click.option("--include-unreviewed", is_flag=True,
              help="Also use machine and fuzzy translations; the editions say so.")
@click.option("--threshold", type=float, metavar="N",
              help="Percent of reviewed segments an edition needs to be published (default 80).")
@click.pass_obj
def build(obj, langs, include_unreviewed, threshold):
    """Write the published editions, index.html and sitemap.xml into site/."""
    from .build import build as run

    cfg = obj.cfg(threshold=threshold)
    with project_lock(cfg.root, wait=obj.wait):
        _print_result(run(cfg, langs=config.with_languages(cfg, langs) if langs else (),
                          include_unreviewed=include_unreviewed))


@main.command()
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.pass_obj
def serve(obj, port):
    """Preview site/ on http://127.0.0.1:PORT/ (Ctrl-C to stop)."""
    from .build import serve as run

    try:
        run(obj.cfg(), port=port, ready=lambda url: click.echo(f"serving site/ on {url} (Ctrl-C to stop)"))
    except KeyboardInterrupt:
        click.echo("stopped")


# --- review and quality assurance (status, check, review, report, xliff) ---------------------

def _default_reviewer() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (containers): the reviewer must give one
        return ""


@main.command()
@lang_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def status(obj, langs, as_json):
    """Entries per review state, per language and document."""
    import json

    from .status import status as run, table

    cfg = obj.cfg()
    rows = run(cfg, config.with_languages(cfg, langs))
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
    else:
        click.echo(table(rows))


@main.command()
@lang_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def check(ctx, langs, as_json):
    """QA of every translation; exit status 1 when any error is found."""
    import dataclasses
    import json

    from .check import check as run, summary

    cfg = ctx.obj.cfg()
    findings = run(cfg, config.with_languages(cfg, langs))
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(f) for f in findings], ensure_ascii=False, indent=2))
    else:
        for f in findings:
            click.echo(f"{f.where}: {f.severity}: {f.code}: {f.message}")
            click.echo(f"    {f.msgid}")
        n = summary(findings)
        click.echo(f"{n['errors']} error(s), {n['warnings']} warning(s)", err=True)
    if any(f.severity == "error" for f in findings):
        ctx.exit(1)


@main.command()
@click.option("--lang", "-l", "lang", required=True, metavar="L", help="Target language.")
@click.option("--reviewer", envvar="PIPELINE_REVIEWER", default=_default_reviewer,
              help="Name recorded as `reviewed-by:` (env PIPELINE_REVIEWER; default: login name).")
@click.pass_obj
def review(obj, lang, reviewer):
    """Review unreviewed entries one by one, lowest MT score first; each decision is saved at once."""
    from .review import Decision, format_item, review as run

    cfg = obj.cfg()
    (lang,) = config.with_languages(cfg, (lang,))

    def decide(item):
        click.echo()
        click.echo(format_item(item))
        key = click.prompt("[a]ccept [e]dit [s]kip [q]uit", type=click.Choice(["a", "e", "s", "q"]),
                           show_choices=False)
        if key != "e":
            return Decision({"a": "accept", "s": "skip", "q": "quit"}[key])
        text = click.prompt("new translation (empty: open $EDITOR)", default="", show_default=False)
        if not text:
            text = click.edit(item.translation) or ""
        return Decision("edit", text)

    with project_lock(cfg.root, wait=obj.wait):
        result = run(cfg, lang, decide=decide, reviewer=reviewer)
    _print_result(result)


@main.command()
@lang_option
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the reports (default: reports/ in the project).")
@click.pass_obj
def report(obj, langs, output):
    """Write a bilingual HTML report per language (reports/<L>.html, reports/index.html)."""
    from .report import report as run

    cfg = obj.cfg()
    with project_lock(cfg.root, wait=obj.wait):
        _print_result(run(cfg, config.with_languages(cfg, langs), out_dir=output))


@main.group()
def xliff():
    """Exchange catalogs with CAT tools as XLIFF 1.2."""


@xliff.command("export")
@click.option("--lang", "-l", "lang", required=True, metavar="L", help="Target language.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="XLIFF file to write (default: xliff/<L>.xlf in the project; - for stdout).")
@click.pass_obj
def xliff_export(obj, lang, output):
    """Write every catalog of a language into one XLIFF file."""
    from .xliff import export, export_file

    cfg = obj.cfg()
    (lang,) = config.with_languages(cfg, (lang,))
    if str(output) == "-":
        click.echo(export(cfg, lang).decode("utf-8"), nl=False)
        return
    with project_lock(cfg.root, wait=obj.wait):
        path = export_file(cfg, lang, output)
    click.echo(f"wrote {path}")


@xliff.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reviewer", envvar="PIPELINE_REVIEWER", default=_default_reviewer,
              help="Name recorded as `reviewed-by:` for units approved in the file.")
@click.pass_obj
def xliff_import(obj, file, reviewer):
    """Apply translations and review states from an XLIFF file; any problem writes nothing."""
    from .xliff import import_file

    cfg = obj.cfg()
    with project_lock(cfg.root, wait=obj.wait):
        _print_result(import_file(cfg, file, reviewer=reviewer))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
