#!/usr/bin/env bash
# The trace cross-check: the module's queue-to-callback latency against the
# kernel's own trace events (workqueue_queue_work/execute_start,
# softirq_raise/tasklet_entry) of the same runs.
#   1. 6.12, every mechanism, 3 traced runs each: every mechanism agrees
#      within the tolerance, every executed item is found in the trace.
#   2. the same with a 30 us busy delay injected into bh's callback before
#      its clock read (inside the module's interval, after execute_start):
#      the check must catch it.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" trace
chk=$root/harness/build/check_trace
K=${BHBENCH_TEST_KERNEL:-6.12}

make -s -C harness build/check_trace 2>/dev/null ||
	cc -O2 -Wall -o "$chk" harness/tests/check_trace.c -ljansson || exit 2

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

echo "== injected 30 us into bh's callback on $K"
# bh is mechanism id 3 (bench-module/bhbench_uapi.h)
./bhbench run --kernel "$K" --scenario tests/fixtures/trace-short.ini --trace 1 \
	--out "$out" --id inject --no-report --append "bhbench.inject_delay_ns=30000 bhbench.inject_delay_mech=3" \
	> "$out/inject.out" 2>&1
rc=$?
if [ $rc -eq 1 ] && "$chk" "$out/inject" reps:1 fail:bh; then
	pass "injected delay: exit 1, $(grep -o 'FAILED: trace check: bh: [^(]*' "$out/inject.out" | cut -c9-170)"
else
	tail -n 40 "$out/inject.out"
	fail "injected delay in bh not caught by the trace check (exit $rc)"
fi

finish
