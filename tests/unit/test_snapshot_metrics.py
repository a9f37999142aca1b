"""``dfdg_snapshots_written`` counts each stored snapshot under its area, through the series looked up once."""

from __future__ import annotations

from dfdg_broker import metrics


def _written(area: str) -> float:
    return metrics.REGISTRY.get_sample_value("dfdg_snapshots_written_total", {"area": area}) or 0.0


def test_each_snapshot_written_is_counted_under_its_area():
    cv, other, attachments = _written("cv"), _written("other"), _written("attachments")
    metrics.count_snapshots_written(["cv", "other", "cv"])
    metrics.count_snapshots_written(iter(["cv"]))
    assert (_written("cv"), _written("other"), _written("attachments")) == (cv + 3, other + 1, attachments)
