#!/usr/bin/env bash
# The real-subsystem kinds (dm-verity, usb-storage) on the host, from
# synthetic runs in the agent's format (fio's JSON, the block counters, the
# kprobe's shares): grouping with intervals, compare (one boot a side gives
# leads; merged boots give verdicts, on the slowed mode alone), merge of
# boots, trend across kernels, and the report's section across runs.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" rs-host
bin=${BHBENCH_BIN:-$root/harness/build/bhbench}
t=$out

# mk DIR KIND KERNEL BH% [BOOT%]: 8 runs per load and mode; the bh modes'
# throughput at BH% of wq's, every mode's at BOOT% (a boot's own state).
# usb-storage has one mode (giveback); BH% does not apply.
mk() {
	local dir=$t/$1 kind=$2 kernel=$3 bh=$4 boot=${5:-100}
	mkdir -p "$dir"
	jq -n --arg kind "$kind" --arg kernel "$kernel" --argjson bh "$bh" --argjson boot "$boot" '
	  def jitter: [1.00, 1.02, 0.98, 1.01, 0.99, 1.03, 0.97, 1.005];
	  def modes: if $kind == "dm-verity" then ["wq", "bh"] else ["giveback"] end;
	  def run($load; $mode; $rep):
	    ($load == "rand4k" | if . then 4096 else 524288 end) as $bs
	    | ((if $load == "rand4k" then 6 else 12 end) * 1048576 * jitter[$rep] * $boot / 100
	       * (if $mode == "bh" then $bh / 100 else 1 end)) as $bw
	    | ($bw / $bs) as $iops | ($iops * 3 | floor) as $ios
	    | {load: $load, mode: $mode, rep: $rep,
	       fio: {read: {bw_bytes: ($bw | floor), iops: $iops, total_ios: $ios, io_bytes: ($ios * $bs),
	             clat_ns: {percentile: {"50.000000": (0.9e9 / $iops), "99.000000": (2.7e9 / $iops),
	                                    "99.900000": (4e9 / $iops)}}}},
	       stat: {reads: $ios, sectors: ($ios * $bs / 512), acct_reads: $ios},
	       acct: {busy_ns: ($ios * 50000), softirq_ns: 0, kworker_ns: ($ios * 30000), ksoftirqd_ns: 0},
	       where: {probe: "p", events: ($ios * $bs / 4096), softirq: 0, ksoftirqd: 0, hardirq: 0,
	                kworker: ($ios * $bs / 4096), task: 0}};
	  ([range(8) as $rep | ("rand4k", "seq512k") as $load | modes[] as $mode | run($load; $mode; $rep)]) as $runs
	  | {status: "ok", env: {accel: "tcg", vcpus: 2, kernel: $kernel, run_id: ($kernel + "-" + $kind)},
	     scenario: {name: $kind}, benchmarks: []}
	  + {(if $kind == "dm-verity" then "dmverity" else "usbstorage" end):
	       {setup: {runs: ($runs | length), data_mb: 64}, check: null, runs: $runs}}' > "$dir/results.json"
}
mk base dm-verity 6.1 100
mk same dm-verity 6.1 100
mk slow dm-verity 6.12 85
mk base2 dm-verity 6.1 100 101
mk base3 dm-verity 6.1 100 99
mk slow2 dm-verity 6.12 85 101
mk slow3 dm-verity 6.12 85 99

# a run is grouped at load: 4 groups, bh at 85% of wq with an interval holding it
"$bin" show "$t/slow" > "$t/o1" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ "$(grep -c '^\(rand4k\|seq512k\) *\(wq\|bh\) *8 ' "$t/o1")" -eq 4 ] &&
   grep -q '^rand4k: bh over wq, MiB/s x0.85 \[0.8[0-9]-0.8[5-9]\]' "$t/o1"; then
	pass "a run's groups: 4 (load x mode) of 8 runs, bh over wq x0.85 with its interval"
else cat "$t/o1"; fail "grouping (exit $rc)"; fi

