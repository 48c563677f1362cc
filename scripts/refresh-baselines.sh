#!/usr/bin/env bash
# Refresh results/baselines/: one result set per matrix cell, so that
# `./bhbench compare results/baselines/CELL results/NEW` works from a fresh
# clone.  Runs the default suite on each cell given (default: every cell of
# configs/kernels.ini that is a kernel as it boots, i.e. without append,
# image or build: one per kernel) through `bhbench matrix` (a finished cell
# is reused; --force to rerun) and keeps each cell's results.json without
# the per-bucket histograms (compare, trend and show read the rest; report
# needs a full run).
#   scripts/refresh-baselines.sh [--force] [CELL...]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
force=
[ "${1:-}" = --force ] && { force=--force; shift; }
kernel_cells() {
	awk '/^\[/ { if (s != "" && !skip) print s; s = substr($0, 2, length($0) - 2); skip = 0; next }
	     /^[ \t]*(append|image|build)[ \t]*=/ { skip = 1 }
	     END { if (s != "" && !skip) print s }' configs/kernels.ini
}
cells=${*:-$(kernel_cells)}
[ -n "$cells" ] || { echo "refresh-baselines: no kernel cell in configs/kernels.ini" >&2; exit 2; }
command -v jq > /dev/null || { echo "refresh-baselines: jq is missing (scripts/install-deps.sh)" >&2; exit 2; }
for c in $cells; do
	./bhbench matrix --scenario default --cells "$c" $force
	src=results/matrix-$c-default
	[ -s "$src/results.json" ] || { echo "refresh-baselines: no result for $c" >&2; exit 1; }
	jq -e '.status == "ok"' "$src/results.json" > /dev/null ||
		{ echo "refresh-baselines: $src failed; not a baseline" >&2; exit 1; }
	mkdir -p "results/baselines/$c"
	jq -c 'del(.benchmarks[].histogram) | .env.baseline_of = .env.run_id' "$src/results.json" \
		> "results/baselines/$c/results.json.tmp"
	mv "results/baselines/$c/results.json.tmp" "results/baselines/$c/results.json"
	echo "baseline $c: results/baselines/$c/results.json ($(wc -c < "results/baselines/$c/results.json") bytes)"
done
