#!/usr/bin/env bash
# dm-verity, a real subsystem (issue 16): fio reads of a verity device over
# brd ramdisks, the kernel's own modules, Debian's tools in the guest.  One
# short boot (both modes, both loads, two repetitions) and what a broken
# measurement would violate:
#   every run: fio's JSON is in the results, with I/O done; fio's read count
#   equals the dm device's own counter, its bytes the device's sectors (the
#   host fails the run otherwise; checked here again from results.json);
#   the kprobe on dm-verity's verification saw at least one verification
#   per data block read, and where it ran follows the table: kverityd's
#   kworkers for wq, softirq (BH work) for bh on 6.12 (tasklet_action ->
#   BH workqueue), both from the kernel's trace flags
#   data verified: each device read whole equals what was written, and a
#   changed data block reads as EIO through every mode, its neighbour and
#   the restored block right
#   bad input (an unknown mode) is refused before anything boots; a guest
#   without fio, or a kernel without dm-verity, fails the run with one line
#   saying so and prints no numbers
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" dmverity
K=${BHBENCH_TEST_KERNEL:-6.12}

# bad input: before anything boots
sed 's/^verify = .*/verify = wq, tasklet/' tests/fixtures/dmverity-short.ini > "$out/bad.ini"
rc=0
./bhbench run --kernel "$K" --scenario "$out/bad.ini" --out "$out/runs" --id bad > "$out/bad.log" 2>&1 || rc=$?
if [ $rc -eq 2 ] && grep -q "unknown name 'tasklet'" "$out/bad.log" && ! grep -q booting "$out/bad.log"; then
	pass "an unknown mode: exit 2 before boot ($(grep -m1 "tasklet" "$out/bad.log" | cut -c1-100))"
else
	cat "$out/bad.log"; fail "bad mode: exit $rc"
fi

# the short case
rc=0
./bhbench run --kernel "$K" --accel tcg --scenario tests/fixtures/dmverity-short.ini --out "$out/runs" --id ok \
	--no-report > "$out/ok.log" 2>&1 || rc=$?
res=$out/runs/ok/results.json
if [ $rc -ne 0 ] || [ ! -s "$res" ]; then
	cat "$out/ok.log"; fail "the dm-verity run: exit $rc"
else
	pass "dm-verity on $K: exit 0"
	sed -n '/^dm-verity:/,/^corruption check/p' "$out/ok.log"
	n=$(jq '.dmverity.runs | length' "$res")
	[ "$n" -eq 8 ] && pass "8 runs (2 modes x 2 loads x 2 repetitions)" || fail "$n runs, want 8"
	bad=$(jq '[.dmverity.runs[] | select((.fio.read.total_ios // 0) <= 0 or .fio.read.clat_ns.percentile == null)] | length' "$res")
	[ "$bad" -eq 0 ] && pass "fio's JSON in every run, with I/O and latency percentiles" || fail "$bad runs without fio's numbers"
	bad=$(jq '[.dmverity.runs[] | select(.fio.read.total_ios != .stat.reads or .fio.read.io_bytes != .stat.sectors * 512)] | length' "$res")
	[ "$bad" -eq 0 ] && pass "counts balance: fio's reads and bytes = the dm device's counters, every run" ||
		fail "$bad runs where fio and the device disagree"
	bad=$(jq '[.dmverity.runs[] | select(.where.events < .stat.sectors / 8)] | length' "$res")
	[ "$bad" -eq 0 ] && pass "the kprobe ($(jq -r .dmverity.setup.probe "$res")) saw a verification per data block read, every run" ||
		fail "$bad runs with fewer verifications than blocks"
	wq=$(jq '[.dmverity.groups[] | select(.mode == "wq") | .where.kworker] | min' "$res")
	bh=$(jq '[.dmverity.groups[] | select(.mode == "bh") | .where.softirq + .where.ksoftirqd] | min' "$res")
	# a missing share (null) fails: it must not compare as a string
	if awk -v w="$wq" -v b="$bh" -v k="$K" 'BEGIN { exit !(w ~ /^[0-9.e+-]+$/ && b ~ /^[0-9.e+-]+$/ &&
			w + 0 >= 0.9 && (k != "6.12" || b + 0 >= 0.9)) }'; then
		pass "where: wq in kverityd's kworkers ($wq), bh in softirq ($bh) on $K"
	else
		fail "where: wq kworker share $wq, bh softirq share $bh (want >= 0.9 each on 6.12)"
	fi
	bad=$(jq '[.dmverity.setup.warm[] | select(.wrong != 0 or .read_errors != 0)] | length' "$res")
	[ "$bad" -eq 0 ] && pass "each device read whole equals the data written" || fail "$bad devices read wrong data"
	ck=$(jq -r '[.dmverity.check.modes | to_entries[] | "\(.key):\(.value.corrupt_read):\(.value.neighbour_ok):\(.value.restored_ok)"] | join(" ")' "$res")
	if [ "$ck" = "bh:Input/output error:true:true wq:Input/output error:true:true" ] ||
	   [ "$ck" = "wq:Input/output error:true:true bh:Input/output error:true:true" ]; then
		pass "a changed data block: EIO through wq and bh, neighbour and restored block right"
	else
		fail "corruption check: $ck"
	fi
	[ "$(jq '.failures | length' "$res")" -eq 0 ] || fail "failures: $(jq -c .failures "$res")"
fi

# a guest without fio, and a kernel without dm-verity: one line, no numbers
broken() {	# WHAT PATTERN ENV...
	local what=$1 pat=$2 rc=0
	shift 2
	env "$@" ./bhbench run --kernel "$K" --accel tcg --scenario tests/fixtures/dmverity-short.ini \
		--out "$out/runs" --id "b$RANDOM" --no-report > "$out/broken.log" 2>&1 || rc=$?
	if [ $rc -eq 1 ] && grep -q "$pat" "$out/broken.log" && ! grep -q "MiB/s" "$out/broken.log"; then
		pass "$what: exit 1, no numbers ($(grep -m1 "$pat" "$out/broken.log" | sed 's/.*error: //' | cut -c1-100))"
	else
		cat "$out/broken.log"; fail "$what: exit $rc, want 1 and '$pat'"
	fi
}
cache=${BHBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bhbench}
grep -v '/usr/bin/fio ' "$cache/userland/bookworm/manifest" > "$out/nofio.manifest"
broken "no fio in the guest" "fio does not run in the guest" BHBENCH_USERLAND="$out/nofio.manifest"
rel=$(harness/kernel/provision.sh resolve "$K")
mkdir -p "$out/nodmv"
cp "$cache/kernels/$rel/mods/brd.ko" "$out/nodmv/" && echo brd.ko > "$out/nodmv/order-dmverity"
broken "a kernel without dm-verity" "this kernel has no dm-verity" BHBENCH_KMODS="$out/nodmv"
finish
