"""P2: which municipal unit should receive which documents and DA3 parts, and which units have received theirs."""
