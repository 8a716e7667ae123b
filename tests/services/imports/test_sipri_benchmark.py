"""The benchmark script runs and reports deals per second (printed; never asserted)."""

import pytest

from tracker.services.imports.sipri.benchmark import benchmark, main

from .conftest import DATA, FULL_REGISTER


def test_benchmark_counts_the_deals_read(capsys):
    """It times every stage over the file and prints deals/s for reading and for everything."""
    figures = benchmark(DATA / "classic-extract.csv", repeat=1)
    assert figures["deals"] == 67
    assert figures["read_cpu_s"] > 0 and figures["read_deals_per_s_cpu"] > 0
    main([str(DATA / "classic-extract.csv"), "--repeat", "1"])
    out = capsys.readouterr().out
    assert "67 deals" in out and "deals/s CPU" in out


def test_full_register_speed_is_printed():
    """Deals/s over the full register (skipped where it is absent); no timing assertion."""
    if not FULL_REGISTER.exists():
        pytest.skip(f"{FULL_REGISTER} is absent")
    figures = benchmark(FULL_REGISTER, repeat=1)
    print(
        f"\nfull register: {figures['deals']:.0f} deals; read + parse + names "
        f"{figures['read_deals_per_s_cpu']:,.0f} deals/s CPU "
        f"({figures['read_deals_per_s_wall']:,.0f} wall); with Comments work "
        f"{figures['all_deals_per_s_cpu']:,.0f} deals/s CPU; reading costs "
        f"{figures['read_cpu_s'] / figures['reference_cpu_s']:.1f} times a bare split"
    )
    assert figures["deals"] == 27951
