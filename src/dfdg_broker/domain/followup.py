"""F1-F7: the follow-up conversation plan (samtaleplan, opfølgningsplan) and the workload estimate. Pure, no I/O.

A plan is computed from a target group (målgruppe), a start date, the citizen's flags and two policies: the legal
minimum (always applied) and the policy selected for the municipality (which can only add to it).

Readings taken where the letter and DOMAIN.md are silent:

- **Start date.** Integration-act groups count from arrival in the municipality (for a case: the handover date, C4);
  LAB groups from the first day of unemployment (ledighed).
- **Month arithmetic.** Adding months clamps to the last day of the target month (31 January + 1 month = 28 or 29
  February). Every boundary is ``start + n months`` computed from the start date, never chained from the previous
  boundary, so a plan starting on the 31st does not drift to the 28th.
- **Periods.** The initial period (LAB: the first 6 months of unemployment; integration benefit recipients: the 6
  months after the visitation) and then consecutive 12-month periods. A period is half-open: [start, end).
- **"n conversations within a period"** are spread evenly by days: conversation k of n falls on the last day of its
  equal share, ``start + ceil(k * days / n) - 1`` days. The last one therefore falls on the period's last day, and
  none falls on the day the period begins (for integration benefit recipients that is the visitation's day).
- **Joint conversations** with the a-kasse (F1) come on top of the individual ones: all are spread together and the
  joint ones take evenly interleaved places (with 4 + 2: the 2nd and the 5th), so the first conversation is
  individual.
- **Municipal policies add, never remove** (F2). The legal minimum fixes *when* (visitation, initial period, the
  16-month joint conversation); a municipal policy only sets *how many* per period, and per period and kind the
  larger number applies. The legal minimum's conversations come first in the period, in their own order, and the
  municipality's additions after them, all spread evenly together: so each legal conversation falls on or before
  the day it would have under the legal minimum alone.
- **"As needed"** (efter behov) schedules nothing: the legal minimum has no conversations after the initial period
  except where the law gives a cadence (in work or education without benefits: every 12 months, F3).
- **Horizon.** Conversations in [start, start + horizon months) are listed; a period that straddles the end is cut.
- **Content (F4-F6).** F5 rights and duties on the plan's first conversation. F4 repatriation guidance on every
  integration-act follow-up (§ 20 b), and on every LAB job conversation (joint ones included) when the citizen is
  covered by the repatriation act (*repatrieringsloven*, not the different *hjemrejseloven*): tell the citizen of
  the possibility, refer them to individual advice at the Danish Refugee Council (Dansk Flygtningehjælp), and hand
  out its pamphlet. F6 Danish-language consequences on integration-act follow-ups when the citizen is flagged as
  not learning Danish systematically. The visitation is not a follow-up: F5 only.
- **No legal minimum (F1, added).** The letter states the 4-in-6 minimum for unemployment-insurance recipients and
  the other *unemployed* LAB groups only; for sickness benefit, job clarification, resource course, flex-job
  eligible and rehabilitation it states none: their plan shows the municipality's cadence and says so.
- **Working days (F3, added).** A planned date on a Saturday, Sunday or Danish public holiday (the ``holidays``
  package's Danish calendar) moves to the previous working day, so it stays inside its window.
- **Situations (F3, added).** For a case, the integration-act cadence follows the citizen's *situation* (receives
  a benefit; in ordinary work or education without a benefit, students on SU included; other self-supporting),
  which may change over time; the contact group only gives the first situation. See ``case_plan``.
"""

from __future__ import annotations

import calendar
import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache

import holidays

from dfdg_broker.domain.contact_groups import ContactGroup
from dfdg_broker.domain.errors import RuleViolation

DEFAULT_HORIZON_MONTHS = 24
MIN_HORIZON_MONTHS = 1
MAX_HORIZON_MONTHS = 120
MAX_CONVERSATIONS_PER_PERIOD = 52
"""At most weekly: keeps every spread conversation on its own day."""


class Act(StrEnum):
    """The law a target group's conversations follow."""

    LAB = "lab"  # lov om en aktiv beskæftigelsesindsats
    INTEGRATION_ACT = "integration-act"  # integrationsloven


