"""`kbtool init`: an empty folder (or a fresh git checkout) becomes a knowledge base that validates,
builds and runs its checks in pre-commit and CI as written.

Every file is written only where nothing exists (temp file, then rename); a folder that already
holds a knowledge base is refused, so init can never replace a team's work.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from kbtool.authoring.skeleton import write_missing_schema
from kbtool.fileops import atomic_write_text
from kbtool.format.vocab import BUILTIN_SITUATIONS
from kbtool.reading.layout import CONFIG_FILE, CONTENT_DIRS

KB_YAML = """\
# yaml-language-server: $schema=schema/kb.schema.json
# Your team's settings. Replace every value in [brackets]: they appear in pages, letters and
# phrases wherever a text says {{{{ company_name }}}} and so on.
name: {name}
variables:
  company_name: "[company name]"
  support_phone: "[support phone number]"
# Situations your entries are filed under; the built-in list applies until you add your own:
# situations:
#   greeting: The first moments of a contact.
review_period_days: 180
"""

GITIGNORE = """\
# kbtool's build output and caches
/site/
/.site.*
.kbtool/
__pycache__/
# kbtool export espanso writes its package here
/dist/
# a write that was stopped halfway (kbtool import removes its own on the next run)
.*.tmp
"""

PRE_COMMIT = """\
# Runs kbtool validate before every commit: `pre-commit install` once per clone.
# kbtool must be installed where git runs (see README.md); nothing is downloaded.
repos:
  - repo: local
    hooks:
      - id: kbtool-validate
        name: kbtool validate
        entry: kbtool validate --strict
        language: system
        pass_filenames: false
        files: ^(standards/|scripts_library/|kb\\.yaml$)
"""

WORKFLOW = """\
# Checks every pull request: annotations on the changed lines, and the site must build.
name: knowledge base
on: [pull_request, push]
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: python -m pip install -r kbtool-requirements.txt
      - run: kbtool validate --strict --format github
      - run: kbtool build
"""

REQUIREMENTS_UNKNOWN = """\
# The kbtool your team uses, pinned, for CI: kbtool is not on PyPI.
# Replace the line below with its repository and a commit, e.g.
#   kbtool @ git+https://example.com/your-org/kbtool@0123456789abcdef0123456789abcdef01234567
kbtool @ git+https://example.com/your-org/kbtool@main
"""

README = """\
# {name}

Our service standards, call scripts, letter templates and phrase formulas, as YAML files checked
and published by kbtool.

- `kb.yaml`: company details (fill in the values in [brackets]), situations, style rules.
- `standards/`: how we work and why; `scripts_library/`: phrases, scripts and letters.
- `kbtool new phrases greeting-phrases` starts an entry; `kbtool validate` checks everything;
  `kbtool serve` previews the site; `kbtool build` writes it to `site/`.
- `pre-commit install` checks each commit; `.github/workflows/knowledge-base.yml`{where} checks pull
  requests (it installs the kbtool named in `kbtool-requirements.txt`).
"""


class InitRefused(Exception):
    """The folder already holds a knowledge base or is not a folder (message says which)."""


@dataclass
class InitResult:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # already there: left exactly as they were
    requirement_known: bool = False
    # Inside a subfolder of a git repository: the repository's top, where pre-commit and GitHub
    # look for their files.
    repository: Path | None = None
    # What the user has to do by hand: a file of theirs kept where kbtool's hook or workflow
    # belongs, with the lines to add.
    notes: list[str] = field(default_factory=list)


def repository_top(folder: Path) -> Path | None:
    """The top of the git repository `folder` is in (a folder holding `.git`), or None."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def pre_commit_config(subfolder: str = "") -> str:
    """The pre-commit config, for a knowledge base at the repository's top or in `subfolder` of it.

    pre-commit reads its config at the repository's top and matches `files:` against paths from
    there, so a knowledge base in docs/kb needs the prefix and `--root docs/kb`.
    """
    if not subfolder:
        return PRE_COMMIT
    pattern = "^" + re.escape(subfolder + "/") + r"(standards/|scripts_library/|kb\.yaml$)"
    entry = f"kbtool validate --strict --root {shlex.quote(subfolder)}"
    return (PRE_COMMIT.replace("entry: kbtool validate --strict", f"entry: {json.dumps(entry)}")
            .replace("files: ^(standards/|scripts_library/|kb\\.yaml$)", "files: '" + pattern.replace("'", "''") + "'"))


