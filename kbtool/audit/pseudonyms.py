"""`--anonymise`: agents' names replaced by stable pseudonyms ("Agent K7QX2"), the same for the same
name in every run and every file, so this month's report lines up with last month's.

A pseudonym is a keyed hash of the name (lower case, spaces collapsed). The key is
KBTOOL_AUDIT_KEY when set: without it, anyone holding the team's names can hash them and match
the pseudonyms, which is enough for a report shared inside the team but not beyond it.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import replace

from kbtool.audit.records import Message

DEFAULT_KEY = b"kbtool audit"
KEY_VARIABLE = "KBTOOL_AUDIT_KEY"


class Pseudonyms:
    """Names to pseudonyms, remembered for the run."""

    def __init__(self, key: bytes | None = None) -> None:
        env = os.environ.get(KEY_VARIABLE, "")
        key = key if key is not None else (env.encode("utf-8") if env else DEFAULT_KEY)
        # BLAKE2b takes keys up to 64 bytes: a longer passphrase is hashed down, not cut short.
        self.key = key if len(key) <= 64 else hashlib.blake2b(key).digest()
        self.known: dict[str, str] = {}

    def of(self, name: str | None) -> str | None:
        if name is None:
            return None
        if name not in self.known:
            plain = " ".join(name.lower().split()).encode("utf-8")
            digest = hashlib.blake2b(plain, key=self.key, digest_size=8).digest()
            # 25 bits: two of 200 agents share a pseudonym about once in 1,700 teams.
            self.known[name] = "Agent " + base64.b32encode(digest).decode("ascii")[:5]
        return self.known[name]

    def message(self, message: Message) -> Message:
        return replace(message, agent=self.of(message.agent)) if message.agent is not None else message
