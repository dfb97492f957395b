#!/usr/bin/env bash
# Build the frozen app, dist/nn-playground/ (PyInstaller onedir), in its own virtual environment
# (build/venv): the app installed from this checkout, PyInstaller at a pinned version.
# Usage: bash packaging/build.sh     (PYTHON=python3.12 bash packaging/build.sh for another Python)
set -euo pipefail
cd "$(dirname "$0")/.."
PYINSTALLER_VERSION="6.22.3"          # pinned: a new PyInstaller may collect Qt differently
HOOKS_CONTRIB_VERSION="2026.9"        # pinned with it: the community hooks (PySide6, scipy)
PYTHON="${PYTHON:-python3}"
VENV=build/venv
start=$(date +%s)
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "pyinstaller==$PYINSTALLER_VERSION" \
    "pyinstaller-hooks-contrib==$HOOKS_CONTRIB_VERSION" .
rm -rf dist/nn-playground
# Run from build/: with the checkout as the working directory, "import playground" would find the
# source tree (no playground.resources there) instead of the copy installed in $VENV.
root=$(pwd)
(cd build && "$root/$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$root/dist" --workpath "$root/build/pyinstaller" "$root/packaging/nn-playground.spec")
# Debugging symbols are a tenth of the folder (libpython's alone 17 MB): strip them, but not from
# the libraries auditwheel vendored into the wheels' *.libs/ folders, whose patchelf-ed layout strip
# breaks ("ELF load command address/offset not page-aligned": numpy issue 20101, PyInstaller issue
# 9463), which is why the spec does not ask PyInstaller to strip. smoke.sh runs what was stripped.
command -v strip >/dev/null || { echo "build.sh needs strip (binutils)" >&2; exit 1; }
find dist/nn-playground/_internal -type f \( -name '*.so' -o -name '*.so.*' \) -not -path '*.libs/*' \
    -exec strip --strip-unneeded {} +
end=$(date +%s)
echo "built dist/nn-playground/ in $((end - start)) s; size $(du -sm dist/nn-playground | cut -f1) MB"
