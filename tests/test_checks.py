"""Worksheet checks warn on dates too close, in the past or out of order, and on
task teams without an industry majority."""

from __future__ import annotations

import datetime as dt

from sectorwb.checks import DaysBefore, Majority, NotPast

TODAY = dt.date(2027, 3, 1)
GAP = DaysBefore(
    kind="days_before", earlier="inv", later="launch", days=21, message="Too late."
)


def test_days_before_warns_when_too_close() -> None:
    text = GAP.warning({"inv": "2027-04-01", "launch": "2027-04-10"}, TODAY)
    assert text is not None and "Too late." in text and "9 days" in text


def test_days_before_silent_when_far_enough_or_incomplete() -> None:
    assert GAP.warning({"inv": "2027-04-01", "launch": "2027-04-22"}, TODAY) is None
    assert GAP.warning({"inv": "2027-04-01"}, TODAY) is None
    assert GAP.warning({"inv": "not a date", "launch": "2027-04-22"}, TODAY) is None


def test_days_before_names_out_of_order_dates() -> None:
    text = GAP.warning({"inv": "2027-04-10", "launch": "2027-04-01"}, TODAY)
    assert text is not None and "out of order" in text


def test_not_past() -> None:
    check = NotPast(kind="not_past", question="d", message="In the past.")
    assert "2027-02-28" in check.warning({"d": "2027-02-28"}, TODAY)
    assert check.warning({"d": "2027-03-01"}, TODAY) is None
    assert check.warning({}, TODAY) is None


def test_majority() -> None:
    check = Majority(
        kind="majority", table="t", column="Type", value="Industry", message="More!"
    )
    half = [{"Type": "Industry"}, {"Type": "Support partner"}, {"Type": ""}]
    text = check.warning({"t": half}, TODAY)
    assert text is not None and "1 of 2" in text
    most = [{"Type": "Industry"}, {"Type": "Industry"}, {"Type": "Support partner"}]
    assert check.warning({"t": most}, TODAY) is None
    assert check.warning({"t": []}, TODAY) is None


def test_majority_per_task_team_names_the_team_without_one() -> None:
    check = Majority(
        kind="majority",
        table="t",
        column="Type",
        value="Industry",
        per="Team",
        message="More!",
    )
    rows = [
        {"Team": "Talent", "Type": "Industry"},
        {"Team": "Talent", "Type": "Industry"},
        {"Team": "Talent", "Type": "Support partner"},
        {"Team": "Transit", "Type": "Industry"},
        {"Team": "Transit", "Type": "Support partner"},
    ]
    text = check.warning({"t": rows}, TODAY)
    assert text is not None and "Transit: 1 of 2" in text and "Talent" not in text
