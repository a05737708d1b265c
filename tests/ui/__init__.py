"""Pilot tests of the TUI (a package so its test names may repeat those of tests/services)."""
