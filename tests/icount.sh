#!/usr/bin/env bash
# The deterministic mode (--accel icount): QEMU's instruction counting, one
# vCPU, virtual time 8 ns per guest instruction.
#   1. Two boots of the same short scenario: every mechanism's q->cb p50
#      and p50 of both producers agree within 2% (one histogram bucket is
#      1.6% wide; TCG boots of the same scenario scatter about 10%), and
#      the result records the mode (accel icount, shift 3, 1 vCPU, seed).
#      Under `make test SLOW=1` (every instruction costs many times more
#      host time) the figures stay the same: nothing here is host time.
#   2. The same scenario under TCG: compare, merge and trend refuse to mix
#      it with the icount runs (exit 2, nothing written).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" icount
K=${BHBENCH_TEST_KERNEL:-6.12}
S=tests/fixtures/icount-short.ini
command -v jq > /dev/null || { echo "icount: jq is missing (run: make deps)"; exit 2; }

for b in a b; do
	echo "== icount boot $b on $K"
	if ! ./bhbench run --kernel "$K" --accel icount --scenario "$S" --out "$out" --id "$b" --no-report \
		> "$out/$b.log" 2>&1; then
		tail -n 30 "$out/$b.log"
		fail "icount boot $b exited non-zero"
	fi
done
if [ "$(jq -r '[.env.accel, .env.icount.shift, .env.icount.ns_per_insn, .env.vcpus, .env.order_seed] | @tsv' \
	"$out/a/results.json" 2>/dev/null)" = "$(printf 'icount\t3\t8\t1\t1')" ] &&
   grep -q '^ICOUNT: virtual time' "$out/a.log"; then
	pass "the result records the mode: accel icount, shift 3 (8 ns per instruction), 1 vCPU, order seed 1"
else
	fail "the icount run does not record its mode"
fi
rows() {	# run -> "case mech q2e_p50 p50" lines
	jq -r '.benchmarks[] | [.case, .mech, .queue_to_exec_ns.p50.value, .latency_ns.p50.value] | @tsv' \
		"$out/$1/results.json" 2> /dev/null | sort
}
res=$(join -j1 <(rows a | awk '{print $1"/"$2, $3, $4}') <(rows b | awk '{print $1"/"$2, $3, $4}') | awk '
	function off(x, y) { return x > y ? x / y - 1 : y / x - 1 }
	{ n++; d = off($2, $4); e = off($3, $5); if (d > w) w = d; if (e > w) w = e
	  if (d > 0.02 || e > 0.02) { bad++; printf "  %s: q->cb p50 %.0f vs %.0f ns, p50 %.0f vs %.0f ns\n", $1, $2, $4, $3, $5 } }
	END { printf "%d %d %.4f\n", n, bad, w }')
n=$(echo "$res" | tail -n 1 | cut -d' ' -f1)
bad=$(echo "$res" | tail -n 1 | cut -d' ' -f2)
worst=$(echo "$res" | tail -n 1 | cut -d' ' -f3)
if [ "${n:-0}" -ge 18 ] && [ "${bad:-1}" -eq 0 ]; then
	pass "two icount boots: $n rows (2 producers x 9 mechanisms), q->cb p50 and p50 agree within 2% (worst $worst)"
else
	echo "$res" | sed '$d'
	fail "two icount boots disagree: ${bad:-?} of ${n:-0} rows beyond 2%"
fi

echo "== the same scenario under TCG (1 vCPU)"
if ./bhbench run --kernel "$K" --accel tcg --cpus 1 --scenario "$S" --out "$out" --id t --no-report \
	> "$out/t.log" 2>&1; then
	./bhbench compare "$out/a" "$out/t" > "$out/cmp.log" 2>&1; c=$?
	./bhbench merge --out "$out/m" "$out/a" "$out/t" > "$out/merge.log" 2>&1; m=$?
	./bhbench trend "$out/a" "$out/t" > "$out/trend.log" 2>&1; t=$?
	if [ $c -eq 2 ] && grep -q 'accelerator (icount/tcg)' "$out/cmp.log" && [ $m -eq 2 ] && [ ! -e "$out/m" ] &&
	   [ $t -eq 2 ] && grep -q 'kinds of time do not mix' "$out/trend.log"; then
		pass "compare, merge and trend refuse icount against tcg (exit 2, nothing written)"
	else
		cat "$out/cmp.log" "$out/merge.log" "$out/trend.log"
		fail "mixing icount and tcg: compare $c, merge $m, trend $t"
	fi
else
	tail -n 30 "$out/t.log"
	fail "the TCG run exited non-zero"
fi
finish
