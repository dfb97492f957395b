#!/usr/bin/env bash
# Run the frozen app the way CI and a person would, headless: the folder's size against its budget
# (300 MB), --version, --help, a short `train`
# (its files checked), the desktop app started offscreen and still up after 8 s (a module left out
# of the build fails at its start), and --self-test when this build has it (it comes with the export
# work; older builds lack it). Exits non-zero, naming the step, when any step fails.
#   bash packaging/smoke.sh [BINARY]     (default: dist/nn-playground/nn-playground)
set -euo pipefail
cd "$(dirname "$0")/.."
app="${1:-dist/nn-playground/nn-playground}"
export QT_QPA_PLATFORM=offscreen
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
step() { echo "smoke: $*"; }
budget_mb=300  # packaging/README.md: the onedir's budget
size_mb=$(du -sm "$(dirname "$app")" | cut -f1)
if (( size_mb > budget_mb )); then
  echo "smoke: the folder $(dirname "$app") is $size_mb MB, over its budget of $budget_mb MB" >&2
  exit 1
fi
step "the folder is $size_mb MB (budget $budget_mb MB)"
step "$("$app" --version)"
"$app" --help >"$out/help.txt" || { echo "smoke: --help failed" >&2; exit 1; }
step "train (200 points, 2-8-8-1, 50 epochs)"
"$app" train packaging/smoke-config.json --out "$out/run" --epochs 50 --quiet
for file in metrics.json network.json; do
  [[ -s "$out/run/$file" ]] || { echo "smoke: train wrote no $file" >&2; exit 1; }
done
step "the desktop app starts (offscreen, 8 s)"
set +e
HOME="$out/home" XDG_CONFIG_HOME="$out/home/.config" timeout 8 "$app" >"$out/gui.log" 2>&1
code=$?
set -e
if [[ $code -ne 124 ]]; then  # 124: still running when timeout stopped it, as it should be
  echo "smoke: the app exited with $code within 8 s:" >&2
  tail -n 20 "$out/gui.log" >&2
  exit 1
fi
if grep -q -- "--self-test" "$out/help.txt"; then
  step "--self-test"
  "$app" --self-test
else
  step "--self-test: not in this build's --help, skipped"
fi
step "passed"
