"""mlsd: an interactive terminal tutor for machine learning system design interviews."""

__version__ = "0.1.0"
