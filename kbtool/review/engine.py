"""`kbtool check`'s engine: what the knowledge base asks of a reply, and the findings for one text.

Two pure steps. `compile_rules(kb, link)` turns the checked model into plain JSON-able rules
(normalised word patterns, the blank and speaker patterns, each channel's greeting and closing
openers); `Checker(rules).check(text, path, channel)` reads a draft reply, chat log or call
transcript line by line and returns `Problem` records, as `kbtool validate` does for YAML. The
site's "Check a reply" page ships the same rules and runs a small JS port of `Checker`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kbtool.format.kinds import kind_of
from kbtool.format.vocab import CHANNEL_LABELS, CHANNELS
from kbtool.model import Entry, KnowledgeBase
from kbtool.problems import Level, Problem, RuleDoc
from kbtool.review import rules as r
from kbtool.review.words import WILDCARD, tables, tokens
from kbtool.templating import render_lenient

Link = Callable[[Entry, "str | None"], str]
Word = tuple[str, float, int, int, bool]
Rules = dict[str, Any]

RULES_VERSION = 1
# Blanks staff forget to fill: template placeholders, [NAME] / <DATE> style markers, XXX and ___.
# Written in the regex syntax Python and JavaScript share, since the page uses it as it is.
# A `{% %}` blank ends at its first `%}` and holds no other `{%` (as a `{{ }}` one holds no brace):
# a line of openers with no closer is then read once, not once from every opener to the line's end.
BLANK = (r"\{\{[^{}\n]*\}\}|\{%[^{%\n]*(?:(?:\{(?!%(?!\}))|%(?!\}))[^{%\n]*)*%\}|\{[a-z_]+\}"
         r"|\[[A-Z][A-Z0-9 _./-]*[A-Z0-9]\](?!\()"
         r"|\[(?:[Ii]nsert|[Ee]nter|[Aa]dd|[Cc]ustomer|[Nn]ame|[Yy]our|[Oo]rder|[Dd]ate|[Aa]gent)\b[^\]\n]{0,40}\](?!\()"
         r"|<[A-Z][A-Z0-9 _-]*[A-Z0-9]>|\b[Xx]{3,}\b|_{3,}"
         # Another tool's placeholders (the styles templating.foreign_placeholders knows), so a raw
         # #{ticket.customer.firstname} pasted from a macro is never sent. Every repeat is bounded:
         # the browser runs this pattern too, on whatever is pasted.
         r"|[#$]\{[^{}\n]{1,200}\}|\{[A-Za-z_][A-Za-z0-9_]{0,60}(?:\.[A-Za-z0-9_]{1,60}){1,8}\}"
         r"|\[\[[ \t]{0,5}[A-Za-z_][A-Za-z0-9_. -]{0,80}\]\]|%[A-Za-z_][A-Za-z0-9_.]{2,80}%")
# "Agent:", "[10:02] Customer:", "14:03:10 Sam Lee:": an optional time, then a speaker's label.
# Each optional part after the time carries its own leading spaces, so a run of spaces can be
# read only one way (three `\s*` in a row made a time followed by spaces cost their cube).
SPEAKER = (r"^\s*(?:[\[(]?\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*(?:[AaPp][Mm][\])]?|[\])]))?(?:\s*[-\u2013])?\s*)?"
           r"([A-Za-z][A-Za-z.'-]*(?: [A-Za-z][A-Za-z.'-]*){0,2})\s*:(?=\s|$)")
# Punctuation between two words that ends a sentence or clause.
_BREAK = re.compile(r"[.?!;:]")
# Labels that are words for the customer: their lines are read, never checked.
CUSTOMER_LABELS = ("customer", "caller", "client", "visitor", "guest", "member", "user", "buyer", "cust")
AGENT_LABELS = ("agent", "me", "advisor", "adviser", "rep", "staff", "support", "operator")
# A quoted line of the customer's email ("> ...") is theirs too.
QUOTED = r"^\s*>"
# Situations that mark where a conversation starts and ends: the rule, which end, the step place.
MOMENTS = {"greeting": ("start", r.MISSING_GREETING, "first"), "closing": ("end", r.MISSING_CLOSING, "last")}
# Where the greeting and the closing are looked for: the staff's first (last) two turns or
# paragraphs, and at most so many of their words.
WINDOW = {"start": [2, 30], "end": [2, 60]}
# Example values worth flagging: an order number, phone or card digits, or a sentence. Short
# ones ("DPD", "corner sofa", "14 May") are also what a real reply says.
_DISTINCTIVE = re.compile(r"\d{4}")
MIN_EXAMPLE_WORDS = 6


def allowed_cost(weights: list[float], tolerant: bool = True) -> float:
    """How many word changes a match may have, in word weights: a quarter of the wording, and
    none at all for wordings shorter than three content words ("calm down" must be exact)."""
    total = sum(weights)
    return round(0.25 * total - 0.01, 4) if tolerant and total >= 3 else 0.0


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _pattern(text: str, rule: RuleDoc, level: str, message: str, hint: str, tolerant: bool = True,
             short_whole: bool = False) -> dict[str, Any] | None:
    parts = re.split(r"\{\{.*?\}\}|\{%.*?%\}", text, flags=re.S)
    stems: list[str] = []
    weights: list[float] = []
    for i, part in enumerate(parts):
        if i:
            stems.append(WILDCARD)
            weights.append(0.5)
        for token in tokens(part.replace("\n", " ")):
            stems.append(token.stem)
            weights.append(token.weight)
    while stems and stems[0] == WILDCARD:
        stems.pop(0), weights.pop(0)
    while stems and stems[-1] == WILDCARD:
        stems.pop(), weights.pop()
    if not any(s != WILDCARD for s in stems):
        return None
    allowed = allowed_cost(weights, tolerant)
    # A short wording to avoid ("Order number?", "Hold please.") is curt when said on its own; inside
    # a longer sentence ("could you read me the order number?") its words are harmless.
    whole = short_whole and not allowed
    return {"t": stems, "w": weights, "max": allowed, "whole": whole, "rule": rule.id, "level": level,
            "message": message, "hint": hint}


def compile_rules(kb: KnowledgeBase, link: Link) -> Rules:
    """What the knowledge base asks of a reply, as plain data (the CLI and the site page read it).

    `link(entry, item)` is where a finding points for the approved wording: an absolute URL or a
    file path for the terminal, a relative link on the site.
    """
    levels = kb.config.rules
    values = dict(kb.config.variables)

    def level(rule: RuleDoc) -> str:
        return levels.get(rule.id, rule.level.value)

    def fill(text: str) -> str:
        return _one_line(render_lenient(text, values))

    patterns: list[dict[str, Any]] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()

    def add(pattern: dict[str, Any] | None) -> None:
        if pattern is None or pattern["level"] == "off":
            return
        key = (pattern["rule"], tuple(pattern["t"]))
        if key not in seen:
            seen.add(key)
            patterns.append(pattern)

    approved: dict[str, list[tuple[Entry, Any]]] = {moment: [] for moment in MOMENTS}
    for entry in kb.published():
        for offer in kind_of(entry).check_offers(entry):
            where = f"{entry.title}, {offer.item}" if offer.item else entry.title
            if offer.role == "avoid":
                instead = f'say instead: "{fill(offer.instead)}"' if offer.instead else "rephrase it"
                why = f" Why: {_one_line(offer.why)}" if offer.why else ""
                url = link(entry, offer.item)
                pattern = _pattern(fill(offer.text), r.AVOIDED_PHRASE, level(r.AVOIDED_PHRASE),
                                   f'wording to avoid: "{fill(offer.text)}" ({where})',
                                   f"{instead}{why} See {url}", short_whole=True)
                if pattern:
                    # The page links the approved wording instead of printing the address.
                    pattern["link"] = url
                add(pattern)
            elif offer.role == "example":
                text = _one_line(offer.text)
                if _DISTINCTIVE.search(text) or len(text.split()) >= MIN_EXAMPLE_WORDS:
                    add(_pattern(text, r.EXAMPLE_VALUE, level(r.EXAMPLE_VALUE),
                                 f'example value left in: "{text}" (the example for {offer.item} in {entry.title})',
                                 "replace it with this customer's own value", tolerant=False))
            elif offer.role == "approved" and entry.situation in MOMENTS:
                approved[entry.situation].append((entry, offer))
    for rule_text in kb.config.style_phrases:
        add(_pattern(rule_text.text, r.STYLE_PHRASE, level(r.STYLE_PHRASE),
                     f'avoid "{rule_text.text}" with customers', rule_text.why or "rephrase it"))
    for rule_text in kb.config.letter_words:
        add(_pattern(rule_text.text, r.OVERPROMISE, level(r.OVERPROMISE), f'over-promising word "{rule_text.text}"',
                     rule_text.why or "promise only what you control, with a date"))
    return {"version": RULES_VERSION, "patterns": patterns, "blank": BLANK, "blankRule": r.UNFILLED_BLANK.id,
            "blankLevel": level(r.UNFILLED_BLANK), "speaker": SPEAKER, "quoted": QUOTED,
            "customerLabels": list(CUSTOMER_LABELS), "agentLabels": list(AGENT_LABELS), "window": WINDOW,
            "requirements": _requirements(approved, level, fill, link), "words": tables()}


def opening_words(stems: list[str], weights: list[float]) -> list[str]:
    """What a greeting or closing starts with: its words up to the first that carries meaning, and
    one more after a lone word ("hello you", "take care", "what is brought", "i will email")."""
    for i, weight in enumerate(weights[:3]):
        if weight == 1.0:
            return stems[:max(i + 1, 2)]
    return stems[:3]


def _requirements(approved: dict[str, list[tuple[Entry, Any]]], level: Callable[[RuleDoc], str],
                  fill: Callable[[str], str], link: Link) -> dict[str, list[dict[str, Any]]]:
    """Per channel, the greeting and closing its content makes checkable: the opening words of
    every approved opener (or closer) for that channel; any of them in the window meets it."""
    out: dict[str, list[dict[str, Any]]] = {}
    for channel in CHANNELS:
        found = []
        for moment, (at, rule, place) in MOMENTS.items():
            if level(rule) == "off":
                continue
            offers = [(e, o) for e, o in approved[moment] if channel in e.channels and o.place in ("", place)]
            leads: list[list[str]] = []
            for _, offer in offers:
                pattern = _pattern(fill(offer.text), rule, "", "", "")
                lead = pattern and opening_words(pattern["t"], pattern["w"])
                if lead and lead not in leads:
                    leads.append(lead)
            if not leads:
                continue
            entry, offer = offers[0]
            label = CHANNEL_LABELS.get(channel, channel)
            what = "open" if at == "start" else "end"
            found.append({"rule": rule.id, "level": level(rule), "at": at, "leads": leads,
                          "message": f"the {label.lower()} conversation does not {what} with a {moment} "
                                     f"the knowledge base gives for {label}",
                          "hint": f'for example: "{fill(offer.text)}" ({link(entry, offer.item)})',
                          "link": link(entry, offer.item)})
        out[channel] = found
    return out


@dataclass
class _Passage:
    """A run of lines one speaker wrote (a chat turn, an email paragraph): words are matched
    within it, never across speakers. `words` are (stem, weight, line, column, starts a sentence)
    with 1-based positions."""

    agent: bool
    words: list[Word]


class Checker:
    """Findings for texts against compiled rules; build once, check many texts."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.patterns = rules["patterns"]
        self.index: dict[str, list[tuple[int, float]]] = {}
        self.need: list[float] = []
        for i, pattern in enumerate(self.patterns):
            distinct: dict[str, float] = {}
            for stem, weight in zip(pattern["t"], pattern["w"], strict=True):
                if stem != WILDCARD:
                    distinct[stem] = min(weight, distinct.get(stem, weight))
            for stem, weight in distinct.items():
                self.index.setdefault(stem, []).append((i, weight))
            self.need.append(sum(distinct.values()))
        self.blank = re.compile(rules["blank"])
        self.speaker = re.compile(rules["speaker"])
        self.quoted = re.compile(rules["quoted"])
        self.customers = frozenset(rules["customerLabels"])
        self.agents = frozenset(rules["agentLabels"])

    def _label(self, line: str) -> tuple[bool | None, int]:
        """Whether the line opens a customer's (True) or staff turn (False), and where its words start.

        None when the line has no speaker label. A label is a known word or a name of up to three
        capitalised words, so "To be honest: ..." stays a sentence.
        """
        match = self.speaker.match(line)
        if not match:
            return None, 0
        label = match.group(1)
        first = label.split(" ")[0].lower()
        if first in self.customers:
            return True, match.end()
        if first in self.agents or all(w[:1].isupper() for w in label.split(" ")):
            return False, match.end()
        return None, 0

    def passages(self, text: str) -> tuple[list[_Passage], list[tuple[int, int, str]]]:
        """The text's passages, and the staff lines (number, start column, text) blanks are looked for in."""
        out: list[_Passage] = []
        staff_lines: list[tuple[int, int, str]] = []
        current: _Passage | None = None
        pending = True
        for number, line in enumerate(re.split(r"\r\n|\r|\n", text), 1):
            if not line.strip() or self.quoted.match(line):
                current = None
                continue
            customer, start = self._label(line)
            if customer is not None or current is None:
                current = _Passage(not customer, [])
                out.append(current)
                pending = True
            if not current.agent:
                continue
            staff_lines.append((number, start, line))
            # Blanks are not words: "{{ order_number }}" must not read as "order number".
            masked = self.blank.sub(lambda m: " " * len(m.group(0)), line)
            last = start
            for t in tokens(masked[start:]):
                at = start + t.start
                if at > last:
                    pending = pending or bool(_BREAK.search(masked, last, at))
                current.words.append((t.stem, t.weight, number, at + 1, pending))
                pending = False
                last = start + t.end
            pending = pending or bool(_BREAK.search(masked, last))
        return out, staff_lines

    def check(self, text: str, path: str = "<stdin>", channel: str | None = None) -> list[Problem]:
        """Every finding for one reply, chat log or transcript, sorted by position."""
        passages, staff_lines = self.passages(text)
        found: list[Problem] = []
        for passage in passages:
            if passage.agent and passage.words:
                found.extend(self._matches(passage, path))
        for number, start, line in staff_lines:
            for match in self.blank.finditer(line, start):
                found.append(Problem(path, number, match.start() + 1, Level(self.rules["blankLevel"]),
                                     self.rules["blankRule"], f'unfilled blank "{match.group(0)}"',
                                     "fill it in before sending"))
        if channel:
            found.extend(self._requirements(passages, path, channel))
        return sorted(set(found))

    def _matches(self, passage: _Passage, path: str) -> list[Problem]:
        words = passage.words
        hit: dict[int, float] = {}
        for stem in {w[0] for w in words}:
            for i, weight in self.index.get(stem, ()):
                hit[i] = hit.get(i, 0.0) + weight
        out = []
        for i, got in hit.items():
            pattern = self.patterns[i]
            # Every word of the wording that the passage lacks costs at least its weight.
            if self.need[i] - got > pattern["max"] + 1e-9:
                continue
            for lo, hi in spans(pattern["t"], pattern["w"], pattern["max"], words):
                for start in occurrences(pattern, words[lo:hi]):
                    _, _, line, column, _ = words[lo + start]
                    out.append(Problem(path, line, column, Level(pattern["level"]), pattern["rule"],
                                       pattern["message"], pattern["hint"]))
        return out

    def _requirements(self, passages: list[_Passage], path: str, channel: str) -> list[Problem]:
        staff = [p for p in passages if p.agent and p.words]
        if not staff:
            return []
        out = []
        for need in self.rules["requirements"].get(channel, []):
            turns, size = self.rules["window"][need["at"]]
            if need["at"] == "start":
                window = [w[0] for p in staff[:turns] for w in p.words][:size]
            else:
                window = [w[0] for p in staff[-turns:] for w in p.words][-size:]
            if any(_contains(window, lead) for lead in need["leads"]):
                continue
            _, _, line, column, _ = (staff[0] if need["at"] == "start" else staff[-1]).words[0]
            out.append(Problem(path, line, column, Level(need["level"]), need["rule"], need["message"], need["hint"]))
        return out