# one boot a side: bh's three metrics per load are leads, wq's unchanged
"$bin" compare --format json "$t/base" "$t/slow" > "$t/o2"; rc=$?
if [ $rc -eq 0 ] && [ "$(jq '(.rows | length) == 12 and .leads == 6 and .slower == 0 and
	([.rows[] | select(.verdict == "slower?") | .mech] | unique) == ["bh"] and
	([.rows[] | select(.mech == "wq") | .verdict] | unique) == ["no change"] and
	([.rows[] | .metric] | unique) == ["io_time", "p50", "p99"]' "$t/o2")" = true ]; then
	pass "compare, one boot a side: bh 15% slower is 6 leads (io_time, p50, p99 per load), wq no change, exit 0"
else cat "$t/o2"; fail "compare one boot a side (exit $rc)"; fi

"$bin" compare "$t/base" "$t/same" > "$t/o3"; rc=$?
if [ $rc -eq 0 ] && grep -q '^0 lead(s)' "$t/o3"; then pass "compare of identical runs: nothing, exit 0"
else cat "$t/o3"; fail "compare identical (exit $rc)"; fi

# merged boots: every run kept with its boot, groups over boots, then verdicts
"$bin" merge --out "$t/mb" "$t/base" "$t/base2" "$t/base3" > "$t/o4" 2>&1 &&
"$bin" merge --out "$t/ms" "$t/slow" "$t/slow2" "$t/slow3" >> "$t/o4" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ "$(jq '(.dmverity.runs | length) == 96 and ([.dmverity.runs[].boot] | unique) == [0, 1, 2] and
	([.dmverity.groups[] | .n == 24 and .boots == 3 and (.per_repetition | length) == 24] | all) and
	(.dmverity.groups[0].mib_s | .lo <= .median and .median <= .hi) and .env.boots == 3' "$t/mb/results.json")" = true ]; then
	pass "merge of 3 boots: 96 runs tagged by boot, groups of 24 over 3 boots, median inside its interval"
else cat "$t/o4"; fail "merge of dm-verity boots (exit $rc)"; fi

"$bin" compare --format json "$t/mb" "$t/ms" > "$t/o5"; rc=$?
if [ $rc -eq 1 ] && [ "$(jq '.slower == 6 and ([.rows[] | select(.verdict == "SLOWER") | .mech] | unique) == ["bh"] and
	([.rows[] | select(.mech == "wq") | .verdict] | unique) == ["no change"] and (.test | startswith("moderated t"))' "$t/o5")" = true ] &&
   [ "$(jq '[.rows[] | select(.mech == "bh" and .metric == "io_time") | .ratio > 1.15 and .ratio < 1.2] | all' "$t/o5")" = true ]; then
	pass "compare of merged boots: bh's 6 rows SLOWER (io_time x1/0.85), wq's unchanged, exit 1"
else cat "$t/o5"; fail "compare of merged boots (exit $rc)"; fi

# trend across kernels: a column per load and mode, the step marked as a lead
"$bin" trend --data "$t/tr.dat" "$t/base" "$t/slow" > "$t/o6"; rc=$?
if [ $rc -eq 0 ] && head -1 "$t/o6" | grep -q '^dm-verity mib_s per load/mode' &&
   grep -q '^6.12 .*↓?' "$t/o6" && [ "$(grep -vc '^#' "$t/tr.dat")" -eq 2 ] &&
   [ "$(awk '!/^#/ { print NF; exit }' "$t/tr.dat")" -eq 19 ]; then
	pass "trend: dm-verity MiB/s per load/mode across 2 kernels, bh's drop a lead (↓?), data 6 columns x 3"
else cat "$t/o6"; fail "trend of dm-verity runs (exit $rc)"; fi

"$bin" trend --metric q2e_p50 "$t/base" "$t/slow" > "$t/o7" 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q 'not a metric of dm-verity runs' "$t/o7"; then pass "trend: a latency metric on dm-verity runs refused"
else cat "$t/o7"; fail "trend bad metric (exit $rc)"; fi

# the report across runs: the section, a sentence per load, two figures
"$bin" report "$t/base" "$t/slow" > "$t/o8" 2>&1; rc=$?
md=$t/base/report.md
if [ $rc -eq 0 ] && grep -q '^## Real subsystems across runs: dm-verity' "$md" &&
   grep -q '^- dm-verity, rand4k reads, bh over wq (MiB/s): x1.00 .* on 6.1 .*; x0.85 \[.*\] on 6.12 .*Ahead in 0 run(s), behind in 1, level in 1' "$md" &&
   [ -s "$t/base/figures/runs-dmverity-mib_s.svg" ] && [ -s "$t/base/figures/runs-dmverity-p99_us.png" ]; then
	pass "report of 2 runs: dm-verity across runs, a sentence per load (level, then behind), MiB/s and p99 figures"
else cat "$t/o8"; grep -A4 'across runs' "$md"; fail "report across runs (exit $rc)"; fi

# usb-storage: one mode, so levels per run and no mechanism verdict
mk u1 usb-storage 6.1 100
mk u2 usb-storage 6.12 100 90
"$bin" report "$t/u1" "$t/u2" > "$t/o9" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q '^- usb-storage, rand4k reads (giveback): 6.0 \[.*\] MiB/s on 6.1 .*; 5.4 \[.*\] MiB/s on 6.12 .*not which mechanism is faster' "$t/u1/report.md" &&
   "$bin" trend "$t/u1" "$t/u2" | head -2 | tail -1 | grep -q 'rand4k/giveback *seq512k/giveback'; then
	pass "usb-storage across 2 runs: throughput per kernel, no mechanism verdict; trend has its 2 columns"
else cat "$t/o9"; grep -A3 'across runs' "$t/u1/report.md"; fail "usb-storage across runs (exit $rc)"; fi

finish
