import atexit
import gc
import os
import shutil
import sys
import tempfile

# Qt must never try to open a display in tests; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Each test process (each pytest-xdist worker too) has its own settings and data folders: a window
# opened without a settings file, the autosave folder and the worker log never meet another
# process's, nor the user's own. (Linux: QSettings and QStandardPaths read these.)
_folders = tempfile.mkdtemp(prefix="nn-playground-tests-")
atexit.register(shutil.rmtree, _folders, ignore_errors=True)
for _variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    os.environ[_variable] = os.path.join(_folders, _variable.lower())
sys.path.insert(0, os.path.dirname(__file__))


def pytest_collection_finish(session):
    """What is alive once the tests are collected (numpy, scipy, Qt, pyqtgraph, the test modules)
    lives until the end: out of the garbage collector's sight (gc.freeze), so that each collection
    (after each plot test, and pyqtgraph's every second) walks only what the tests made."""
    gc.collect()
    gc.freeze()
