"""Lead-time histogram buckets: few enough keys for one DynamoDB item, close enough for percentiles, and exact
for "less notice than N hours"."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ccm.domain.reports import LONGEST_LEAD, TENS_BELOW, lead_bucket

MINUTES = st.integers(min_value=-(LONGEST_LEAD + 10_000), max_value=LONGEST_LEAD + 10_000)


@given(MINUTES, st.integers(min_value=1, max_value=LONGEST_LEAD // 60))
def test_less_notice_than_a_whole_number_of_hours_is_decided_exactly_from_the_bucket(minutes: int, hours: int) -> None:
    assert (lead_bucket(minutes) < hours * 60) == (min(minutes, LONGEST_LEAD) < hours * 60)


@given(st.integers(min_value=0, max_value=LONGEST_LEAD))
def test_a_bucket_is_at_most_one_percent_or_one_hour_below_the_time_it_counts(minutes: int) -> None:
    bucket = lead_bucket(minutes)
    assert bucket <= minutes
    assert minutes - bucket <= max(minutes // 100, 0) or (minutes >= TENS_BELOW and minutes - bucket < 60)


@given(MINUTES)
def test_a_time_after_the_window_start_is_bucketed_as_its_opposite_is(minutes: int) -> None:
    assert lead_bucket(minutes) == -lead_bucket(-minutes)


def test_a_years_worth_of_distinct_lead_times_fits_in_a_few_thousand_keys() -> None:
    keys = {lead_bucket(minutes) for minutes in range(-LONGEST_LEAD, 366 * 24 * 60)}

    assert len(keys) < 8_000
    assert lead_bucket(400 * 24 * 60) == LONGEST_LEAD
