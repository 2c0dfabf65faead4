"""benchmarks/report.py reads one pytest-benchmark JSON file: compiled, pure and baseline side by
side, and each target met or missed from ratios of that same run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

REPORT = Path(__file__).resolve().parents[2] / "benchmarks" / "report.py"


def _report():
    spec = importlib.util.spec_from_file_location("bench_report", REPORT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bench(workload, impl, median, units=1, unit="message"):
    return {"name": f"test[{impl}]", "group": workload,
            "extra_info": {"impl": impl, "workload": workload, "units": units, "unit": unit},
            "stats": {"median": median, "min": median * 0.9}}


def test_targets_met_and_missed(tmp_path, capsys):
    data = {"benchmarks": [
        _bench("handle mixed 100", "compiled", 100e-6, units=100),
        _bench("handle mixed 100", "pure", 400e-6, units=100),
        _bench("handle mixed 100", "baseline", 90e-6, units=100),  # the loop is faster
        _bench("lexer walk 23 cases", "compiled", 1.0, units=1000, unit="token"),
        _bench("lexer walk 23 cases", "pure", 5.0, units=1000, unit="token"),
        _bench("lexer walk 23 cases", "baseline", 0.1, units=1000, unit="token"),
    ]}
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    assert _report().main(["report.py", str(path)]) == 0
    out = capsys.readouterr().out
    assert "original" not in out
    lines = {line.strip() for line in out.splitlines()}
    assert ("handle mixed 100: compiled at least 3x faster than pure: pure/compiled 4.00x "
            "(minimums 4.00x) -> met") in lines
    assert ("handle mixed 100: compiled faster than the hand-written loop: baseline/compiled "
            "0.90x (minimums 0.90x) -> MISSED") in lines
    assert ("lexer walk 23 cases: compiled at least 8x faster than pure: pure/compiled 5.00x "
            "(minimums 5.00x) -> MISSED") in lines
    assert ("lexer walk 23 cases: compiled within 15x of the baseline's time: compiled/baseline "
            "10.00x (minimums 10.00x) -> met") in lines
    row = next(line for line in out.splitlines() if line.startswith("handle mixed 100"))
    assert row.split()[3:6] == ["1.00", "µs", "4.00"]  # compiled, then pure, per message