def workflow(subfolder: str = "") -> str:
    """The GitHub Actions workflow; GitHub reads workflows only from the repository's top, so a
    knowledge base in a subfolder runs its steps there (`working-directory`)."""
    if not subfolder:
        return WORKFLOW
    return WORKFLOW.replace("    runs-on: ubuntu-latest\n", "    runs-on: ubuntu-latest\n    defaults:\n      run:\n"
                            f"        working-directory: {json.dumps(subfolder)}\n")


def installed_requirement() -> str | None:
    """How this kbtool was installed, when that is a pinned repository a CI machine can reach too."""
    try:
        text = importlib.metadata.distribution("kbtool").read_text("direct_url.json")
        info = json.loads(text or "null")
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None
    if not isinstance(info, dict) or not isinstance(info.get("vcs_info"), dict):
        return None
    url, commit = info.get("url"), info["vcs_info"].get("commit_id")
    if not (isinstance(url, str) and url.startswith(("https://", "ssh://", "git@")) and isinstance(commit, str)):
        return None
    return f"kbtool @ git+{url}@{commit}"


def init_knowledge_base(root: Path, name: str, requirement: str | None = None) -> InitResult:
    """Create the knowledge base's files in `root` where they do not exist yet."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise InitRefused(f"'{root}' is a file, not a folder")
    present = [n for n in (CONFIG_FILE, *CONTENT_DIRS) if (root / n).exists()]
    if present:
        raise InitRefused(f"'{root}' already holds a knowledge base ({', '.join(present)}); nothing was changed")
    root.mkdir(parents=True, exist_ok=True)
    requirement = requirement or installed_requirement()
    result = InitResult(requirement_known=requirement is not None)
    top = repository_top(root.resolve())
    subfolder = root.resolve().relative_to(top).as_posix() if top is not None and top != root.resolve() else ""
    if subfolder and not _writable_name(subfolder):
        result.notes.append("the folder's name is not UTF-8 text, so no pre-commit config or workflow could name "
                            "it; add them at the repository's top by hand (see docs/ci.md)")
        top, subfolder = None, ""
    # Where pre-commit and GitHub look: the repository's top, whatever folder the knowledge base is in.
    checks_root = top if subfolder and top is not None else root
    if subfolder:
        result.repository = top
    files = {
        root / CONFIG_FILE: KB_YAML.format(name=json.dumps(name, ensure_ascii=False)),
        root / ".gitignore": GITIGNORE,
        checks_root / ".pre-commit-config.yaml": pre_commit_config(subfolder),
        checks_root / WORKFLOW_PATH: workflow(subfolder),
        root / "kbtool-requirements.txt": (f"# The kbtool your team uses, pinned, for CI.\n{requirement}\n"
                                           if requirement else REQUIREMENTS_UNKNOWN),
        root / "README.md": README.format(name=name, where=" at the repository's top" if subfolder else ""),
    }
    for path, text in files.items():
        if path.exists():
            result.kept.append(path)
            if subfolder and path.parent != root:
                result.notes.append(_add_by_hand(path, text, root))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
        result.written.append(path)
    for folder in ("standards", "scripts_library/phrases", "scripts_library/scripts", "scripts_library/letters"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        keep = root / folder / ".gitkeep"  # git keeps no empty folders
        if not keep.exists():
            atomic_write_text(keep, "")

    result.written += write_missing_schema(root, tuple(BUILTIN_SITUATIONS))
    return result


WORKFLOW_PATH = ".github/workflows/knowledge-base.yml"


def _writable_name(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text)


def shown(path: Path, root: Path) -> str:
    """`path` as the user reaches it from `root` (../../.github/... for the repository's top)."""
    return os.path.relpath(path, root).replace(os.sep, "/")


def _add_by_hand(path: Path, text: str, root: Path) -> str:
    """What to add to the user's own file, which kbtool never changes."""
    if path.name == ".pre-commit-config.yaml":
        hook = text.split("    hooks:\n", 1)[1]
        return (f"{shown(path, root)} is yours and was kept: add this hook under one of its repos "
                f"(`- repo: local`, `hooks:`) so commits are checked:\n{hook}")
    return (f"{shown(path, root)} is yours and was kept; the knowledge base's checks would go there, "
            f"running in its folder:\n{text}")
