"""`python -m kbtool` runs the command line, like the `kbtool` script."""

from kbtool.cli import main

main()
