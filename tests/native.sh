#!/usr/bin/env bash
# bhbench run --native (issue 18), tested where the host cannot load
# modules: inside a guest that is a machine of its own.  The guest boots a
# Debian kernel (default 6.12) with a Debian userland as its root over 9p:
# the build root that already holds that kernel's headers and compiler
# (cached, read-only), the project at /srv, an output directory from here
# at /mnt.  There tests/native-guest.sh runs `bhbench run --native` as a
# user would, and each refusal.  Checked here, from what it leaves:
#   smoke: exit 0, every invariant of the integration test (check_run),
#   accel "native" and the machine's record, the agent's progress in
#   console.log, bhbench.ko for the running kernel (from the cache, seeded
#   with the host's build; BHBENCH_NATIVE_BUILD=1: built in the guest) and
#   gone after
#   not root, no build tree, a fuzz or hotplug scenario without its
#   --allow-*: refused (exit 2) with the line that says so, nothing loaded
#   a WARN in the kernel's log (bhbench.inject_warn): the run fails (exit 1)
#   a module that fails to load (the cached build truncated): the run fails
#   (exit 1) with the kernel's reason, no numbers, nothing loaded
#   Ctrl-C (SIGINT) mid-run: exit 130, the run marked interrupted, unloaded
#   --boots 2 (merged), hotplug with --allow-hotplug, fuzz with --allow-fuzz
#   dm-verity with the machine's modprobe and tools, usb-storage on a USB
#   disk the guest has (--usb-disk), every module they loaded gone after
#   (one repetition of each load: the path is what is shown natively, the
#   cases themselves are make dmverity-test's and usb-test's);
#   refused: brd already loaded, a disk not on USB, no --usb-disk, lockdown
#   and kernel.modules_disabled (raised at the end: they cannot be undone)
# After every step no module is left that was not there before it.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" native
K=${BHBENCH_TEST_KERNEL:-6.12}
cache=${BHBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bhbench}
bin=$root/harness/build

rel=$(harness/kernel/provision.sh fetch "$K" | tail -n 1) || { fail "cannot fetch $K"; finish; exit; }
kd=$cache/kernels/$rel
broot=$cache/buildroots/$(cat "$kd/family")
if [ ! -e "$broot/usr/src/linux-headers-$rel/Makefile" ] || [ ! -s "$kd/mods/order-native" ]; then
	fail "no Debian root with $rel's build tree ($broot) or no 9p modules ($kd/mods/order-native)"
	finish
	exit
fi
# the machine's fio, veritysetup and dmsetup: the guests' userland is
# installed in this same root (provision.sh userland, once; on a fresh
# machine this test can come before the ones that would install it)
harness/kernel/provision.sh userland > /dev/null || { fail "cannot install the userland in $broot"; finish; exit; }
for t in /usr/bin/fio /usr/sbin/veritysetup /usr/sbin/dmsetup /sbin/modprobe /sbin/depmod; do
	chroot "$broot" test -x "$t" || { fail "the Debian root $broot has no $t"; finish; exit; }
done

# the guest's initramfs: its /init and the kernel's 9p modules
mkdir -p "$out/kmod" "$out/mnt/lib"
while read -r m; do cp "$kd/mods/$m" "$out/kmod/"; done < "$kd/mods/order-native"
cp "$kd/mods/order-native" "$out/kmod/order"
"$bin/native_cpio" "$out/init.cpio" "$bin/native_init" "$out/kmod" || { fail "cannot pack the initramfs"; finish; exit; }
# the shared libraries bhbench and its agent take from the host that the Debian root may lack
ldd "$bin/bhbench" "$bin/bhbench-agent" | awk '$3 ~ /^\// { print $3 }' | sort -u |
	grep -Ev '/(libc|libm|ld-linux-x86-64|libstdc\+\+|libgcc_s)\.so' | xargs -r cp -t "$out/mnt/lib"
