#!/usr/bin/env bash
# bhbench compare on synthetic runs: one boot a side gives leads, not
# verdicts; merged boots: no change is not flagged, a 10% slower mechanism is
# flagged alone, a shift inside the boot-to-boot spread is not; mixed
# accelerators and failed runs are refused.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" compare
bin=${BHBENCH_BIN:-$root/harness/build/bhbench}
t=$out

# run DIR ACCEL STATUS SCALE_BH [SCALE_ALL]: 8 repetitions per mechanism, bh
# scaled by SCALE_BH %, every mechanism by SCALE_ALL % (a boot's own state)
mk() {
	local dir=$t/$1 accel=$2 status=$3 scale=$4 all=${5:-100} first=1
	mkdir -p "$dir"
	{
		printf '{"status":"%s","env":{"accel":"%s","vcpus":2,"kernel":"k"},"scenario":{"name":"s"},"benchmarks":[' "$status" "$accel"
		for mech in tasklet bh wq_percpu; do
			[ $first = 1 ] || printf ','
			first=0
			printf '{"producer":"hardirq","mech":"%s","per_repetition":[' "$mech"
			local sep=""
			for v in 100000 102000 98000 101000 99000 103000 97000 100500; do
				[ "$mech" = bh ] && v=$(( v * scale / 100 ))
				v=$(( v * all / 100 ))
				printf '%s{"p50":%d,"p99":%d,"q2e_p50":%d}' "$sep" "$v" $(( v * 3 )) $(( v / 10 ))
				sep=,
			done
			printf ']}'
		done
		printf ']}\n'
	} > "$dir/results.json"
}
mk base tcg ok 100
mk same tcg ok 100
mk slow tcg ok 110
mk kvm kvm ok 100
mk broken tcg failed 100

"$bin" compare "$t/base" "$t/same" > "$t/o1"; rc=$?
if [ $rc -eq 0 ] && grep -q '^0 lead(s) (slower? / faster?), 9 without' "$t/o1"; then pass "identical runs: nothing, exit 0"
else cat "$t/o1"; fail "identical runs (exit $rc)"; fi

# one boot a side: the rank test finds bh, but as a lead that does not gate
"$bin" compare "$t/base" "$t/slow" > "$t/o2"; rc=$?
n=$(grep -c 'slower?$' "$t/o2")
if [ $rc -eq 0 ] && [ "$n" -eq 3 ] && [ "$(grep 'slower?$' "$t/o2" | grep -vc ' bh ')" -eq 0 ] &&
   ! grep -q SLOWER "$t/o2" && grep -q 'these are leads, not verdicts' "$t/o2"; then
	pass "one boot a side, bh 10% slower: its 3 metrics are leads (slower?), exit 0"
else cat "$t/o2"; fail "bh 10% slower, one boot a side (exit $rc, $n rows)"; fi

"$bin" compare --threshold 0.2 "$t/base" "$t/slow" > "$t/o3"; rc=$?
if [ $rc -eq 0 ] && ! grep -q 'slower?$' "$t/o3"; then pass "10% below a 20% threshold: no lead"
else cat "$t/o3"; fail "threshold not honoured (exit $rc)"; fi

"$bin" compare --format json "$t/base" "$t/slow" > "$t/o4"
if [ "$(jq '.slower == 0 and .leads == 3 and ([.rows[] | select(.verdict == "slower?")] | length) == 3' "$t/o4")" = true ]; then
	pass "JSON output"
else fail "JSON output"; fi

"$bin" compare "$t/base" "$t/kvm" > "$t/o5" 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q 'cannot be compared' "$t/o5"; then pass "TCG vs KVM refused"
else cat "$t/o5"; fail "TCG vs KVM not refused (exit $rc)"; fi

"$bin" compare "$t/base" "$t/broken" > "$t/o6" 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q 'failed run' "$t/o6"; then pass "failed run refused"
else cat "$t/o6"; fail "failed run not refused (exit $rc)"; fi

