"""The environment benchmarked processes run in: the one an installed kbtool runs in on a desk.

Python caches each module's bytecode on first import. A shell that sets PYTHONDONTWRITEBYTECODE
(some containers and CI images do, this project's benchmark machine among them) makes every
process compile kbtool's own modules again, some 20 ms of CPU an installed kbtool never pays; so
the variable is dropped here, and the first run of each measured command writes the cache.
"""

from __future__ import annotations

import os

ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
ENV["NO_MKDOCS_2_WARNING"] = "1"
