"""Memory checks before dense W x W matrices (exact Hessian, Newton, BFGS, Levenberg-Marquardt).

A network with W weights needs W^2 * 8 bytes for one such matrix: 8 MB at W = 1,000,
but 1.7 TB for an 8 x 256 network (W = 461,000). Everything that forms one calls
``require_dense`` first, which refuses in a plain sentence (``TooLargeError``)
instead of letting numpy raise a bare MemoryError or the system start swapping.

The budget is a share of the memory the system reports as available (Linux
``/proc/meminfo`` MemAvailable; a fixed 2 GB elsewhere), never more than an
absolute cap: a matrix that big takes minutes per factorisation anyway.
"""

from __future__ import annotations

import os

FALLBACK_AVAILABLE_BYTES = 2 * 2**30  # when the system does not say how much is free
ABSOLUTE_CAP_BYTES = 8 * 2**30  # above this a W x W method is too slow to teach with, whatever the RAM
AVAILABLE_SHARE = 0.75  # leave the rest for the window, the data and the other programs


class TooLargeError(ValueError, MemoryError):
    """A dense computation would need more memory than this computer can spare.

    A ValueError, so that option checks (``Trainer.update_options``) and the GUI
    report it like any other bad setting; a MemoryError for code that expects one.
    """


def available_bytes() -> int:
    """Memory the system can give without swapping: MemAvailable on Linux, else a fixed 2 GB."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:  # other Unixes
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return FALLBACK_AVAILABLE_BYTES


def budget_bytes() -> int:
    """The most a dense computation may allocate now."""
    return int(min(ABSOLUTE_CAP_BYTES, AVAILABLE_SHARE * available_bytes()))


def format_bytes(n: float) -> str:
    """1.7 TB, 420 MB, 8 kB: decimal units, as file managers show them."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            value = n / size
            return f"{value:.2g} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{int(n)} bytes"


def dense_bytes(n_weights: int, copies: int = 1) -> int:
    """Bytes of ``copies`` float64 matrices of n_weights x n_weights."""
    return int(n_weights) * int(n_weights) * 8 * int(copies)


def require_dense(n_weights: int, what: str, alternatives: str, copies: int = 1) -> None:
    """Refuse (TooLargeError) when ``copies`` W x W float64 matrices do not fit the budget.

    ``what`` names the computation as the start of a sentence ("The exact Hessian of
    this network"); ``alternatives`` is the way out ("use fewer hidden units or a
    first-order optimiser").
    """
    needed = dense_bytes(n_weights, copies)
    budget = budget_bytes()
    if needed <= budget:
        return
    n = int(n_weights)
    size = f"({format_bytes(needed)})" if copies == 1 else f"and working copies of it ({format_bytes(needed)} in all)"
    raise TooLargeError(
        f"{what} needs a {n:,} x {n:,} matrix {size}, more than the {format_bytes(budget)} "
        f"this computer can spare; {alternatives}."
    )