class TargetGroup(StrEnum):
    """Målgruppe. LAB groups are the rows of table 1 of Copenhagen's letter (F1, F2); the integration-act groups
    are the three of § 20 (F3). The benefit status is part of the group, as in the letter's table."""

    UNEMPLOYMENT_INSURANCE = "unemployment-insurance"  # Dagpengemodtagere
    JOB_READY_CASH_BENEFIT = "job-ready-cash-benefit"  # Jobparate kontanthjælp
    ACTIVITY_READY_CASH_BENEFIT = "activity-ready-cash-benefit"  # Aktivitetsparate kontanthjælp
    EDUCATION_READY_EDUCATION_BENEFIT = "education-ready-education-benefit"  # Uddannelsesparate uddannelseshjælp
    ACTIVITY_READY_EDUCATION_BENEFIT = "activity-ready-education-benefit"  # Aktivitetsparate uddannelseshjælp
    SICKNESS_BENEFIT = "sickness-benefit"  # Sygedagpengemodtager
    JOB_CLARIFICATION_COURSE = "job-clarification-course"  # Jobafklaringsforløb
    RESOURCE_COURSE = "resource-course"  # Ressourceforløb
    FLEX_JOB_ELIGIBLE = "flex-job-eligible"  # Fleksjobberettiget
    REHABILITATION = "rehabilitation"  # Revalidend
    # selvforsørgelses- og hjemrejseydelse
    SELF_SUPPORT_AND_REPATRIATION_BENEFIT = "self-support-and-repatriation-benefit"
    TRANSITION_BENEFIT = "transition-benefit"  # overgangsydelse
    INTEGRATION_BENEFIT_RECIPIENT = "integration-benefit-recipient"  # ydelsesmodtager, integrationsloven § 20
    INTEGRATION_EMPLOYED_OR_IN_EDUCATION = "integration-employed-or-in-education"  # i ordinær beskæftigelse/uddannelse
    INTEGRATION_SELF_SUPPORTING = "integration-self-supporting"  # øvrige selvforsørgende (familieforsørgede)

    @property
    def act(self) -> Act:
        return Act.INTEGRATION_ACT if self.value.startswith("integration-") else Act.LAB


class Situation(StrEnum):
    """F3 (added): the citizen's situation, which decides the integration-act cadence (not the contact group)."""

    RECEIVES_BENEFIT = "receives-benefit"  # ydelsesmodtager
    IN_WORK_OR_EDUCATION = "in-work-or-education"  # i ordinær beskæftigelse eller uddannelse uden ydelse (SU incl.)
    OTHER_SELF_SUPPORTING = "other-self-supporting"  # øvrige selvforsørgende (familieforsørgede)

    @property
    def target_group(self) -> TargetGroup:
        return SITUATION_TARGET_GROUPS[self]


SITUATION_TARGET_GROUPS: Mapping[Situation, TargetGroup] = {
    Situation.RECEIVES_BENEFIT: TargetGroup.INTEGRATION_BENEFIT_RECIPIENT,
    Situation.IN_WORK_OR_EDUCATION: TargetGroup.INTEGRATION_EMPLOYED_OR_IN_EDUCATION,
    Situation.OTHER_SELF_SUPPORTING: TargetGroup.INTEGRATION_SELF_SUPPORTING,
}

CONTACT_GROUP_DEFAULT_SITUATION: Mapping[ContactGroup, Situation] = {
    # 17 Selvforsørgede, ikke i beskæftigelse: self-supporting outside work -> "other self-supporting".
    ContactGroup.SELF_SUPPORTING_NOT_EMPLOYED: Situation.OTHER_SELF_SUPPORTING,
    # 18 Selvforsørgende udlændinge omfattet af integrationsprogrammet: self-supporting, not in work.
    ContactGroup.SELF_SUPPORTING_INTEGRATION_PROGRAMME: Situation.OTHER_SELF_SUPPORTING,
    # 19 Indvandrer i introduktionsforløb: receives no benefit through the programme -> self-supporting.
    ContactGroup.IMMIGRANT_INTRODUCTION_COURSE: Situation.OTHER_SELF_SUPPORTING,
    # 20 Beskæftigede: in ordinary work without benefits -> every 12 months (F3).
    ContactGroup.EMPLOYED: Situation.IN_WORK_OR_EDUCATION,
    # 27 Integrationsydelsesmodtager: benefit recipient -> visitation, 4 within 6 months, then the cadence (F3).
    ContactGroup.INTEGRATION_BENEFIT_RECIPIENT: Situation.RECEIVES_BENEFIT,
}
"""F3, Reading (added): the contact group (C3) gives only the *default* situation of a new case; the caseworker
records the actual one (e.g. a group-17 student on SU is in education) and every change of it."""

CONTACT_GROUP_TARGET_GROUPS: Mapping[ContactGroup, TargetGroup] = {
    group: situation.target_group for group, situation in CONTACT_GROUP_DEFAULT_SITUATION.items()
}
"""Contact group (C3) -> the default target group, through the default situation."""


class ConversationKind(StrEnum):
    JOB_CONVERSATION = "job-conversation"  # individuel jobsamtale (LAB § 31)
    JOINT_WITH_UNEMPLOYMENT_FUND = "joint-with-unemployment-fund"  # fælles samtale med a-kassen (LAB §§ 31, 32(2))
    INTEGRATION_FOLLOW_UP = "integration-follow-up"  # opfølgningssamtale (integrationsloven § 20)
    VISITATION = "visitation"  # visitation 3 months after arrival (integrationsloven § 20)