# bhbench merge: boots of the same run merge; boots that differ are flagged
mk base2 tcg ok 100
mk base3 tcg ok 100
"$bin" merge --out "$t/m1" "$t/base" "$t/base2" "$t/base3" > "$t/o7" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ "$(jq '[.benchmarks[] | .spread.p50.boots_disagree] | all(. == false)' "$t/m1/results.json")" = true ] &&
   [ "$(jq '[.benchmarks[] | .per_repetition | length] | all(. == 24)' "$t/m1/results.json")" = true ] &&
   [ "$(jq '.benchmarks[0].latency_ns.p50 | .value == 100250 and .ci95[0] <= 100250 and .ci95[1] >= 100250' "$t/m1/results.json")" = true ] &&
   [ "$(jq '.env.boots' "$t/m1/results.json")" = 3 ]; then
	pass "merge of 3 identical boots: 24 repetitions each, median 100250 inside its interval, no disagreement"
else cat "$t/o7"; fail "merge of identical boots (exit $rc)"; fi

"$bin" merge --out "$t/m2" "$t/base" "$t/slow" > "$t/o8" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ "$(jq -r '[.benchmarks[] | select(.spread.p50.boots_disagree) | .mech] | join(",")' "$t/m2/results.json")" = bh ] &&
   grep -q 'boots disagree: hardirq/bh p50' "$t/o8"; then
	pass "merge of a boot where bh is 10% slower: bh, and only bh, flagged as disagreeing"
else cat "$t/o8"; fail "disagreeing boots not flagged (exit $rc)"; fi

"$bin" merge --out "$t/m3" "$t/base" "$t/kvm" > "$t/o9" 2>&1; rc1=$?
"$bin" merge --out "$t/m4" "$t/base" "$t/broken" > "$t/o10" 2>&1; rc2=$?
"$bin" merge --out "$t/m5" "$t/base" > "$t/o11" 2>&1; rc3=$?
if [ $rc1 -eq 2 ] && grep -q 'same kernel and accelerator' "$t/o9" && [ $rc2 -eq 2 ] && [ $rc3 -eq 2 ] &&
   [ ! -e "$t/m3" ] && [ ! -e "$t/m4" ]; then
	pass "merge refuses TCG with KVM, a failed run, a single run"
else cat "$t/o9" "$t/o10" "$t/o11"; fail "merge accepted what it must refuse ($rc1 $rc2 $rc3)"; fi

# merged runs: the unit is the boot.  3 boots against 3, unchanged ->
# nothing; bh 10% slower in all three new boots -> bh's 3 metrics, alone
mk slow2 tcg ok 110
mk slow3 tcg ok 110
"$bin" merge --out "$t/m6" "$t/slow" "$t/slow2" "$t/slow3" > /dev/null 2>&1
"$bin" merge --out "$t/m7" "$t/same" "$t/base2" "$t/base3" > /dev/null 2>&1
"$bin" compare "$t/m1" "$t/m7" > "$t/o12"; rc1=$?
"$bin" compare "$t/m1" "$t/m6" > "$t/o13"; rc2=$?
if [ $rc1 -eq 0 ] && grep -q '^0 slower, 0 faster' "$t/o12" && grep -q "moderated t on the boots' log medians" "$t/o12" &&
   [ $rc2 -eq 1 ] && [ "$(grep -c SLOWER "$t/o13")" -eq 3 ] && [ "$(grep SLOWER "$t/o13" | grep -vc ' bh ')" -eq 0 ]; then
	pass "merged runs: boot-level test, no verdict A/A, bh's 3 metrics flagged at +10%"
else cat "$t/o12" "$t/o13"; fail "compare on merged runs (exit $rc1 $rc2)"; fi

# a row one side never measured (tasklet p50 = 0 in every BASE boot: no latency)
# is untested, and does not hide bh's regression from the correction
for b in base base2 base3; do
	mkdir -p "$t/z$b"
	jq '(.benchmarks[] | select(.mech == "tasklet") | .per_repetition[]) .p50 |= 0' "$t/$b/results.json" > "$t/z$b/results.json"
