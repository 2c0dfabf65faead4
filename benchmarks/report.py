"""Ratio tables from a pytest-benchmark JSON file: pure vs compiled engine, and both against the
original graph-talk figures.

    .venv/bin/pytest benchmarks/test_bench_handler.py benchmarks/test_bench_examples.py \
        --benchmark-enable --benchmark-timer=time.process_time --benchmark-json=results.json
    python benchmarks/report.py results.json

Each benchmark is matched to its workload by ``group`` (or ``extra_info['workload']``) and to its
implementation by ``extra_info['impl']`` (or a ``pure``/``compiled`` test id). Optional
``extra_info`` keys: ``original_us`` (the original's time per call, in µs), ``units`` (work items
per round, default 1: times are shown per unit) and ``unit`` (their name, e.g. ``token``) for the
throughput columns. ``--benchmark-timer=time.process_time`` (CPU time) keeps figures comparable
on a machine shared with other work; wall-clock medians drift with the load.
"""

from __future__ import annotations

import json
import re
import sys

KINDS = ("pure", "compiled")


def _impl(bench: dict) -> str | None:
    impl = bench.get("extra_info", {}).get("impl")
    if impl in KINDS:
        return impl
    match = re.search(r"[\[-](pure|compiled)[\]-]", bench.get("name", ""))
    return match.group(1) if match else None


def collect(data: dict) -> dict:
    """workload -> {"pure": bench, "compiled": bench}"""
    rows: dict = {}
    for bench in data.get("benchmarks", []):
        impl = _impl(bench)
        if impl is None:
            continue
        info = bench.get("extra_info", {})
        workload = info.get("workload") or bench.get("group") or bench["name"]
        rows.setdefault(workload, {})[impl] = bench
    return rows


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    us = seconds * 1e6
    if us >= 1000:
        return f"{us / 1000:.2f} ms"
    return f"{us:.2f} µs"


def _fmt_ratio(value: float | None) -> str:
    return f"{value:.1f}x" if value else "-"


def _fmt_rate(units: float, seconds: float | None, unit: str) -> str:
    if not seconds:
        return "-"
    rate = units / seconds
    if rate >= 1e6:
        return f"{rate / 1e6:.2f} M {unit}/s"
    if rate >= 1e3:
        return f"{rate / 1e3:.1f} k {unit}/s"
    return f"{rate:.0f} {unit}/s"


def table(rows: dict) -> list[str]:
    header = ("workload (time per unit)", "pure", "compiled", "compiled/pure", "pure rate",
              "compiled rate", "original", "pure vs orig", "compiled vs orig")
    lines = [header]
    for workload in sorted(rows):
        pair = rows[workload]
        info = (pair.get("compiled") or pair.get("pure"))["extra_info"] if pair else {}
        units = float(info.get("units", 1))
        pure = pair.get("pure", {}).get("stats", {}).get("median")
        compiled = pair.get("compiled", {}).get("stats", {}).get("median")
        pure = pure / units if pure else None
        compiled = compiled / units if compiled else None
        unit = info.get("unit", "call")
        original = info.get("original_us")
        original_s = original / 1e6 if original else None
        lines.append((
            workload, _fmt_time(pure), _fmt_time(compiled),
            _fmt_ratio(pure / compiled if pure and compiled else None),
            _fmt_rate(1.0, pure, unit),
            _fmt_rate(1.0, compiled, unit),
            _fmt_time(original_s),
            _fmt_ratio(original_s / pure if original_s and pure else None),
            _fmt_ratio(original_s / compiled if original_s and compiled else None),
        ))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i])
                             for i, cell in enumerate(line)))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


#: The compiled engine's targets (issue "Compiled engine"): workload -> (min compiled/pure,
#: min original/compiled or None).
TARGETS = {
    "handle string 100": (8.0, None),
    "handle mixed 100": (3.0, None),
    "handle string 1000 tags": (8.0, None),  # tags leave a tenth (100) of the pairs active
    "cool lexer 100 KB": (5.0, 30.0),
    "brainfuck hello.bf": (5.0, 30.0),
}


def _median(pair: dict, impl: str) -> float | None:
    bench = pair.get(impl)
    if not bench:
        return None
    return bench["stats"]["median"] / float(bench.get("extra_info", {}).get("units", 1))


def targets(rows: dict) -> list[str]:
    """One line per target workload present: the ratios reached against the targets."""
    out = []
    for workload, (want, want_orig) in TARGETS.items():
        pair = rows.get(workload)
        if not pair:
            continue
        pure, compiled = _median(pair, "pure"), _median(pair, "compiled")
        if not (pure and compiled):
            continue
        ratio = pure / compiled
        line = f"{workload}: compiled/pure {ratio:.1f}x (target {want:g}x: "
        line += "met)" if ratio >= want else "MISSED)"
        original = (pair["compiled"].get("extra_info", {}) or {}).get("original_us")
        if want_orig and original:
            vs = original / 1e6 / compiled
            line += f"; vs original {vs:.1f}x (target {want_orig:g}x: "
            line += "met)" if vs >= want_orig else "MISSED)"
        out.append(line)
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
        print("no pure/compiled benchmarks in", argv[1])
        return 1
    print("medians; ratios > 1 mean faster than the baseline named in the column")
    print("\n".join(table(rows)))
    lines = targets(rows)
    if lines:
        print()
        print("targets of the compiled engine:")
        print("\n".join("  " + line for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
