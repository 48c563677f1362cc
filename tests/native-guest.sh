#!/bin/bash
# tests/native.sh, inside its guest (harness/tests/native_init.c starts it
# as root): a Debian machine running the kernel under test, with its build
# tree, the project at /srv (read-only, built on the host) and the host's
# output directory at /mnt.  Runs `bhbench run --native` as a user would,
# and each refusal; after each, whether bhbench.ko is still loaded.  The
# host checks what it leaves in /mnt (runs/, state.txt, *.out).  After an
# emulator fault tests/native.sh boots it again with state.txt cut to the
# steps that ended before the fault: it goes on from the first step
# without a result (still_to_run), the steps before are not run again.
set -u
export BHBENCH_CACHE=/tmp/cache LD_LIBRARY_PATH=/mnt/lib
bin=/srv/harness/build/bhbench
o=/mnt
rel=$(uname -r)

t0=$(date +%s)
# the machine's modules as the script left them: a run must leave them so
mods() { cut -d' ' -f1 /proc/modules | sort; }
baseline() { mods > /tmp/modules.base; }
baseline
# NAME RC: one line of state.txt: the exit status, whether bhbench.ko is
# loaded, and the modules loaded since the baseline ("none")
state() {
	local loaded=no extra
	[ -e /sys/module/bhbench ] && loaded=yes
	extra=$(mods | comm -13 /tmp/modules.base - | paste -sd,)
	echo "$1 rc=$2 loaded=$loaded extra=${extra:-none}" >> $o/state.txt
	echo "native-guest: $1: exit $2, module loaded: $loaded, modules since: ${extra:-none} ($(( $(date +%s) - t0 )) s)"
}

# NAME: whether step NAME is still to run (no line in state.txt); if so,
# whatever an interrupted attempt at it left is removed
still_to_run() {
	grep -q "^$1 rc=" $o/state.txt && return 1
	rm -rf "$o/runs/$1" "$o/runs/.$1.partial" "$o/$1.out"
}

# NAME ARGS...: bhbench run --native ARGS, its output in NAME.out
run() {
	local name=$1 rc
	shift
	still_to_run "$name" || return 0
	"$bin" run --native --out $o/runs --id "$name" --no-report "$@" > "$o/$name.out" 2>&1
	rc=$?
	state "$name" $rc
}

echo "native-guest: $rel, $(nproc) CPUs, build tree $(readlink -f "/lib/modules/$rel/build")"
# the module the host built of the same source, where bhbench keeps its builds (tests/native.sh)
if [ -d /mnt/seed ]; then
	mkdir -p "$BHBENCH_CACHE/native/$rel" && cp /mnt/seed/*.ko "$BHBENCH_CACHE/native/$rel/"
fi
touch $o/state.txt
grep -q . $o/state.txt && echo "native-guest: again after an emulator fault, from the first step without a result"

# not root: refused before anything
if still_to_run nonroot; then
	runuser -u nobody -- "$bin" run --native -s smoke --out /tmp/x > $o/nonroot.out 2>&1
	state nonroot $?
fi

# no build tree for the running kernel: an empty directory over it
if still_to_run nobuild; then
	if /mnt/lib/native_init tmpfs "/lib/modules/$rel" 2> $o/nobuild.mount; then
		run nobuild -s smoke
		/mnt/lib/native_init umount "/lib/modules/$rel"
	else
		echo "nobuild rc=mount loaded=?" >> $o/state.txt
	fi
fi

# the run itself (it builds the module, kept in the cache for the next runs)
run smoke -s smoke

# a module that fails to load: the cached build truncated (a broken or
# foreign .ko); in a boot after a fault that did not run smoke, built first
if still_to_run badmodule; then
	ls "$BHBENCH_CACHE"/native/"$rel"/bhbench-*.ko > /dev/null 2>&1 ||
		"$bin" run --native --out /tmp/x --no-report -s /srv/tests/fixtures/tiny.ini > /dev/null 2>&1
	ko=$(ls "$BHBENCH_CACHE"/native/"$rel"/bhbench-*.ko)
	cp "$ko" /tmp/good.ko && head -c 4096 /tmp/good.ko > "$ko"
	run badmodule -s smoke
	cp /tmp/good.ko "$ko"
fi

# a WARN in the kernel during the run (the module's test-only injection): the kernel's log fails it
run warn -s /srv/tests/fixtures/tiny.ini --append bhbench.inject_warn=1

# Ctrl-C mid-run: SIGINT once the agent is running with the module loaded
if still_to_run sigint; then
	rm -f $o/sigint.running
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
fi

# a fuzz scenario without --allow-fuzz, a hotplug one without --allow-hotplug
run nofuzz -s fuzz
run nohotplug -s hotplug

# --boots N natively: N runs one after the other, merged
run boots -s /srv/tests/fixtures/tiny.ini --boots 2
# with leave (--allow-*): CPU 1 offline and back; the device fuzzed, the module unloaded and loaded again
run hotplug -s hotplug-torture --cycles 6 --allow-hotplug
run fuzz -s /srv/tests/fixtures/fuzz-native.ini --allow-fuzz

# the machine's kernel modules, as linux-image installs them (here those the
# real-subsystem scenarios need, from the same Debian package, indexed by
# depmod), beside the build tree
build=$(readlink -f "/lib/modules/$rel/build")
if /mnt/lib/native_init tmpfs "/lib/modules/$rel" && ln -s "$build" "/lib/modules/$rel/build" &&
   mkdir "/lib/modules/$rel/kernel" && cp /mnt/kmods/*.ko "/lib/modules/$rel/kernel/" && depmod "$rel"; then
	# brd already there: dm-verity refused; a disk that is not on USB: refused
	modprobe brd rd_nr=1 rd_size=1024 && baseline
	run dmvbrd -s /srv/tests/fixtures/dmverity-native.ini
	run usbnotusb -s /srv/tests/fixtures/usb-native.ini --usb-disk /dev/ram0
	rmmod brd && baseline
	run nousbdisk -s /srv/tests/fixtures/usb-native.ini
	# dm-verity: brd and dm-verity by modprobe, the machine's veritysetup, dmsetup and fio
	run dmverity -s /srv/tests/fixtures/dmverity-native.ini
	# the USB disk (tests/native.sh gave the guest one on qemu-xhci): its
	# drivers loaded as the machine's udev would
	modprobe -a xhci_pci usb_storage sd_mod
	for _ in $(seq 300); do [ -e /sys/block/sda ] && break; sleep 0.1; done
	baseline
	run usb -s /srv/tests/fixtures/usb-native.ini --usb-disk /dev/sda
else
	echo "modtree rc=setup loaded=? extra=?" >> $o/state.txt
fi

# last, as they cannot be undone until a reboot: lockdown, then module
# loading disabled; each refused before anything is loaded
if still_to_run lockdown; then
	echo integrity > /sys/kernel/security/lockdown 2> $o/lockdown.set
	cat /sys/kernel/security/lockdown >> $o/lockdown.set 2>&1
	run lockdown -s smoke
fi
echo 1 > /proc/sys/kernel/modules_disabled
run nomodules -s smoke
echo 'done' >> $o/state.txt
