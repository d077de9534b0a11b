"""The timetable rules of the three procurement regimes: edges, working days, clocks, order, defaults."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

import pytest

from portal.procurement.regimes import (
    EXPLANATIONS,
    FIELDS,
    LONDON,
    REGIMES,
    Problem,
    Timetable,
    amendment_problem,
    check,
    default_timetable,
    format_date,
    format_moment,
    minimum_notice_before_submission,
    rule_hint,
    standstill_end,
    working_days_after,
)

MINUTE = timedelta(minutes=1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


PUBLISHED = at(2027, 2, 1, 9)
SUBMISSION = at(2027, 3, 9, 12)


def timetable(regime: str = "scotland", **changes: object) -> Timetable:
    """A timetable that passes its regime's check, with some fields changed."""
    return dataclasses.replace(default_timetable(regime, PUBLISHED, SUBMISSION), **changes)


def fields_of(problems: list[Problem]) -> list[str]:
    return [p.field for p in problems]


def only(problems: list[Problem], field: str) -> Problem:
    assert fields_of(problems) == [field], problems
    return problems[0]


# --- the words ---------------------------------------------------------------------------------------


def test_every_timetable_field_has_a_label_and_an_explanation():
    names = [f.name for f in dataclasses.fields(Timetable)]
    assert list(FIELDS) == names == list(EXPLANATIONS)
    assert set(REGIMES) == {"scotland", "england", "below_threshold"}


def test_clarification_and_answer_deadlines_are_explained_as_two_different_things():
    assert FIELDS["clarification_deadline"] != FIELDS["answer_deadline"]
    assert "deadline for answers" in EXPLANATIONS["clarification_deadline"]
    assert "deadline for questions" in EXPLANATIONS["answer_deadline"]


def test_dates_and_moments_in_words():
    assert format_date(date(2027, 3, 3)) == "3 March 2027"
    assert format_moment(at(2027, 3, 3, 17, 30)) == "5:30pm on 3 March 2027"
    assert format_moment(at(2027, 3, 3, 9)) == "9am on 3 March 2027"
    assert format_moment(at(2027, 3, 3, 12)) == "midday on 3 March 2027"
    assert format_moment(at(2027, 3, 4)) == "midnight at the end of 3 March 2027"
    assert format_moment(datetime(2027, 7, 1, 11, tzinfo=timezone.utc)) == "midday on 1 July 2027"  # BST


def test_naive_datetimes_and_unknown_regimes_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        standstill_end("scotland", datetime(2027, 3, 1, 12))
    with pytest.raises(ValueError, match="unknown regime"):
        minimum_notice_before_submission("wales")
    with pytest.raises(ValueError, match="unknown regime"):
        check("wales", timetable())


# --- scotland ----------------------------------------------------------------------------------------


def test_scotland_answers_exactly_6_days_before_the_submission_deadline_pass():
    assert check("scotland", timetable(answer_deadline=at(2027, 3, 3, 12))) == []


def test_scotland_answers_a_minute_inside_6_days_are_refused_naming_the_rule():
    problem = only(check("scotland", timetable(answer_deadline=at(2027, 3, 3, 12, 1))), "answer_deadline")
    assert problem.message == (
        "The deadline for answers must be at least 6 days before the submission deadline (Public Contracts "
        "(Scotland) Regulations 2015, regulation 54): make it midday on 3 March 2027 or earlier")


def test_scotland_accelerated_answers_need_4_days():
    four_days = timetable(answer_deadline=at(2027, 3, 5, 12))
    assert check("scotland", four_days, accelerated=True) == []
    assert fields_of(check("scotland", four_days)) == ["answer_deadline"]
    late = dataclasses.replace(four_days, answer_deadline=at(2027, 3, 5, 12, 1))
    assert "at least 4 days" in only(check("scotland", late, accelerated=True), "answer_deadline").message
    assert minimum_notice_before_submission("scotland", accelerated=True) == timedelta(days=4)


