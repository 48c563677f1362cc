#!/usr/bin/env bash
# Driver-like loads (issue 17), two TCG boots, two vCPUs.
# 1. Callbacks that work (work = hash, handoff: configs/work.ini),
# tests/fixtures/work-short.ini.  What a broken implementation would violate:
#   hash     every executing CPU's first digest equals SHA-256 computed here
#            of the page the producer was to write (byte i = i x 131 +
#            seq x 7 + cpu, bench-module/bhbench_uapi.h): a wrong page, a
#            wrong length or no hash at all differs; every callback hashed
#   handoff  every buffer allocated was freed, once, and read back as
#            written; one buffer per queued item; the remote case freed
#            them all on the other CPU (wq_unbound: wherever its worker ran);
#            the slab allocator agrees (the buffers' own cache is destroyed
#            with each run, and complains about a leak: an injected one,
#            which the module's counters do not see, fails the run)
#   service  every row has the callback's own duration, above zero
# 2. Another driver's code on the same CPU (competitor =: configs/
# interference.ini), tests/fixtures/competitor-short.ini: the competitor
# ran (its count), and only where asked; under a BH-disabled section
# softirq work raised inside it runs at its local_bh_enable() (in the
# section's kthread: softirq over a task, not at interrupt exit; about
# 220/730 = 30% of the items) and waits: the q->cb p99 of tasklet and bh
# rises well above the idle case's (seen: 64 -> 191 us, 78 -> 183 us).
# 3. What the load costs a task on the producing CPU (victim =),
# tests/fixtures/victim-short.ini: a SCHED_OTHER worker's rate during the
# run over its rate alone (windows just before and just after the run,
# the median of three repetitions) is 1 within 15% with the load
# switched off (a bare item every ms) for tasklet and bh (0.96-0.99 seen;
# squeezed onto one host core, taskset -c 0, 0.895-0.93 in three runs; under
# make SLOW=1 0.95; 1.19 once in CI with one window before and two
# repetitions: the host slowed a window down), and the
# two alone windows' drift is recorded; below 0.8 with
# 100 us callbacks every 250 us (40% of the CPU) for every mechanism; a
# SCHED_FIFO thread woken by a timer waits for softirq work: under the
# tasklet load at least 2 points more of its wakeups come 40 us past its
# median alone (a share, not a p99: one TCG boot's p99 was 342 us, another's
# 1.9 ms); where its wakeups alone spread beyond 15% past that, the host
# hides the effect, and it is said, not judged.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" driver
K=${BHBENCH_TEST_KERNEL:-6.12}
command -v jq > /dev/null || { echo "driver: jq is missing (run: make deps)"; exit 2; }
chk=$root/harness/build/check_run

fmt() {	# VALUE DIGITS: a number as printed in a message (the checks use the value itself); anything else as it is
	awk -v x="$1" -v d="$2" 'BEGIN { if (x ~ /^-?[0-9.]+([eE][+-]?[0-9]+)?$/) printf "%.*f", d, x; else printf "%s", x }'
}

boot() {	# ID FIXTURE WHAT: one TCG boot of tests/fixtures/FIXTURE.ini into $out/ID, and its invariants
	echo "== $2 on $K (tcg, 2 vCPUs)"
	if ! ./bhbench run --kernel "$K" --accel tcg --cpus 2 --scenario "tests/fixtures/$2.ini" --out "$out" \
		--id "$1" --no-report > "$out/$1.log" 2>&1; then
		tail -n 40 "$out/$1.log"
		fail "the boot failed"
		finish
		exit
	fi
	if "$chk" "$out/$1" --mechs 9 --max-ms 1000 > "$out/check-$1.log"; then
		pass "invariants hold $3"
	else
		cat "$out/check-$1.log"; fail "check_run ($2)"
	fi
}

boot w work-short "(executed = queued, nothing lost, contexts)"
r=$out/w/results.json

# hash: the host's own SHA-256 of each page the module says it hashed
if python3 - "$r" > "$out/hash.log" <<'PY'
import hashlib, json, sys
res = json.load(open(sys.argv[1]))
rows = [b for b in res["benchmarks"] if b["case"] == "hash"]
bad, n = 0, 0
for b in rows:
    h = b.get("hash") or {}
    if h.get("hashed") != b["counters"]["executed"]:
        print(f"{b['mech']}: hashed {h.get('hashed')} of {b['counters']['executed']} callbacks"); bad += 1
    for c in h.get("checks", []):
        page = bytes(((i * 131 + c["seq"] * 7 + c["cpu"]) & 0xff) for i in range(4096))
        n += 1
        if hashlib.sha256(page).hexdigest() != c["sha256"]:
            print(f"{b['mech']}: cpu {c['cpu']} seq {c['seq']}: module {c['sha256']}"); bad += 1
    if not h.get("checks"):
        print(f"{b['mech']}: no digest"); bad += 1
