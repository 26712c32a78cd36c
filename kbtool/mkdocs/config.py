"""Which mkdocs.yml a build uses: the knowledge base's own, or kbtool's built-in default, and its site_dir."""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from kbtool.site.escaping import heading

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "data" / "mkdocs.default.yml"


def find_config(root: Path) -> Path | None:
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        if (root / name).is_file():
            return root / name
    return None


def default_config(site_name: str) -> dict[str, Any]:
    """kbtool's built-in site settings (mkdocs.yml's), for a root without a mkdocs.yml of its own."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    # site_name reaches every page's <title> unescaped by the theme, so it is escaped here.
    data["site_name"] = str(heading(site_name))
    return data


def default_config_text(root: Path, site_name: str, docs_dir: Path) -> str:
    """kbtool's built-in mkdocs.yml, pointed at `root`, for a root without one of its own."""
    data = default_config(site_name)
    data["docs_dir"] = str(docs_dir)
    data["plugins"] = [{"kbtool": {"root": str(root)}} if p == "kbtool" else p for p in data["plugins"]]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@contextlib.contextmanager
def mkdocs_config_file(root: Path, site_name: str) -> Iterator[Path]:
    """The mkdocs.yml to build with: the root's own, or the built-in default in a temp folder."""
    own = find_config(root)
    if own is not None:
        yield own
        return
    with tempfile.TemporaryDirectory(prefix="kbtool-config-") as work:
        docs = Path(work) / "docs"
        docs.mkdir()
        config = Path(work) / "mkdocs.yml"
        config.write_text(default_config_text(root, site_name, docs), encoding="utf-8")
        yield config


def default_site_dir(root: Path) -> Path:
    """Where the site goes without --site-dir: mkdocs.yml's site_dir, else ROOT/site."""
    own = find_config(root)
    if own is not None:
        with contextlib.suppress(Exception):
            # mkdocs.yml may hold !!python tags; only a plain site_dir line matters here.
            match = re.search(r"^site_dir:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$",
                              own.read_text(encoding="utf-8"), re.MULTILINE)
            if match:
                return (root / yaml.safe_load(match.group(1))).resolve()
    return (root / "site").resolve()
