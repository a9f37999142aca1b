"""Follow-up policies as data (F2, F7): the file format, its validation and the registry loaded once at start-up.

The packaged policies are ``policies/legal-minimum.json`` and ``policies/copenhagen.json`` (Copenhagen, 101). A
municipality's own policy is a JSON file of the same format in ``DFDG_FOLLOWUP_POLICY_DIR`` (every ``*.json`` there
is loaded); its ``municipalities`` list selects it for those codes. Any other code gets the legal minimum. A broken
file stops the start-up with the file name and the field at fault, never a request.

Readings of Copenhagen's letter (seeds/003, 25 November 2020), also in the file's ``notes``: table 1 continues over
a page break (the rows from "Sygedagpengemodtager" on belong to it); "1 samtaler om måneden" is 12 a year and "1
samtaler hver anden måned" 6 a year; each row keeps the cell text as written (``as_written``). Tables 2 and 3 use
other groups than table 1: "Kontanthjælp mv" takes the cash-benefit cadence (job- and activity-ready are the same),
"Uddannelseshjælp" the higher activity-ready one (6 a year; the split is not given), "For- og revalidering" that of
"Revalidend", "Ledighedsydelse" that of "Fleksjobberettiget"; "Fleksjob" and "Førtidspension" (no norm given) have
no cadence, so they count persons but no conversations. "13.695" is 13,695 (Danish thousands separator).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from importlib.resources import files
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dfdg_broker.domain.followup import (
    MAX_CONVERSATIONS_PER_PERIOD,
    Cadence,
    Policy,
    PolicyKind,
    TargetGroup,
    WorkloadGroup,
)
from dfdg_broker.domain.municipalities import is_municipality
from dfdg_broker.followup.errors import UnknownPolicy

LEGAL_MINIMUM = "legal-minimum"


class AsWritten(BaseModel):
    """The policy's own words for a row (e.g. table 1's cells), kept so the transcription can be checked."""

    model_config = ConfigDict(extra="forbid")

    first_6_months: str | None = None
    thereafter: str | None = None


class CadenceFile(BaseModel):
    """One target group's cadence. Counts for every policy; the timing fields for the legal minimum only."""

    model_config = ConfigDict(extra="forbid")

    danish_name: str | None = None
    as_written: AsWritten | None = None
    initial_conversations: int = Field(
        default=0, ge=0, le=MAX_CONVERSATIONS_PER_PERIOD, description="Individual conversations in the initial period"
    )
    initial_joint_conversations: int = Field(
        default=0, ge=0, le=MAX_CONVERSATIONS_PER_PERIOD, description="Joint conversations with the a-kasse in it (F1)"
    )
    per_year_thereafter: int = Field(
        default=0,
        ge=0,
        le=MAX_CONVERSATIONS_PER_PERIOD,
        description="Conversations per 12-month period after the initial period; 0 = as needed (none scheduled)",
    )
    initial_months: int | None = Field(
        default=None, ge=0, le=24, description="Legal minimum only: length of the initial period (default 6)"
    )
    visitation_after_months: int | None = Field(
        default=None, ge=0, le=24, description="Legal minimum only: visitation this many months after the start (F3)"
    )
    joint_conversations_after_months: list[int] | None = Field(
        default=None, description="Legal minimum only: one-off joint conversations after so many months (F1: [16])"
    )
    legal_minimum_stated: bool = Field(
        default=True,
        description="Legal minimum only: false where the law (the letter) states no minimum for the group (F1)",
    )

    def timing_given(self) -> bool:
        timing = (self.initial_months, self.visitation_after_months, self.joint_conversations_after_months)
        return any(value is not None for value in timing) or not self.legal_minimum_stated

    def to_cadence(self) -> Cadence:
        return Cadence(
            initial_conversations=self.initial_conversations,
            initial_joint_conversations=self.initial_joint_conversations,
            per_year_thereafter=self.per_year_thereafter,
            initial_months=6 if self.initial_months is None else self.initial_months,
            visitation_after_months=self.visitation_after_months,
            joint_conversations_after_months=tuple(self.joint_conversations_after_months or ()),
            legal_minimum_stated=self.legal_minimum_stated,
        )


