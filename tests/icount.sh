#!/usr/bin/env bash
# The deterministic mode (--accel icount): QEMU's instruction counting, one
# vCPU, virtual time 8 ns per guest instruction.
#   1. Two boots of the same short scenario: every mechanism's q->cb p50
#      and p50 of both producers agree within 2% (one histogram bucket is
#      1.6% wide; TCG boots of the same scenario scatter about 10%), and
#      the result records the mode (accel icount, shift 3, 1 vCPU, seed).
#      Under `make test SLOW=1` or `SLOW=2` (every instruction costs more
#      host time) the figures stay the same: nothing here is host time.
#   2. compare of the two boots (A/A): no verdict, exit 0.
#   3. A regression of 2% of bh's q->cb: bhbench.inject_spin empty loop
#      iterations before bh's clock read (a fixed instruction count; a busy
#      loop on the clock cannot be shorter than a clock read, about 0.5 us
#      under icount), two instructions (16 ns) each; the 2% boot is found
#      SLOWER with one boot a side, on bh alone, exit 1.
#   4. The same scenario under TCG: compare, merge and trend refuse to mix
#      it with the icount runs (exit 2, nothing written).
#   5. The committed baseline (results/baselines/icount/6.12, the latency
#      scenario, taken on another machine): a fresh icount run of the same
#      kernel release compares to it without a verdict, exit 0 -- a baseline
#      taken on one machine holds on another.  If the archive's 6.12 has
#      moved on to another release, that is said and the check is skipped
#      (scripts/refresh-baselines.sh --icount 6.12 takes a new one).
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

# the comparison: A/A, then injected regressions of bh (mechanism id 3)
shown() {	# NAME: a failed comparison's stderr and its changed rows
	cat "$out/$1.err"; jq -c '.rows[] | select(.verdict != "no change" and .verdict != "varies")' "$out/$1.json" 2> /dev/null
}
./bhbench compare --format json "$out/a" "$out/b" > "$out/aa.json" 2> "$out/aa.err"; rc=$?
# the rows left out as "varies" (repetitions spread beyond x1.10): only
# tails and means (one item held up moves a repetition's mean: seen with
# the host loaded), never a median, nor the hardirq producer's softirq p99
# (deterministic)
varies=$(jq -r '[.rows[] | select(.verdict == "varies") | .case + "/" + .mech + "/" + .metric] | join(" ")' "$out/aa.json")
if [ $rc -eq 0 ] && [ "$(jq '.slower + .faster' "$out/aa.json")" = 0 ] && [ "$(jq '.rows | length' "$out/aa.json")" -ge 78 ] &&
   [ "$(jq '[.rows[] | select(.verdict == "varies" and ((.metric | test("^(p99|mean|q2e_mean)$") | not) or
	(.case == "hardirq" and (.mech | test("^(direct|tasklet|bh)")))))] | length' "$out/aa.json")" = 0 ] &&
   [ "$(jq '[.rows[] | select(.verdict == "varies")] | length' "$out/aa.json")" = "$(jq .varies "$out/aa.json")" ]; then
	pass "A/A: two icount boots compared, $(jq '.rows | length' "$out/aa.json") tests, no verdict, exit 0;" \
	     "$(jq .varies "$out/aa.json") tails or means vary between repetitions and are left out: ${varies:-none}"
