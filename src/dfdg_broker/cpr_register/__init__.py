"""The CPR register (N15: name and address): wire schemas (``schemas``, shared with the mock) and the client the
broker uses (``client``)."""