def _contains(window: list[str], lead: list[str]) -> bool:
    n = len(lead)
    return any(all(lead[k] == WILDCARD or lead[k] == window[i + k] for k in range(n))
               for i in range(len(window) - n + 1))


def spans(pattern: list[str], weights: list[float], allowed: float, words: list[Word]) -> list[tuple[int, int]]:
    """The stretches of `words` a match of the wording could lie in: around each of its words, as
    far as the wording's length plus the words a match may add (each costs at least 0.5), kept
    only when they hold enough of the wording's words to fit at all.

    Keeps a 2,000-word paragraph as fast as a chat turn: matching runs on a few short stretches.
    """
    distinct: dict[str, float] = {}
    for stem, weight in zip(pattern, weights, strict=True):
        if stem != WILDCARD:
            distinct[stem] = min(weight, distinct.get(stem, weight))
    need = sum(distinct.values()) - allowed - 1e-9
    content = {stem for stem, weight in distinct.items() if weight == 1.0}
    # A match that changed every content word would cost at least their weight: when that is over
    # the allowance, a match holds one of them, and common words ("you", "the") need not anchor it.
    anchors = content if len(content) > allowed else set(distinct)
    reach = len(pattern) + int(allowed / 0.5)
    out: list[list[int]] = []
    for j, word in enumerate(words):
        if word[0] not in anchors:
            continue
        lo, hi = max(0, j - reach), min(len(words), j + reach + 1)
        if out and lo < out[-1][1] and j < out[-1][1]:
            out[-1][1] = hi
            continue
        present = {w[0] for w in words[lo:hi]}
        if sum(weight for stem, weight in distinct.items() if stem in present) >= need:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


