"""nn-playground: feed-forward networks after Bishop's PRML chapter 5."""

__version__ = "0.1.0"