class WorkloadGroupFile(BaseModel):
    """F7: one row of the workload tables (Copenhagen: tables 2 and 3)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    danish_name: str
    full_time_persons: Decimal = Field(ge=0, description="Fuldtidspersoner (table 2)")
    norm_minutes: int | None = Field(ge=1, le=600, description="Norm minutes per conversation (table 3); null: none")
    cadence: TargetGroup | None = Field(description="The target group whose cadence applies; null: none given")
    temporary_support: bool = Field(default=False, description="Counted in 'midlertidig forsørgelse i alt'")


class WorkloadFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    year: int
    groups: list[WorkloadGroupFile]

    @model_validator(mode="after")
    def _unique_keys(self) -> Self:
        keys = [group.key for group in self.groups]
        if len(keys) != len(set(keys)):
            raise ValueError("workload group keys must be unique")
        return self


class PolicyFile(BaseModel):
    """A follow-up policy file (JSON). ``kind`` is ``municipal`` for a municipality's own policy: it sets how many
    conversations per period (F2) and can only add to the packaged legal minimum, which sets when."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", examples=["copenhagen"])
    kind: PolicyKind
    title: str
    legal_basis: str
    source: str | None = None
    valid_from: date
    valid_to: date | None = None
    municipalities: list[str] = Field(default=[], description="Official 3-digit codes this policy applies to")
    notes: list[str] = []
    cadences: dict[TargetGroup, CadenceFile]
    workload: WorkloadFile | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        unknown = [code for code in self.municipalities if not is_municipality(code)]
        if unknown:
            raise ValueError(f"not official municipality codes: {', '.join(unknown)}")
        if self.kind is PolicyKind.MUNICIPAL:
            timed = [group.value for group, cadence in self.cadences.items() if cadence.timing_given()]
            if timed:
                raise ValueError(
                    "a municipal policy sets how many conversations, not when (initial_months, "
                    "visitation_after_months, joint_conversations_after_months, legal_minimum_stated): "
                    f"{', '.join(timed)}"
                )
        else:
            missing = [group.value for group in TargetGroup if group not in self.cadences]
            if missing:
                raise ValueError(f"the legal minimum must give every target group; missing: {', '.join(missing)}")
        return self

    def to_policy(self) -> Policy:
        groups = self.workload.groups if self.workload else []
        return Policy(
            name=self.name,
            kind=self.kind,
            title=self.title,
            legal_basis=self.legal_basis,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            cadences={group: cadence.to_cadence() for group, cadence in self.cadences.items()},
            municipalities=frozenset(self.municipalities),
            workload_groups=tuple(
                WorkloadGroup(
                    key=group.key,
                    danish_name=group.danish_name,
                    full_time_persons=Fraction(group.full_time_persons),
                    norm_minutes=group.norm_minutes,
                    cadence=group.cadence,
                    temporary_support=group.temporary_support,
                )
                for group in groups
            ),
            notes=tuple(self.notes),
        )


class PolicyFileInvalid(ValueError):
    """A policy file that cannot be used: raised at start-up, naming the file and the field."""


@dataclass(frozen=True, slots=True)
class PolicyRegistry:
    """Every policy by name, and which one each municipality uses. Built once, at start-up."""

    files: Mapping[str, PolicyFile]
    policies: Mapping[str, Policy]
    by_municipality: Mapping[str, str]

    @property
    def legal_minimum(self) -> Policy:
        return self.policies[LEGAL_MINIMUM]

    def named(self, name: str, *, field: str) -> Policy:
        """F2: the policy called ``name``, or an UnknownPolicy problem naming ``field``."""
        policy = self.policies.get(name)
        if policy is None:
            raise UnknownPolicy(
                f"No follow-up policy is called {name!r}; known: {', '.join(sorted(self.policies))}.", field=field
            )
        return policy

    def for_municipality(self, code: str) -> Policy:
        """F2: the municipality's own policy where one is configured, else the legal minimum."""
        return self.policies[self.by_municipality.get(code, LEGAL_MINIMUM)]


def packaged_policy_files() -> list[tuple[str, str]]:
    folder = files("dfdg_broker.followup").joinpath("policies")
    return sorted(
        (f"packaged {entry.name}", entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    )


def parse_policy_file(origin: str, text: str) -> PolicyFile:
    try:
        return PolicyFile.model_validate_json(text)
    except ValidationError as exc:
        raise PolicyFileInvalid(f"follow-up policy {origin}: {validation_summary(exc)}") from None


def validation_summary(exc: ValidationError) -> str:
    """Where and what, without the offending value (pydantic's own text echoes it)."""
    return "; ".join(f"{'.'.join(str(part) for part in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors())


def load_policies(directory: Path | None = None) -> PolicyRegistry:
    """The packaged policies plus every ``*.json`` in ``directory`` (DFDG_FOLLOWUP_POLICY_DIR), validated."""
    sources = packaged_policy_files()
    if directory is not None:
        if not directory.is_dir():
            raise PolicyFileInvalid(f"DFDG_FOLLOWUP_POLICY_DIR {directory} is not a directory")
        sources += [(str(path), path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))]
    by_name: dict[str, PolicyFile] = {}
    by_municipality: dict[str, str] = {}
    for origin, text in sources:
        policy = parse_policy_file(origin, text)
        if policy.name in by_name:
            raise PolicyFileInvalid(f"follow-up policy {origin}: the name {policy.name!r} is already taken")
        if policy.kind is PolicyKind.LEGAL_MINIMUM and policy.name != LEGAL_MINIMUM:
            raise PolicyFileInvalid(
                f"follow-up policy {origin}: only the packaged {LEGAL_MINIMUM!r} is a legal minimum"
            )
        for code in policy.municipalities:
            if code in by_municipality:
                raise PolicyFileInvalid(
                    f"follow-up policy {origin}: municipality {code} already uses {by_municipality[code]!r}"
                )
            by_municipality[code] = policy.name
        by_name[policy.name] = policy
    if LEGAL_MINIMUM not in by_name:
        raise PolicyFileInvalid(f"the packaged {LEGAL_MINIMUM!r} policy is missing")
    return PolicyRegistry(
        files=by_name,
        policies={name: policy.to_policy() for name, policy in by_name.items()},
        by_municipality=by_municipality,
    )
