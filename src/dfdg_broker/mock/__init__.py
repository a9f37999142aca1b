"""The mock upstream: LetAsyl, Jobnet and the CPR register as one stateful FastAPI app, with an admin API."""
