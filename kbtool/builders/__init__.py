"""Building the site: the site folder's lock, swap and rollback, the post-build scan, the staged pages
any Material-compatible builder reads, and the builders themselves (MkDocs, Zensical)."""
