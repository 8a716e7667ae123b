"""Time reading a SIPRI export: ``python -m tracker.services.imports.sipri.benchmark PATH``.

Prints deals per second for reading + parsing + party-name resolution (what the loader gets from
``sipri_read``), then for the Comments work (items of generic designations, destination
platforms), in wall-clock and CPU time, best of ``--repeat`` runs. The CPU figure is the one to
compare between machines: on a shared machine, wall-clock time includes waiting for a core.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from .comments import deal_item, destinations
from .names import parse_party
from .reader import sipri_read


def _best(run: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, result


def benchmark(path: Path, *, repeat: int = 5) -> dict[str, float]:
    """Time each stage over the file; return the figures (also printed by ``main``)."""
    data = path.read_bytes()
    parse_party.cache_clear()
    wall, cpu, read = _best(lambda: sipri_read(data), repeat)
    deals = read.deals
    item_wall, item_cpu, _ = _best(lambda: [deal_item(d) for d in deals if d.generic], repeat)
    dest_wall, dest_cpu, _ = _best(lambda: [destinations(d.comments) for d in deals], repeat)
    # the least any reader does: decode and split every line at commas
    ref_wall, ref_cpu, _ = _best(
        lambda: [line.split(",") for line in data.decode("latin-1").split("\n")], repeat
    )
    n = read.report.deals_read
    return {
        "deals": n,
        "read_wall_s": wall,
        "read_cpu_s": cpu,
        "read_deals_per_s_wall": n / wall,
        "read_deals_per_s_cpu": n / cpu,
        "items_cpu_s": item_cpu,
        "items_wall_s": item_wall,
        "destinations_cpu_s": dest_cpu,
        "destinations_wall_s": dest_wall,
        "all_deals_per_s_cpu": n / (cpu + item_cpu + dest_cpu),
        "reference_cpu_s": ref_cpu,
        "reference_wall_s": ref_wall,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    f = benchmark(args.path, repeat=args.repeat)
    print(f"{f['deals']:.0f} deals, best of {args.repeat}")
    print(
        f"read + parse + names: {f['read_wall_s']:.3f} s wall, {f['read_cpu_s']:.3f} s CPU "
        f"-> {f['read_deals_per_s_wall']:,.0f} deals/s wall, "
        f"{f['read_deals_per_s_cpu']:,.0f} deals/s CPU"
    )
    print(
        f"items of generic designations: {f['items_cpu_s']:.3f} s CPU; "
        f"destinations in comments: {f['destinations_cpu_s']:.3f} s CPU; "
        f"everything: {f['all_deals_per_s_cpu']:,.0f} deals/s CPU"
    )
    print(
        f"reference (decode and split the lines only): {f['reference_cpu_s']:.3f} s CPU; "
        f"reading costs {f['read_cpu_s'] / f['reference_cpu_s']:.1f} times that"
    )


if __name__ == "__main__":
    main()
