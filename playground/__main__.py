"""``python -m playground`` and the frozen binary's entry point."""

import multiprocessing

from playground.cli import main

if __name__ == "__main__":
    # A process pool (sweeps, bootstrap bands) starts workers that import this module again; the
    # guard keeps them from launching the app, and in a frozen binary, where sys.executable is the
    # app itself, freeze_support lets such a child run its task and exit.
    multiprocessing.freeze_support()
    raise SystemExit(main())
