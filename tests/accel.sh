#!/usr/bin/env bash
# --accel auto and the KVM path, as far as a machine without working KVM
# can test them.  The probe (harness/host/qemu.c: one boot of the kernel
# under KVM, KVM if it prints its banner within 10 s) meets a fake QEMU
# (BHBENCH_QEMU) that answers the probe as each kind of host would:
# /dev/kvm not usable, QEMU refusing KVM, a KVM internal error, silence,
# the banner; every other call it passes to the real QEMU, with KVM's
# options turned into TCG's.  Checked: each answer and its reason, the
# answer cached for the host's boot (a second run does not probe again),
# `--accel kvm` never probing, and a run the probe sent to KVM: its record
# (accel kvm, asked auto, the probe's reason, the fake QEMU named), its
# report's note, its invariants, and compare and merge refusing it beside
# a TCG run.  The "KVM" run here is TCG underneath and says so in its
# record (env.qemu_command); nothing of it is about time.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" accel
K=${BHBENCH_TEST_KERNEL:-6.12}
chk=$root/harness/build/check_run
real=$(command -v qemu-system-x86_64) || { echo "accel: qemu-system-x86_64 is missing (run: make deps)"; exit 2; }
base=${BHBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bhbench}
[ -d "$base/kernels" ] || { echo "accel: no kernel cache in $base (run: make bench)"; exit 2; }

fake=$out/fake-qemu
cat > "$fake" << EOF
#!/usr/bin/env bash
# the probe: -append with rdinit=/nonexistent; answered as \$FAKE_PROBE says
if [[ " \$* " == *rdinit=/nonexistent* ]]; then
	echo "probe \$*" >> "$out/calls"
	con=\$(printf '%s\n' "\$@" | sed -n 's/^file,id=con,path=//p')
	case \$FAKE_PROBE in
	banner)	echo "Linux version 0.0-fake (the probe answered by tests/accel.sh)" > "\$con"; exec -a fake-kvm-probe sleep 60 ;;
	error)	echo "KVM internal error. Suberror: 1" >&2; exec -a fake-kvm-probe sleep 60 ;;
	refuse)	echo "qemu-system-x86_64: -accel kvm: failed to initialize kvm: Permission denied" >&2; exit 1 ;;
	*)	exec -a fake-kvm-probe sleep 60 ;;
	esac
fi
case " \$* " in *" -kernel "*) echo "boot \$*" >> "$out/calls" ;; esac
[ "\${FAKE_BOOT:-yes}" = yes ] || { echo "fake-qemu: the boot is not part of this check" >&2; exit 1; }
args=()
for a in "\$@"; do
	case \$a in kvm) a=tcg,thread=multi ;; host) a=max ;; esac
	args+=("\$a")
done
exec "$real" "\${args[@]}"
EOF
chmod +x "$fake"
: > "$out/calls"	# every probe and boot the fake saw, a line each

fresh_cache() {	# DIR: a cache sharing the kernels, roots and builds, without the probe's answer
	mkdir -p "$1"
	for e in "$base"/* "$base"/.lock; do
		[ -e "$e" ] && [ "${e##*/}" != kvm-probe ] && ln -s "$e" "$1/"
	done
}
run() {	# ID CACHE [bhbench run options]: a tiny run through the fake QEMU
	local id=$1 cache=$2
	shift 2
	BHBENCH_CACHE=$cache BHBENCH_QEMU=$fake ./bhbench run --kernel "$K" --scenario tests/fixtures/tiny.ini \
		--out "$out" --id "$id" "$@" > "$out/$id.out" 2>&1
}
probes() { grep -c '^probe' "$out/calls"; }
said() { sed -n 's/^bhbench: accelerator //p' "$out/$1.out"; }

# 1. /dev/kvm that cannot be opened: TCG at once, no probe boot, and not cached
# (the next run, with /dev/kvm back, asks again)
if [ -e /dev/kvm ] && ! unshare -m true 2> /dev/null; then
	echo "SKIP: /dev/kvm not usable: no mount namespace here to hide it in"
elif [ -e /dev/kvm ]; then
	fresh_cache "$out/c0"
	touch "$out/kvm-ro"
	unshare -m bash -c "mount --bind '$out/kvm-ro' /dev/kvm && mount -o remount,bind,ro /dev/kvm &&
		FAKE_BOOT=no BHBENCH_CACHE='$out/c0' BHBENCH_QEMU='$fake' ./bhbench run --kernel '$K' \
		--scenario tests/fixtures/tiny.ini --out '$out' --id ro" > "$out/ro.out" 2>&1
	rc=$?
	if [ "$(said ro)" = "tcg: /dev/kvm not usable (Read-only file system)" ] && [ "$(probes)" = 0 ] &&
	   [ ! -e "$out/c0/kvm-probe" ] && [ $rc -eq 1 ]; then
		pass "/dev/kvm not usable: $(said ro), no probe boot, not cached"
	else cat "$out/ro.out"; fail "/dev/kvm not usable (exit $rc, $(probes) probe(s))"; fi
fi