def test_scotland_standstill_is_10_days_ending_at_midnight():
    # Notice at 4pm on Monday 1 March 2027: 10 days end at midnight at the end of Thursday 11 March.
    assert standstill_end("scotland", at(2027, 3, 1, 16)) == at(2027, 3, 12)
    assert standstill_end("scotland", at(2027, 3, 1, 0, 1)) == at(2027, 3, 12)  # the time of day does not count


def test_scotland_standstill_is_15_days_when_a_notice_was_not_sent_electronically():
    assert standstill_end("scotland", at(2027, 3, 1, 16), electronic=False) == at(2027, 3, 17)


def test_scotland_standstill_at_its_edge():
    base = timetable(award_on=date(2027, 3, 31), contract_start=date(2027, 4, 30))
    exact = dataclasses.replace(base, standstill_end=at(2027, 4, 11))  # midnight at the end of 10 April
    assert check("scotland", exact) == []
    short = dataclasses.replace(base, standstill_end=at(2027, 4, 11) - MINUTE)
    problem = only(check("scotland", short), "standstill_end")
    assert "10 days" in problem.message and "regulation 86" in problem.message
    assert problem.message.endswith("make it midnight at the end of 10 April 2027 or later")


def test_scotland_standstill_of_10_days_is_refused_when_a_notice_went_by_post():
    t = timetable(award_on=date(2027, 3, 31), standstill_end=at(2027, 4, 11), contract_start=date(2027, 4, 30))
    problem = only(check("scotland", t, electronic=False), "standstill_end")
    assert "15 days" in problem.message and "not every award notice is sent electronically" in problem.message
    assert "midnight at the end of 15 April 2027" in problem.message
    assert check("scotland", dataclasses.replace(t, standstill_end=at(2027, 4, 16)), electronic=False) == []


def test_scotland_has_no_minimum_tender_period():
    t = default_timetable("scotland", PUBLISHED, PUBLISHED + timedelta(days=8))
    assert check("scotland", t) == []


# --- england -----------------------------------------------------------------------------------------


def test_england_tender_period_of_exactly_25_days_passes():
    assert check("england", default_timetable("england", PUBLISHED, at(2027, 2, 26, 9))) == []


def test_england_tender_period_a_minute_short_is_refused_naming_the_rule():
    t = default_timetable("england", PUBLISHED, at(2027, 2, 26, 9) - MINUTE)
    problem = only(check("england", t), "submission_deadline")
    assert problem.message == (
        "The submission deadline must be at least 25 days after the tender is published (Procurement Act "
        "2023, section 54): make it 9am on 26 February 2027 or later")


def test_england_tender_period_a_day_short_is_refused():
    t = default_timetable("england", PUBLISHED, at(2027, 2, 25, 9))
    assert fields_of(check("england", t)) == ["submission_deadline"]
    assert check("scotland", default_timetable("scotland", PUBLISHED, at(2027, 2, 25, 9))) == []


def test_england_answers_need_the_portals_6_days():
    assert check("england", timetable("england", answer_deadline=at(2027, 3, 3, 12))) == []
    problem = only(check("england", timetable("england", answer_deadline=at(2027, 3, 3, 12, 1))),
                   "answer_deadline")
    assert "at least 6 days" in problem.message and "Procurement Act 2023, sections 31 and 54" in problem.message
    assert minimum_notice_before_submission("england", accelerated=True) == timedelta(days=6)


def test_england_standstill_counts_the_day_of_the_notice_and_skips_weekends():
    # Monday 1 March 2027: Mon-Fri, Mon-Wed is 8 working days, ending at midnight at the end of 10 March.
    assert standstill_end("england", at(2027, 3, 1, 16)) == at(2027, 3, 11)
    # A notice on a Saturday: the first working day is Monday 8 March, the 8th Wednesday 17 March.
    assert standstill_end("england", at(2027, 3, 6, 10)) == at(2027, 3, 18)


def test_england_standstill_over_christmas_and_new_year():
    # 21-24 Dec 2026, then Christmas (Fri), the weekend, Boxing Day observed (Mon 28), 29-31 Dec,
    # New Year's Day (Fri), the weekend: the 8th working day is Monday 4 January 2027.
    assert standstill_end("england", at(2026, 12, 21, 10)) == at(2027, 1, 5)


