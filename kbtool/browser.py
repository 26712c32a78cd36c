"""Where a built site serves kbtool's browser files, and the toolkit script every other one needs first.

kbtool/assets/toolkit/kbkit.js holds the DOM, clipboard and storage helpers the search box, the
practice drills, the review pages and the reading path share. Two floors ship it: the search box
on every page (kbtool.sitesearch) and the pages' own scripts (kbtool.site), so its name lives
here, below both.
"""

from __future__ import annotations

SITE_FOLDER = "assets/kbtool"  # where the site serves the files under kbtool/assets/
TOOLKIT = "toolkit/kbkit.js"  # as page assets name it: a path under kbtool/assets/
TOOLKIT_URI = f"{SITE_FOLDER}/{TOOLKIT}"