if [ ! -c /dev/kvm ] || [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: the probe's answers: /dev/kvm cannot be opened on this machine, so auto never probes"
	finish
	exit
fi

# 2. QEMU refuses KVM: TCG, with QEMU's own line as the reason; cached;
# the next run (the banner would now answer) takes the cached TCG without probing
fresh_cache "$out/c1"
FAKE_PROBE=refuse run refuse "$out/c1"; rc1=$?
FAKE_PROBE=banner FAKE_BOOT=no run cached "$out/c1"; rc2=$?
n=$(probes)
if [ "$(said refuse)" = "tcg: /dev/kvm exists but QEMU could not run the guest under KVM (qemu-system-x86_64: -accel kvm: failed to initialize kvm: Permission denied), falling back to TCG" ] &&
   [ $rc1 -eq 0 ] && [ "$(jq -r --arg q "$fake" '[.env.accel, .env.accel_requested, .env.qemu_command == $q] | @tsv' "$out/refuse/results.json")" = "tcg	auto	true" ] &&
   jq -e '.env.accel_probe | startswith("/dev/kvm exists but QEMU could not run")' "$out/refuse/results.json" > /dev/null &&
   "$chk" "$out/refuse" > "$out/refuse.chk" 2>&1 &&
   [ "$(said cached)" = "tcg: /dev/kvm exists but QEMU could not run the guest under KVM (qemu-system-x86_64: -accel kvm: failed to initialize kvm: Permission denied), falling back to TCG (probe cached for this host boot)" ] &&
   [ "$n" = 1 ] && [ $rc2 -eq 1 ] && grep -q 'FAILED: ' "$out/cached.out"; then
	pass "QEMU refuses KVM: TCG, the reason recorded (env.accel_probe), the run whole; the next run takes the cached answer (1 probe for 2 runs)"
else cat "$out/refuse.out" "$out/cached.out" "$out/refuse.chk" 2> /dev/null; fail "QEMU refuses KVM (exit $rc1, $rc2; $n probe(s))"; fi

# 3. a KVM internal error (the software hypervisor of this kind of machine), and silence
fresh_cache "$out/c2"
fresh_cache "$out/c3"
FAKE_PROBE=error FAKE_BOOT=no run error "$out/c2"
s=$SECONDS
FAKE_PROBE=silent FAKE_BOOT=no run silent "$out/c3"
took=$((SECONDS - s))
if [ "$(said error)" = "tcg: /dev/kvm exists but cannot run this guest (KVM internal error: emulation failure), falling back to TCG" ] &&
   [ "$(said silent)" = "tcg: /dev/kvm exists but the guest did not start under KVM within 10 s, falling back to TCG" ] &&
   [ "$took" -ge 10 ] && grep -q '^tcg ' "$out/c2/kvm-probe" && grep -q '^tcg ' "$out/c3/kvm-probe" &&
   ! pgrep -f '^fake-kvm-probe' > /dev/null; then
	pass "a KVM internal error and a probe that stays silent ($took s): TCG, each reason said and cached, no probe left running"
else cat "$out/error.out" "$out/silent.out"; fail "KVM internal error / silence ($took s)"; fi

# 4. --accel kvm: no probe; asked for, recorded as asked (the boot itself not run here)
n0=$(probes)
FAKE_BOOT=no run asked "$out/c3" --accel kvm
if [ "$(probes)" = "$n0" ] && ! grep -q '^bhbench: accelerator' "$out/asked.out" &&
   grep -q 'booting .* (kvm, 2 vCPUs)' "$out/asked.out" && tail -1 "$out/calls" | grep -q -- '-accel kvm .*-cpu host'; then
	pass "--accel kvm: no probe, QEMU started with -accel kvm -cpu host"
else cat "$out/asked.out"; tail -2 "$out/calls"; fail "--accel kvm"; fi

# 5. the probe sees the banner: the run is a KVM run (TCG underneath, through the fake)
fresh_cache "$out/c4"
FAKE_PROBE=banner run kvm "$out/c4"; rc=$?
env=$(jq -r --arg q "$fake" '[.env.accel, .env.accel_requested, .env.accel_probe, .env.qemu_command == $q, .status] | @tsv' \
	"$out/kvm/results.json" 2> /dev/null)
if [ $rc -eq 0 ] && [ "$(said kvm)" = "kvm: KVM boots the guest kernel" ] &&
   [ "$env" = "kvm	auto	KVM boots the guest kernel	true	ok" ] &&
   grep '^boot' "$out/calls" | tail -1 | grep -q -- '-accel kvm .*-cpu host' &&
   "$chk" "$out/kvm" > "$out/kvm.chk" 2>&1 &&
   grep -q 'These numbers come from a KVM guest' "$out/kvm/report.md" &&
   grep -q '^| accel_probe | KVM boots the guest kernel |' "$out/kvm/report.md"; then
	pass "the probe's banner: a KVM run (env: ${env//$'\t'/, }), invariants hold, the report says KVM and why"
else cat "$out/kvm.out" "$out/kvm.chk" 2> /dev/null; fail "a KVM run (exit $rc, env: $env)"; fi

# 6. never beside TCG: compare and merge refuse a KVM run with a TCG one
./bhbench compare "$out/refuse" "$out/kvm" > "$out/cmp.out" 2>&1; r1=$?
./bhbench merge --out "$out/merged" "$out/refuse" "$out/kvm" > "$out/merge.out" 2>&1; r2=$?
if [ $r1 -eq 2 ] && grep -q 'accelerator (tcg/kvm)' "$out/cmp.out" && [ $r2 -ne 0 ] && [ ! -e "$out/merged/results.json" ]; then
	pass "compare (exit 2: $(grep -o 'the runs differ in accelerator (tcg/kvm)' "$out/cmp.out")) and merge (exit $r2) refuse KVM beside TCG"
else cat "$out/cmp.out" "$out/merge.out"; fail "KVM beside TCG (compare exit $r1, merge exit $r2)"; fi

finish
