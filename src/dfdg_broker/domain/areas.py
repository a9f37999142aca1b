"""The four data areas (dataområder), named as in this API."""

from __future__ import annotations

from enum import StrEnum


class DataArea(StrEnum):
    CV = "cv"  # DA1: early competence assessment, may feed the Jobnet CV
    INTEGRATION_CONTRACT = "integration-contract"  # DA2: may feed 'Min plan - integrationskontrakt'
    OTHER = "other"  # DA3: everything else, shown to caseworkers only
    ATTACHMENTS = "attachments"  # DA4: documents, routed to the units concerned
