#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# How sensitive and how safe `bhbench compare` is on icount runs: A/A
# comparisons (no verdict expected) and bh regressions injected as exact
# instruction counts (bhbench.inject_spin: empty loops, 16 ns of virtual
# time each), with one boot a side and with three (bhbench merge).
#
#   scripts/icount-sensitivity.sh [-k KERNEL] [-s SCENARIO] [-n PAIRS] [-j JOBS] [-o DIR]
#
# Boots 2*PAIRS base boots (seeds 1..2*PAIRS: each boot interleaves its
# repetitions in another order, as `ab` and `run --boots` do), then three
# boots per injected level (seeds 1001..1003).  Prints a markdown table;
# every run and comparison stays in DIR.  Exit 1 if an A/A comparison gave
# a verdict or an injected regression was missed or found outside bh.
#
# The levels are sized from the base boots' own bh median: LOOPS =
# PERCENT% of hardirq bh q->cb p50 / 16 ns.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
bhb=$root/bhbench
kernel=6.12
scen=latency
pairs=20
jobs=2
out=

while getopts k:s:n:j:o: opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	s) scen=$OPTARG ;;
	n) pairs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	o) out=$OPTARG ;;
	*) echo "usage: $0 [-k KERNEL] [-s SCENARIO] [-n PAIRS] [-j JOBS] [-o DIR]" >&2; exit 2 ;;
	esac
done
case $pairs$jobs in *[!0-9]*) echo "$0: -n and -j take numbers" >&2; exit 2 ;; esac
[ "$pairs" -ge 3 ] || { echo "$0: -n needs at least 3 pairs" >&2; exit 2; }
[ -n "$out" ] || out=$root/results/icount-sensitivity-$kernel-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
log=$out/boots.log
: >"$log"

# boot ID SEED [APPEND]: one icount boot, unless it is there already
boot() {
	[ -f "$out/$1/results.json" ] && return 0
	if [ -n "${3:-}" ]; then
		"$bhb" run -k "$kernel" --accel icount -s "$scen" --seed "$2" --no-report \
			-o "$out" --id "$1" --append "$3" >>"$log" 2>&1
	else
		"$bhb" run -k "$kernel" --accel icount -s "$scen" --seed "$2" --no-report \
			-o "$out" --id "$1" >>"$log" 2>&1
	fi || { echo "$0: boot $1 failed (see $out/$1 and $log)" >&2; return 1; }
}

# boots from a list of "ID SEED [APPEND]" lines, JOBS at a time
boots() {
	pids=
	n=0
	while read -r id seed app; do
		boot "$id" "$seed" "$app" &
		pids="$pids $!"
		n=$((n + 1))
		if [ "$n" -ge "$jobs" ]; then
			for p in $pids; do wait "$p" || exit 1; done
			pids=
			n=0
		fi
	done
	for p in $pids; do wait "$p" || exit 1; done
}

echo "icount sensitivity: $kernel, scenario $scen, $pairs A/A pairs, results in $out"
# warm the kernel and module cache with the first boot, then the rest in parallel
boot base-1 1
i=2
while [ "$i" -le $((2 * pairs)) ]; do echo "base-$i $i"; i=$((i + 1)); done | boots

bh_ns=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1] + "/results.json"))
for b in r["benchmarks"]:
    if b["mech"] == "bh" and b["producer"] == "hardirq":
        print(b["queue_to_exec_ns"]["p50"]["value"]); break
' "$out/base-1")
[ -n "$bh_ns" ] || { echo "$0: no hardirq bh row in base-1" >&2; exit 1; }

: >"$out/levels"
bh=$("$bhb" names mechanisms bh)	# its id, from the harness's own list
for pct in 1 2 5; do
	loops=$(python3 -c "print(max(1, round($bh_ns * $pct / 100 / 16)))")
	for s in 1 2 3; do echo "inj$pct-$s $((1000 + s)) bhbench.inject_spin=$loops bhbench.inject_delay_mech=$bh"; done
	echo "$pct $loops" >>"$out/levels"