# the guest's mount tool (its root has no mount(8))
cp "$bin/native_init" "$out/mnt/lib/"
# bhbench.ko for the guest's cache: the host's build of the same source for
# this kernel (the same Debian build root, headers and gcc-12 the guest
# would use; building it under TCG costs 2-3 minutes of make test), unless
# BHBENCH_NATIVE_BUILD=1, when the guest builds it as a machine would
hash=$(cd bench-module && export LC_ALL=C && cat Kbuild -- *.[ch] | sha256sum | cut -c1-16)
if [ -z "${BHBENCH_NATIVE_BUILD:-}" ]; then
	[ -s "$kd/bhbench-$hash.ko" ] || harness/kernel/provision.sh build "$K" bench-module "$kd/bhbench-$hash.ko" ||
		{ fail "cannot build bhbench.ko for $rel"; finish; exit; }
	mkdir -p "$out/mnt/seed" && cp "$kd/bhbench-$hash.ko" "$out/mnt/seed/"
	echo "native: bhbench.ko for the guest's cache: the host's build ($kd/bhbench-$hash.ko)"
else
	echo "native: the guest builds bhbench.ko itself (BHBENCH_NATIVE_BUILD=1)"
fi

# the modules the real-subsystem runs load by modprobe (native-guest.sh
# puts them where linux-image would, with depmod's index), and a USB disk
mkdir -p "$out/mnt/kmods"
for set in dmverity usb; do
	while read -r f; do cp "$kd/mods/$f" "$out/mnt/kmods/"; done < "$kd/mods/order-$set"
done
truncate -s 32M "$out/usb.img"

m=$out/mnt
# the kernel's own code patching can die on an int3 under TCG (README:
# Accelerator), as bhbench run boots again: so here, up to twice, each
# time going on from the step the fault stopped (native-guest.sh): the
# steps whose result the console shows before the first Oops are kept,
# the others run again; the faulted console is kept beside
rm -rf "$m/runs" "$m"/*.out "$m/state.txt" "$m/sigint.running"
for boot in 1 2 3; do
	start=$(date +%s)
	timeout 1500 "${BHBENCH_QEMU:-qemu-system-x86_64}" -accel tcg,thread=multi -smp 2 -m 1536 -nodefaults \
		-no-reboot -display none -serial "file:$out/console.log" -kernel "$kd/vmlinuz" -initrd "$out/init.cpio" \
		-append "console=ttyS0,115200 panic=-1 rdinit=/init tsc=reliable" \
		-virtfs "local,path=$broot,mount_tag=root,security_model=none,readonly=on" \
		-virtfs "local,path=$root,mount_tag=project,security_model=none,readonly=on" \
		-virtfs "local,path=$m,mount_tag=out,security_model=none" \
		-device qemu-xhci,id=xhci -drive "if=none,id=stick,format=raw,readonly=on,file=$out/usb.img" \
		-device usb-storage,bus=xhci.0,drive=stick > "$out/qemu.log" 2>&1
	rc=$?
	echo "native: the guest ran $(( $(date +%s) - start )) s (exit $rc)"
	grep -q '^done$' "$m/state.txt" 2>/dev/null && break
	grep -q 'Oops: int3' "$out/console.log" || break
	mv "$out/console.log" "$out/console.log.emulator-fault-$boot"
	sed -n '/Oops: int3/q; s/^native-guest: \([a-z0-9]*\): exit .*/\1/p' "$out/console.log.emulator-fault-$boot" > "$out/kept"
	awk 'NR == FNR { k[$1]; next } ($1 in k)' "$out/kept" "$m/state.txt" > "$out/state.kept" 2>/dev/null
	mv "$out/state.kept" "$m/state.txt"
	echo "native: the guest kernel hit an int3 in its own code patching (TCG) after $(wc -l < "$out/kept") step(s) ($(paste -sd' ' "$out/kept")); booting again from there (console.log.emulator-fault-$boot)"
done
if ! grep -q '^done$' "$m/state.txt" 2>/dev/null; then
	tail -n 40 "$out/console.log"; cat "$out/qemu.log"
	fail "the guest did not finish its script (exit $rc)"
fi
cat "$out"/console.log.emulator-fault-* "$out/console.log" 2>/dev/null | grep '^native-guest:'

# NAME RC LOADED: the state line of a step (and no module left behind by it)
st() { grep -q "^$1 rc=$2 loaded=$3 extra=none$" "$m/state.txt"; }

d=$m/runs/smoke
if st smoke 0 no && "$bin/check_run" "$d" --mechs 9 --max-ms 1000; then
	pass "smoke natively on $rel: exit 0, every invariant holds, bhbench.ko unloaded after"
