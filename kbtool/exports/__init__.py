"""Exports of the knowledge base to other tools: plain functions from the model to data and text.

`espanso` builds a text-expander match package; `json_export` builds the documented, versioned
JSON file help-desk macro systems import. Neither prints, exits or writes files: the CLI does.
"""