def test_england_standstill_over_easter():
    # Wed 24 and Thu 25 March 2027, Good Friday, the weekend, Easter Monday, then 30 March to 6 April.
    assert standstill_end("england", at(2027, 3, 24, 10)) == at(2027, 4, 7)


def test_england_standstill_at_its_edge():
    base = timetable("england", award_on=date(2027, 3, 24), contract_start=date(2027, 4, 30))
    assert check("england", dataclasses.replace(base, standstill_end=at(2027, 4, 7))) == []
    short = dataclasses.replace(base, standstill_end=at(2027, 4, 6))
    problem = only(check("england", short), "standstill_end")
    assert "8 working days" in problem.message and "section 51" in problem.message
    assert problem.message.endswith("make it midnight at the end of 6 April 2027 or later")


# --- below threshold ---------------------------------------------------------------------------------


def test_below_threshold_has_no_minimums_only_order():
    notice = at(2027, 3, 31, 15)
    assert standstill_end("below_threshold", notice) == notice
    assert minimum_notice_before_submission("below_threshold") == timedelta(0)
    t = timetable("below_threshold", answer_deadline=SUBMISSION - MINUTE, award_on=date(2027, 3, 31),
                  standstill_end=notice, contract_start=date(2027, 3, 31))
    assert check("below_threshold", t) == []
    assert fields_of(check("scotland", t)) == ["answer_deadline", "standstill_end"]


# --- working days ------------------------------------------------------------------------------------


def test_working_days_skip_weekends():
    friday = date(2027, 3, 5)
    assert working_days_after(friday, 1) == date(2027, 3, 8)
    assert working_days_after(friday, 5) == date(2027, 3, 12)
    assert working_days_after(friday, 0) == friday
    with pytest.raises(ValueError):
        working_days_after(friday, -1)


def test_working_days_skip_the_regions_bank_holidays():
    # 1 January 2026 is a Thursday; 2 January is a bank holiday in Scotland but not in England.
    assert working_days_after(date(2025, 12, 31), 1) == date(2026, 1, 2)
    assert working_days_after(date(2025, 12, 31), 1, "scotland") == date(2026, 1, 5)
    assert working_days_after(date(2025, 12, 31), 1, "uk") == date(2026, 1, 5)
    # Good Friday and Easter Monday 2027 in England and Wales.
    assert working_days_after(date(2027, 3, 25), 1) == date(2027, 3, 30)
    with pytest.raises(ValueError, match="unknown region"):
        working_days_after(date(2027, 3, 25), 1, "france")


# --- the clocks --------------------------------------------------------------------------------------


def test_days_are_calendar_days_across_the_clocks_going_forward():
    # The clocks go forward on 28 March 2027: 6 days before midday on 31 March is midday on 25 March,
    # although only 143 hours separate them.
    submission = at(2027, 3, 31, 12)
    t = default_timetable("scotland", PUBLISHED, submission)
    exact = dataclasses.replace(t, answer_deadline=at(2027, 3, 25, 12))
    assert (submission.astimezone(timezone.utc) - exact.answer_deadline.astimezone(timezone.utc)
            == timedelta(hours=143))
    assert check("scotland", exact) == []
    late = dataclasses.replace(t, answer_deadline=at(2027, 3, 25, 12, 1))
    assert "midday on 25 March 2027" in only(check("scotland", late), "answer_deadline").message


def test_days_are_calendar_days_across_the_clocks_going_back():
    # The clocks go back on 31 October 2027: 25 days from 9am on 10 October (BST) is 9am on 4 November (GMT).
    published = at(2027, 10, 10, 9)
    assert check("england", default_timetable("england", published, at(2027, 11, 4, 9))) == []
    short = default_timetable("england", published, at(2027, 11, 4, 9) - MINUTE)
    assert "9am on 4 November 2027" in only(check("england", short), "submission_deadline").message


