"""Why a site build stopped: the failures every builder reports the same way."""

from __future__ import annotations

from kbtool.problems import Problem


class SiteError(Exception):
    """The site could not be built (the builder failed, another build holds the lock, unsafe output)."""


class ContentErrors(SiteError):
    """The knowledge base has validation errors; `problems` holds all of them, warnings too."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("the knowledge base has errors")
        self.problems = problems


class BuildLocked(SiteError):
    """Another build is writing the same site folder."""


class UnsafeSiteDir(SiteError):
    """The site folder names something a build must not replace or delete: a usage error."""


class BuilderMissing(SiteError):
    """The chosen builder is not installed; the message names the extra that brings it."""
