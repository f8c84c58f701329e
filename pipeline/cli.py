"""The ``pipeline`` command: parses options, calls one stage, prints what it returns."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__, config
from .errors import PipelineError
from .files import project_lock


class Obj:
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
@click.pass_context
def main(ctx, project, source_dir, locales_dir, site_dir, source_language, wait):
    """Offline translation and publication pipeline."""
    ctx.obj = Obj(project, dict(source_dir=source_dir, locales_dir=locales_dir,
                                site_dir=site_dir, source_language=source_language), wait)


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
