"""Benchmark: time every user-facing operation through the API and in raw SQL, over synthetic
fills committed into databases of their own (never the user's), at several sizes.

Not a test: it prints figures. See tracker/benchmark/ and the README's development notes.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from tracker.benchmark import database
from tracker.benchmark.fill import Shape
from tracker.benchmark.load import run_load
from tracker.benchmark.operations import BY_SLUG, OPERATIONS
from tracker.benchmark.run import add_ratios, measure, prepare


def sizes(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandError(f"--transfers takes sizes separated by commas, not {text!r}.") from None
    if not values or any(v < 100 for v in values):
        raise CommandError("--transfers: every size is at least 100.")
    return sorted(set(values))


class Command(BaseCommand):
    help = (
        "Fill (or reuse) a benchmark database per size and print median API and raw-SQL times "
        "of every user-facing operation; --concurrency runs a load test against gunicorn."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--transfers", default="10000", help="Sizes, e.g. 10000,100000,1000000."
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--repeat", type=int, default=7, help="Timed rounds per operation.")
        parser.add_argument(
            "--operations",
            default="",
            help=f"Comma-separated subset of: {', '.join(BY_SLUG)} (default: all).",
        )
        parser.add_argument(
            "--database-url",
            default="",
            help="Where the fills go instead of the derived databases; with several sizes it "
            "must contain {size}.",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=60,
            help="PostgreSQL: cancel any statement of a request or raw query running longer "
            "(seconds; 0: no limit); the operation is reported as an error.",
        )
        parser.add_argument("--refill", action="store_true", help="Fill again even if stored.")
        parser.add_argument("--json", action="store_true", help="Print a JSON list only.")
        parser.add_argument(
            "--concurrency",
            type=int,
            default=0,
            help="Instead of timing one request at a time: this many concurrent users (locust) "
            "against gunicorn on the benchmark database.",
        )
        parser.add_argument(
            "--duration", type=int, default=60, help="Seconds of load (--concurrency)."
        )
        parser.add_argument(
            "--workers", type=int, default=3, help="gunicorn workers (--concurrency)."
        )

    def handle(self, *args, **options):
        chosen = self.operations(options["operations"])
        size_list = sizes(options["transfers"])
        url = options["database_url"]
        if url and len(size_list) > 1 and "{size}" not in url:
            raise CommandError("--database-url must contain {size} when several sizes are given.")
        if options["repeat"] < 1:
            raise CommandError("--repeat is at least 1.")
        quiet = options["json"]

        def say(text: str) -> None:
            if not quiet:
                self.stdout.write(text)
            else:
                self.stderr.write(text)

        rows, fills = [], {}
        for size in size_list:
            bench = database.benchmark_settings(size, url or None, options["timeout"])
            shape = Shape.of(size, options["seed"])
            fills[size] = prepare(bench, shape, refill=options["refill"], say=say)
            if options["concurrency"]:
                rows.extend(
                    run_load(
                        bench, shape, chosen, users=options["concurrency"],
                        duration=options["duration"], workers=options["workers"], say=say,
                    )
                )  # fmt: skip
            else:
                rows.extend(measure(bench, shape, chosen, options["repeat"], say))
        if options["concurrency"]:
            self.output_load(rows, quiet)
            return
        add_ratios(rows)
        if quiet:
            keys = ("size", "operation", "api_ms", "raw_ms", "ratio", "queries", "bytes", "note")
            self.stdout.write(json.dumps([{k: row.get(k) for k in keys} for row in rows], indent=1))
            return
        self.stdout.write(table(rows, size_list, fills, options["repeat"]))

    def operations(self, text: str):
        if not text:
            return list(OPERATIONS)
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in BY_SLUG]
        if unknown:
            raise CommandError(
                f"--operations: unknown {', '.join(unknown)}; choose from {', '.join(BY_SLUG)}."
            )
        return [BY_SLUG[name] for name in names]

    def output_load(self, rows, quiet):
        if quiet:
            self.stdout.write(json.dumps(rows, indent=1))
            return
        self.stdout.write(
            "| size | users | s | requests | errors | req/s | p50 ms | p95 ms | p99 ms |\n"
            "|---|---|---|---|---|---|---|---|---|"
        )
        for r in rows:
            self.stdout.write(
                f"| {r['size']:,} | {r['users']} | {r['duration']} | {r['requests']:,} | "
                f"{r['errors']} | {r['rps']:.1f} | {r['p50']} | {r['p95']} | {r['p99']} |"
            )


def table(rows, size_list, fills, repeat) -> str:
    """A Markdown table: one line per (operation, size)."""
    lines = [
        f"Medians of {repeat} interleaved rounds; ratio = API time / API time at "
        f"{size_list[0]:,}; x raw = API time / raw SQL time.",
        "",
        "| operation | size | API ms | raw ms | x raw | ratio | queries | bytes | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    order = {op.name: n for n, op in enumerate(OPERATIONS)}
    for row in sorted(rows, key=lambda r: (order[r["operation"]], r["size"])):
        api, raw = row["api_ms"], row["raw_ms"]
        versus = f"{api / raw:.1f}" if api is not None and raw else ""
        cells = [
            row["operation"],
            f"{row['size']:,}",
            "" if api is None else f"{api:.1f}",
            "" if raw is None else f"{raw:.1f}",
            versus,
            "" if row["ratio"] is None else f"{row['ratio']:.2f}",
            "" if row["queries"] is None else str(row["queries"]),
            "" if row["bytes"] is None else f"{row['bytes']:,}",
            row["note"] or "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for size, info in fills.items():
        how = "reused" if info["reused"] else "filled"
        counts = ", ".join(f"{k.removeprefix('tracker_')} {v:,}" for k, v in info["counts"].items())
        lines.append(f"- {size:,}: {how} ({info['seconds']:.0f} s to fill): {counts}")
    return "\n".join(lines)
