"""kbtool's Python-Markdown extension for builders that run no kbtool plugin (Zensical): what the
MkDocs plugin does for a generated page while it is rendered, done for each staged page that
carries the generated mark.

Its raw HTML blocks are stashed ahead of Markdown's slow parser (kbtool.site.rawhtml), and its
rendered HTML passes the allowlist sanitiser, the second wall behind the templates' escaping.
The team's own pages carry no mark and are left as the builder renders them. A team page that
copies the mark only gets sanitised too. Named in the generated configuration as
`kbtool.builders.generated_markdown`.
"""

from __future__ import annotations

from typing import Any

from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from kbtool.builders.staging import GENERATED_MARK
from kbtool.site.escaping import sanitise_page
from kbtool.site.rawhtml import stash_extension

_FLAG = "kbtool_generated"
# Where the tags listing goes: Zensical fills it in after the page is rendered, so the sanitiser
# (which strips comments) must leave this exact comment, written by kbtool's by-tag template, alone.
TAGS_LISTING = "<!-- material/tags -->"


class _Mark(Preprocessor):
    """Notes whether the page is one of kbtool's, and takes the mark out of its text."""

    def run(self, lines: list[str]) -> list[str]:
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        generated = first is not None and lines[first].strip() == GENERATED_MARK
        setattr(self.md, _FLAG, generated)
        return lines[first + 1:] if generated else lines


class _Sanitise(Postprocessor):
    def run(self, text: str) -> str:
        if not getattr(self.md, _FLAG, False):
            return text
        return TAGS_LISTING.join(sanitise_page(part) for part in text.split(TAGS_LISTING))


class GeneratedPages(Extension):
    def extendMarkdown(self, md: Any) -> None:  # noqa: N802 - Python-Markdown's name
        # Before normalize_whitespace (30), so the mark is gone before anything reads the page.
        md.preprocessors.register(_Mark(md), "kbtool_generated_mark", 35)
        stash_extension(lambda: getattr(md, _FLAG, False)).extendMarkdown(md)
        # Last of all, after the stashed raw HTML is put back (raw_html runs at 30).
        md.postprocessors.register(_Sanitise(md), "kbtool_sanitise", -100)


def makeExtension(**kwargs: Any) -> GeneratedPages:  # noqa: N802 - Python-Markdown's entry point
    return GeneratedPages(**kwargs)
