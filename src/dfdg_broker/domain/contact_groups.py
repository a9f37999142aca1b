"""C3: the contact groups (kontaktgrupper) a case may be created with, and no other."""

from __future__ import annotations

from enum import IntEnum


class ContactGroup(IntEnum):
    """C3. The Danish names are the legal ones."""

    SELF_SUPPORTING_NOT_EMPLOYED = 17  # Selvforsørgede, ikke i beskæftigelse
    SELF_SUPPORTING_INTEGRATION_PROGRAMME = 18  # Selvforsørgende udlændinge omfattet af integrationsprogrammet
    IMMIGRANT_INTRODUCTION_COURSE = 19  # Indvandrer i introduktionsforløb
    EMPLOYED = 20  # Beskæftigede
    INTEGRATION_BENEFIT_RECIPIENT = 27  # Integrationsydelsesmodtager omfattet af integrationsprogrammet

    @property
    def danish_name(self) -> str:
        return DANISH_NAMES[self]


DANISH_NAMES: dict[ContactGroup, str] = {
    ContactGroup.SELF_SUPPORTING_NOT_EMPLOYED: "Selvforsørgede, ikke i beskæftigelse",
    ContactGroup.SELF_SUPPORTING_INTEGRATION_PROGRAMME: "Selvforsørgende udlændinge omfattet af integrationsprogrammet",
    ContactGroup.IMMIGRANT_INTRODUCTION_COURSE: "Indvandrer i introduktionsforløb",
    ContactGroup.EMPLOYED: "Beskæftigede",
    ContactGroup.INTEGRATION_BENEFIT_RECIPIENT: "Integrationsydelsesmodtager omfattet af integrationsprogrammet",
}
