import datetime as dt

import pytest
from django.db import transaction

from orderpilot.core import numbering
from orderpilot.core.models import NumberSeries
from orderpilot.core.numbering import next_number

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)


def test_numbers_are_consecutive_and_formatted():
    with transaction.atomic():
        numbers = [next_number("invoice", pattern="RE-{year}-{seq:06}", at=AT) for _ in range(3)]
    assert numbers == ["RE-2026-000001", "RE-2026-000002", "RE-2026-000003"]


def test_a_rolled_back_transaction_burns_no_number():
    def issue_then_fail():
        with transaction.atomic():
            next_number("invoice", pattern="RE-{seq}", at=AT)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        issue_then_fail()
    with transaction.atomic():
        assert next_number("invoice", pattern="RE-{seq}", at=AT) == "RE-1"


def test_each_year_counts_from_one():
    with transaction.atomic():
        assert next_number("dn", pattern="LS-{year}-{seq}", at=AT) == "LS-2026-1"
        assert next_number("dn", pattern="LS-{year}-{seq}", at=AT.replace(year=2027)) == "LS-2027-1"


@pytest.mark.django_db(transaction=True)  # the default test wraps everything in a transaction
def test_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        next_number("x", pattern="{seq}", at=AT)


def test_a_counter_row_created_in_a_rolled_back_savepoint_is_created_again():
    def failing_step():
        with transaction.atomic():
            assert next_number("credit_note", pattern="GS-{seq}", at=AT) == "GS-1"
            raise ZeroDivisionError

    # given the first number of a series was taken in a step that failed (its savepoint rolled back)
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError):
            failing_step()
        # when the next step takes a number in the same transaction
        number = next_number("credit_note", pattern="GS-{seq}", at=AT)
    # then the counter row is there again and the number was not burnt
    assert number == "GS-1"
    assert NumberSeries.objects.get(code="credit_note").last_value == 1


def test_one_statement_per_number_once_the_series_exists(django_assert_num_queries):
    with transaction.atomic():
        next_number("invoice", pattern="RE-{seq}", at=AT)
        with django_assert_num_queries(1):
            assert next_number("invoice", pattern="RE-{seq}", at=AT) == "RE-2"


def test_databases_without_returning_count_the_same(monkeypatch):
    monkeypatch.setattr(numbering, "_update_returning", lambda: False)
    with transaction.atomic():
        numbers = [next_number("invoice", pattern="RE-{year}-{seq:06}", at=AT) for _ in range(3)]
    assert numbers == ["RE-2026-000001", "RE-2026-000002", "RE-2026-000003"]
