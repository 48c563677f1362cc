#!/usr/bin/env bash
# The trace cross-check: the module's queue-to-callback latency against the
# kernel's own trace events (workqueue_queue_work/execute_start,
# softirq_raise/tasklet_entry) of the same runs.  Its tolerance is 4 E, E
# the cost of one trace event measured in the same boot (the trimmed mean
# queue_work-to-activate_work gap of per-CPU work items), so nothing here
# depends on how fast the host emulates.
#   1. 6.12, every mechanism, 3 traced runs each: every mechanism agrees
#      within the tolerance, every executed item is found in the trace, E
#      measured and below every per-CPU workqueue mechanism's median.
#   2. the same with a busy delay of 16 E (E from run 1: 4 times the band)
#      injected into bh's callback before its clock read (inside the
#      module's interval, after execute_start): the check must catch it.
#   3. tasklets and wq_unbound only (no per-CPU workqueue mechanism: the
#      agent adds a wq_percpu calibration run for E), the same delay in
#      tasklet_hi: caught, and only there.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" trace
chk=$root/harness/build/check_trace
K=${BHBENCH_TEST_KERNEL:-6.12}
command -v jq > /dev/null || { echo "trace: jq is missing (run: make deps)"; exit 2; }

make -s -C harness build/check_trace 2>/dev/null ||
	cc -O2 -Wall -o "$chk" harness/tests/check_trace.c -ljansson -lm || exit 2

echo "== traced runs on $K"
./bhbench run --kernel "$K" --scenario tests/fixtures/trace-short.ini --trace 3 \
	--out "$out" --id trace --no-report > "$out/trace.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && "$chk" "$out/trace" reps:3; then
	pass "trace on $K: every mechanism agrees with the trace, all items matched"
else
	tail -n 40 "$out/trace.out"
	fail "trace on $K (exit $rc)"
fi
grep -q '^Trace cross-check' "$out/trace.out" && grep -q 'traced/untraced' "$out/trace.out" &&
	pass "trace table printed" || fail "no trace table in the summary"

# the injected delay: 16 E of this boot's kind (4 times the 4 E band), at
# least 4 us; 30 us (the former fixed size) if run 1 measured nothing
E=$(jq -r '.trace_check.event_cost_ns // empty' "$out/trace/results.json" 2>/dev/null)
D=$(awk -v e="${E:-1875}" 'BEGIN { d = int(16 * e / 1000 + 0.999) * 1000; print (d < 4000 ? 4000 : d) }')
echo "== injected $D ns (16 E, E = ${E:-unmeasured} ns) into bh's callback on $K"
# mechanism ids from the harness's own list (bench-module/bhbench_uapi.h)
./bhbench run --kernel "$K" --scenario tests/fixtures/trace-short.ini --trace 1 \
	--out "$out" --id inject --no-report \
	--append "bhbench.inject_delay_ns=$D bhbench.inject_delay_mech=$(./bhbench names mechanisms bh)" \
	> "$out/inject.out" 2>&1
rc=$?
if [ $rc -eq 1 ] && "$chk" "$out/inject" reps:1 fail:bh; then
	pass "injected delay: exit 1, $(grep -o 'FAILED: trace check: bh: [^(]*' "$out/inject.out" | cut -c9-170)"
else
	tail -n 40 "$out/inject.out"
	fail "injected delay in bh not caught by the trace check (exit $rc)"
fi

echo "== tasklets only (a wq_percpu calibration run), $D ns into tasklet_hi on $K"
./bhbench run --kernel "$K" --scenario tests/fixtures/trace-tasklets.ini --trace 2 \
	--out "$out" --id cal --no-report --append "bhbench.inject_delay_ns=$D bhbench.inject_delay_mech=$(./bhbench names mechanisms tasklet_hi)" \
	> "$out/cal.out" 2>&1
rc=$?
if [ $rc -eq 1 ] && "$chk" "$out/cal" reps:2 fail:tasklet_hi &&
   grep -q 'event-cost calibration' "$out/cal.out" &&
   [ "$(jq '[.trace_check.mechs[].mech] | sort == ["tasklet", "tasklet_hi", "wq_unbound"]' "$out/cal/results.json")" = true ]; then
	pass "calibration run gave E; tasklet_hi caught, tasklet and wq_unbound agree, no calibration row"
else
	tail -n 40 "$out/cal.out"
	fail "tasklets-only trace check with its calibration run (exit $rc)"
fi

finish
