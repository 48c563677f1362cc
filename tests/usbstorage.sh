#!/usr/bin/env bash
# usb-storage, the second real subsystem (issue 16): QEMU's usb-storage disk
# on qemu-xhci, the kernel's own xhci/usb-storage/sd modules, Debian's fio
# in the guest.  One short boot and what a broken measurement would
# violate:
#   every run: fio's JSON with I/O done; fio's bytes equal the disk's own
#   sector count and its reads at most the disk's (SCSI splits large reads)
#   the kprobe on usb-storage's completion fired at least once per request,
#   and in softirq on 6.12 (the URB giveback is BH work: xhci sets HCD_BH,
#   usb_hcd_giveback_urb() queues it from the interrupt)
#   the disk is the QEMU one at SuperSpeed (5000 Mb/s) on xhci
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" usbstorage
K=${BHBENCH_TEST_KERNEL:-6.12}

rc=0
./bhbench run --kernel "$K" --accel tcg --scenario tests/fixtures/usb-short.ini --out "$out/runs" --id ok \
	--no-report > "$out/ok.log" 2>&1 || rc=$?
res=$out/runs/ok/results.json
if [ $rc -ne 0 ] || [ ! -s "$res" ]; then
	cat "$out/ok.log"; fail "the usb-storage run: exit $rc"
else
	pass "usb-storage on $K: exit 0"
	sed -n '/^usb-storage:/,/^$/p' "$out/ok.log"
	n=$(jq '.usbstorage.runs | length' "$res")
	[ "$n" -eq 4 ] && pass "4 runs (2 loads x 2 repetitions)" || fail "$n runs, want 4"
	bad=$(jq '[.usbstorage.runs[] | select((.fio.read.total_ios // 0) <= 0 or .fio.read.clat_ns.percentile == null)] | length' "$res")
	[ "$bad" -eq 0 ] && pass "fio's JSON in every run, with I/O and latency percentiles" || fail "$bad runs without fio's numbers"
	bad=$(jq '[.usbstorage.runs[] | select(.fio.read.io_bytes != .stat.sectors * 512 or .stat.reads < .fio.read.total_ios)] | length' "$res")
	[ "$bad" -eq 0 ] && pass "counts balance: fio's bytes = the disk's sectors, its reads <= the disk's, every run" ||
		fail "$bad runs where fio and the disk disagree"
	bad=$(jq '[.usbstorage.runs[] | select(.where.events < .stat.reads)] | length' "$res")
	[ "$bad" -eq 0 ] && pass "the kprobe ($(jq -r .usbstorage.setup.probe "$res")) fired at least once per request, every run" ||
		fail "$bad runs with fewer completions than requests"
	sh=$(jq '[.usbstorage.groups[] | .where.softirq + .where.ksoftirqd] | min' "$res")
	# a missing share (null) fails: it must not compare as a string
	if awk -v s="$sh" -v k="$K" 'BEGIN { exit !(s ~ /^[0-9.e+-]+$/ && (k != "6.12" || s + 0 >= 0.9)) }'; then
		pass "where: the completions ran in softirq ($sh) on $K"
	else
		fail "where: softirq share $sh on $K (want >= 0.9: BH work)"
	fi
	sp=$(jq -r .usbstorage.setup.speed "$res")
	[ "$sp" = "5000 Mb/s" ] && pass "the disk is on xhci at SuperSpeed ($sp)" || fail "disk speed '$sp'"
	# what drives it, found up its path in /sys (as natively, where the disk is the user's)
	drv=$(jq -r '.usbstorage.setup | "\(.disk) \(.storage_driver) \(.hcd_driver)"' "$res")
	[ "$drv" = "/dev/sda usb-storage xhci_hcd" ] && pass "the disk and its drivers from /sys: $drv" ||
		fail "the disk's drivers: $drv"
	[ "$(jq '.failures | length' "$res")" -eq 0 ] || fail "failures: $(jq -c .failures "$res")"
fi
finish
