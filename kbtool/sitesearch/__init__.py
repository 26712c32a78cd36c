"""The site's search: staff find the sentence to say from any page, offline, ranked as `kbtool search` ranks.

`index` writes the compact index the browser reads (from the same published documents and
synonyms as the terminal index); `hooks` puts the search box on every page and the files into
the built site. The query engine itself is kbtool/assets/kbsearch/kbsearch-engine.js.
"""
