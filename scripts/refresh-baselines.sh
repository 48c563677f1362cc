#!/usr/bin/env bash
# Refresh results/baselines/: one result set per matrix cell, so that
# `./bhbench compare results/baselines/CELL results/NEW` works from a fresh
# clone.  Runs the default suite on each cell given (default: every cell of
# configs/kernels.ini that is a kernel as it boots, i.e. without append,
# image or build: one per kernel) through `bhbench matrix` (a finished cell
# is reused; --force to rerun) and keeps each cell's results.json without
# the per-bucket histograms (compare, trend and show read the rest; report
# needs a full run).
#   scripts/refresh-baselines.sh [--force] [--icount] [CELL...]
# --icount: the deterministic mode instead (README: Deterministic mode): the
# latency scenario under --accel icount (one vCPU) into
# results/baselines/icount/CELL.  Those do not depend on the host, so
# `bhbench compare results/baselines/icount/CELL NEW` is a verdict, and
# tests/icount.sh gates 6.12 on it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
force=
icount=
while [ $# -gt 0 ]; do
	case $1 in
	--force) force=--force ;;
	--icount) icount=1 ;;
	*) break ;;
	esac
	shift
done
scen=default dest=results/baselines accel=()
if [ -n "$icount" ]; then
	scen=latency dest=results/baselines/icount accel=(--accel icount)
fi
kernel_cells() {
	awk '/^\[/ { if (s != "" && !skip) print s; s = substr($0, 2, length($0) - 2); skip = 0; next }
	     /^[ \t]*(append|image|build)[ \t]*=/ { skip = 1 }
	     END { if (s != "" && !skip) print s }' configs/kernels.ini
}
cells=${*:-$(kernel_cells)}
[ -n "$cells" ] || { echo "refresh-baselines: no kernel cell in configs/kernels.ini" >&2; exit 2; }
command -v jq > /dev/null || { echo "refresh-baselines: jq is missing (scripts/install-deps.sh)" >&2; exit 2; }
for c in $cells; do
	./bhbench matrix --scenario "$scen" --cells "$c" "${accel[@]}" $force
	src=results/matrix-$c-$scen${icount:+-icount}
	[ -s "$src/results.json" ] || { echo "refresh-baselines: no result for $c" >&2; exit 1; }
	jq -e '.status == "ok"' "$src/results.json" > /dev/null ||
		{ echo "refresh-baselines: $src failed; not a baseline" >&2; exit 1; }
	mkdir -p "$dest/$c"
	jq -c 'del(.benchmarks[].histogram) | .env.baseline_of = .env.run_id' "$src/results.json" \
		> "$dest/$c/results.json.tmp"
	mv "$dest/$c/results.json.tmp" "$dest/$c/results.json"
	echo "baseline $c: $dest/$c/results.json ($(wc -c < "$dest/$c/results.json") bytes)"
done