else
	tail -n 30 "$m/smoke.out" 2>/dev/null; fail "native smoke: $(grep '^smoke ' "$m/state.txt")"
fi
rec=$(jq -r '[.env.accel, .env.kernel, (.env.native.cpu_model | type), (.env.native.modules | length > 0),
	(.env.native.softirqs_per_s_before.TIMER | type), (.env.native.preflight.direct_p99_ns | type),
	(.env.native | has("governor") and has("smt_active") and has("isolated") and has("nohz_full") and
	 has("clocksource") and has("cmdline") and has("microcode") and has("loadavg_before"))] | map(tostring) | join(" ")' \
	"$d/results.json" 2>/dev/null)
if [ "$rec" = "native $rel string true number number true" ]; then
	pass "the result records accel native, the running kernel, the machine (CPU, governor, SMT, isolation, modules, softirqs/s) and the noise check ($(jq -r '.env.native.preflight.warnings | length' "$d/results.json") warning(s) here)"
else
	fail "native record: $rec"
fi
if grep -q 'bhbench-agent: run 54/54 ' "$d/console.log"; then
	pass "console.log has the agent's progress, every run of the 54"
else
	head -n 20 "$d/console.log"; fail "console.log without the agent's progress"
fi

refused() {	# NAME WHAT PATTERN
	if st "$1" 2 no && grep -q -- "$3" "$m/$1.out" && [ "$(wc -l < "$m/$1.out")" -eq 1 ]; then
		pass "$2: refused, exit 2, one line ($(cut -c1-90 "$m/$1.out")...)"
	else
		cat "$m/$1.out" 2>/dev/null; fail "$2: $(grep "^$1 " "$m/state.txt")"
	fi
}
refused nonroot "not root" "needs root"
cat "$m/nobuild.mount" 2>/dev/null
refused nobuild "no build tree" "no build tree for the running kernel $rel"
refused nofuzz "a fuzz scenario without --allow-fuzz" "add --allow-fuzz"
refused nohotplug "a hotplug scenario without --allow-hotplug" "add --allow-hotplug"

if st badmodule 1 no && grep -q 'module load failed' "$m/badmodule.out" &&
   [ "$(jq -r .status "$m/runs/badmodule/results.json" 2>/dev/null)" = failed ] && ! grep -q '^results:' "$m/badmodule.out"; then
	pass "a module that fails to load: exit 1, '$(grep -m1 -o 'module load failed.*' "$m/badmodule.out" | cut -c1-90)', no numbers, nothing loaded"
else
	cat "$m/badmodule.out" 2>/dev/null; fail "module load failure: $(grep '^badmodule ' "$m/state.txt")"
fi

if st warn 1 no && grep -q 'FAILED: kernel: .*WARNING:' "$m/warn.out" && ! grep -q '^results:' "$m/warn.out" &&
   grep -q '^\[ *[0-9]*\.[0-9]*\] WARNING: ' "$m/runs/warn/console.log"; then
	pass "a WARN in the kernel's log during the run (read from /dev/kmsg into console.log): exit 1, '$(grep -m1 -o 'FAILED: kernel: .*WARNING:[^(]*' "$m/warn.out" | cut -c1-90)', no numbers"
else
	cat "$m/warn.out" 2>/dev/null; fail "a WARN natively: $(grep '^warn ' "$m/state.txt")"
fi
refused dmvbrd "dm-verity with brd already loaded" "rmmod brd first"
refused usbnotusb "--usb-disk naming a disk not on USB (a RAM disk)" "is not on USB"
refused nousbdisk "usb-storage without --usb-disk" "name it with --usb-disk"
refused lockdown "lockdown (integrity, raised at run time: $(cat "$m/lockdown.set" 2>/dev/null || echo set))" "loads only signed modules"
refused nomodules "kernel.modules_disabled = 1" "module loading is disabled"

# --boots 2: two runs, merged
r=$m/runs/boots
if st boots 0 no && [ -s "$r/boot-1/results.json" ] && [ -s "$r/boot-2/results.json" ] &&
   [ "$(jq -r '[.env.boots, .env.accel, ([.benchmarks[].per_repetition | map(.boot) | unique] | all(. == [0, 1]))] | map(tostring) | join(" ")' "$r/results.json" 2>/dev/null)" = "2 native true" ]; then
	pass "--native --boots 2: two runs one after the other, merged (repetitions tagged with their run)"
