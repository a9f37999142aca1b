"""Jobnet: the CV model, the normaliser (N1-N18), classification data, and the Jobnet client."""
