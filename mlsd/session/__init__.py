"""Sessions: the practice engine, the mock interview, the interviewer, the terminal context and the store of sessions."""