print(f"{n} digests of {len(rows)} mechanisms checked, {bad} wrong")
sys.exit(1 if bad or not rows else 0)
PY
then
	pass "hash: $(tail -1 "$out/hash.log"); every callback hashed"
else
	cat "$out/hash.log"; fail "hash: digests differ from the host's SHA-256"
fi

# handoff: allocated = freed = queued, none read wrong, remote ones freed on the other CPU
if jq -e '[.benchmarks[] | select(.case | startswith("handoff")) |
	select(.handoff.alloc != .counters.queued or .handoff.freed != .handoff.alloc or .handoff.bad != 0
	       or .handoff.alloc_failed != 0
	       or (.case == "handoff-remote" and .mech != "wq_unbound"
		   and .counters.other_cpu != .counters.executed))] | length == 0' \
	"$r" > /dev/null && [ "$(jq '[.benchmarks[] | select(.case | startswith("handoff"))] | length' "$r")" -ge 15 ]; then
	pass "handoff: $(jq '[.benchmarks[] | select(.case | startswith("handoff")) | .handoff.freed] | add' "$r") buffers, each allocated by a producer and freed once, read back as written; remote: freed on the other CPU"
else
	jq -c '.benchmarks[] | select(.case | startswith("handoff")) | {case, mech, queued: .counters.queued, other: .counters.other_cpu, executed: .counters.executed, handoff}' "$r"
	fail "handoff: buffers not freed exactly once, or read wrong"
fi
# the slab allocator's own count: the buffers' cache (never merged) is
# destroyed with each run, and a buffer not freed makes it complain; shown
# by a leak the module's counters cannot see (bhbench.inject_leak=N: the
# callback keeps one buffer in N but counts it as freed)
if ! grep -q "bhbench_handoff" "$out/w/console.log" && ! grep -q "Slab cache still has objects\|Objects remaining" "$out/w/console.log"; then
	printf "[scenario]\nname = leak\nmechanisms = tasklet\nproducers = hardirq\nitems = 100\nrepetitions = 1\nwarmup = 0\ncpus = 0\nwork = handoff\n" > "$out/leak.ini"
	rc=0
	./bhbench run --kernel "$K" --accel tcg --cpus 2 --scenario "$out/leak.ini" --out "$out" --id leak \
		--no-report --append bhbench.inject_leak=10 > "$out/leak.log" 2>&1 || rc=$?
	if [ $rc -eq 1 ] && grep -q "bhbench_handoff" "$out/leak/console.log" &&
	   jq -e '[.benchmarks[] | select(.handoff.alloc != .handoff.freed)] | length == 0' "$out/leak/results.json" > /dev/null; then
		pass "slab back to baseline after every handoff run; a leak of 1 in 10 (counted as freed: counters agree) fails the run: $(grep -m1 -o 'kmem_cache_destroy bhbench_handoff: Slab cache still has objects\|Objects remaining in bhbench_handoff[^(]*' "$out/leak/console.log")"
	else
		tail -20 "$out/leak.log"; fail "an injected leak of handed-off buffers was not caught (exit $rc)"
	fi
else
	grep -m3 "bhbench_handoff\|Slab cache still has objects" "$out/w/console.log"
	fail "the handoff buffers' cache was not empty at a run's end"
fi

if jq -e '[.benchmarks[] | select((.service_ns.p50.value // 0) <= 0)] | length == 0' "$r" > /dev/null; then
	pass "service time: every row has the callback's own duration (hash bh p50 $(jq -r '[.benchmarks[] | select(.case == "hash" and .mech == "bh")][0].service_ns.p50.value / 1000 | . * 100 | round / 100' "$r") us)"
else
	fail "service time missing"
fi
if grep -q "hash: callback's own time p50" "$out/w.log"; then
	pass "summary: the work line under each row"
else
	fail "summary lacks the work line"
fi

