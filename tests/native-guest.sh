#!/bin/bash
# tests/native.sh, inside its guest (harness/tests/native_init.c starts it
# as root): a Debian machine running the kernel under test, with its build
# tree, the project at /srv (read-only, built on the host) and the host's
# output directory at /mnt.  Runs `bhbench run --native` as a user would,
# and each refusal; after each, whether bhbench.ko is still loaded.  The
# host checks what it leaves in /mnt (runs/, state.txt, *.out).
set -u
export BHBENCH_CACHE=/tmp/cache LD_LIBRARY_PATH=/mnt/lib
bin=/srv/harness/build/bhbench
o=/mnt
rel=$(uname -r)

# NAME RC: one line of state.txt: the exit status and whether the module is loaded
state() {
	local loaded=no
	[ -e /sys/module/bhbench ] && loaded=yes
	echo "$1 rc=$2 loaded=$loaded" >> $o/state.txt
	echo "native-guest: $1: exit $2, module loaded: $loaded"
}

# NAME ARGS...: bhbench run --native ARGS, its output in NAME.out
run() {
	local name=$1 rc
	shift
	"$bin" run --native --out $o/runs --id "$name" --no-report "$@" > "$o/$name.out" 2>&1
	rc=$?
	state "$name" $rc
}

echo "native-guest: $rel, $(nproc) CPUs, build tree $(readlink -f "/lib/modules/$rel/build")"
: > $o/state.txt

# not root: refused before anything
runuser -u nobody -- "$bin" run --native -s smoke --out /tmp/x > $o/nonroot.out 2>&1
state nonroot $?

# no build tree for the running kernel
mount -t tmpfs none "/lib/modules/$rel"
run nobuild -s smoke
umount "/lib/modules/$rel"

# a module that fails to load (a parameter it does not have)
run badparam -s smoke --append bhbench.no_such_parameter=1

# the run itself
run smoke -s smoke

# Ctrl-C mid-run: SIGINT once the agent is running with the module loaded
"$bin" run --native --out $o/runs --id sigint --no-report -s smoke > $o/sigint.out 2>&1 &
pid=$!
for _ in $(seq 600); do
	grep -q 'bhbench-agent: run ' $o/runs/.sigint.partial/console.log 2>/dev/null && break
	sleep 0.5
done
grep -q 'bhbench-agent: run ' $o/runs/.sigint.partial/console.log 2>/dev/null && echo seen > $o/sigint.running
kill -INT $pid
wait $pid
state sigint $?

# a fuzz scenario without --allow-fuzz, a hotplug one without --allow-hotplug
run nofuzz -s fuzz
run nohotplug -s hotplug
echo 'done' >> $o/state.txt
