"""appeals-tui: a terminal case tracker for moderation decisions and appeals."""

__version__ = "0.1.0"
