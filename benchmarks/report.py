"""Ratio tables from a pytest-benchmark JSON file: the compiled engine, the pure engine and the
same-run baseline (what a user would write instead: a hand-written loop over the same rules, a
master-regex tokenizer), side by side, then the engine's targets, each met or missed.

    .venv/bin/pytest benchmarks/test_bench_handler.py benchmarks/test_bench_examples.py \\
        --benchmark-enable --benchmark-timer=time.process_time --benchmark-json=results.json
    python benchmarks/report.py results.json

Each benchmark is matched to its workload by ``extra_info['workload']`` (or ``group``) and to its
implementation by ``extra_info['impl']`` (``pure``, ``compiled`` or ``baseline``; or a
``pure``/``compiled`` test id). ``extra_info['units']`` (work items per round, default 1) and
``unit`` (their name, e.g. ``token``) give the time per unit and the rates. Every figure comes
from the one JSON file, so every ratio is between measurements of the same run. CPU time
(``--benchmark-timer=time.process_time``) keeps figures comparable on a shared machine.
"""

from __future__ import annotations

import json
import re
import sys

KINDS = ("pure", "compiled", "baseline")


def _impl(bench: dict) -> str | None:
    impl = bench.get("extra_info", {}).get("impl")
    if impl in KINDS:
        return impl
    match = re.search(r"[\[-](pure|compiled)[\]-]", bench.get("name", ""))
    return match.group(1) if match else None


def collect(data: dict) -> dict:
    """workload -> {"pure": bench, "compiled": bench, "baseline": bench} (those present)"""
    rows: dict = {}
    for bench in data.get("benchmarks", []):
        impl = _impl(bench)
        if impl is None:
            continue
        info = bench.get("extra_info", {})
        workload = info.get("workload") or bench.get("group") or bench["name"]
        rows.setdefault(workload, {})[impl] = bench
    return rows


def per_unit(pair: dict, impl: str, stat: str = "median") -> float | None:
    """Seconds per unit of work (message, token, run) of one implementation, or None."""
    bench = pair.get(impl)
    if not bench:
        return None
    return bench["stats"][stat] / float(bench.get("extra_info", {}).get("units", 1))


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    us = seconds * 1e6
    if us >= 1000:
        return f"{us / 1000:.2f} ms"
    return f"{us:.2f} µs"


def _fmt_ratio(value: float | None) -> str:
    if not value:
        return "-"
    return f"{value:.1f}x" if value >= 1 else f"{value:.3f}x"


def _fmt_rate(seconds: float | None, unit: str) -> str:
    if not seconds:
        return "-"
    rate = 1.0 / seconds
    if rate >= 1e6:
        return f"{rate / 1e6:.2f} M {unit}/s"
    if rate >= 1e3:
        return f"{rate / 1e3:.1f} k {unit}/s"
    return f"{rate:.0f} {unit}/s"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def table(rows: dict) -> list[str]:
    header = (
        "workload (median per unit)",
        "compiled",
        "pure",
        "baseline",
        "compiled/pure",
        "baseline/compiled",
        "compiled rate",
        "pure rate",
    )
    lines = [header]
    for workload in sorted(rows):
        pair = rows[workload]
        info = next(iter(pair.values()))["extra_info"]
        unit = info.get("unit", "call")
        pure, compiled, baseline = (
            per_unit(pair, kind) for kind in ("pure", "compiled", "baseline")
        )
        lines.append(
            (
                workload,
                _fmt_time(compiled),
                _fmt_time(pure),
                _fmt_time(baseline),
                _fmt_ratio(_ratio(pure, compiled)),
                _fmt_ratio(_ratio(baseline, compiled)),
                _fmt_rate(compiled, unit),
                _fmt_rate(pure, unit),
            )
        )
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        out.append(
            "  ".join(
                str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i])
                for i, cell in enumerate(line)
            )
        )
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


#: The compiled engine's targets: (workload, measure, bound). Measures: "vs pure" is
#: pure/compiled (at least the bound), "vs baseline" is baseline/compiled (above the bound: faster
#: than the hand-written loop), "within baseline" is compiled/baseline (at most the bound).
TARGETS = (
    ("handle string 100", "vs pure", 3.0),
    ("handle string 100", "vs baseline", 1.0),
    ("handle mixed 100", "vs pure", 3.0),
    ("handle mixed 100", "vs baseline", 1.0),
    ("handle string 100 tags", "vs pure", 3.0),  # tags leave 10 of the 100 pairs active
    ("handle string 100 tags", "vs baseline", 1.0),
    ("lexer walk 23 cases", "vs pure", 8.0),
    ("lexer walk 23 cases", "within baseline", 15.0),
    ("brainfuck hello.bf", "vs pure", 8.0),
)


def check_target(
    pair: dict, measure: str, bound: float, stat: str = "median"
) -> tuple[float, bool] | None:
    """(the measured ratio, met) of one target, or None when the run lacks a figure."""
    compiled = per_unit(pair, "compiled", stat)
    other = per_unit(pair, "baseline" if "baseline" in measure else "pure", stat)
    if not (compiled and other):
        return None
    if measure == "vs pure":
        ratio = other / compiled
        return ratio, ratio >= bound
    if measure == "vs baseline":
        ratio = other / compiled
        return ratio, ratio > bound
    ratio = compiled / other
    return ratio, ratio <= bound


def _describe(measure: str, bound: float) -> str:
    if measure == "vs pure":
        return f"compiled at least {bound:g}x faster than pure"
    if measure == "vs baseline":
        return "compiled faster than the hand-written loop"
    return f"compiled within {bound:g}x of the baseline's time"


def targets(rows: dict) -> list[str]:
    """One line per target whose workload is in the run: the ratio of medians (and of minimums)
    and whether the target is met."""
    out = []
    for workload, measure, bound in TARGETS:
        pair = rows.get(workload)
        if not pair:
            continue
        median = check_target(pair, measure, bound)
        low = check_target(pair, measure, bound, "min")
        if median is None:
            out.append(f"{workload}: {_describe(measure, bound)}: not measured in this run")
            continue
        ratio, met = median
        name = (
            "compiled/baseline"
            if measure == "within baseline"
            else ("baseline/compiled" if measure == "vs baseline" else "pure/compiled")
        )
        line = f"{workload}: {_describe(measure, bound)}: {name} {ratio:.2f}x"
        if low is not None:
            line += f" (minimums {low[0]:.2f}x)"
        out.append(line + (" -> met" if met else " -> MISSED"))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0])
        print("usage: python benchmarks/report.py results.json")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        data = json.load(f)
    rows = collect(data)
    if not rows:
        print("no pure/compiled/baseline benchmarks in", argv[1])
        return 1
    machine = data.get("machine_info", {})
    print(
        f"machine: {machine.get('cpu', {}).get('brand_raw', '?')}, "
        f"{machine.get('cpu', {}).get('count', '?')} cores, "
        f"Python {machine.get('python_version', '?')}; medians of the same run"
    )
    print("\n".join(table(rows)))
    lines = targets(rows)
    if lines:
        print()
        print("targets of the compiled engine (ratios of medians):")
        print("\n".join("  " + line for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