class Basis(StrEnum):
    LEGAL_MINIMUM = "legal-minimum"
    MUNICIPAL_ADDITION = "municipal-addition"


class ContentItem(StrEnum):
    REPATRIATION = "repatriation-guidance"  # F4
    RIGHTS_AND_DUTIES = "rights-and-duties"  # F5
    DANISH_LANGUAGE_CONSEQUENCES = "danish-language-consequences"  # F6

    @property
    def rule(self) -> str:
        return _CONTENT_RULES[self]

    @property
    def legal_basis(self) -> str:
        return _CONTENT_TEXTS[self][0]

    @property
    def steps(self) -> tuple[str, ...]:
        """What the caseworker does, in English."""
        return _CONTENT_TEXTS[self][1]

    @property
    def steps_da(self) -> tuple[str, ...]:
        """The same in Danish, as the letter words it."""
        return _CONTENT_TEXTS[self][2]


_CONTENT_RULES = {
    ContentItem.REPATRIATION: "F4",
    ContentItem.RIGHTS_AND_DUTIES: "F5",
    ContentItem.DANISH_LANGUAGE_CONSEQUENCES: "F6",
}

REPATRIATION_ACT = "repatrieringsloven"
"""F4: the act the guidance is about (not the different hjemrejseloven)."""

_CONTENT_TEXTS: Mapping[ContentItem, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    ContentItem.REPATRIATION: (
        "integrationsloven § 20 b (follow-ups); LAB job conversations for persons covered by repatrieringsloven",
        (
            "Tell the citizen of the possibility of repatriation under the repatriation act (repatrieringsloven).",
            "Refer the citizen to individual advice at the Danish Refugee Council (Dansk Flygtningehjælp).",
            "Hand out the Danish Refugee Council's pamphlet on repatriation.",
        ),
        (
            "Oplys borgeren om muligheden for repatriering efter repatrieringsloven.",
            "Henvis til konkret og individuel rådgivning hos Dansk Flygtningehjælp.",
            "Udlever Dansk Flygtningehjælps pjece om repatriering.",
        ),
    ),
    ContentItem.RIGHTS_AND_DUTIES: (
        "the first conversation (LAB and integrationsloven)",
        ("Guide the citizen on all rights and duties regarding availability and sanctions.",),
        ("Vejled borgeren om alle rettigheder og pligter i forhold til rådighed og sanktioner.",),
    ),
    ContentItem.DANISH_LANGUAGE_CONSEQUENCES: (
        "integrationsloven § 20, stk. 9 og 10",
        (
            "State the possible consequences of not learning Danish systematically (danskuddannelsesloven).",
            "Where relevant, guide on the main conditions for permanent residence.",
        ),
        (
            "Meddel de mulige konsekvenser af manglende dansktilegnelse.",
            "Vejled, hvis det er relevant, om hovedbetingelserne for at opnå permanent opholdstilladelse.",
        ),
    ),
}


class PolicyKind(StrEnum):
    LEGAL_MINIMUM = "legal-minimum"
    MUNICIPAL = "municipal"


@dataclass(frozen=True, slots=True)
class Cadence:
    """A target group's conversations. The count fields say how many; the others (set by the legal minimum only)
    say when. ``per_year_thereafter = 0`` means "as needed": nothing scheduled."""

    initial_conversations: int = 0
    initial_joint_conversations: int = 0
    per_year_thereafter: int = 0
    initial_months: int = 6
    visitation_after_months: int | None = None
    joint_conversations_after_months: tuple[int, ...] = ()
    legal_minimum_stated: bool = True
    """F1 (added): False where the letter states no legal minimum for the group (legal minimum policy only)."""

    def raised_by(self, municipal: Cadence | None) -> Cadence:
        """F2: this (legal) cadence with every count raised to the municipality's where that is larger."""
        if municipal is None:
            return self
        return replace(
            self,
            initial_conversations=max(self.initial_conversations, municipal.initial_conversations),
            initial_joint_conversations=max(self.initial_joint_conversations, municipal.initial_joint_conversations),
            per_year_thereafter=max(self.per_year_thereafter, municipal.per_year_thereafter),
        )

    @property
    def initial_offset_months(self) -> int:
        """Months from the start date to the initial period (F3: it follows the visitation)."""
        return self.visitation_after_months or 0


@dataclass(frozen=True, slots=True)
class WorkloadGroup:
    """F7: one row of tables 2 and 3: full-time persons (fuldtidspersoner) and the norm minutes per conversation
    (normtid); ``cadence`` names the target group whose conversations it has, None where the policy gives none."""

    key: str
    danish_name: str
    full_time_persons: Fraction
    norm_minutes: int | None
    cadence: TargetGroup | None
    temporary_support: bool  # counted in "midlertidig forsørgelse i alt"


