"""Partial dates: parsing, intervals and order at mixed precision."""

import datetime as dt

import pytest

from tracker.choices import DatePrecision
from tracker.partial_dates import PartialDate, format_partial, is_aligned, not_before


@pytest.mark.parametrize(
    ("text", "first", "last", "precision"),
    [
        ("2019", dt.date(2019, 1, 1), dt.date(2019, 12, 31), DatePrecision.YEAR),
        ("2020-02", dt.date(2020, 2, 1), dt.date(2020, 2, 29), DatePrecision.MONTH),
        ("2020-10-05", dt.date(2020, 10, 5), dt.date(2020, 10, 5), DatePrecision.DAY),
    ],
)
def test_parse_gives_the_interval_at_its_precision(text, first, last, precision):
    value = PartialDate.parse(text)
    assert (value.earliest, value.latest, value.precision) == (first, last, precision)
    assert str(value) == text


@pytest.mark.parametrize("text", ["", "2019-13", "2019-02-30", "Oct 2019", "19-10", "2019-1"])
def test_parse_rejects_what_is_not_a_date(text):
    with pytest.raises(ValueError):
        PartialDate.parse(text)


def test_alignment_detects_an_invented_day():
    assert is_aligned(dt.date(2019, 10, 1), DatePrecision.MONTH)
    assert not is_aligned(dt.date(2019, 10, 2), DatePrecision.MONTH)
    assert not is_aligned(dt.date(2019, 2, 1), DatePrecision.YEAR)


def test_order_is_compared_at_the_coarser_precision():
    assert not_before(PartialDate.parse("2020"), PartialDate.parse("2020-05"))
    assert not_before(PartialDate.parse("2020-05-31"), PartialDate.parse("2020-05"))
    assert not not_before(PartialDate.parse("2019"), PartialDate.parse("2020-05"))
    assert not not_before(PartialDate.parse("2020-04-30"), PartialDate.parse("2020-05"))


def test_format_of_no_date_is_empty():
    assert format_partial(None, None) == ""


@pytest.mark.parametrize(
    "text",
    [
        " 2020",
        "2020 ",
        "2020\n",
        "\t2020-05",
        "２０２０",
        "٢٠٢٠",
        "2020-０5",
        "2020-05-0５",
        "𝟐𝟎𝟐𝟎",
    ],
)
def test_parse_accepts_ascii_digits_only_and_nothing_around_them(text):
    with pytest.raises(ValueError):
        PartialDate.parse(text)
