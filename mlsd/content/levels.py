"""Candidate levels, lightest module so the CLI can name them without pydantic."""

LEVELS: tuple[str, ...] = ("mid", "senior", "staff")
