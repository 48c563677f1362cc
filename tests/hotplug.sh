#!/usr/bin/env bash
# Hotplug drain tests on 4 vCPUs: a torture run (every item counted, at
# least N cycles per mechanism), the proven pending count of BH work that
# outlasts the offline (at least 90% of the items the time from queueing to
# the CPU's death left no room for: that time is emulated work and grows on
# a slower host, 71-113 ms here and 129-335 ms under make test SLOW=2, where
# 77-91 of 100 were pending and a fixed 90 failed), and the kernel
# behaviour pinned per release:
# BH work queued to an offline CPU is stranded until it comes back; per-CPU
# threaded work queued there runs elsewhere at once.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" hotplug
chk=$root/harness/build/check_hotplug
CYCLES=${BHBENCH_TORTURE_CYCLES:-200}
# the BH and the threaded workqueue mechanisms, from the harness's own list
BH=$("$root/harness/build/bhbench" names mechanisms | grep '^bh' | paste -sd,)
WQ=$("$root/harness/build/bhbench" names mechanisms | grep '^wq_' | paste -sd,)
if [ -z "$BH" ] || [ -z "$WQ" ]; then
	echo "FAIL: no BH or workqueue mechanisms from bhbench names"
	exit 1
fi

run() {	# id kernel scenario [args...]
	local id=$1 k=$2 s=$3
	shift 3
	echo "== $id: $k $s $*"
	if ! ./bhbench run --kernel "$k" --scenario "$s" --cpus 4 --out "$out" --id "$id" "$@" > "$out/$id.out" 2>&1; then
		tail -n 30 "$out/$id.out"
		fail "$id: bhbench run exited non-zero"
		return 1
	fi
}
check() {	# id rules...
	local id=$1
	shift
	if "$chk" "$out/$id" "$@"; then pass "$id: $*"; else fail "$id: $*"; fi
}

# 6.12 and 7.3 have BH workqueues; 6.1 is the tasklet + threaded control.
for k in ${BHBENCH_TEST_KERNEL:-6.12} ${BHBENCH_TEST_KERNEL_7:-7.3}; do
	c=$CYCLES
	[ "$k" = "${BHBENCH_TEST_KERNEL:-6.12}" ] || c=$(( CYCLES / 8 ))
	run "torture-$k" "$k" hotplug-torture --cycles "$c" &&
		check "torture-$k" ok lost0 "cycles:$c" "stranded:offline:$BH" "elsewhere:offline:$WQ"
	run "pending-$k" "$k" tests/fixtures/hotplug-pending-short.ini &&
		check "pending-$k" ok lost0 "pending:teardown:$BH:100:0.9"
done
run torture-6.1 6.1 hotplug-torture --cycles $(( CYCLES / 8 )) &&
	check torture-6.1 ok lost0 "cycles:$(( CYCLES / 8 ))" "elsewhere:offline:$WQ"

finish
