#!/usr/bin/env bash
# bhbench compare on synthetic runs: no change is not flagged, a 10% slower
# mechanism is flagged alone, mixed accelerators and failed runs are refused.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BHBENCH_BIN:-$root/harness/build/bhbench}
t=$(mktemp -d /tmp/bhbench-cmp.XXXXXX)
trap 'rm -rf "$t"' EXIT
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run DIR ACCEL STATUS SCALE_BH: 8 repetitions per mechanism, bh scaled
mk() {
	local dir=$t/$1 accel=$2 status=$3 scale=$4 first=1
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
if [ $rc -eq 0 ] && grep -q '^0 slower, 0 faster, 9 without' "$t/o1"; then pass "identical runs: no verdicts, exit 0"
else cat "$t/o1"; fail "identical runs (exit $rc)"; fi

"$bin" compare "$t/base" "$t/slow" > "$t/o2"; rc=$?
n=$(grep -c SLOWER "$t/o2")
if [ $rc -eq 1 ] && [ "$n" -eq 3 ] && [ "$(grep SLOWER "$t/o2" | grep -vc ' bh ')" -eq 0 ]; then
	pass "bh 10% slower: exactly its 3 metrics flagged, exit 1"
else cat "$t/o2"; fail "bh 10% slower not flagged alone (exit $rc, $n rows)"; fi

"$bin" compare --threshold 0.2 "$t/base" "$t/slow" > "$t/o3"; rc=$?
if [ $rc -eq 0 ] && ! grep -q SLOWER "$t/o3"; then pass "10% below a 20% threshold: no verdict"
else cat "$t/o3"; fail "threshold not honoured (exit $rc)"; fi

"$bin" compare --format json "$t/base" "$t/slow" > "$t/o4"
if grep -q '"slower": 3' "$t/o4" && grep -q '"verdict": "SLOWER"' "$t/o4"; then pass "JSON output"
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

# merged runs compare with the hierarchical bootstrap: 3 boots against 3
# boots, unchanged -> nothing; bh 10% slower in all three new boots -> bh
mk slow2 tcg ok 110
mk slow3 tcg ok 110
"$bin" merge --out "$t/m6" "$t/slow" "$t/slow2" "$t/slow3" > /dev/null 2>&1
"$bin" merge --out "$t/m7" "$t/same" "$t/base2" "$t/base3" > /dev/null 2>&1
"$bin" compare "$t/m1" "$t/m7" > "$t/o12"; rc1=$?
"$bin" compare "$t/m1" "$t/m6" > "$t/o13"; rc2=$?
if [ $rc1 -eq 0 ] && grep -q '^0 slower, 0 faster' "$t/o12" && grep -q 'hierarchical bootstrap' "$t/o12" &&
   [ $rc2 -eq 1 ] && [ "$(grep -c SLOWER "$t/o13")" -eq 3 ] && [ "$(grep SLOWER "$t/o13" | grep -vc ' bh ')" -eq 0 ]; then
	pass "merged runs: hierarchical test, no verdict A/A, bh's 3 metrics flagged at +10%"
else cat "$t/o12" "$t/o13"; fail "compare on merged runs (exit $rc1 $rc2)"; fi

[ $fails -eq 0 ]
