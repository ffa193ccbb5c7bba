"""SQLite writers queue on a file lock instead of sleeping in SQLite's busy handler."""

import fcntl
import threading

import pytest
from django.db import connection, transaction

from wechat.models import InboundMessage

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="the write lock belongs to the SQLite backend"
    ),
]


def lock_is_free() -> bool:
    with open(str(connection.settings_dict["NAME"]) + ".writelock", "a+") as other:
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other, fcntl.LOCK_UN)
        return True


def store(key: str) -> None:
    InboundMessage.objects.create(
        dedup_key=key,
        kind="text",
        msg_type="text",
        sender="o",
        xml="<xml/>",
        received_at="2026-01-01T00:00:00Z",
    )


def test_a_write_transaction_holds_the_lock_until_it_commits():
    with transaction.atomic():
        store("a")
        assert not lock_is_free()
    assert lock_is_free()


def test_a_rolled_back_transaction_releases_the_lock():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        store("b")
        raise ZeroDivisionError
    assert lock_is_free()
    assert not InboundMessage.objects.filter(dedup_key="b").exists()


def test_a_second_writer_waits_for_the_first_and_then_commits():
    first_holds, release = threading.Event(), threading.Event()
    order = []

    def first():
        with transaction.atomic():
            store("first")
            first_holds.set()
            release.wait(5)
            order.append("first commits")
        connection.close()

    def second():
        first_holds.wait(5)
        with transaction.atomic():
            order.append("second begins")
            store("second")
        connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_holds.wait(5)
    threading.Timer(0.2, release.set).start()
    for thread in threads:
        thread.join(10)
    assert order == ["first commits", "second begins"]
    assert set(InboundMessage.objects.values_list("dedup_key", flat=True)) == {"first", "second"}
