"""LetAsyl, the asylum operator's system: wire schemas and the client the broker uses."""
