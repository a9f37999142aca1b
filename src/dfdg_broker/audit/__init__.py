"""The access log (issue 11): who read or changed which case's personal data, when, why, with what outcome.

- ``dependencies.access_logged`` is put on every route that reads or changes a case's personal data; it writes one
  row per case touched. A read is answered only after its row is committed (``writer``: group commit); a change
  writes its row in the change's own transaction. If the row cannot be written the request fails (503
  ``access_log_unavailable``): there is no unlogged read.
- ``repository``: the queries (the per-case page, the export stream, the retention purge).

Below the features (each feature's router uses the dependency); imports no feature.
"""
