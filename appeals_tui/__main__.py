"""`python -m appeals_tui` is the `appeals` command."""

from .cli import main

main()
