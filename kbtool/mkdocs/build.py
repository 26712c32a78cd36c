"""MkDocs as a builder: run `mkdocs build` in-process into a folder, its failures as SiteError."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kbtool.builders.errors import SiteError


def run_mkdocs(config_file: Path, out_dir: Path, checked: Any) -> None:
    """Build the site MkDocs-style from `config_file` into `out_dir`; MkDocs' failures become SiteError."""
    # lazy: MkDocs loads only for a MkDocs build (builders/build.py imports this module for Zensical builds too)
    import logging

    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, MkDocsException

    class Errors(logging.Handler):
        """MkDocs logs why it stopped and raises only "Aborted with a BuildError!"."""

        def __init__(self) -> None:
            super().__init__(logging.ERROR)
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if message not in self.messages:
                self.messages.append(message)

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.WARNING)
    errors = Errors()
    logger.addHandler(errors)
    try:
        config = load_config(str(config_file), site_dir=str(out_dir), strict=True)
        plugin = config.plugins.get("kbtool")
        if plugin is not None:
            plugin.checked = checked  # the knowledge base this build already loaded and checked
        build(config)
    except Abort as exc:
        why = "".join(f"\n  {m}" for m in errors.messages if str(exc) not in m)
        raise SiteError(f"MkDocs stopped the build: {exc}{why}") from None
    except MkDocsException as exc:
        raise SiteError(str(exc)) from None
    finally:
        logger.removeHandler(errors)