done
"$bin" merge --out "$t/mz" "$t/zbase" "$t/zbase2" "$t/zbase3" > /dev/null 2>&1
"$bin" compare --format json "$t/mz" "$t/m6" > "$t/o16"; rc=$?
if [ $rc -eq 1 ] && [ "$(jq '.untested == 1 and .slower == 3' "$t/o16")" = true ] &&
   [ "$(jq -r '[.rows[] | select(.verdict == "untested") | .mech + "/" + .metric] | join(",")' "$t/o16")" = tasklet/p50 ] &&
   [ "$(jq '[.rows[] | select(.verdict == "untested")][0].p_adjusted' "$t/o16")" = null ]; then
	pass "a row without boots on one side is untested (p null) and bh's regression is still found"
else cat "$t/o16"; fail "untested row (exit $rc)"; fi

# 3 boots against 1: the boot-level test still applies (the single boot's
# own boot-to-boot variance is taken to be the other side's)
"$bin" compare --format json "$t/m1" "$t/slow" > "$t/o17"; rc=$?
if [ $rc -eq 1 ] && [ "$(jq -r .unit "$t/o17")" = boot ] &&
   [ "$(jq '[.rows[] | select(.verdict == "SLOWER") | .mech] | unique == ["bh"]' "$t/o17")" = true ]; then
	pass "3 boots against 1: boot-level test, bh flagged"
else cat "$t/o17"; fail "3 boots against 1 (exit $rc)"; fi

# --mechs: the family is what was chosen (the other rows still inform the prior)
"$bin" compare --mechs tasklet,wq_percpu "$t/m1" "$t/m6" > "$t/o18"; rc1=$?
"$bin" compare --mechs bh --format json "$t/m1" "$t/m6" > "$t/o19"; rc2=$?
"$bin" compare --mechs bh,nosuch "$t/m1" "$t/m6" > "$t/o20" 2>&1; rc3=$?
if [ $rc1 -eq 0 ] && grep -q 'over 6 tests' "$t/o18" && ! grep -q ' bh ' "$t/o18" &&
   [ $rc2 -eq 1 ] && [ "$(jq '.slower == 3 and (.rows | length) == 3' "$t/o19")" = true ] &&
   [ $rc3 -eq 2 ] && grep -q "'nosuch' is not a mechanism" "$t/o20"; then
	pass "--mechs: only the chosen mechanisms are tested (bh left out: exit 0; bh alone: 3 rows, 3 slower)"
else cat "$t/o18" "$t/o19" "$t/o20"; fail "--mechs ($rc1 $rc2 $rc3)"; fi

# boots with a state of their own: every mechanism of a boot shifted by
# -6, 0, +6 %.  NEW: bh 6% slower, the others unchanged.  Within a boot the
# repetitions are tight (+-3%), so a test on repetitions would flag bh; the
# boots scatter by 6%, so 6% from 3 boots against 3 is not a finding.
for i in 1 2 3; do
	mk b$i tcg ok 100 $(( 88 + 6 * i ))
	mk n$i tcg ok 106 $(( 88 + 6 * i ))
done
"$bin" merge --out "$t/mb" "$t/b1" "$t/b2" "$t/b3" > /dev/null 2>&1
"$bin" merge --out "$t/mn" "$t/n3" "$t/n1" "$t/n2" > /dev/null 2>&1
"$bin" compare --format json "$t/mb" "$t/mn" > "$t/o14"; rc1=$?
if [ $rc1 -eq 0 ] && [ "$(jq '.slower + .faster' "$t/o14")" = 0 ] &&
   [ "$(jq '[.rows[] | select(.mech == "bh" and .metric == "p50")][0] | .ratio > 1.04 and .ratio < 1.08 and .ci95[0] < 1 and .ci95[1] > 1.06' "$t/o14")" = true ] &&
   [ "$(jq '[.rows[] | select(.mech != "bh")] | all(.ratio > 0.99 and .ratio < 1.01)' "$t/o14")" = true ]; then
	pass "boots that scatter by 6%: bh +6% from 3 boots a side is no verdict, and its interval holds both 1 and the shift"
