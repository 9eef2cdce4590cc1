"""Terminal front ends of the engine: reading answers and running sessions."""