else
	tail -n 20 "$m/boots.out" 2>/dev/null; fail "--native --boots 2: $(grep '^boots ' "$m/state.txt")"
fi
if st hotplug 0 no && "$bin/check_hotplug" "$m/runs/hotplug" ok lost0 cycles:6; then
	pass "--allow-hotplug: hotplug-torture natively (CPU 1 offline and back, 6 cycles), every item counted"
else
	tail -n 20 "$m/hotplug.out" 2>/dev/null; fail "--allow-hotplug: $(grep '^hotplug ' "$m/state.txt")"
fi
if st fuzz 0 no && grep -q ' 0 anomalies' "$m/fuzz.out" && grep -qw '20 unload/load cycles' "$m/fuzz.out"; then
	pass "--allow-fuzz: $(grep -o '[0-9]* hostile requests from [0-9]* threads, [0-9]* anomalies' "$m/fuzz.out"); $(grep -o '[0-9]* unload/load cycles' "$m/fuzz.out")"
else
	tail -n 20 "$m/fuzz.out" 2>/dev/null; fail "--allow-fuzz: $(grep '^fuzz ' "$m/state.txt")"
fi

# dm-verity with the machine's modprobe, veritysetup, dmsetup and fio; what it loaded unloaded after
res=$m/runs/dmverity/results.json
if st dmverity 0 no &&
   [ "$(jq -r '[(.dmverity.runs | length),
	([.dmverity.runs[] | select((.fio.read.total_ios // 0) <= 0 or .fio.read.total_ios != .stat.reads or .where.events < .stat.sectors / 8)] | length),
	.dmverity.check.failed, (.dmverity.setup.modules | index("brd") != null and index("dm_verity") != null),
	(.dmverity.setup.tools.fio | startswith("fio-")), (.failures | length)] | map(tostring) | join(" ")' "$res" 2>/dev/null)" = "4 0 0 true true 0" ]; then
	pass "dm-verity natively (tests/fixtures/dmverity-native.ini): 4 runs, fio's reads = the device's, a verification per block, the corruption check, brd and dm_verity by modprobe and gone after"
	sed -n '/^dm-verity:/,/^$/p' "$m/dmverity.out"
else
	tail -n 20 "$m/dmverity.out" 2>/dev/null; jq -c '.failures' "$res" 2>/dev/null
	fail "dm-verity natively: $(grep '^dmverity ' "$m/state.txt")"
fi
res=$m/runs/usb/results.json
if st usb 0 no &&
   [ "$(jq -r '[(.usbstorage.runs | length),
	([.usbstorage.runs[] | select((.fio.read.total_ios // 0) <= 0 or .fio.read.io_bytes != .stat.sectors * 512 or .where.events < .stat.reads)] | length),
	.usbstorage.setup.disk, .usbstorage.setup.storage_driver, .usbstorage.setup.hcd_driver, (.failures | length)] | map(tostring) | join(" ")' "$res" 2>/dev/null)" = "2 0 /dev/sda usb-storage xhci_hcd 0" ]; then
	pass "usb-storage natively (tests/fixtures/usb-native.ini) on --usb-disk /dev/sda: 2 runs, fio's bytes = the disk's, a completion per request, usb-storage on xhci_hcd at $(jq -r .usbstorage.setup.speed "$res")"
	sed -n '/^usb-storage:/,/^$/p' "$m/usb.out"
else
	tail -n 20 "$m/usb.out" 2>/dev/null; jq -c '[.failures, .usbstorage.setup]' "$res" 2>/dev/null
	fail "usb-storage natively: $(grep '^usb ' "$m/state.txt")"
fi

if st sigint 130 no && [ -e "$m/sigint.running" ] &&
   jq -e '.status == "failed" and (.failures[0] | test("interrupted"))' "$m/runs/sigint/results.json" > /dev/null; then
	pass "Ctrl-C mid-run: exit 130, the run marked interrupted, bhbench.ko unloaded"
else
	tail -n 10 "$m/sigint.out" 2>/dev/null; fail "SIGINT: $(grep '^sigint ' "$m/state.txt")"
fi
finish
