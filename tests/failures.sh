#!/usr/bin/env bash
# The failure paths, each a guest (or its absence) that must end as a
# clear failure, never as numbers: an injected WARN, an oops, a panic, a
# hang, a bad scenario, hostile requests to the device (fuzz), a module that
# will not load, an unknown kernel, QEMU missing, a read-only results
# directory, Ctrl-C, a guest killed mid-transfer, an unusable cache, a full
# disk; and the 7.x package layout in one tiny run.  Split from
# tests/integration.sh: none of these checks is about time, so make test
# runs them beside other guests (Makefile: TEST_LANE_GUESTS).
# Each check prints PASS/FAIL; the script exits non-zero on any FAIL.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" failures
check=$root/harness/build/check_run
K612=${BHBENCH_TEST_KERNEL:-6.12}
K73=${BHBENCH_TEST_KERNEL_7:-7.3}

# 2. A WARN in the guest: reported as a failure, never as numbers.
echo "== injected WARN"
./bhbench run --kernel "$K612" --scenario tests/fixtures/tiny.ini --out "$out" --id warn \
	--append bhbench.inject_warn=1 > "$out/warn.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'FAILED: guest kernel: .*WARNING' "$out/warn.out" &&
   ! grep -q 'x tasklet' "$out/warn.out" && grep -q '"status": "failed"' "$out/warn/results.json"; then
	pass "injected WARN: exit $rc, failure reported, no table"
else
	cat "$out/warn.out"; fail "injected WARN not reported as a failure (exit $rc)"
fi

# 2b. An oops in the module (test-only NULL dereference): the task dies, so does init.
echo "== injected oops"
./bhbench run --kernel "$K612" --scenario tests/fixtures/tiny.ini --out "$out" --id oops \
	--append bhbench.inject_oops=1 > "$out/oops.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'FAILED: guest kernel: .*\(BUG: kernel NULL pointer dereference\|Oops\)' "$out/oops.out" &&
   ! grep -q 'x tasklet' "$out/oops.out"; then
	pass "injected oops: exit $rc, $(grep -o 'FAILED: guest kernel: [^(]*' "$out/oops.out" | cut -c1-90)"
else cat "$out/oops.out"; fail "injected oops not reported (exit $rc)"; fi

# 3. A guest kernel panic (no init): failure, truncated stream, non-zero exit.
echo "== guest panic"
./bhbench run --kernel "$K612" --scenario tests/fixtures/tiny.ini --out "$out" --id panic \
	--append rdinit=/nonexistent > "$out/panic.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'Kernel panic' "$out/panic.out" && grep -q 'result stream truncated' "$out/panic.out"; then
	pass "guest panic: exit $rc, panic and truncated stream reported"
else
	cat "$out/panic.out"; fail "guest panic not reported (exit $rc)"
fi

# 4. A guest that stops talking (every tasklet callback spins for 60 s):
#    the hang is detected, the guest killed, no numbers printed.
echo "== guest hang"
start=$(date +%s)
./bhbench run --kernel "$K612" --scenario tests/fixtures/tiny.ini --out "$out" --id hang --hang 8 \
	--append "bhbench.inject_delay_ns=60000000000 bhbench.inject_delay_mech=$(./bhbench names mechanisms tasklet)" > "$out/hang.out" 2>&1
rc=$?
took=$(( $(date +%s) - start ))
if [ $rc -ne 0 ] && grep -q 'FAILED: guest hung: no output for 8 s' "$out/hang.out" && [ $took -lt 60 ] &&
   ! pgrep -f "qemu-system-x86_64.*$out/.hang" > /dev/null; then
	pass "guest hang: detected and killed after ${took}s, exit $rc"
else
	cat "$out/hang.out"; fail "guest hang not handled (exit $rc, ${took}s)"
fi

# 5. A bad scenario is refused with file:line before any VM boots.
echo "== bad scenario"
./bhbench run --kernel "$K612" --scenario tests/fixtures/bad-key.ini --out "$out" > "$out/bad.out" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "bad-key.ini:5: unknown key 'colour'" "$out/bad.out" && ! grep -q booting "$out/bad.out"; then
	pass "bad scenario refused before boot: $(tail -n 1 "$out/bad.out")"
else
	cat "$out/bad.out"; fail "bad scenario not refused properly (exit $rc)"
fi

# 6. Hostile requests from 4 threads, then EBUSY for a second run, no unload
#    while in use, a root-only node, 100 unload/load cycles, slab back to baseline.
echo "== fuzz"
if ./bhbench run --kernel "$K612" --scenario tests/fixtures/fuzz-short.ini --out "$out" --id fuzz --no-report \
	> "$out/fuzz.out" 2>&1 && grep -q '0 anomalies' "$out/fuzz.out"; then
	pass "fuzz: $(grep -o '[0-9]* hostile requests from [0-9]* threads, [0-9]* anomalies' "$out/fuzz.out"); $(grep -o '[0-9]* unload/load cycles' "$out/fuzz.out")"
else
	cat "$out/fuzz.out"; fail "fuzz campaign"
fi

# 7. More failures, each one clear line and a non-zero exit.
echo "== module load failure, unknown kernel, QEMU missing, read-only results, Ctrl-C"
./bhbench run --kernel "$K612" --scenario tests/fixtures/tiny.ini --out "$out" --id noload \
	--append bhbagent.module=/nonexistent.ko > "$out/noload.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'FAILED: guest agent: module load failed: /nonexistent.ko' "$out/noload.out"; then
	pass "module load failure: exit $rc, $(grep -o 'module load failed[^(]*' "$out/noload.out" | head -n 1)"
