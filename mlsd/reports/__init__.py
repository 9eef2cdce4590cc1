"""What a user reads after practising: rich renderings, markdown export, progress, and what to review next."""