else
	shown aa
	echo "  rows left out as varies (only p99 and means, never a median nor hardirq's direct, tasklet or bh p99, may be):"
	for r in $(jq -r '.rows[] | select(.verdict == "varies") | .case + "/" + .mech + "/" + .metric' "$out/aa.json" 2> /dev/null); do
		IFS=/ read -r c m k <<< "$r"
		echo "    $r by repetition: a $(jq -c "[.benchmarks[] | select(.case == \"$c\" and .mech == \"$m\")][0].per_repetition |
			map(.$k)" "$out/a/results.json"), b $(jq -c "[.benchmarks[] | select(.case == \"$c\" and
			.mech == \"$m\")][0].per_repetition | map(.$k)" "$out/b/results.json")"
	done
	echo "  rows: $(jq '.rows | length' "$out/aa.json" 2> /dev/null) (78 or more expected)"
	fail "A/A comparison of two icount boots (exit $rc)"
fi
# only bh's rows changed, bh's hardirq q2e_mean SLOWER: prints the ratio
only_bh() {	# compare.json
	jq -e '([.rows[] | select(.verdict == "SLOWER" or .verdict == "faster") | .mech] | unique) == ["bh"] and
		([.rows[] | select(.mech == "bh" and .producer == "hardirq" and .metric == "q2e_mean" and
			.verdict == "SLOWER")] | length) == 1' "$1" > /dev/null &&
	jq -r '.rows[] | select(.mech == "bh" and .producer == "hardirq" and .metric == "q2e_mean") | .ratio' "$1"
}
mean_q2e() {	# run -> bh's hardirq q2e mean (ns)
	jq '[.benchmarks[] | select(.case == "hardirq" and .mech == "bh") | .per_repetition[].q2e_mean] | add / length' \
		"$out/$1/results.json"
}
# one loop is two instructions, 16 ns of virtual time (measured: 1000
# loops add 16.1 us to bh's q->cb mean); a compiler that makes it three
# gives 3%, still inside the band below
per=16
spin=$(awk -v a="$(mean_q2e a)" -v c="$per" 'BEGIN { if (a > 0) printf "%d", 0.02 * a / c + 0.5 }')
if [ -n "$spin" ] && [ "$spin" -gt 0 ]; then
	./bhbench run --kernel "$K" --accel icount --scenario "$S" --out "$out" --id r2 --no-report \
		--append "bhbench.inject_spin=$spin bhbench.inject_delay_mech=$(./bhbench names mechanisms bh)" > "$out/r2.log" 2>&1
	./bhbench compare --format json "$out/a" "$out/r2" > "$out/r2.json" 2> "$out/r2.err"; rc=$?
	ratio=$(only_bh "$out/r2.json")
	if [ $rc -eq 1 ] && [ -n "$ratio" ] && awk -v r="$ratio" 'BEGIN { exit !(r > 1.01 && r < 1.06) }'; then
		pass "2% of bh's q->cb ($spin loops of $per ns) found with one boot a side: bh alone SLOWER, q->cb mean x$ratio, exit 1"
	else
		shown r2
		fail "an injected 2% bh regression not found on bh alone (exit $rc, ratio ${ratio:-none})"
	fi
else
	fail "no q->cb mean of bh in boot a"
fi

echo "== which rows are the cost model (tests/fixtures/icount-rules.ini)"
R=tests/fixtures/icount-rules.ini
# the rule, from the rows' own contexts: one vCPU, and no callback that waited for a hog
rule='.benchmarks[] | [.case, .mech, (.icount.cost_model | tostring),
	(if $v > 1 then false elif .params.hog == "none" then true
	 else ((.contexts.ksoftirqd + .contexts.kworker + .contexts.process) == 0) end | tostring)] | @tsv'
if ./bhbench run --kernel "$K" --accel icount --scenario "$R" --out "$out" --id rr1 > "$out/rr1.log" 2>&1 &&
   ./bhbench run --kernel "$K" --accel icount --cpus 2 --scenario "$R" --out "$out" --id rr2 --no-report \
	> "$out/rr2.log" 2>&1; then
	one=$(jq -r --argjson v 1 "$rule" "$out/rr1/results.json")
	two=$(jq -r --argjson v 2 "$rule" "$out/rr2/results.json")
	wrong=$(printf '%s\n%s\n' "$one" "$two" | awk -F'\t' '$3 != $4')
	if [ -n "$one" ] && [ -z "$wrong" ] &&
	   echo "$one" | grep -q "^plain	bh	true" && echo "$one" | grep -q "^hog	wq_percpu	false" &&
	   ! echo "$one" | grep -q "^remote" && echo "$two" | grep -q "^remote	bh	false" &&
	   ! echo "$two" | grep -q "	true	" &&
	   # every mechanism of the remote case: the case's own reason comes first
	   [ "$(jq '[.not_applicable[] | select(.case == "remote" and (.why | test("second CPU")))] | length' \
		"$out/rr1/results.json")" = 9 ] &&
	   grep -q '^  remote: needs a second CPU' "$out/rr1.log" && grep -q 'icount: not a cost 1\]' "$out/rr1.log" &&
	   grep -q 'lead\|verdict' "$out/rr1/report.md" && grep -q '^These rest on the icount cost model' "$out/rr1/report.md"; then
		pass "one vCPU: plain rows are the cost model, rows that waited for the hog are not, remote is listed as" \
		     "not run; --cpus 2: remote runs and no row is the cost model; the report says what it rests on"
	else
		echo "case mech marked rule:"; printf '%s\n%s\n' "$one" "$two"
		tail -n 40 "$out/rr1.log"
		fail "icount rows are not marked by the rule"
	fi
else
	tail -n 30 "$out/rr1.log" "$out/rr2.log"
	fail "an icount-rules boot exited non-zero"
fi

echo "== the same scenario under TCG (1 vCPU, --quick: what is refused is the kind of time)"
if ./bhbench run --kernel "$K" --accel tcg --cpus 1 --quick --scenario "$S" --out "$out" --id t --no-report \
	> "$out/t.log" 2>&1; then
	./bhbench compare "$out/a" "$out/t" > "$out/cmp.log" 2>&1; c=$?
	./bhbench merge --out "$out/m" "$out/a" "$out/t" > "$out/merge.log" 2>&1; m=$?
	./bhbench trend "$out/a" "$out/t" > "$out/trend.log" 2>&1; t=$?
	if [ "$(jq '[.benchmarks[] | select(has("icount"))] | length' "$out/t/results.json")" != 0 ]; then
		fail "a TCG run's rows carry icount's cost-model marks"
	fi
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
echo "== trend marks the real steps between releases (committed icount baselines)"
./bhbench trend --metric q2e_p50 results/baselines/icount/6.12 results/baselines/icount/7.2 > "$out/trend-real.txt" 2>&1
./bhbench trend --metric q2e_p50 results/baselines/icount/6.12 results/baselines/icount/6.12 > "$out/trend-same.txt" 2>&1
if [ "$(grep '^7\.2' "$out/trend-real.txt" | grep -o '↑' | wc -l)" -ge 8 ] && ! grep -q '[↑↓]' "$out/trend-same.txt"; then
	pass "trend: 6.12 -> 7.2 every deferred mechanism's q->cb marked as a real step (↑), a release against itself nothing"
else
	cat "$out/trend-real.txt" "$out/trend-same.txt"
	fail "trend's real-step marks"
fi
base=results/baselines/icount/${BHBENCH_TEST_BASELINE:-6.12}
echo "== a fresh icount latency run on $K against $base"
if [ ! -s "$base/results.json" ]; then
	fail "no baseline $base/results.json"
elif ./bhbench run --kernel "$K" --accel icount --scenario latency --out "$out" --id lat --no-report \
	> "$out/lat.log" 2>&1; then
	want=$(jq -r .env.kernel "$base/results.json")
	got=$(jq -r .env.kernel "$out/lat/results.json")
	if [ "$want" != "$got" ]; then
		echo "SKIP: the baseline is of $want, the archive's $K is now $got: a new kernel, not a regression of" \
		     "bhbench; refresh it with scripts/refresh-baselines.sh --icount 6.12"
	else
		./bhbench compare --format json "$base" "$out/lat" > "$out/base.json" 2> "$out/base.err"; rc=$?
		if [ $rc -eq 0 ] && [ "$(jq '.slower + .faster' "$out/base.json")" = 0 ]; then
			pass "the committed icount baseline of $want (taken $(jq -r .env.date "$base/results.json"), host" \
			     "$(jq -r .env.host_cpu "$base/results.json")) holds here: $(jq '.rows | length' "$out/base.json") tests, no verdict"
		else
			shown base
			fail "a fresh icount run differs from the committed baseline $base (exit $rc)"
		fi
	fi
else
	tail -n 30 "$out/lat.log"
	fail "the icount latency run exited non-zero"
fi
finish