def test_a_standstill_across_the_change_of_clocks_still_ends_at_midnight():
    end = standstill_end("scotland", at(2027, 3, 25, 16))  # before the clocks go forward
    assert end == at(2027, 4, 5)
    assert (end.hour, end.minute, end.utcoffset()) == (0, 0, timedelta(hours=1))


def test_moments_in_other_zones_are_read_in_london():
    utc_deadline = datetime(2027, 3, 3, 12, tzinfo=timezone.utc)  # midday GMT = midday London in March
    assert check("scotland", timetable(answer_deadline=utc_deadline)) == []


# --- order -------------------------------------------------------------------------------------------


def test_clarification_deadline_after_publication():
    problem = only(check("below_threshold", timetable("below_threshold", clarification_deadline=PUBLISHED)),
                   "clarification_deadline")
    assert problem.message == ("The deadline for clarification questions must be after the tender is "
                               "published: make it later than 9am on 1 February 2027")


def test_answers_cannot_come_before_the_questions_close():
    t = timetable("below_threshold", clarification_deadline=at(2027, 3, 1, 17), answer_deadline=at(2027, 3, 1, 16))
    problem = only(check("below_threshold", t), "answer_deadline")
    assert problem.message.endswith("make it 5pm on 1 March 2027 or later")
    same_moment = dataclasses.replace(t, answer_deadline=at(2027, 3, 1, 17))
    assert check("below_threshold", same_moment) == []


def test_submission_deadline_after_the_answers():
    t = timetable("below_threshold", answer_deadline=SUBMISSION)
    assert fields_of(check("below_threshold", t)) == ["submission_deadline"]
    # Under scotland the answers are also too late for the 6-day rule: both fields are named.
    assert fields_of(check("scotland", timetable(answer_deadline=SUBMISSION + MINUTE))) == [
        "answer_deadline", "submission_deadline"]


def test_evaluation_award_standstill_and_contract_in_order():
    t = timetable("below_threshold", evaluation_on=date(2027, 3, 8), award_on=date(2027, 3, 7),
                  standstill_end=at(2027, 3, 6, 12), contract_start=date(2027, 3, 5))
    problems = check("below_threshold", t)
    assert fields_of(problems) == ["evaluation_on", "award_on", "standstill_end", "contract_start"]
    messages = [p.message for p in problems]
    assert messages[0] == "Evaluation cannot start before the submission deadline: make it 9 March 2027 or later"
    assert messages[1].endswith("make it 8 March 2027 or later")
    assert messages[2].endswith("make it end on 7 March 2027 or later")
    assert messages[3].endswith("make it 6 March 2027 or later")


def test_evaluation_may_start_on_the_day_of_the_submission_deadline():
    assert check("scotland", timetable(evaluation_on=SUBMISSION.date())) == []


def test_contract_may_start_on_the_day_a_midnight_standstill_is_over():
    t = timetable(award_on=date(2027, 3, 31), standstill_end=at(2027, 4, 11))
    assert check("scotland", dataclasses.replace(t, contract_start=date(2027, 4, 11))) == []
    assert fields_of(check("scotland", dataclasses.replace(t, contract_start=date(2027, 4, 10)))) == [
        "contract_start"]


# --- defaults ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("regime", list(REGIMES))
@pytest.mark.parametrize("accelerated", [False, True])
@pytest.mark.parametrize("electronic", [True, False])
def test_defaults_pass_their_own_check(regime: str, accelerated: bool, electronic: bool):
    t = default_timetable(regime, PUBLISHED, SUBMISSION, accelerated=accelerated, electronic=electronic)
    assert check(regime, t, accelerated=accelerated, electronic=electronic) == []


@pytest.mark.parametrize("regime", ["scotland", "below_threshold"])
def test_defaults_of_a_short_tender_pass_their_own_check(regime: str):
    for days in (2, 5, 9):
        t = default_timetable(regime, PUBLISHED, PUBLISHED + timedelta(days=days))
        assert t.published_at < t.clarification_deadline <= t.answer_deadline < t.submission_deadline
        if regime == "below_threshold":
            assert check(regime, t) == []


