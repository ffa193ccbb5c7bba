from tests.reliability.fuzzcount import COUNTS


def pytest_terminal_summary(terminalreporter):
    if COUNTS:
        total = sum(COUNTS.values())
        terminalreporter.write_sep("-", f"callback fuzzing: {total:,} inputs")
        for test, number in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{number:7,}  {test}")
