"""The frozen app's entry script (what PyInstaller runs; playground/__main__.py does the same).

A script outside the package: PyInstaller puts the folder above a script that sits inside a
package on its search path, which would freeze this checkout instead of the copy build.sh
installed (only that copy has playground.resources).
"""

import multiprocessing

from playground.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a process-pool child of the frozen app runs its task and exits
    raise SystemExit(main())
