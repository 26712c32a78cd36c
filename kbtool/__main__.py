"""`python -m kbtool` runs the command line, like the `kbtool` script."""

from kbtool.cli.main import main

main()
