"""Persistence: engine and session, declarative models, shared column types. Only repositories use it."""
