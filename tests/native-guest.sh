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

t0=$(date +%s)
# NAME RC: one line of state.txt: the exit status and whether the module is loaded
state() {
	local loaded=no
	[ -e /sys/module/bhbench ] && loaded=yes
	echo "$1 rc=$2 loaded=$loaded" >> $o/state.txt
	echo "native-guest: $1: exit $2, module loaded: $loaded ($(( $(date +%s) - t0 )) s)"
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
# the module the host built of the same source, where bhbench keeps its builds (tests/native.sh)
if [ -d /mnt/seed ]; then
	mkdir -p "$BHBENCH_CACHE/native/$rel" && cp /mnt/seed/*.ko "$BHBENCH_CACHE/native/$rel/"
fi
: > $o/state.txt

# not root: refused before anything
runuser -u nobody -- "$bin" run --native -s smoke --out /tmp/x > $o/nonroot.out 2>&1
state nonroot $?

# no build tree for the running kernel: an empty directory over it
if /mnt/lib/native_init tmpfs "/lib/modules/$rel" 2> $o/nobuild.mount; then
	run nobuild -s smoke
	/mnt/lib/native_init umount "/lib/modules/$rel"
else
	echo "nobuild rc=mount loaded=?" >> $o/state.txt
fi

# the run itself (it builds the module, kept in the cache for the next runs)
run smoke -s smoke

# a module that fails to load: the cached build truncated (a broken or foreign .ko)
ko=$(ls "$BHBENCH_CACHE"/native/"$rel"/bhbench-*.ko)
cp "$ko" /tmp/good.ko && head -c 4096 /tmp/good.ko > "$ko"
run badmodule -s smoke
cp /tmp/good.ko "$ko"

# a WARN in the kernel during the run (the module's test-only injection): the kernel's log fails it
run warn -s /srv/tests/fixtures/tiny.ini --append bhbench.inject_warn=1

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
