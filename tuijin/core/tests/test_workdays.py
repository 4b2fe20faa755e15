"""Working-day deadlines (工作日): the official calendar, the 2027 fallback, overrides, command.

Expected dates come from the State Council notices as the ``chinesecalendar`` package holds
them (``chinese_calendar.holidays`` / ``workdays``), written out literally so that a reader
can check them against the notice.
"""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lunardate import LunarDate

from tuijin.core.models import WorkdayOverride
from tuijin.core.workdays import add_workdays, count_workdays, is_workday, statutory_holidays

D = dt.date
pytestmark = pytest.mark.django_db


def due(received: dt.date, n: int) -> dt.date:
    return add_workdays(received, n).value


def count(start: dt.date, end: dt.date) -> int:
    return count_workdays(start, end).value


# --- the official arrangements the package knows (2025, 2026) -----------------------------


def test_national_day_2026_deadline_lands_on_the_make_up_saturday():
    # 10-01..10-07 off; Thursday 10-08 and Friday 10-09 are the first two working days,
    # Saturday 10-10 is the make-up working day.
    assert due(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert due(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert due(D(2026, 9, 30), 4) == D(2026, 10, 12)
    assert not add_workdays(D(2026, 9, 30), 3).provisional


def test_received_before_spring_festival_2026():
    # Friday 02-13; Saturday 02-14 is a make-up working day; 02-15..02-23 off;
    # Saturday 02-28 is the second make-up working day.
    assert due(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert due(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert due(D(2026, 2, 13), 6) == D(2026, 2, 28)
    assert due(D(2026, 2, 13), 7) == D(2026, 3, 2)


def test_sunday_make_up_day_2025_counts_as_a_working_day():
    assert is_workday(D(2025, 1, 26)).value == 1  # Sunday, before Spring Festival 2025
    assert count(D(2025, 1, 25), D(2025, 1, 26)) == 1  # Saturday off, Sunday on
    assert due(D(2025, 1, 24), 1) == D(2025, 1, 26)
    # 01-28..02-04 off, so the second working day after Sunday is Wednesday 02-05.
    assert due(D(2025, 1, 26), 1) == D(2025, 1, 27)
    assert due(D(2025, 1, 26), 2) == D(2025, 2, 5)


def test_national_day_and_mid_autumn_2025():
    assert count(D(2025, 10, 1), D(2025, 10, 8)) == 0  # eight days off in a row
    assert is_workday(D(2025, 9, 28)).value == 1  # make-up Sunday
    assert is_workday(D(2025, 10, 11)).value == 1  # make-up Saturday
    assert due(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert due(D(2025, 9, 30), 3) == D(2025, 10, 11)
    # Sat 27 off, Sun 28..Tue 30 on, 1..8 off, Thu 9..Sat 11 on, Sun 12 off.
    assert count(D(2025, 9, 27), D(2025, 10, 12)) == 6


# --- count_workdays -------------------------------------------------------------------------


def test_count_a_week_with_a_holiday():
    assert count(D(2026, 3, 9), D(2026, 3, 15)) == 5  # an ordinary week
    assert count(D(2026, 4, 6), D(2026, 4, 12)) == 4  # Monday 04-06 is Qingming's day off


def test_count_includes_both_ends():
    assert count(D(2026, 4, 7), D(2026, 4, 7)) == 1
    assert count(D(2026, 4, 7), D(2026, 4, 10)) == 4  # Tuesday to Friday
    assert count(D(2026, 4, 6), D(2026, 4, 6)) == 0  # a holiday alone


def test_count_with_end_before_start_is_zero():
    assert count(D(2026, 4, 10), D(2026, 4, 7)) == 0


def test_zero_working_days_is_the_day_itself_and_negative_is_refused():
    assert due(D(2026, 10, 3), 0) == D(2026, 10, 3)
    with pytest.raises(ValueError):
        add_workdays(D(2026, 10, 3), -1)


# --- 2027: no notice yet, the statutory fallback ---------------------------------------------


def test_2027_statutory_holidays_with_make_up_weekdays():
    assert LunarDate(2027, 1, 1).to_solar_date() == D(2027, 2, 6)  # Spring Festival, Saturday
    assert LunarDate(2027, 5, 5).to_solar_date() == D(2027, 6, 9)  # Dragon Boat, Wednesday
    assert LunarDate(2027, 8, 15).to_solar_date() == D(2027, 9, 15)  # Mid-Autumn, Wednesday
    assert statutory_holidays(2027) == {
        D(2027, 1, 1),
        # eve (Fri) to 初三 (Mon); Sat 初一 and Sun 初二 are made up on Tue 02-09 and Wed 02-10
        D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8),
        D(2027, 2, 9), D(2027, 2, 10),
        D(2027, 4, 5),  # Qingming, Monday
        # 05-01 Saturday and 05-02 Sunday: both made up, on Monday 05-03 and Tuesday 05-04
        D(2027, 5, 1), D(2027, 5, 2), D(2027, 5, 3), D(2027, 5, 4),
        D(2027, 6, 9),
        D(2027, 9, 15),
        # 10-01 Friday; 10-02 Saturday and 10-03 Sunday made up on 10-04 and 10-05
        D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3), D(2027, 10, 4), D(2027, 10, 5),
    }  # fmt: skip


def test_2027_deadline_is_provisional_and_skips_labour_day():
    result = add_workdays(D(2027, 4, 30), 1)
    assert result.value == D(2027, 5, 5)
    assert result.provisional
    assert result.provisional_years == (2027,)


def test_2027_whole_year_never_crashes():
    # 261 weekdays, less the 13 days of the regulation that fall on (or are made up on) one.
    result = count_workdays(D(2027, 1, 1), D(2027, 12, 31))
    assert result.value == 248
    assert result.provisional_years == (2027,)
    for month in range(1, 13):
        assert add_workdays(D(2027, month, 1), 30).provisional


def test_a_range_into_2027_is_provisional_for_2027_only():
    # Mon 12-28..Thu 12-31 of 2026, then 2027-01-01 (Friday) off, 01-04..01-08 on.
    result = count_workdays(D(2026, 12, 28), D(2027, 1, 8))
    assert result.value == 9
    assert result.provisional_years == (2027,)
    assert not count_workdays(D(2026, 12, 1), D(2026, 12, 31)).provisional


def test_mid_autumn_on_national_day_2028_is_made_up():
    # 2028: Mid-Autumn falls on 10-03; 10-01 is a Sunday. Both are made up: 10-01..10-05 off.
    assert LunarDate(2028, 8, 15).to_solar_date() == D(2028, 10, 3)
    assert count(D(2028, 10, 1), D(2028, 10, 5)) == 0
    assert due(D(2028, 9, 29), 1) == D(2028, 10, 6)


# --- overrides entered by the administrator --------------------------------------------------


def test_2027_override_holiday_on_a_weekday_wins_and_ends_provisional():
    assert due(D(2027, 3, 9), 1) == D(2027, 3, 10)
    WorkdayOverride.objects.create(date=D(2027, 3, 10), is_workday=False, note="地方放假")
    result = add_workdays(D(2027, 3, 9), 1)
    assert result.value == D(2027, 3, 11)
    assert not result.provisional
    assert count(D(2027, 3, 8), D(2027, 3, 14)) == 4


def test_2027_override_working_saturday():
    WorkdayOverride.objects.create(date=D(2027, 3, 13), is_workday=True, note="调休上班")
    assert due(D(2027, 3, 12), 1) == D(2027, 3, 13)
    result = count_workdays(D(2027, 3, 8), D(2027, 3, 14))
    assert result.value == 6
    assert not result.provisional


def test_entered_2027_notice_replaces_the_statutory_estimate():
    # Once any day of 2027 is entered, the year is the notice plus ordinary weeks:
    # the statutory 补假 Monday 2027-05-03 is then a working day unless the notice says so.
    WorkdayOverride.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
    result = add_workdays(D(2027, 4, 30), 1)
    assert result.value == D(2027, 5, 3)
    assert not result.provisional


def test_override_in_2026_beats_the_package_and_keeps_its_other_holidays():
    WorkdayOverride.objects.create(date=D(2026, 10, 10), is_workday=False, note="更正")
    assert due(D(2026, 9, 30), 3) == D(2026, 10, 12)
    WorkdayOverride.objects.create(date=D(2026, 10, 8), is_workday=False, note="更正")
    assert due(D(2026, 9, 30), 1) == D(2026, 10, 9)
    # The package's other 2026 arrangements still hold.
    assert count(D(2026, 2, 16), D(2026, 2, 20)) == 0
    assert is_workday(D(2026, 2, 14)).value == 1


# --- properties, 2024–2028 -------------------------------------------------------------------

dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 12, 31))
counts = st.integers(min_value=0, max_value=60)
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(received=dates, n=counts)
def test_count_after_receipt_to_due_date_is_n(received, n):
    result = add_workdays(received, n)
    assert count(received + dt.timedelta(days=1), result.value) == n
    # Only the days after receipt are looked at; a year among them without a notice
    # (2027, 2028) makes the result provisional.
    first = received + dt.timedelta(days=1)
    years = range(first.year, result.value.year + 1) if n else ()
    assert result.provisional_years == tuple(y for y in years if y >= 2027)


@PROPERTY
@given(received=dates, n=st.integers(min_value=1, max_value=60))
def test_due_date_is_a_working_day(received, n):
    due_date = due(received, n)
    assert due_date > received
    assert is_workday(due_date).value == 1


@PROPERTY
@given(received=dates, n=counts, more=st.integers(min_value=1, max_value=20))
def test_more_working_days_give_a_later_due_date(received, n, more):
    assert due(received, n) < due(received, n + more)


# --- the command -----------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("workdays", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_add_prints_the_due_date():
    assert run("add", "2026-09-30", "3") == ("2026-10-10\n", "")


def test_command_count_prints_the_number():
    assert run("count", "2026-04-06", "2026-04-12") == ("4\n", "")


def test_command_warns_on_stderr_for_2027():
    out, err = run("add", "2027-04-30", "1")
    assert out == "2027-05-05\n"
    assert "2027 年" in err and "暂定" in err and "节假日调整" in err


def test_command_names_every_year_without_a_notice():
    out, err = run("count", "2027-12-27", "2028-01-07")
    # Mon 2027-12-27..Fri 12-31; 2028-01-01 is a Saturday, made up on Monday 01-03: 01-04..07.
    assert out == "9\n"
    assert "2027、2028 年" in err


@pytest.mark.parametrize(
    "args",
    [
        ("add", "2026/09/30", "3"),
        ("add", "2026-02-30", "3"),
        ("add", "2026-09-30", "-1"),
        ("add", "2026-09-30", "三"),
        ("add", "2026-09-30"),
        ("count", "2026-10-02", "2026-10-01"),
        ("remove", "2026-10-01"),
        (),
    ],
)
def test_command_bad_input_gives_one_chinese_line(args):
    with pytest.raises(CommandError) as caught:
        run(*args)
    message = str(caught.value)
    assert re.search(r"[\u4e00-\u9fff]", message)
    assert "\n" not in message
    assert not message.startswith("Error")


def test_command_line_rejects_an_unknown_subcommand_in_chinese(capsys):
    from tuijin.cli import main

    with pytest.raises(SystemExit) as caught:
        main(["tuijin", "workdays", "remove"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：未知的子命令") and err.count("\n") == 1
