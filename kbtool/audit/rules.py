"""The rule only a whole conversation shows, beside the rules `kbtool check` reports on each agent
message (the audit reports those under their own ids and kb.yaml levels)."""

from __future__ import annotations

from kbtool.problems import Level, RuleDoc

NO_FOLLOW_UP = RuleDoc(
    "no-follow-up", Level.WARNING,
    "An agent promised to come back to the customer at a time (\"I'll call you back by 4pm\") and no agent "
    "message follows in the conversation. Left alone when the export ends before the promise falls due.",
    bad="Agent: I'll call you back by 4pm with the courier's answer.\nCustomer: Thanks.",
    good="Agent: I'll call you back by 4pm with the courier's answer.\nCustomer: Thanks.\n"
         "Agent: Hello again, the courier has confirmed Thursday morning.",
)
RULES: tuple[RuleDoc, ...] = (NO_FOLLOW_UP,)

# The situation whose entries say how to follow up; the finding points to its standard.
FOLLOW_UP_SITUATION = "follow-up"
