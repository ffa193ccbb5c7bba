"""How many fuzz inputs each test ran; the suite's summary prints the total."""

from collections import Counter

COUNTS: Counter = Counter()


def count(test: str) -> int:
    COUNTS[test] += 1
    return COUNTS[test]
