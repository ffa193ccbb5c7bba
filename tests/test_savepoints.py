"""wrist.savepoints: the handler's savepoint, taken only when it first queries."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from devices.models import WeChatUser
from wrist.savepoints import savepoint_on_first_query

pytestmark = pytest.mark.django_db


def _savepoint_statements(queries) -> list[str]:
    return [q["sql"] for q in queries if "SAVEPOINT" in q["sql"].upper()]


def test_a_block_that_never_queries_costs_no_savepoint():
    with CaptureQueriesContext(connection) as queries, transaction.atomic(savepoint=False):
        with savepoint_on_first_query():
            answer = "no database here"
    assert answer
    assert _savepoint_statements(queries) == []


def test_a_block_that_writes_keeps_its_writes_after_one_savepoint_and_release():
    with CaptureQueriesContext(connection) as queries, transaction.atomic(savepoint=False):
        with savepoint_on_first_query():
            WeChatUser.objects.create(openid="o_kept")
    assert WeChatUser.objects.filter(openid="o_kept").exists()
    statements = _savepoint_statements(queries)
    assert len(statements) == 2
    assert statements[0].upper().startswith("SAVEPOINT")
    assert statements[1].upper().startswith("RELEASE")


def test_a_block_that_raises_loses_its_writes_and_the_transaction_goes_on():
    with transaction.atomic():
        WeChatUser.objects.create(openid="o_before")
        with pytest.raises(RuntimeError), savepoint_on_first_query():
            WeChatUser.objects.create(openid="o_lost")
            raise RuntimeError("the handler failed")
        WeChatUser.objects.create(openid="o_after")
    assert set(WeChatUser.objects.values_list("openid", flat=True)) == {"o_before", "o_after"}


def test_a_block_that_swallows_a_database_error_is_rolled_back_not_left_broken():
    with transaction.atomic():
        with savepoint_on_first_query():
            WeChatUser.objects.create(openid="o_twice")
            try:
                WeChatUser.objects.create(openid="o_twice")
            except IntegrityError:
                pass  # the transaction now needs a rollback
        WeChatUser.objects.create(openid="o_after")
    assert list(WeChatUser.objects.values_list("openid", flat=True)) == ["o_after"]


def test_on_commit_callbacks_of_a_block_that_raised_are_dropped(
    django_capture_on_commit_callbacks,
):
    ran = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        transaction.on_commit(lambda: ran.append("outer"))
        with pytest.raises(RuntimeError), savepoint_on_first_query():
            transaction.on_commit(lambda: ran.append("inner"))
            raise RuntimeError("the handler failed")
    assert ran == ["outer"]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_refuses_to_run():
    with pytest.raises(TransactionManagementError), savepoint_on_first_query():
        pass
