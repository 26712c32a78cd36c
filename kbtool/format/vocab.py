"""The format's fixed vocabularies: statuses, channels, built-in situations and placeholders.

Defined once; the validator, the JSON Schema, the pages and the exports read them from here.
"""

from __future__ import annotations

SLUG = r"^[a-z0-9][a-z0-9-]*$"
VARIABLE_NAME = r"^[a-z_][a-z0-9_]*$"
STATUSES = ("draft", "approved", "retired")
CHANNELS = ("phone", "email", "chat", "in_person", "social", "sms", "letter")
BUILTIN_SITUATIONS: dict[str, str] = {
    "greeting": "Opening a conversation on any channel.",
    "complaint": "A customer is unhappy and tells us so.",
    "delivery-delay": "An order is late or will be late.",
    "follow-up": "Keeping the customer informed until the case is closed.",
    "pricing": "Prices, promotions and price mismatches.",
    "apology": "Saying sorry for something we got wrong.",
    "escalation": "Passing a case to someone with more authority or expertise.",
    "closing": "Ending a conversation well.",
    "feedback": "Asking for, receiving and acting on feedback.",
    "refund": "Returning a customer's money.",
}
# Placeholders every template may use without declaring them.
BUILTIN_VARIABLES: dict[str, str] = {
    "customer_name": "The customer's name, as they gave it.",
    "agent_name": "Your own first name.",
}
BUILTIN_VARIABLE_EXAMPLES = {"customer_name": "Ms Patel", "agent_name": "Sam"}

CHANNEL_LABELS = {"phone": "Phone", "email": "Email", "chat": "Chat", "in_person": "In person",
                  "social": "Social media", "sms": "SMS", "letter": "Letter"}
