"""Helpers for tests that start worker processes (tests/core/test_sweeps.py, tests/gui/test_sweep_view.py)."""


def alive(pid: int) -> bool:
    """A process that exists and is no zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
