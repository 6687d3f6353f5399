"""A baseline written before ``max_import_cycles`` counted failing components: one line saying to rewrite it."""

from __future__ import annotations

import json
from pathlib import Path

from e2e.healthcheck.gate_helpers import FAST, copy_fixture
from e2e.healthcheck.test_gate_inprocess import invoke


def _as_written_before(baseline: Path) -> None:
    """The metrics the cycle gates read before they counted components: enumerated cycles by kind."""
    doc = json.loads(baseline.read_text())
    metrics = {k: v for k, v in doc["metrics"].items() if not k.startswith("import_cycle")}
    metrics.update({"import_cycles.runtime": 1, "import_cycles.deferred": 0, "import_cycles.typing": 0})
    baseline.write_text(json.dumps({**doc, "metrics": metrics}))


def test_an_old_baseline_is_refused_with_one_line_until_rewritten(tmp_path: Path) -> None:
    repo = copy_fixture("cycles_one_entry", tmp_path)  # one statically unsafe component: max_import_cycles fails
    code, out, _ = invoke(repo, "gate", ".", "--no-baseline", *FAST)
    assert code == 1 and "max_import_cycles" in out
    code, _, _ = invoke(repo, "baseline", ".", *FAST)
    assert code == 0
    code, out, _ = invoke(repo, "gate", ".", *FAST)
    assert code == 0, out  # today's baseline accepts the component
    baseline = repo / ".healthcheck-baseline.json"
    _as_written_before(baseline)
    code, out, err = invoke(repo, "gate", ".", *FAST)
    assert (code, out) == (2, "")
    assert err == (
        "healthcheck: error: baseline .healthcheck-baseline.json: it was written when max_import_cycles read "
        "import_cycles.runtime, and it reads import_cycle_verdicts.failing now, so its value cannot be compared: "
        "rewrite the baseline with `healthcheck baseline`\n"
    )
    code, _, err = invoke(repo, "gate", ".", "--update", *FAST)
    assert code == 2 and err.count("\n") == 1  # --update cannot carry the old value over either
    code, _, _ = invoke(repo, "baseline", ".", *FAST)
    assert code == 0
    assert "import_cycles.runtime" not in json.loads(baseline.read_text())["metrics"]
    code, out, _ = invoke(repo, "gate", ".", *FAST)
    assert code == 0, out
