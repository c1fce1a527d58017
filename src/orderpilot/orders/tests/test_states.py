import itertools

import pytest

from orderpilot.core.exceptions import IllegalTransition
from orderpilot.orders.states import ALLOWED_TRANSITIONS, FINAL_STATUSES, OrderStatus, check_transition

S = OrderStatus

# The lifecycle of ARCHITECTURE.md, written out independently of the table under test.
EXPECTED = {
    (S.IMPORTED, S.ON_HOLD), (S.IMPORTED, S.RELEASED), (S.IMPORTED, S.CANCELLED),
    (S.ON_HOLD, S.RELEASED), (S.ON_HOLD, S.CANCELLED),
    (S.RELEASED, S.ON_HOLD), (S.RELEASED, S.TRANSMITTED), (S.RELEASED, S.CANCELLED),
    (S.TRANSMITTED, S.RELEASED), (S.TRANSMITTED, S.SHIPPED), (S.TRANSMITTED, S.CANCELLED),
    (S.SHIPPED, S.INVOICED), (S.SHIPPED, S.PAID), (S.SHIPPED, S.COMPLETED), (S.SHIPPED, S.CANCELLED),
    (S.INVOICED, S.PAID), (S.INVOICED, S.COMPLETED), (S.INVOICED, S.CANCELLED),
    (S.PAID, S.COMPLETED), (S.PAID, S.CANCELLED),
    (S.COMPLETED, S.CANCELLED),
}


def test_every_status_has_an_entry():
    assert set(ALLOWED_TRANSITIONS) == set(OrderStatus)


def test_contract_statuses():
    assert [s.value for s in OrderStatus] == [
        "imported", "on_hold", "released", "transmitted", "shipped", "invoiced", "paid", "completed", "cancelled",
    ]


@pytest.mark.parametrize(("current", "target"), list(itertools.product(OrderStatus, OrderStatus)))
def test_transition_table(current, target):
    if (current, target) in EXPECTED:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, target)


def test_cancelled_is_terminal_and_final_statuses_only_reverse():
    assert ALLOWED_TRANSITIONS[S.CANCELLED] == frozenset()
    for status in FINAL_STATUSES:
        assert ALLOWED_TRANSITIONS[status] <= {S.CANCELLED}
