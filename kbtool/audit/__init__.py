"""`kbtool audit`: a help desk's real conversations checked in bulk against the knowledge base.

Data flows one way: inputs.py (which format, and its reader: jsonl, csvfile, zendesk, freshdesk,
transcripts) -> records.Message -> conversations.Auditor (kbtool.review's engine on each agent
message, plus the conversation rules) -> summary.py -> reporters.py (text, json, csv) and html.py.
run.py holds the whole pass.
"""
