"""Erasure and retention (issue 11, parts 3 and 4): ``DELETE /v1/contact-groups/{id}`` and ``dfdg-broker purge``.

An erased case leaves one row in ``case_erasures`` (no CPR number, nothing about the person) and the access log; every
other row about it, and every stored idempotent answer that concerned it, is deleted in one transaction.
"""