else cat "$out/noload.out"; fail "module load failure (exit $rc)"; fi

./bhbench run --kernel 9.99 --scenario tests/fixtures/tiny.ini --out "$out" > "$out/nokernel.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "no Debian kernel matches '9.99'" "$out/nokernel.out" && ! grep -q booting "$out/nokernel.out"; then
	pass "unknown kernel: exit $rc before any boot"
else cat "$out/nokernel.out"; fail "unknown kernel (exit $rc)"; fi

BHBENCH_QEMU=/nonexistent/qemu ./bhbench run --kernel "$K612" --scenario tests/fixtures/tiny.ini --accel tcg \
	--out "$out" --id noqemu > "$out/noqemu.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'FAILED: QEMU could not be started' "$out/noqemu.out"; then
	pass "QEMU missing: exit $rc, $(grep -o 'QEMU could not be started.*(console' "$out/noqemu.out")"
else cat "$out/noqemu.out"; fail "QEMU missing (exit $rc)"; fi

mkdir -p "$out/ro"
unshare -m sh -c "mount -t tmpfs -o ro none '$out/ro' && ./bhbench run --kernel '$K612' --scenario tests/fixtures/tiny.ini --out '$out/ro'" > "$out/ro.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -qE 'not writable|cannot create' "$out/ro.out" && ! grep -q booting "$out/ro.out"; then
	pass "read-only results directory: exit $rc, $(tail -n 1 "$out/ro.out")"
else cat "$out/ro.out"; fail "read-only results directory (exit $rc)"; fi

./bhbench run --kernel "$K612" --scenario smoke --out "$out" --id intr > "$out/intr.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q 'guest: run' "$out/intr.out" 2>/dev/null && break; sleep 0.2; done
kill -INT $pid
wait $pid
rc=$?
sleep 1
if [ $rc -eq 130 ] && grep -q 'interrupted by signal' "$out/intr.out" && ! pgrep -f "qemu-system-x86_64.*$out/.intr" > /dev/null &&
   grep -q '"status": "failed"' "$out/intr/results.json"; then
	pass "Ctrl-C: exit 130, QEMU gone, partial results kept as failed"
else cat "$out/intr.out"; fail "Ctrl-C (exit $rc)"; fi

# the guest killed from outside in the middle of the run
./bhbench run --kernel "$K612" --scenario smoke --out "$out" --id killed > "$out/killed.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q 'guest: run' "$out/killed.out" 2>/dev/null && break; sleep 0.2; done
pkill -KILL -f "qemu-system-x86_64.*$out/.killed"
wait $pid
rc=$?
if [ $rc -ne 0 ] && grep -q 'FAILED: QEMU was killed by signal 9' "$out/killed.out" &&
   grep -q '"partial": true' "$out/killed/results.json" && grep -q '"status": "failed"' "$out/killed/results.json"; then
	pass "guest killed mid-transfer: exit $rc, $(grep -o 'FAILED: [^(]*' "$out/killed.out"), partial results kept"
else cat "$out/killed.out"; fail "guest killed mid-transfer (exit $rc)"; fi

# an unusable cache directory
BHBENCH_CACHE=/proc/bhbench-cache ./bhbench run --kernel "$K612" --scenario tests/fixtures/tiny.ini --out "$out" \
	> "$out/nocache.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "cannot provision kernel" "$out/nocache.out" && ! grep -q booting "$out/nocache.out"; then
	pass "unusable cache: exit $rc, $(grep -m1 -o 'cannot create[^:]*' "$out/nocache.out" || true)"
else cat "$out/nocache.out"; fail "unusable cache (exit $rc)"; fi

# a full disk: the run fails clearly and an earlier result in the same directory survives
mkdir -p "$out/full"
unshare -m sh -c "mount -t tmpfs -o size=1m none '$out/full' && mkdir '$out/full/earlier' &&
	cp '$out/fuzz/results.json' '$out/full/earlier/' && sum1=\$(md5sum < '$out/full/earlier/results.json') &&
	./bhbench run --kernel '$K612' --scenario tests/fixtures/tiny.ini --out '$out/full' --id new; rc=\$?;
	sum2=\$(md5sum < '$out/full/earlier/results.json'); [ \"\$sum1\" = \"\$sum2\" ] && echo EARLIER-INTACT; exit \$rc" \
	> "$out/full.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'No space left on device' "$out/full.out" && grep -q EARLIER-INTACT "$out/full.out"; then
	pass "full disk: exit $rc, $(grep -m1 -o 'cannot [^)]*No space left on device' "$out/full.out"), earlier result intact"
else cat "$out/full.out"; fail "full disk (exit $rc)"; fi

# 8. 7.x: the other package layout and an mmdebstrap build root.
echo "== tiny run on $K73"
if ./bhbench run --kernel "$K73" --scenario tests/fixtures/tiny.ini --out "$out" --id k73 > "$out/k73.out" 2>&1 &&
   "$check" "$out/k73" --mechs 9 --max-ms 1000; then
	pass "tiny on $K73: invariants hold"
else
	cat "$out/k73.out"; fail "run on $K73"
fi

finish
