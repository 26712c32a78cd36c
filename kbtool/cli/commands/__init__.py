"""One module per command; shared options live in options.py."""