def occurrences(pattern: dict[str, Any], part: list[Word]) -> list[int]:
    """Where each occurrence of the wording starts in `part`, one finding each ("To be honest.
    To be honest." is said twice). Each search looks at a window of twice the longest a match can
    be, so a stretch of many repeats stays linear; a window without a match moves on by half. A
    whole-sentence wording is looked for from where the last one ended (each place is tried once),
    since where a sentence ends depends on the word after the window."""
    if pattern["whole"]:
        found, at = [], 0
        while (match := whole_match_span(pattern["t"], part, at)) is not None:
            found.append(match[0])
            at = max(match[1], match[0] + 1)
        return found
    reach = len(pattern["t"]) + int(pattern["max"] / 0.5)
    found = []
    at = 0
    while at < len(part):
        window = part[at:at + 2 * reach]
        match = best_match_span(pattern["t"], pattern["w"], pattern["max"], window)
        if match is None:
            if at + 2 * reach >= len(part):
                break
            at += reach
            continue
        start, end = match
        found.append(at + start)
        at += max(end, start + 1)
    return found


def whole_match(pattern: list[str], words: list[Word]) -> int | None:
    """Where the wording is a sentence of its own in `words` (exactly, placeholders aside), or None."""
    span = whole_match_span(pattern, words)
    return span[0] if span else None