else cat "$t/o14"; fail "boot-to-boot spread not in the test (exit $rc1)"; fi

"$bin" compare --format json "$t/b2" "$t/n2" > "$t/o15"
if [ "$(jq '[.rows[] | select(.mech == "bh" and .verdict == "slower?")] | length' "$t/o15")" = 3 ]; then
	pass "the same 6% in one boot against one: a lead (the rank test sees tight repetitions)"
else cat "$t/o15"; fail "one boot a side: 6% within tight repetitions not a lead"; fi


# icount: deterministic boots, exact means.  Every repetition the same
# value (no spread at all): 0.1% is below the variance floor and the 1%
# default threshold, no verdict; 2% in bh is a verdict with one boot a side.
mk_ic() {	# DIR BH_PER_MILLE [WQ_P99: wq_percpu's p99 of the 8 repetitions, us]
	local dir=$t/$1 bh=$2 first=1 wq99=(${3:-300 300 300 300 300 300 300 300})
	mkdir -p "$dir"
	{
		printf '{"status":"ok","env":{"accel":"icount","vcpus":1,"kernel":"k"},"scenario":{"name":"s"},"benchmarks":['
		for mech in tasklet bh wq_percpu; do
			[ $first = 1 ] || printf ','
			first=0
			printf '{"producer":"hardirq","mech":"%s","per_repetition":[' "$mech"
			local v=100000 sep=""
			[ "$mech" = bh ] && v=$(( v * bh / 1000 ))
			for r in 1 2 3 4 5 6 7 8; do
				local p99=$(( v * 3 ))
				[ "$mech" = wq_percpu ] && p99=$(( wq99[r - 1] * 1000 ))
				printf '%s{"p50":%d,"p99":%d,"q2e_p50":%d,"mean":%d,"q2e_mean":%d}' "$sep" "$v" "$p99" \
					$(( v / 10 )) "$v" $(( v / 10 ))
				sep=,
			done
			printf ']}'
		done
		printf ']}\n'
	} > "$dir/results.json"
}
mk_ic ic-base 1000
mk_ic ic-0.1 1001
mk_ic ic-2 1020
"$bin" compare --format json "$t/ic-base" "$t/ic-0.1" > "$t/ic1"; rc=$?
if [ $rc -eq 0 ] && [ "$(jq '.slower == 0 and .faster == 0 and (.rows | length) == 13 and .threshold == 0.01' "$t/ic1")" = true ] &&
   [ "$(jq '[.rows[] | select(.metric == "mean" and .mech == "bh")][0].p_raw > 0.05' "$t/ic1")" = true ]; then
	pass "icount: bh 0.1% slower with no spread: no verdict (p well above 0: the floor), 5 metrics (3 for wq_*), threshold 1%"
