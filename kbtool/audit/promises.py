"""Promises with a time: "I'll call you back by 4pm", "we will email you within 2 working days".

Only promises to come back to the customer count (call, email, update, get back, let you know...):
a parcel due Friday needs no message from us, a call-back at four does. The words are the agent's
own, read after contractions are spelled out; a promise is one sentence holding a commitment (I /
we / someone will, you'll hear from us), a way of coming back and a time, in that order.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_NUMBER = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty[- ]four|forty[- ]eight)"
_UNIT = r"(?:minutes?|mins?|hours?|hrs?|(?:working |business )?days?|weeks?)"
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
TIME = re.compile(
    r"\b(?:(?:by|before|at|on|until|around|no later than|first thing) )?(?:"
    rf"(?:within|in) (?:the next )?(?:{_NUMBER} (?:and a half )?|half an )?{_UNIT}"
    r"|\d{1,2}(?:[:.]\d{2})? ?(?:am|pm)|\d{1,2}:\d{2}|noon|midday|lunchtime"
    r"|(?:the )?end of (?:the )?(?:day|week|business|play)|close of business|eod|cob"
    r"|later today|today|tonight|tomorrow|this (?:morning|afternoon|evening|week)"
    rf"|(?:next |this )?{_WEEKDAY}|next week"
    rf"|\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH}|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}/\d{{1,2}}"
    r")\b")
COMMITMENT = re.compile(
    r"\b(?:(?:i|we) (?:will|shall|am going to|are going to)"
    r"|(?:someone|somebody|a colleague|my colleague|the team|our team|a manager|my manager) will"
    r"|you will (?:hear|get (?:a|an) (?:call|email|update|reply|message))"
    r"|expect (?:a|an|my|our) (?:call|email|update|reply|message))\b(?! not\b| never\b)")
# Ways of coming back to the customer: to "you", or back, never "I'll call the courier today".
COMING_BACK = re.compile(
    r"\b(?:(?:call|ring|phone|email|e-mail|text|message|update|contact|write to|reply to|send|confirm with|"
    r"get back to|come back to|follow up with|check back with|be back with|update) you\b"
    r"|(?:call|ring|phone|text|get|come|write|check|be) (?:you )?back\b"
    r"|let you know|be in touch|get in touch|hear (?:back )?from (?:me|us)|follow up"
    r"|get (?:a|an) (?:call|email|update|reply|message)|expect (?:a|an|my|our) (?:call|email|update|reply|message))")
_SENTENCE_END = re.compile(r"[.!?\n]")
_SPELLED = ((re.compile(r"\b(i|we|you|someone|somebody|they)'ll\b"), r"\1 will"),
            (re.compile(r"\bi'm\b"), "i am"), (re.compile(r"\bwe're\b"), "we are"),
            (re.compile(r"\b(won't|will not|wont)\b"), "will not"))


@dataclass(frozen=True)
class Promise:
    """A promise to come back to the customer: the time as said, and how long it may take at most."""

    when: str
    within: dt.timedelta


def _plain(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    for pattern, spelled in _SPELLED:
        text = pattern.sub(spelled, text)
    return text


def find_promise(text: str) -> Promise | None:
    """The last promise with a time to come back to the customer in an agent's message, or None.

    Quoted lines ("> ...", the customer's email) are not the agent's words and are skipped.
    """
    plain = _plain("\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">")))
    found = None
    for commitment in COMMITMENT.finditer(plain):
        end = _SENTENCE_END.search(plain, commitment.end())
        # From the commitment's start: "you'll hear from us" holds its way of coming back.
        sentence = plain[commitment.start(): end.start() if end else len(plain)]
        way = COMING_BACK.search(sentence)
        time = way and TIME.search(sentence, way.end())
        if time:
            found = Promise(time.group(0), allowance(time.group(0)))
    return found


def allowance(when: str) -> dt.timedelta:
    """How long after the promise its follow-up may fairly come: a generous bound, used only to leave
    alone conversations an export ends before the promise falls due."""
    number = re.match(r"(?:within|in) (?:the next )?(\d+)", when)
    if re.search(r"end of (?:the )?(?:day|business|play)", when):
        return dt.timedelta(days=1)
    if re.search(r"\bweeks?\b", when) or when.startswith("next week"):
        return dt.timedelta(days=14 * (int(number.group(1)) if number else 1))
    if re.search(r"\bdays?\b", when):
        return dt.timedelta(days=2 * (int(number.group(1)) if number else 2) + 2)
    if re.search(rf"{_WEEKDAY}|this week|end of (?:the )?week", when):
        return dt.timedelta(days=8)
    if re.search(rf"\d/|{_MONTH}", when):
        return dt.timedelta(days=31)
    if "tomorrow" in when:
        return dt.timedelta(days=2)
    return dt.timedelta(days=1)  # minutes, hours, a time of day, today
