"""Back-of-envelope estimation drills: parsing answers with units, checking them, and the log of answers."""