def whole_match_span(pattern: list[str], words: list[Word], first: int = 0) -> tuple[int, int] | None:
    """whole_match's first occurrence from `first` on, as (start, end)."""
    m, n = len(pattern), len(words)
    for i in range(first, n - m + 1):
        if words[i][4] and (i + m == n or words[i + m][4]) and all(
                pattern[k] == WILDCARD or pattern[k] == words[i + k][0] for k in range(m)):
            return i, i + m
    return None


def best_match(pattern: list[str], weights: list[float], allowed: float, words: list[Word]) -> int | None:
    """Where the wording starts in `words` with at most `allowed` weighted word changes, or None."""
    span = best_match_span(pattern, weights, allowed, words)
    return span[0] if span else None


def best_match_span(pattern: list[str], weights: list[float], allowed: float, words: list[Word]
                    ) -> tuple[int, int] | None:
    """Where the wording lies in `words` (start, end) with at most `allowed` weighted word changes.

    Approximate substring matching (Sellers): a wording may begin anywhere; substituting a word
    costs the larger weight, dropping a word of the wording or adding one inside it costs that
    word's weight, and a placeholder stands for any one word. Of the first run of places where
    the wording fits, the closest fit wins.
    """
    n = len(words)
    prev = [0.0] * (n + 1)
    prev_start = list(range(n + 1))
    for i, stem in enumerate(pattern):
        weight = weights[i]
        cur = [prev[0] + weight]
        cur_start = [0]
        for j in range(1, n + 1):
            word, word_weight = words[j - 1][0], words[j - 1][1]
            if stem == word or stem == WILDCARD:
                best, start = prev[j - 1], prev_start[j - 1]
            else:
                best, start = prev[j - 1] + (weight if weight > word_weight else word_weight), prev_start[j - 1]
            drop = prev[j] + weight
            if drop < best:
                best, start = drop, prev_start[j]
            add = cur[j - 1] + word_weight
            if add < best:
                best, start = add, cur_start[j - 1]
            cur.append(best)
            cur_start.append(start)
        prev, prev_start = cur, cur_start
    limit = allowed + 1e-9
    best_j = -1
    for j in range(1, n + 1):
        if prev[j] <= limit:
            if best_j < 0 or prev[j] < prev[best_j]:
                best_j = j
        elif best_j >= 0:
            break
    return (prev_start[best_j], best_j) if best_j >= 0 else None


def check_text(kb: KnowledgeBase, text: str, link: Link, path: str = "<stdin>", channel: str | None = None
               ) -> list[Problem]:
    """One text checked against the knowledge base (compiles the rules; reuse a Checker for many)."""
    return Checker(compile_rules(kb, link)).check(text, path, channel)
