"""Reading a knowledge base's files: where they are, and YAML into nodes that keep line and column.

The floor below `kbtool.format`: nothing here knows what an entry is.
"""
