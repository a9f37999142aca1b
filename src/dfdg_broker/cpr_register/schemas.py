"""CPR register wire format: what the register accepts and answers (the broker's client and the mock share these;
the committed contract ``openapi/cpr-register.json`` is what catches a drift of both)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RegisterLookup(BaseModel):
    """Find a person in the register by CPR number (in the body, never in the URL)."""

    cpr: str = Field(pattern=r"^[0-9]{10}$")


class RegisterEntry(BaseModel):
    """What the register holds about a person: name and address (CPR's navn og adresse)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    first_name: str
    last_name: str
    street: str
    postal_code: str
    city: str
    municipality: str
