"""`kbtool build`: validate, build the site into a fresh folder, check it, swap it in; then the search index."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kbtool.cli.options import RegistryChoice, report_problems, root_option, site_dir_option
from kbtool.problems import EXIT_PROBLEMS, EXIT_USAGE


def builder_names() -> list[str]:
    # lazy: the registry loads when the option is checked or shown, not for kbtool --help (the format's common fields load YAML)
    from kbtool.format.common import SITE_BUILDERS

    return list(SITE_BUILDERS)


@click.command()
@root_option
@site_dir_option
@click.option("--rollback", is_flag=True, help="Put the previous build back in place instead of building.")
@click.option("--no-search-index", is_flag=True, help="Skip the index `kbtool search` uses.")
@click.option("--builder", type=RegistryChoice(builder_names), default=None,
              help="Site builder (default: kb.yaml's site: {builder: ...}, else mkdocs). "
                   "zensical needs: pip install \"kbtool[zensical]\" (docs/builders.md).")
def build(root: Path, site_dir: Path | None, rollback: bool, no_search_index: bool, builder: str | None) -> None:
    """Build the standards site (and the search index) from the knowledge base.

    Validates first: any error stops the build with file:line:col messages, exactly as
    `kbtool validate` prints them. The site is built into a temporary folder, checked for
    executable markup, and only then swapped into place; the previous build is kept beside
    it (.site.previous) so `kbtool build --rollback` can restore it. A root without an
    mkdocs.yml builds with kbtool's default (Material, tags, offline, and kbtool's own search box).
    --builder zensical builds the same site with Zensical from pages kbtool stages as files.

    \b
    Examples:
      kbtool build
      kbtool build --root path/to/kb --site-dir public
      kbtool build --builder zensical
      kbtool build --rollback
    """
    # lazy: the command's own dependencies load only when it runs (kbtool --help imports every command)
    from kbtool.builders.build import build_site
    from kbtool.builders.errors import ContentErrors, SiteError, UnsafeSiteDir
    from kbtool.builders.sitefolder import rollback as do_rollback
    from kbtool.mkdocs.config import default_site_dir

    def progress(message: str) -> None:
        click.echo(f"kbtool: {message}", err=True)

    try:
        if rollback:
            target = do_rollback(site_dir or default_site_dir(root.resolve()), root)
            progress(f"rolled back: {target} is the previous build again")
            return
        result = build_site(root, site_dir, progress, search_index=not no_search_index, builder=builder)
    except ContentErrors as exc:
        report_problems(exc.problems)
        errors = sum(1 for p in exc.problems if p.level.value == "error")
        click.echo(f"kbtool: {errors} error{'s' * (errors != 1)}; the site was not built and the previous "
                   "one is unchanged", err=True)
        sys.exit(EXIT_PROBLEMS)
    except UnsafeSiteDir as exc:
        # The folder named is the mistake, not the content: a usage error, and nothing was touched.
        click.echo(f"kbtool: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except SiteError as exc:
        click.echo(f"kbtool: error: {exc}", err=True)
        sys.exit(EXIT_PROBLEMS)
    except OSError as exc:
        click.echo(f"kbtool: error: {exc}", err=True)
        sys.exit(EXIT_PROBLEMS)
    if result.warnings:
        report_problems(result.warnings)
    click.echo(f"kbtool: built {result.pages} pages in {result.seconds:.1f}s"
               + (f" ({len(result.warnings)} warnings)" if result.warnings else ""), err=True)
