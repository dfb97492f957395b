#!/usr/bin/env bash
# Time from launch to the app's first window on a virtual X screen (Xvfb), as a person would see it.
#   bash packaging/first_frame.sh [COMMAND ARGS...]     (default: dist/nn-playground/nn-playground)
# Polls the X server every 20 ms for a mapped window whose title names nn-playground; prints
# the seconds it took, then stops the app. Needs Xvfb and xwininfo (packages xvfb, x11-utils) and
# the X libraries Qt's xcb plugin loads (../shared/tools/screenshot.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -gt 0 ]] || set -- dist/nn-playground/nn-playground
command -v Xvfb >/dev/null && command -v xwininfo >/dev/null || { echo "needs Xvfb and xwininfo" >&2; exit 2; }
d=$(( 500 + RANDOM % 400 ))
while [[ -e /tmp/.X${d}-lock ]]; do d=$((d + 1)); done
Xvfb ":$d" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
home=$(mktemp -d)  # a fresh profile: no remembered layout, no autosave to offer back
trap 'kill "${apid:-}" 2>/dev/null; kill "$xpid" 2>/dev/null; rm -rf "$home"' EXIT
ready=
for _ in $(seq 400); do DISPLAY=":$d" xwininfo -root >/dev/null 2>&1 && { ready=1; break; }; sleep 0.05; done
[[ -n $ready ]] || { echo "Xvfb on :$d did not answer within 20 s" >&2; exit 2; }
start=$(date +%s.%N)
env -u QT_QPA_PLATFORM HOME="$home" XDG_CONFIG_HOME="$home/.config" DISPLAY=":$d" QT_QPA_PLATFORM=xcb "$@" \
    >"$home/app.log" 2>&1 &
apid=$!
shown() {  # a window whose title names the app is mapped (viewable)
  local id
  for id in $(DISPLAY=":$d" xwininfo -root -tree 2>/dev/null | grep 'nn-playground' | awk '{print $1}'); do
    DISPLAY=":$d" xwininfo -id "$id" 2>/dev/null | grep -q IsViewable && return 0
  done
  return 1
}
while ! shown; do
  kill -0 "$apid" 2>/dev/null || { echo "the app exited:" >&2; tail -n 20 "$home/app.log" >&2; exit 1; }
  elapsed=$(echo "$(date +%s.%N) - $start" | bc)
  (( $(echo "$elapsed > 60" | bc) )) && { echo "no window within 60 s" >&2; exit 1; }
  sleep 0.02
done
printf 'first window after %.2f s: %s\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$*"