@dataclass(frozen=True, slots=True)
class Policy:
    """A rule set: the legal minimum or a municipality's own cadence, valid for a period."""

    name: str
    kind: PolicyKind
    title: str
    legal_basis: str
    valid_from: date
    valid_to: date | None
    cadences: Mapping[TargetGroup, Cadence]
    municipalities: frozenset[str] = frozenset()
    workload_groups: tuple[WorkloadGroup, ...] = ()
    notes: tuple[str, ...] = ()

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class PlanRequest:
    target_group: TargetGroup
    start_date: date
    horizon_months: int = DEFAULT_HORIZON_MONTHS
    not_learning_danish: bool = False  # F6
    covered_by_repatriation_act: bool = True  # F4, LAB groups only; integration-act follow-ups always have it
    visitation_held_on: date | None = None  # F3 (added): the actual visitation, when known


@dataclass(frozen=True, slots=True)
class Conversation:
    on: date
    kind: ConversationKind
    basis: Basis
    rule: str  # F1 / F3 for the legal minimum, F2 for a municipal addition
    period: str  # "visitation", "initial", "year-1", ... or "fixed"
    content: tuple[ContentItem, ...] = ()
    moved_from: date | None = None  # F3 (added): the computed date, when it fell on a weekend or public holiday
    situation: Situation | None = None  # a case plan: the situation whose cadence planned it


@dataclass(frozen=True, slots=True)
class Plan:
    request: PlanRequest
    policy: Policy
    legal_minimum: Policy
    horizon_end: date  # exclusive
    conversations: tuple[Conversation, ...]
    warnings: tuple[str, ...] = ()
    segments: tuple[Segment, ...] = ()  # a case plan: the situations it followed
    legal_minimum_stated: bool = True  # F1 (added)


@dataclass(frozen=True, slots=True)
class SituationChange:
    """F3 (added): from ``since`` on, the citizen is in ``situation``."""

    situation: Situation
    since: date


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of a case plan under one situation: [begins, ends)."""

    situation: Situation
    target_group: TargetGroup
    begins: date
    ends: date


# ---------------------------------------------------------------- dates


def add_months(day: date, months: int) -> date:
    """``day`` + whole calendar months, clamped to the target month's last day (31 January + 1 = 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if day.day <= 28:  # every month has the day: no need to ask the calendar
        return date(year, month, day.day)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=256)
