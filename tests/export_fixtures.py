"""A small knowledge base for the export tests: two phrase sets, a letter, a retired set."""

from __future__ import annotations

KB_YAML = """\
name: Acme Homeware service standards
site_url: https://kb.acme.example/
variables:
  company_name: Acme Homeware
  support_phone: "0800 123"
  # kb.yaml values are plain text, so espanso syntax can reach the export through them.
  odd_value: "{{ not_a_var }} [[not_a_field]] {{{ three }}}"
"""

GREETINGS = """\
kind: phrases
id: greetings
title: Greetings
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [phone, chat]
situation: greeting
tags: [opening]
phrases:
  - id: hello
    say: Good morning, you're through to {{ agent_name }} at {{ company_name }}.
    avoid:
      - Yeah, what is it?
    why: A full greeting tells the caller they reached the right place.
  - id: thanks
    say: Thanks for calling {{ company_name }}, {{ customer_name }}.
  - id: sorry
    say: I'm sorry about that.
  - id: sorry-again
    say: I'm sorry again, {{ customer_name }}; call us on {{ support_phone }}.
  - id: delay-apology
    say: Sorry it is late.
  - id: markup
    say: "<b>Tom & Jerry</b> say [[hi]] and **bold** {{ odd_value }}"
"""

CLOSING = """\
kind: phrases
id: closing
title: Closing
owner: Sam Lee
status: draft
review_by: "2030-01-01"
channels: [phone]
situation: closing
phrases:
  - id: thanks
    say: Thanks for your time today.
"""

RETIRED = """\
kind: phrases
id: old-phrases
title: Old phrases
owner: Sam Lee
status: retired
review_by: "2030-01-01"
channels: [phone]
situation: greeting
phrases:
  - id: ancient
    say: Hello there.
"""

LETTER = """\
kind: letter
id: delay-apology
title: Delay apology
owner: Sam Lee
status: approved
review_by: "2030-01-01"
channels: [email]
situation: delivery-delay
subject: "Your order {{ order_number }} is running late"
body: |
  Dear {{ customer_name | title }},

  Your order {{ order_number }} will now arrive on {{ new_date }}.{% if voucher %} Here is a voucher: {{ voucher }}.{% endif %}

  {{ agent_name }}
  {{ company_name }}
variables:
  order_number:
    description: The order number
    example: A-1
  new_date:
    description: "The new date [[date]] {{ x }}"
    example: Friday
  voucher:
    description: A voucher code
    example: SORRY10
    required: false
"""

FILES = {
    "scripts_library/phrases/greetings.yaml": GREETINGS,
    "scripts_library/phrases/closing.yaml": CLOSING,
    "scripts_library/phrases/old-phrases.yaml": RETIRED,
    "scripts_library/letters/delay-apology.yaml": LETTER,
}
