#!/usr/bin/env bash
# The windowed soak: the public demo in a real window under Xvfb (real
# rendering, lavapipe), the attract loop's tours, a visitor every few
# minutes (keys and a click through xdotool: take over, a power cut and
# back, a camera view, a house picked) and the idle reset after each, for
# MINUTES. The demo itself writes its resident memory and entity count
# every minute (--memory-log); at the end this prints both figures after
# the warm-up and their slopes (least squares, per hour).
#
#   tools/window-soak.sh [MINUTES] [CSV]     (defaults: 60, soak-memory.csv)
#
# Needs: xvfb (Xvfb), xdotool, mesa-vulkan-drivers, python3. MICROGRID
# names the binary [default: target/release/microgrid, else target/debug].
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-60}
csv=${2:-soak-memory.csv}
bin=${MICROGRID:-}
if [[ -z "$bin" ]]; then
    for b in target/release/microgrid target/debug/microgrid; do
        [[ -x "$b" ]] && bin=$b && break
    done
fi
[[ -x "$bin" ]] || { echo "error: no microgrid binary; build it or set MICROGRID" >&2; exit 2; }
display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1280x720x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill "$demo" "$xvfb" 2>/dev/null || true' EXIT
sleep 2
DISPLAY=$display "$bin" demo --windowed --size 1280x720 --memory-log "$csv" &
demo=$!
end=$(( $(date +%s) + minutes * 60 ))
visitors=0
# The first visitor after the first tour has begun.
sleep 60
while (( $(date +%s) < end )); do
    if window=$(DISPLAY=$display xdotool search --name microgrid 2>/dev/null | head -1); then
        export DISPLAY=$display
        xdotool windowfocus "$window" 2>/dev/null || true
        xdotool key space; sleep 4
        xdotool key g; sleep 25
        xdotool key g; sleep 5
        xdotool key 2; sleep 5
        xdotool mousemove 640 360 click 1; sleep 5
        xdotool key 1
        visitors=$((visitors + 1))
    fi
    # Idle until the countdown (90 s) and the reset (20 s) bring the attract
    # loop back, and a little of a tour.
    sleep 150
done
kill "$demo" 2>/dev/null || true
wait "$demo" 2>/dev/null || true
echo "visitors: $visitors"
python3 - "$csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
t = [float(r["elapsed_s"]) / 3600 for r in rows]
def slope(ys, xs):
    n = len(xs)
    if n < 2:
        return float("nan")
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else float("nan")
warm_h = min(10 / 60, t[-1] / 3)  # 10 minutes, or a third of a short run
warm = [i for i, x in enumerate(t) if x >= warm_h]
rss = [float(r["rss_mib"]) for r in rows]
ent = [float(r["entities"]) for r in rows]
xs = [t[i] for i in warm]
print(f"samples: {len(rows)} over {t[-1] * 60:.0f} min; frames {rows[-1]['frames']}")
print(f"resident memory: {rss[0]:.0f} MiB at start, {rss[warm[0]]:.0f} MiB after {warm_h * 60:.0f} min, "
      f"{rss[-1]:.0f} MiB at the end; min {min(rss[i] for i in warm):.0f}, max {max(rss[i] for i in warm):.0f} after warm-up; "
      f"slope {slope([rss[i] for i in warm], xs):+.1f} MiB/h")
print(f"entities: {min(ent[i] for i in warm):.0f} to {max(ent[i] for i in warm):.0f} after warm-up; "
      f"slope {slope([ent[i] for i in warm], xs):+.1f} per hour")
PY