def _danish_holidays(year: int) -> frozenset[date]:
    """Danish public holidays of one year (``holidays``' calendar: no hand-made list), computed once per year."""
    return frozenset(holidays.country_holidays("DK", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Danish public holiday."""
    return day.weekday() < 5 and day not in _danish_holidays(day.year)


_ONE_DAY = timedelta(days=1)


def previous_working_day(day: date) -> date:
    """F3 (added): ``day`` itself when it is a working day, else the nearest working day before it."""
    while day.weekday() >= 5 or day in _danish_holidays(day.year):  # ``is_working_day``, inlined: every plan's dates
        day -= _ONE_DAY
    return day


def spread(start: date, end: date, count: int) -> list[date]:
    """``count`` dates evenly over [start, end): each on the last day of its equal share, the last on end - 1."""
    days = (end - start).days
    return [start + timedelta(days=-(-k * days // count) - 1) for k in range(1, count + 1)]


# ---------------------------------------------------------------- the plan (F1-F6)


def check_horizon(horizon_months: int) -> None:
    if not MIN_HORIZON_MONTHS <= horizon_months <= MAX_HORIZON_MONTHS:
        raise RuleViolation(
            "F1",
            "horizon_out_of_bounds",
            f"The plan's horizon must be {MIN_HORIZON_MONTHS} to {MAX_HORIZON_MONTHS} months.",
            field="horizon_months",
        )


def plan(request: PlanRequest, policy: Policy, legal_minimum: Policy) -> Plan:
    """F1-F6: the dated conversations for ``request.horizon_months`` months from the start date."""
    check_horizon(request.horizon_months)
    group = request.target_group
    horizon_end = add_months(request.start_date, request.horizon_months)
    slots = _slots(group, request.start_date, request.visitation_held_on, policy, legal_minimum, horizon_end)
    return Plan(
        request,
        policy,
        legal_minimum,
        horizon_end,
        _finish([(slot, None) for slot in slots], request),
        _warnings(request, policy, legal_minimum, (group,)),
        legal_minimum_stated=legal_minimum.cadences[group].legal_minimum_stated,
    )


_Slot = tuple[date, ConversationKind, Basis, str, str]
"""A conversation as planned, before ``_finish``: its computed day, kind, basis, rule and period (a plain tuple: a
plan is computed on every case change, and only the finished conversation needs to be an object)."""


def _slots(
    group: TargetGroup,
    start: date,
    visitation_held_on: date | None,
    policy: Policy,
    legal_minimum: Policy,
    horizon_end: date,
) -> list[_Slot]:
    """F1-F3: the conversations ``group``'s cadence plans from ``start`` before ``horizon_end``, on their computed
    days (not yet moved to working days) and in their order."""
    legal = legal_minimum.cadences[group]
    municipal = policy.cadences.get(group) if policy.kind is PolicyKind.MUNICIPAL else None
    cadence = legal.raised_by(municipal)
    legal_rule = "F1" if group.act is Act.LAB else "F3"
    regular = ConversationKind.JOB_CONVERSATION if group.act is Act.LAB else ConversationKind.INTEGRATION_FOLLOW_UP

    held = visitation_held_on if legal.visitation_after_months is not None else None

    def boundary(months: int) -> date:
        """``start + months``; once the visitation is held, the periods after it count from its actual day."""
        if held is None or months < legal.initial_offset_months:
            return add_months(start, months)
        return add_months(held, months - legal.initial_offset_months)

    slots: list[_Slot] = []
    if legal.visitation_after_months is not None:
        visitation = held or add_months(start, legal.visitation_after_months)
        slots.append((visitation, ConversationKind.VISITATION, Basis.LEGAL_MINIMUM, legal_rule, "visitation"))
    for months in legal.joint_conversations_after_months:
        slots.append((add_months(start, months), _JOINT, Basis.LEGAL_MINIMUM, "F1", "fixed"))

    offset = legal.initial_offset_months
    if legal.initial_months:
        slots += _period(
            "initial",
            boundary(offset),
            boundary(offset + legal.initial_months),
            regular=(regular, legal.initial_conversations, cadence.initial_conversations),
            joint=(legal.initial_joint_conversations, cadence.initial_joint_conversations),
            legal_rule=legal_rule,
        )
    thereafter = offset + legal.initial_months
    for year in itertools.count(1):
        begin = boundary(thereafter + 12 * (year - 1))
        if not cadence.per_year_thereafter or begin >= horizon_end:
            break
        slots += _period(
            f"year-{year}",
            begin,
            boundary(thereafter + 12 * year),
            regular=(regular, legal.per_year_thereafter, cadence.per_year_thereafter),
            joint=(0, 0),
            legal_rule=legal_rule,
        )
    return sorted((slot for slot in slots if slot[0] < horizon_end), key=_computed_day)


def _computed_day(slot: _Slot) -> date:
    return slot[0]


def _finish(planned: Sequence[tuple[_Slot, Situation | None]], request: PlanRequest) -> tuple[Conversation, ...]:
    """The conversations: each date moved off weekends and holidays (F3, added), the required content added (F4-F6)
    and the situation whose cadence planned it (a case plan). ``planned`` is in the order of the computed days, and
    so is the result: moving to the previous working day never puts a date after a later one's, so nothing is
    reordered and the first planned is the first conversation."""
    finished = []
    for index, (slot, situation) in enumerate(planned):
        computed, kind, basis, rule, period = slot
        day = previous_working_day(computed)
        content = _content(kind, index == 0, request.not_learning_danish, request.covered_by_repatriation_act)
        moved_from = None if day == computed else computed
        finished.append(Conversation(day, kind, basis, rule, period, content, moved_from, situation))
    return tuple(finished)


def _period(
    name: str,
    begin: date,
    end: date,
    *,
    regular: tuple[ConversationKind, int, int],
    joint: tuple[int, int],
    legal_rule: str,
) -> list[_Slot]:
    """One period's conversations. ``regular`` is (kind, legal count, applied count), ``joint`` (legal, applied) for
    the joint conversations with the a-kasse; applied counts are ``max(legal, municipal)``. The legal minimum's come
    first, the municipality's additions (F2) after them, and all are spread evenly together."""
    regular_kind, legal_regular, regular_count = regular
    legal_joint, joint_count = joint
    legal = _interleaved(regular_kind, legal_regular, legal_joint)
    added = _interleaved(regular_kind, regular_count - legal_regular, joint_count - legal_joint)
    days = spread(begin, end, len(legal) + len(added)) if legal or added else []
    return [
        (day, kind, Basis.LEGAL_MINIMUM, "F1" if kind is _JOINT else legal_rule, name)
        for day, kind in zip(days, legal, strict=False)
    ] + [(day, kind, Basis.MUNICIPAL_ADDITION, "F2", name) for day, kind in zip(days[len(legal) :], added, strict=True)]


_JOINT = ConversationKind.JOINT_WITH_UNEMPLOYMENT_FUND


def _interleaved(regular: ConversationKind, regular_count: int, joint_count: int) -> list[ConversationKind]:
    """Joint conversations at evenly interleaved places among the regular ones (4 + 2: the 2nd and the 5th)."""
    total = regular_count + joint_count
    joint_slots = {(2 * i + 1) * total // (2 * joint_count) for i in range(joint_count)}
    return [_JOINT if index in joint_slots else regular for index in range(total)]


@lru_cache(maxsize=64)
def _content(
    kind: ConversationKind, first: bool, not_learning_danish: bool, covered_by_repatriation_act: bool
) -> tuple[ContentItem, ...]:
    """F4-F6: what a conversation must cover (a fixed table of a few dozen entries, kept once computed)."""
    items = []
    if first:
        items.append(ContentItem.RIGHTS_AND_DUTIES)  # F5
    follow_up = kind is ConversationKind.INTEGRATION_FOLLOW_UP
    job = kind in (ConversationKind.JOB_CONVERSATION, ConversationKind.JOINT_WITH_UNEMPLOYMENT_FUND)
    if follow_up or (job and covered_by_repatriation_act):
        items.append(ContentItem.REPATRIATION)  # F4
    if follow_up and not_learning_danish:
        items.append(ContentItem.DANISH_LANGUAGE_CONSEQUENCES)  # F6
    return tuple(items)


NO_LEGAL_MINIMUM_NOTICE = (
    "F1: the letter states no legal minimum for the target group '{group}' (only for unemployment-insurance "
    "recipients and the other unemployed LAB groups); the plan shows the municipality's cadence."
)


def _warnings(
    request: PlanRequest, policy: Policy, legal_minimum: Policy, groups: Sequence[TargetGroup]
) -> tuple[str, ...]:
    notices = [
        NO_LEGAL_MINIMUM_NOTICE.format(group=group.value)
        for group in dict.fromkeys(groups)
        if not legal_minimum.cadences[group].legal_minimum_stated
    ]
    if policy.in_force_on(request.start_date):
        return tuple(notices)
    until = policy.valid_to.isoformat() if policy.valid_to else "open-ended"
    return (
        *notices,
        f"The start date {request.start_date.isoformat()} lies outside the validity of policy '{policy.name}' "
        f"({policy.valid_from.isoformat()} to {until}); the plan applies it all the same.",
    )


# ---------------------------------------------------------------- a case's plan (F3, added): it follows the case


@dataclass(frozen=True, slots=True)
class CasePlanRequest:
    """What a case's plan is computed from: the arrival (the handover date, C4), the citizen's situations over time,
    the actual visitation when known, and the F4/F6 markers recorded on the case."""

    arrival: date
    situations: tuple[SituationChange, ...]
    horizon_months: int = DEFAULT_HORIZON_MONTHS
    visitation_held_on: date | None = None
    not_learning_danish: bool = False
    covered_by_repatriation_act: bool = True


def segments(request: CasePlanRequest, horizon_end: date) -> tuple[Segment, ...]:
    """F3, Reading (added): the situations as consecutive stretches [begins, ends) from the arrival to the horizon.
    A situation recorded before the arrival counts from the arrival; a later change on the same day wins."""
    ordered = sorted(request.situations, key=lambda change: change.since)
    stretches: list[Segment] = []
    for index, change in enumerate(ordered):
        begins = max(change.since, request.arrival)
        ends = min(ordered[index + 1].since, horizon_end) if index + 1 < len(ordered) else horizon_end
        if begins < ends:
            stretches.append(Segment(change.situation, change.situation.target_group, begins, ends))
    return tuple(stretches)


def case_plan(request: CasePlanRequest, policy: Policy, legal_minimum: Policy) -> Plan:
    """F3, Reading (added): the plan follows the case. Each stretch under one situation keeps the conversations that
    situation's cadence plans inside it:

    - *receives a benefit*: the visitation 3 months after the arrival (or on the day it was actually held) and the
      4 follow-ups in the 6 months after it, then the municipality's cadence; counted from the arrival (the law ties
      them to the visitation), so a benefit stretch that begins later keeps the conversations that fall inside it;
    - *in ordinary work or education without a benefit*: every 12 months, counted from the day the situation began;
    - *other self-supporting*: as needed (the municipality's cadence, e.g. Copenhagen 4 a year), counted from the
      day the situation began.

    Conversations before a change stay in the plan as they were planned (they may have been held). The plan's
    ``request`` carries the latest situation's target group.
    """
    horizon_end, stretches, planned = _case_slots(request, policy, legal_minimum)
    latest = stretches[-1].target_group if stretches else request.situations[-1].situation.target_group
    summary = PlanRequest(
        target_group=latest,
        start_date=request.arrival,
        horizon_months=request.horizon_months,
        not_learning_danish=request.not_learning_danish,
        covered_by_repatriation_act=request.covered_by_repatriation_act,
        visitation_held_on=request.visitation_held_on,
    )
    groups = [stretch.target_group for stretch in stretches]
    return Plan(
        summary,
        policy,
        legal_minimum,
        horizon_end,
        _finish(planned, summary),
        _warnings(summary, policy, legal_minimum, groups),
        segments=stretches,
        legal_minimum_stated=all(legal_minimum.cadences[group].legal_minimum_stated for group in groups),
    )


def _case_slots(
    request: CasePlanRequest, policy: Policy, legal_minimum: Policy
) -> tuple[date, tuple[Segment, ...], list[tuple[_Slot, Situation | None]]]:
    """``case_plan``'s horizon end, stretches and planned conversations (by computed day, with their situations),
    before ``_finish``."""
    check_horizon(request.horizon_months)
    if not request.situations:
        raise ValueError("a case plan needs at least one situation")
    horizon_end = add_months(request.arrival, request.horizon_months)
    stretches = segments(request, horizon_end)
    planned: list[tuple[_Slot, Situation | None]] = []
    for stretch in stretches:
        # Each stretch keeps what its situation's own plan (``plan``) computes inside it, by computed day: the
        # stretches are consecutive, so the kept ones are in the order of their computed days, as ``_finish`` wants.
        begins_at_arrival = stretch.target_group is TargetGroup.INTEGRATION_BENEFIT_RECIPIENT
        start = request.arrival if begins_at_arrival else stretch.begins
        own_end = add_months(start, request.horizon_months)
        for slot in _slots(stretch.target_group, start, request.visitation_held_on, policy, legal_minimum, own_end):
            if stretch.begins <= slot[0] < stretch.ends:
                planned.append((slot, stretch.situation))
    return horizon_end, stretches, planned


def case_next_due(
    request: CasePlanRequest, policy: Policy, legal_minimum: Policy, held: Sequence[HeldConversation]
) -> date | None:
    """``first_not_held(case_plan(...).conversations, held)``, for the worklist. With nothing held yet (a new case)
    that is the first planned conversation's working day, so the plan's conversations are not built."""
    if held:
        return first_not_held(case_plan(request, policy, legal_minimum).conversations, held)
    _horizon_end, _stretches, planned = _case_slots(request, policy, legal_minimum)
    return previous_working_day(planned[0][0][0]) if planned else None  # ``_finish`` keeps the order


class ConversationStatus(StrEnum):
    """F3 (added): a planned conversation on a given day."""

    HELD = "held"
    DUE = "due"  # not held, its date is today or later
    OVERDUE = "overdue"  # not held, its date has passed


@dataclass(frozen=True, slots=True)
class HeldConversation:
    """A conversation the jobcenter recorded as held."""

    held_on: date
    kind: ConversationKind


@dataclass(frozen=True, slots=True)
class TrackedConversation:
    planned: Conversation
    status: ConversationStatus
    held_on: date | None


def track(
    planned: Sequence[Conversation], held: Sequence[HeldConversation], today: date
) -> tuple[tuple[TrackedConversation, ...], tuple[HeldConversation, ...]]:
    """F3, Reading (added): held conversations fulfil the planned ones of the same kind in order: each one, by date,
    fulfils the earliest planned conversation of its kind still open (a late one catches up an overdue one; an early
    one takes the next). The rest are due (today or later) or overdue. Returns the tracked plan and the held
    conversations the plan had no place for (unplanned extras)."""
    fulfilled, extras = _fulfilment(planned, held)
    tracked = tuple(
        TrackedConversation(
            c,
            ConversationStatus.HELD
            if index in fulfilled
            else (ConversationStatus.OVERDUE if c.on < today else ConversationStatus.DUE),
            fulfilled.get(index),
        )
        for index, c in enumerate(planned)
    )
    return tracked, tuple(extras)


def _fulfilment(
    planned: Sequence[Conversation], held: Sequence[HeldConversation]
) -> tuple[dict[int, date], list[HeldConversation]]:
    """``track``'s matching: the index of each planned conversation a held one fulfils, with the day it was held,
    and the held ones the plan had no place for."""
    open_by_kind: dict[ConversationKind, list[int]] = defaultdict(list)
    for index, conversation in enumerate(planned):
        open_by_kind[conversation.kind].append(index)
    fulfilled: dict[int, date] = {}
    extras: list[HeldConversation] = []
    for record in sorted(held, key=lambda h: h.held_on):
        waiting = open_by_kind[record.kind]
        if waiting:
            fulfilled[waiting.pop(0)] = record.held_on
        else:
            extras.append(record)
    return fulfilled, extras


def next_due(tracked: Sequence[TrackedConversation]) -> date | None:
    """The date of the earliest planned conversation not held (it may have passed: then it is overdue)."""
    return min((t.planned.on for t in tracked if t.status is not ConversationStatus.HELD), default=None)


def first_not_held(planned: Sequence[Conversation], held: Sequence[HeldConversation]) -> date | None:
    """``next_due`` of the tracked plan, without tracking each conversation (the worklist needs the date only)."""
    if not held:
        return min((c.on for c in planned), default=None)
    fulfilled, _extras = _fulfilment(planned, held)
    return min((c.on for index, c in enumerate(planned) if index not in fulfilled), default=None)


# ---------------------------------------------------------------- workload (F7)


class WorkloadBasis(StrEnum):
    """Which year of a course a full-time person (fuldtidsperson) is counted as.

    **Reading:** the letter gives persons and norm minutes, not which year of their course they are in. The first
    year (initial period plus the rest of the year at the "thereafter" cadence, visitation and one-off conversations
    within it included) is the upper estimate and the default; "ongoing" counts the "thereafter" cadence only."""

    FIRST_YEAR = "first-year"
    ONGOING = "ongoing"


NORM_HOURS_CAVEAT = (
    "F7: norm hours are the budget model's norm minutes per conversation times the conversations. The norm covers "
    "the conversation itself, not summoning and preparation, and does not reflect how long a conversation actually "
    "takes: the figure is not caseworker hours."
)
NORM_HOURS_CAVEAT_DA = (
    "Normtimer er budgetmodellens normtid pr. samtale gange antal samtaler. Normen dækker selve samtalen, ikke "
    "indkaldelse og forberedelse, og afspejler ikke nødvendigvis den faktiske samtaletid."
)


@dataclass(frozen=True, slots=True)
class WorkloadLine:
    group: WorkloadGroup
    full_time_persons: Fraction
    conversations_per_person: Fraction | None  # None: the policy gives this group no cadence or no norm
    conversations: Fraction | None
    norm_hours: Fraction | None


@dataclass(frozen=True, slots=True)
class Workload:
    policy: Policy
    basis: WorkloadBasis
    lines: tuple[WorkloadLine, ...]

    @property
    def full_time_persons(self) -> Fraction:
        return sum((line.full_time_persons for line in self.lines), Fraction(0))

    @property
    def conversations(self) -> Fraction:
        return sum((line.conversations for line in self.lines if line.conversations is not None), Fraction(0))

    @property
    def norm_hours(self) -> Fraction:
        return sum((line.norm_hours for line in self.lines if line.norm_hours is not None), Fraction(0))


def conversations_per_year(cadence: Cadence, basis: WorkloadBasis) -> Fraction:
    """F7: conversations a full-time person has in a year of ``cadence`` (already raised by the municipality's)."""
    if basis is WorkloadBasis.ONGOING:
        return Fraction(cadence.per_year_thereafter)
    thereafter_months = max(0, 12 - cadence.initial_offset_months - cadence.initial_months)
    return (
        (1 if cadence.visitation_after_months is not None and cadence.visitation_after_months < 12 else 0)
        + Fraction(cadence.initial_conversations + cadence.initial_joint_conversations)
        + Fraction(cadence.per_year_thereafter * thereafter_months, 12)
        + sum(1 for months in cadence.joint_conversations_after_months if months < 12)
    )


def workload(
    policy: Policy,
    legal_minimum: Policy,
    full_time_persons: Mapping[str, Fraction],
    basis: WorkloadBasis = WorkloadBasis.FIRST_YEAR,
) -> Workload:
    """F7: conversations and norm hours per year, per group of ``policy``'s tables 2-3 and in total.

    ``full_time_persons`` overrides table 2 per group key; a key the policy does not know breaks F7."""
    known = {group.key for group in policy.workload_groups}
    for key in full_time_persons:
        if key not in known:
            raise RuleViolation(
                "F7",
                "unknown_workload_group",
                f"Policy '{policy.name}' has no workload group '{key}'; it has: {', '.join(sorted(known)) or 'none'}.",
                field="full_time_persons",
            )
    lines = []
    for group in policy.workload_groups:
        persons = full_time_persons.get(group.key, group.full_time_persons)
        if group.cadence is None or group.norm_minutes is None:
            lines.append(WorkloadLine(group, persons, None, None, None))
            continue
        municipal = policy.cadences.get(group.cadence) if policy.kind is PolicyKind.MUNICIPAL else None
        per_person = conversations_per_year(legal_minimum.cadences[group.cadence].raised_by(municipal), basis)
        conversations = persons * per_person
        lines.append(WorkloadLine(group, persons, per_person, conversations, conversations * group.norm_minutes / 60))
    return Workload(policy, basis, tuple(lines))