else cat "$t/ic1"; fail "icount 0.1% (exit $rc)"; fi
"$bin" compare --format json "$t/ic-base" "$t/ic-2" > "$t/ic2"; rc=$?
if [ $rc -eq 1 ] && [ "$(jq '.slower >= 2 and ([.rows[] | select(.verdict == "SLOWER") | .mech] | unique) == ["bh"] and
	([.rows[] | select(.verdict == "SLOWER" and .metric == "q2e_mean")] | length) == 1' "$t/ic2")" = true ]; then
	pass "icount: bh 2% slower, one boot a side: a verdict (SLOWER, exit 1) on bh alone, its exact mean among them"
else cat "$t/ic2"; fail "icount 2% (exit $rc)"; fi
# a tail that follows the scheduler: wq_percpu's p99 77-85 us by
# repetition in BASE, 85-97 in NEW (x1.18, SLOWER by Welch alone):
# no verdict, "varies"; a p99 moved 15% with a spread of 5% is a verdict
mk_ic ic-vb 1000 "83 77 77 80 80 77 83 85"
mk_ic ic-vn 1000 "96 97 97 85 97 96 97 97"
mk_ic ic-tn 1000 "345 362 345 362 345 362 345 362"
"$bin" compare --format json "$t/ic-vb" "$t/ic-vn" > "$t/ic4"; rc=$?
"$bin" compare "$t/ic-vb" "$t/ic-vn" > "$t/ic4.txt"
"$bin" compare --format json "$t/ic-base" "$t/ic-tn" > "$t/ic5"; rc5=$?
if [ $rc -eq 0 ] && [ "$(jq '.slower == 0 and .varies == 1 and ([.rows[] | select(.verdict == "varies") |
	.mech + "/" + .metric] == ["wq_percpu/p99"]) and ([.rows[] | select(.verdict == "varies")][0].p_adjusted == null)' "$t/ic4")" = true ] &&
   grep -q '^1 varies: its repetitions spread beyond x1.10' "$t/ic4.txt" &&
   [ $rc5 -eq 1 ] && [ "$(jq '.varies == 0 and ([.rows[] | select(.verdict == "SLOWER") | .mech + "/" + .metric] == ["wq_percpu/p99"])' "$t/ic5")" = true ]; then
	pass "icount: a p99 spread x1.10+ between repetitions (77-85 against 85-97 us) is no verdict (varies, out of the correction); spread x1.05, moved 15%: SLOWER"
else cat "$t/ic4" "$t/ic4.txt" "$t/ic5"; fail "icount varies (exit $rc, $rc5)"; fi
"$bin" compare "$t/ic-base" "$t/base" > "$t/ic3" 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q 'accelerator (icount/tcg)' "$t/ic3"; then pass "icount against tcg: refused (exit 2)"
else cat "$t/ic3"; fail "icount against tcg (exit $rc)"; fi

# by_cpu KIND FILTER OTHER DIFFERENT MIXED: three copies of base made KIND
# runs by the jq FILTER ($cpu: CPU A, A, B): one CPU compares; two CPUs are
# refused saying DIFFERENT; the run OTHER against a KIND run saying MIXED
by_cpu() {
	local k=$1 n r1 r2 r3
	for n in a:A b:A c:B; do
		mkdir -p "$t/$k-${n%%:*}"
		jq --arg cpu "CPU ${n#*:}" "$2" "$t/base/results.json" > "$t/$k-${n%%:*}/results.json"
	done
	"$bin" compare "$t/$k-a" "$t/$k-b" > "$t/$k.1" 2>&1; r1=$?
	"$bin" compare "$t/$k-a" "$t/$k-c" > "$t/$k.2" 2>&1; r2=$?
	"$bin" compare "$3" "$t/$k-a" > "$t/$k.3" 2>&1; r3=$?
	[ $r1 -eq 0 ] && [ $r2 -eq 2 ] && grep -q "$4" "$t/$k.2" && [ $r3 -eq 2 ] && grep -q "$5" "$t/$k.3" && return 0
	cat "$t/$k.1" "$t/$k.2" "$t/$k.3"
	echo "exits $r1 $r2 $r3"
	return 1
}
# native runs (bhbench run --native): the machine is the measurement
if by_cpu nat '.env.accel = "native" | .env.native = {cpu_model: $cpu}' "$t/base" \
	"native runs of different CPUs (CPU A / CPU B)" "accelerator (tcg/native)"; then
	pass "native runs: one CPU compares; two CPUs, or tcg against native, refused (exit 2)"
else fail "native compare"; fi
# KVM runs: the guest runs on the host's CPU
if by_cpu kvm '.env.accel = "kvm" | .env.host_cpu = $cpu' "$t/ic-base" \
	"KVM runs on different host CPUs (CPU A / CPU B)" "accelerator (icount/kvm)"; then
	pass "KVM runs: one host CPU compares; two host CPUs, or icount against KVM, refused (exit 2)"
else fail "KVM compare"; fi

finish
