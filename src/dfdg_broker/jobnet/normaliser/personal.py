"""The personal details: name and address from the CPR register (N15), website (N14), phone (N16), e-mail (N17)."""

from __future__ import annotations

from dfdg_broker.jobnet.contact import check_email, check_phone, check_website
from dfdg_broker.jobnet.cv import Address, JobnetCv, PersonName
from dfdg_broker.jobnet.findings import FindingCode, Suggestion
from dfdg_broker.jobnet.normaliser.collector import Run


def register_fields(run: Run, cv: JobnetCv) -> tuple[PersonName | None, Address | None]:
    """N15: the CPR register's name and address replace the CV's, reported where they differed."""
    name, address = cv.name, cv.address
    register_name, register_address = run.context.name, run.context.address
    if register_name is not None:
        if name is not None and name != register_name:
            run.report(FindingCode.N15_NAME_FROM_REGISTER, "$.name", original=f"{name.first_name} {name.last_name}")
        name = register_name
    if register_address is not None:
        if address is not None and address != register_address:
            original = f"{address.street}, {address.postal_code} {address.city}"
            run.report(FindingCode.N15_ADDRESS_FROM_REGISTER, "$.address", original=original)
        address = register_address
    return name, address


def website(run: Run, value: str | None) -> str | None:
    text = run.text(value, "$.website")
    if text is None:
        return None
    checked = check_website(text)
    if checked.url is None:
        run.report(
            FindingCode.N14_WEBSITE_INVALID,
            "$.website",
            original=text,
            suggestions=(Suggestion(checked.suggestion),) if checked.suggestion else (),
            value=text,
        )
    return checked.url


def phone(run: Run, cv: JobnetCv) -> dict[str, str] | None:
    text = run.text(cv.contact.phone.number if cv.contact.phone else None, "$.contact.phone")
    if text is None:
        return None
    checked = check_phone(text)
    if checked.e164 is None:
        run.report(FindingCode.N16_PHONE_NOT_ACCEPTED, "$.contact.phone", original=text, value=text)
        return None
    if checked.e164 != text:
        run.report(FindingCode.N16_PHONE_FORMATTED, "$.contact.phone.number", original=text, number=checked.e164)
    if checked.landline:
        run.report(FindingCode.N16_LANDLINE_MARKED_MOBILE, "$.contact.phone.number")
    return {"number": checked.e164, "kind": "mobile"}


def email(run: Run, value: str | None) -> str | None:
    text = run.text(value, "$.contact.email")
    if text is None:
        return None
    valid = check_email(text)
    if valid is None:
        run.report(FindingCode.N17_EMAIL_INVALID, "$.contact.email", original=text, value=text)
    elif valid != text:
        run.report(FindingCode.N17_EMAIL_NORMALISED, "$.contact.email", original=text, address=valid)
    return valid
