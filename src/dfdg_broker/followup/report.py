"""The workload estimate (F7) as a plain-text table, for `dfdg-broker workload`."""

from __future__ import annotations

from dfdg_broker.followup.schemas import WorkloadRead

_HEADERS = ("Group", "Full-time persons", "Conversations/person", "Norm minutes", "Conversations", "Norm hours")


def _figure(value: float | int | None, decimals: int = 0) -> str:
    return "-" if value is None else f"{value:,.{decimals}f}"


def workload_table(workload: WorkloadRead) -> str:
    """One row per group and a total row; '-' where the policy gives no cadence or no norm minutes."""
    rows = [
        (
            f"{line.danish_name} ({line.key})",
            _figure(line.full_time_persons, 1 if line.full_time_persons % 1 else 0),
            _figure(line.conversations_per_person, 2),
            _figure(line.norm_minutes),
            _figure(line.conversations),
            _figure(line.norm_hours, 1),
        )
        for line in workload.groups
    ]
    total = (
        "Total",
        _figure(workload.full_time_persons, 1 if workload.full_time_persons % 1 else 0),
        "",
        "",
        _figure(workload.conversations),
        _figure(workload.norm_hours, 1),
    )
    widths = [max(len(row[i]) for row in [_HEADERS, *rows, total]) for i in range(len(_HEADERS))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    title = f"Workload per year (F7), policy '{workload.policy}', basis {workload.basis.value}"
    return "\n".join([title, "", line(_HEADERS), rule, *map(line, rows), rule, line(total), "", workload.caveat])
