"""Fixtures that start the lab's real servers on 127.0.0.1 (owned by the lab; extended by its issues)."""