def test_defaults_spell_out_each_date():
    t = default_timetable("scotland", PUBLISHED, SUBMISSION)
    assert t.clarification_deadline == at(2027, 2, 27, 12)  # 10 days before
    assert t.answer_deadline == at(2027, 3, 3, 12)  # the 6-day minimum
    assert t.evaluation_on == date(2027, 3, 10)  # the next working day
    assert t.award_on == date(2027, 3, 31)  # 3 weeks later
    assert t.standstill_end == at(2027, 4, 11)  # midnight at the end of Saturday 10 April
    assert t.contract_start == date(2027, 4, 12)  # the next working day
    assert default_timetable("scotland", PUBLISHED, SUBMISSION, accelerated=True).answer_deadline == at(2027, 3, 5, 12)
    assert all(getattr(t, f).tzinfo == LONDON for f in ("published_at", "answer_deadline", "standstill_end"))


def test_default_award_lands_on_a_working_day():
    # Submission on Thursday 24 December 2026: evaluation Tuesday 29 December, award 3 weeks later.
    t = default_timetable("england", at(2026, 11, 20, 9), at(2026, 12, 24, 12))
    assert t.evaluation_on == date(2026, 12, 29)
    assert t.award_on == date(2027, 1, 19)
    assert check("england", t) == []


# --- fixed dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize("regime", list(REGIMES))
def test_moving_the_submission_deadline_moves_no_other_date(regime: str):
    before = default_timetable(regime, PUBLISHED, SUBMISSION)
    after = dataclasses.replace(before, submission_deadline=SUBMISSION + timedelta(days=7))
    for field in FIELDS:
        if field != "submission_deadline":
            assert getattr(after, field) == getattr(before, field), field


def test_moving_the_submission_deadline_earlier_is_reported_not_corrected():
    before = default_timetable("scotland", PUBLISHED, SUBMISSION)
    after = dataclasses.replace(before, submission_deadline=SUBMISSION - timedelta(days=2))
    problem = only(check("scotland", after), "answer_deadline")
    assert problem.message.endswith("make it midday on 1 March 2027 or earlier")
    assert after.answer_deadline == before.answer_deadline


# --- changes to a published tender -------------------------------------------------------------------


def test_a_change_inside_the_minimum_period_needs_the_deadline_extended():
    assert amendment_problem("scotland", SUBMISSION, at(2027, 3, 3, 12)) is None
    problem = amendment_problem("scotland", SUBMISSION, at(2027, 3, 3, 12, 1))
    assert problem == Problem("submission_deadline", (
        "This change comes less than 6 days before the submission deadline (Public Contracts (Scotland) "
        "Regulations 2015, regulations 48 and 54): extend the deadline to 12:01pm on 9 March 2027 or later"))
    assert amendment_problem("scotland", SUBMISSION, at(2027, 3, 5, 12), accelerated=True) is None
    assert amendment_problem("england", SUBMISSION, at(2027, 3, 4, 12)) is not None


def test_below_threshold_changes_need_an_extension_only_after_the_deadline():
    assert amendment_problem("below_threshold", SUBMISSION, SUBMISSION - MINUTE) is None
    problem = amendment_problem("below_threshold", SUBMISSION, SUBMISSION)
    assert problem is not None and "after the submission deadline" in problem.message


# --- hints -------------------------------------------------------------------------------------------


def test_rule_hints_name_the_regimes_figures():
    assert rule_hint("scotland", "answer_deadline", accelerated=True) == (
        "At least 4 days before the submission deadline (Public Contracts (Scotland) Regulations 2015, "
        "regulation 54).")
    assert "25 days" in rule_hint("england", "submission_deadline")
    assert "8th working day" in rule_hint("england", "standstill_end")
    assert "15th day" in rule_hint("scotland", "standstill_end", electronic=False)
    assert rule_hint("below_threshold", "answer_deadline") is None
    assert rule_hint("scotland", "contract_start") is None
