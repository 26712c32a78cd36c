"""Reviewing real conversations against the knowledge base: `kbtool check` and the site's
"Check a reply" page (the engine), pure functions from the checked model to `Problem` records."""

from kbtool.review.engine import Checker, Rules, check_text, compile_rules

__all__ = ["Checker", "Rules", "check_text", "compile_rules"]