boot c competitor-short "under each competitor"
c=$out/c/results.json
# The wait, from the q->cb histograms: the share of items that waited
# 99.3 us or more (bucket 737 and up: 97 << 10 ns) under the section
# against idle.  About a third of the items meet the section and wait up to
# its 220 us, so the share grows by ~15 points; a share, not a tail
# quantile: a loaded host moved the idle p99 alone from 150 to 725 us
# between boots (seen on this kind of machine), which a p99 difference
# could not stand.
slow() {	# case mech -> per cent of the items with q->cb >= 99.3 us
	jq "[.benchmarks[] | select(.case == \"$1\" and .mech == \"$2\")][0].histogram.queue_to_exec as \$h |
		[range(0; \$h | length; 2) | {i: \$h[.], n: \$h[. + 1]}] |
		([.[] | select(.i >= 737) | .n] | add // 0) * 100 / ([.[] | .n] | add)" "$c"
}
share() {	# case mech -> per cent of the callbacks that ran in softirq over a task (at its local_bh_enable())
	jq "[.benchmarks[] | select(.case == \"$1\" and .mech == \"$2\")][0] |
		(.contexts.softirq_task // 0) * 100 / .counters.executed | floor" "$c"
}
ok=1
for m in tasklet bh; do
	idle=$(slow idle $m) sect=$(slow competitor-bh-section $m)
	si=$(share idle $m) ss=$(share competitor-bh-section $m)
	echo "  $m: q->cb >= 99 us: idle $(fmt "$idle" 1)%, under the BH-disabled section $(fmt "$sect" 1)%;" \
		"ran at a task's local_bh_enable(): idle $si%, section $ss%"
	# a missing value fails (it must not compare as a string)
	awk -v i="$idle" -v s="$sect" 'BEGIN { exit !(i ~ /^[0-9.e+-]+$/ && s ~ /^[0-9.e+-]+$/ && s + 0 >= i + 6) }' || ok=0
	[ "$ss" -ge 10 ] && [ "$si" -lt 5 ] || ok=0
done
if [ $ok = 1 ]; then
	pass "BH-disabled section (220 us of every 730): tasklet and bh wait for it (>= 6 points more items wait 99 us or more) and >= 10% of them run at its local_bh_enable() (idle: < 5%)"
else
	fail "BH-disabled section: no wait, or not run at its local_bh_enable()"
fi
if jq -e '[.benchmarks[] | select((.case == "idle") != (.counters.competitor_runs == 0))] | length == 0' "$c" > /dev/null &&
   grep -q "competing BH work" "$out/c.log" && grep -q "competing BH-disabled section" "$out/c.log"; then
	pass "the competitors ran ($(jq '[.benchmarks[] | select(.case == "competitor-bh") | .counters.competitor_runs] | add' "$c") BH work items, $(jq '[.benchmarks[] | select(.case == "competitor-bh-section") | .counters.competitor_runs] | add' "$c") sections), never in the idle case; the summary names each"
else
	jq -c '.benchmarks[] | {case, mech, runs: .counters.competitor_runs}' "$c"
	fail "a competitor did not run (or ran in the idle case), or the summary does not name it"
fi
ratio() { jq "[.benchmarks[] | select(.case == \"$1\" and .mech == \"$2\")][0].victim.rate_ratio.value" "$v"; }
drift() { jq "[.benchmarks[] | select(.case == \"$1\" and .mech == \"$2\")][0].victim.alone_after_over_before.value" "$v"; }
wake() { jq "[.benchmarks[] | select(.case == \"rt-on\" and .mech == \"$1\")][0].victim.$2.p99.value" "$v"; }
# The victim's figures are judged in a boot where the host held still: the
# victim's own rate alone, just before and just after each load-off run,
# within the 15% the check allows.  Hosts of this kind were seen to move
# the vCPU's speed by 20-35% within a run (after/before 0.66, 0.79, 1.19,
# 1.39); then the boot is done again, three boots at most, and the last
# one is judged whatever its drift.  A load-off rate outside 20% also
# takes another boot: the host can move inside the run window and not
# across it (bh 0.763 with tasklet 0.961 and both drifts within 4% was
# seen); a victim measured wrong is wrong in all three boots.
for attempt in 1 2 3; do
	boot "v$attempt" victim-short "beside each victim"
	v=$out/v$attempt/results.json
	vlog=$out/v$attempt.log
	still=1
	for m in tasklet bh; do
		awk -v r="$(drift cpu-off $m)" 'BEGIN { exit !(r >= 0.85 && r <= 1.15) }' || still=0
		awk -v r="$(ratio cpu-off $m)" 'BEGIN { exit !(r >= 0.8 && r <= 1.2) }' || still=0
	done
	[ $still = 1 ] && break
	echo "  the host moved during the victim's load-off windows (after/before: tasklet $(fmt "$(drift cpu-off tasklet)" 3)," \
		"bh $(fmt "$(drift cpu-off bh)" 3); during/alone: tasklet $(fmt "$(ratio cpu-off tasklet)" 3), bh $(fmt "$(ratio cpu-off bh)" 3)):" \
		"boot $attempt of 3 not judged"
done
ok=1
for m in tasklet bh; do
	# 20%: a quiet boot of this kind of host still gave 1.150 (and 0.856)
	awk -v r="$(ratio cpu-off $m)" 'BEGIN { exit !(r >= 0.8 && r <= 1.2) }' || ok=0
	awk -v r="$(drift cpu-off $m)" 'BEGIN { exit !(r > 0) }' || ok=0
done
for m in tasklet bh wq_percpu; do
	awk -v r="$(ratio cpu-on $m)" 'BEGIN { exit !(r > 0 && r < 0.8) }' || ok=0
done
grep -q "alone after the run [0-9.]* of before" "$vlog" || ok=0
offs="tasklet $(fmt "$(ratio cpu-off tasklet)" 3), bh $(fmt "$(ratio cpu-off bh)" 3)"
offs="$offs (alone after/before: $(fmt "$(drift cpu-off tasklet)" 3), $(fmt "$(drift cpu-off bh)" 3))"
ons="tasklet $(fmt "$(ratio cpu-on tasklet)" 3), bh $(fmt "$(ratio cpu-on bh)" 3), wq_percpu $(fmt "$(ratio cpu-on wq_percpu)" 3)"
if [ $ok = 1 ]; then
	pass "victim cpu: rate over alone with the load off $offs (1 within 20%); with 40% of the CPU in callbacks $ons (< 0.8)"
else
	echo "  off: $offs; on: $ons"
	fail "victim cpu: the rate does not match alone with the load off, or does not fall with it on"
fi
# rt: the share of wakeups later than the alone median + 40 us, under the
# tasklet load against alone.  One wakeup in ten lands in a
# 100 us callback and waits for the rest of it (over 40 us for six in a
# hundred); a share, not the p99: on this kind of host the p99 is the
# host's own stalls (seen: 0.38 to 2.3 ms between boots).
late() {	# mech key threshold_ns -> per cent of the wakeups at or above the threshold
	jq "[.benchmarks[] | select(.case == \"rt-on\" and .mech == \"$1\")][0].victim.$2.hist as \$h |
		def lower(i): ((i / 64) | floor) as \$g | (i % 64) as \$o |
			if \$g == 0 then i else (64 + \$o) * pow(2; \$g - 1) end;
		[range(0; \$h | length; 2) | {i: \$h[.], n: \$h[. + 1]}] |
		([.[] | select(lower(.i) >= $3) | .n] | add // 0) * 100 / ([.[] | .n] | add)" "$v"
}
tl=$(wake tasklet wakeup_ns) ta=$(wake tasklet wakeup_alone_ns) wq=$(wake wq_percpu wakeup_ns)
# The control is the victim alone.  Not the same load in a kworker: under
# Debian's voluntary preemption a kworker's 100 us busy callback is not
# preempted either (43% of the wakeups 40 us past its median, where alone
# gave 9%, in one boot).  Judged only where the host lets a 100 us effect
# show: under TCG an idle vCPU's wakeup is the host waking QEMU's thread,
# and on the slower machine of this kind 9-67% of the wakeups alone came
# 40 us past their median (seven boots).  Beyond 15% the shares are the
# host's, and the check is said, not judged.
thr=$(jq "[.benchmarks[] | select(.case == \"rt-on\" and .mech == \"tasklet\")][0].victim.wakeup_alone_ns.p50.value + 40000" "$v")
ll=$(late tasklet wakeup_ns "$thr") la=$(late tasklet wakeup_alone_ns "$thr")
said="$(fmt "$ll" 1)% under tasklet load, $(fmt "$la" 1)% alone; p99 $(fmt "$tl" 0) ns, alone $(fmt "$ta" 0)"
if awk -v a="$la" 'BEGIN { exit !(a ~ /^[0-9.e+-]+$/ && a + 0 > 15) }'; then
	echo "SKIP: victim rt not judged: the host's own wakeup noise hides the effect (of the wakeups 40 us past their median: $said; alone over 15%)"
elif awk -v l="$ll" -v a="$la" 'BEGIN { exit !(l ~ /^[0-9.e+-]+$/ && a ~ /^[0-9.e+-]+$/ && l + 0 >= a + 2) }'; then
	pass "victim rt: wakeups later than the alone median + 40 us: $said (>= 2 points more): softirq work delays it (wq_percpu p99 $(fmt "$wq" 0) ns, not compared)"
else
	fail "victim rt: wakeups later than the alone median + 40 us: $said; wq_percpu p99 $(fmt "$wq" 0) ns"
fi
finish
