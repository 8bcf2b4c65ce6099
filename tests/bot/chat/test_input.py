"""Reading what users type: numbers, query options, time zones and times of day, strictly, with
a refusal that says what was wrong and fits in a reply."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.chat.input import OPTIONS_HELP, Options, number, parse_clock, parse_timezone, split_options
from bot.errors import ChatError
from tests.fakes import NOW

# --- numbers -------------------------------------------------------------------------------------


def test_a_number_is_read_from_ascii_digits() -> None:
    assert number("42") == 42


def test_spaces_around_a_number_are_ignored() -> None:
    assert number("  7 ") == 7


@pytest.mark.parametrize("text", ["²", "١٢", "7.5", "-3", "+3", "", "  ", "seven"])
def test_anything_but_plain_ascii_digits_is_not_a_number(text: str) -> None:
    assert number(text) is None


def test_a_number_longer_than_its_digits_is_not_a_number() -> None:
    assert number("1" * 10) is None
    assert number("123", digits=2) is None
    assert number("12", digits=2) == 12


# --- query options -------------------------------------------------------------------------------


def test_a_query_without_options_is_instant_from_one_outlet() -> None:
    assert split_options("ceasefire -olympics") == ("ceasefire -olympics", Options(1, "instant"))


@pytest.mark.parametrize("text", ["ceasefire --min-sources 3", "ceasefire --min-sources=3"])
def test_min_sources_takes_its_number_after_a_space_or_an_equals_sign(text: str) -> None:
    assert split_options(text) == ("ceasefire", Options(min_sources=3))


@pytest.mark.parametrize("frequency", ["daily", "weekly", "instant"])
def test_a_frequency_option_sets_how_often_the_query_alerts(frequency: str) -> None:
    assert split_options(f"ceasefire --{frequency}")[1].frequency == frequency


def test_options_may_stand_anywhere_and_in_any_letter_case() -> None:
    query, options = split_options("--DAILY peace --Min-Sources 2 plan")
    assert (query, options) == ("peace plan", Options(2, "daily"))


@pytest.mark.parametrize("value", ["0", "11", "two", "²", ""])
def test_min_sources_outside_one_to_ten_is_refused_with_the_options_help(value: str) -> None:
    with pytest.raises(ChatError) as refusal:
        split_options(f"ceasefire --min-sources {value}".strip())
    assert "1 to 10" in str(refusal.value) and OPTIONS_HELP in str(refusal.value)


def test_an_unknown_option_is_refused_by_name() -> None:
    with pytest.raises(ChatError, match="Unknown option --hourly"):
        split_options("ceasefire --hourly")


def test_instant_options_from_one_outlet_need_no_description() -> None:
    assert Options().describe() == ""


def test_options_describe_how_often_and_after_how_many_outlets() -> None:
    assert Options(2, "weekly").describe() == "at most once a week; once 2 outlets carry the story"
    assert Options(1, "daily").describe() == "at most once a day"


# --- time zones ----------------------------------------------------------------------------------


def test_an_iana_zone_name_is_kept() -> None:
    assert parse_timezone(" Europe/Berlin ") == "Europe/Berlin"


@pytest.mark.parametrize("text", ["UTC", "utc", "GMT", "Z", "+0", "UTC-0"])
def test_names_of_utc_all_mean_utc(text: str) -> None:
    assert parse_timezone(text) == "UTC"


@pytest.mark.parametrize(
    ("text", "hours"), [("+2", 2), ("UTC+5:00", 5), ("GMT-5", -5), ("+14", 14), ("-12", -12)]
)
def test_a_whole_hour_offset_becomes_a_zone_with_that_offset(text: str, hours: int) -> None:
    zone = ZoneInfo(parse_timezone(text))
    assert NOW.astimezone(zone).utcoffset() == timedelta(hours=hours)


@pytest.mark.parametrize("text", ["+05:30", "+15", "+2:7"])
def test_an_offset_that_is_not_a_whole_hour_in_range_is_refused(text: str) -> None:
    with pytest.raises(ChatError, match="whole-hour UTC offset"):
        parse_timezone(text)


def test_an_unknown_zone_is_refused_with_an_example() -> None:
    with pytest.raises(ChatError, match="Europe/Berlin"):
        parse_timezone("Mars/Olympus")


def test_a_long_unknown_zone_is_echoed_cut_short() -> None:
    with pytest.raises(ChatError) as refusal:
        parse_timezone("Z" * 4000)
    assert len(str(refusal.value)) < 200


# --- times of day --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "clock"), [("7:30", "07:30"), (" 23:59 ", "23:59"), ("0:00", "00:00")]
)
def test_a_time_of_day_is_read_as_hh_mm(text: str, clock: str) -> None:
    assert parse_clock(text) == clock


@pytest.mark.parametrize("text", ["0730", "7:5", "noon", "7:30:00", "7:30pm", ""])
def test_what_is_not_hh_mm_is_refused_with_the_callers_example(text: str) -> None:
    with pytest.raises(ChatError, match="for example /quiet 22:00-07:00"):
        parse_clock(text, example="/quiet 22:00-07:00")


@pytest.mark.parametrize("text", ["24:00", "23:60", "99:99"])
def test_a_time_past_the_end_of_the_day_is_refused(text: str) -> None:
    with pytest.raises(ChatError, match="00:00 to 23:59"):
        parse_clock(text)


def test_a_long_text_that_is_not_a_time_is_echoed_cut_short() -> None:
    with pytest.raises(ChatError) as refusal:
        parse_clock("7" * 4000)
    assert len(str(refusal.value)) < 200


@pytest.mark.parametrize("hours", range(-14, 15))
def test_every_offset_accepted_names_a_zone_that_exists(hours: int) -> None:
    try:
        name = parse_timezone(f"{hours:+d}")
    except ChatError:
        assert hours < -12  # zones on Earth run from UTC-12 to UTC+14
        return
    assert NOW.astimezone(ZoneInfo(name)).utcoffset() == timedelta(hours=hours)


def test_a_long_time_past_the_end_of_the_day_is_echoed_cut_short() -> None:
    with pytest.raises(ChatError) as refusal:
        parse_clock("25" + " " * 4000 + ":00")
    assert len(str(refusal.value)) < 200


def test_a_long_unknown_option_is_echoed_cut_short() -> None:
    with pytest.raises(ChatError) as refusal:
        split_options("ceasefire --" + "x" * 4000)
    assert len(str(refusal.value)) < 200
