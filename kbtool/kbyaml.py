"""kb.yaml: the team-wide settings, read into a KbConfig with a problem for anything wrong."""

from __future__ import annotations

from pathlib import Path

from kbtool.format.common import KB_CONFIG
from kbtool.format.types import MISSING, Conversion, convert_object
from kbtool.format.vocab import BUILTIN_SITUATIONS
from kbtool.model import DEFAULT_LETTER_WORDS, DEFAULT_STYLE_PHRASES, KbConfig, StyleRule
from kbtool.problems import Problem
from kbtool.reading.layout import CONFIG_FILE
from kbtool.reading.loader import load_file


def load_config(root: Path, vocabularies: dict[str, tuple[str, ...]] | None = None) -> tuple[KbConfig, list[Problem]]:
    config = KbConfig()
    file = root / CONFIG_FILE
    if not file.exists():
        return config, []
    source = load_file(file, CONFIG_FILE)
    problems = list(source.problems)
    if source.root is None:
        return config, problems
    conv = Conversion(CONFIG_FILE, vocabularies or {})
    data = convert_object(source.root, KB_CONFIG, conv, (), "")
    problems.extend(conv.problems)
    config.source = source
    if data is MISSING:
        return config, problems
    config.name = data.get("name", config.name)
    config.site_url = data.get("site_url", "")
    config.variables = data.get("variables", {})
    config.situations = {**BUILTIN_SITUATIONS, **data.get("situations", {})}
    config.synonyms = data.get("synonyms", [])
    style = data.get("style", {})
    keep_builtin = style.get("builtin", True)
    config.style_phrases = (list(DEFAULT_STYLE_PHRASES) if keep_builtin else []) + [
        StyleRule(r["text"], r.get("why", "")) for r in style.get("phrases", []) if "text" in r]
    config.letter_words = (list(DEFAULT_LETTER_WORDS) if keep_builtin else []) + [
        StyleRule(r["text"], r.get("why", "")) for r in style.get("letter_words", []) if "text" in r]
    config.start_here = data.get("start_here", [])
    config.feedback = data.get("feedback", "")
    if "review_period_days" in data:
        config.review_period_days = int(data["review_period_days"])
    config.log_misses = data.get("search", {}).get("log_misses", True)
    config.lexicon = data.get("search", {}).get("lexicon", True)
    config.semantic_site = data.get("search", {}).get("semantic_site", False)
    config.rules = data.get("rules", {})
    return config, problems
