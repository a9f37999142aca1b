"""The case over time (issue 13): changes with history (PATCH, ETag), conversations held, tasks done, the
caseworker's worklist and the look-up by CPR number. Above cases, followup and summary; nothing imports it but
``app.py``."""