done | boots

merge3() {	# merge3 ID RUN RUN RUN
	[ -f "$out/$1/results.json" ] && return 0
	"$bhb" merge --out "$out/$1" "$out/$2" "$out/$3" "$out/$4" >/dev/null
}

# compare NAME BASE NEW: counts the verdicts, by mechanism
cmp() {
	"$bhb" compare --format json "$out/$2" "$out/$3" >"$out/cmp-$1.json" 2>"$out/cmp-$1.err" || true
	python3 - "$out/cmp-$1.json" "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
hits = [r for r in d["rows"] if r["verdict"].lower() in ("slower", "faster")]
mechs = sorted({r["mech"] for r in hits})
worst = max((r["ratio"] for r in hits), default=None)
print("%s\t%d\t%d\t%s\t%s" % (sys.argv[2], len(d["rows"]), len(hits), ",".join(mechs) or "-",
                              "%.3f" % worst if worst else "-"))
EOF
}

res=$out/comparisons.tsv
: >"$res"
k=1
while [ "$k" -le "$pairs" ]; do
	cmp "aa1-$k" "base-$((2 * k - 1))" "base-$((2 * k))" >>"$res"
	k=$((k + 1))
done
# three a side: disjoint triples of the base boots
t=0
while [ $((6 * t + 6)) -le $((2 * pairs)) ]; do
	a=$((6 * t))
	merge3 "m-a$t" "base-$((a + 1))" "base-$((a + 2))" "base-$((a + 3))"
	merge3 "m-b$t" "base-$((a + 4))" "base-$((a + 5))" "base-$((a + 6))"
	cmp "aa3-$((t + 1))" "m-a$t" "m-b$t" >>"$res"
	t=$((t + 1))
done
while read -r pct loops; do
	for s in 1 2 3; do cmp "inj$pct-1side-$s" "base-$s" "inj$pct-$s" >>"$res"; done
	merge3 "m-inj$pct" "inj$pct-1" "inj$pct-2" "inj$pct-3"
	cmp "inj$pct-3side" "m-a0" "m-inj$pct" >>"$res"
done <"$out/levels"

python3 - "$res" "$out/levels" "$bh_ns" "$kernel" "$scen" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
levels = dict(l.split() for l in open(sys.argv[2]))
bad = 0
print("\n| comparison | boots a side | comparisons | tests each | with a verdict | verdicts outside bh | largest ratio |")
print("| --- | --- | --- | --- | --- | --- | --- |")
def line(label, side, sel, expect):
    global bad
    if not sel:
        return
    hit = sum(1 for r in sel if int(r[2]) > 0)
    outside = sum(1 for r in sel if r[3] not in ("-", "bh"))
    worst = max((float(r[4]) for r in sel if r[4] != "-"), default=None)
    print("| %s | %d | %d | %s | %d | %d | %s |" % (label, side, len(sel), sel[0][1], hit, outside,
                                                  "%.3f" % worst if worst else "-"))
    if expect == "none" and hit:
        bad = 1
    if expect == "bh" and (hit < len(sel) or outside):
        bad = 1
line("A/A", 1, [r for r in rows if r[0].startswith("aa1-")], "none")
line("A/A", 3, [r for r in rows if r[0].startswith("aa3-")], "none")
for pct in sorted(levels, key=int):
    lab = "bh +%s%% (inject_spin=%s, %d ns)" % (pct, levels[pct], int(levels[pct]) * 16)
    line(lab, 1, [r for r in rows if r[0].startswith("inj%s-1side" % pct)], "bh")
    line(lab, 3, [r for r in rows if r[0] == "inj%s-3side" % pct], "bh")
print("\n%s, scenario %s, icount; bh hardirq q->cb p50 of base-1: %.0f ns" % (sys.argv[4], sys.argv[5], float(sys.argv[3])))
print("verdicts expected: none for A/A, on bh alone for every injected comparison: %s" % ("FAILED" if bad else "as expected"))
sys.exit(bad)
EOF
