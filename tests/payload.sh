#!/usr/bin/env bash
# Your own callback (issue 17): bhbench run --payload DIR builds a payload
# module against the guest kernel, loads it after bhbench.ko, and calls its
# bhb_payload() as the body of every item under every mechanism.  The
# shipped example (bench-module/payload/) returns the CRC-32 of the page the
# producer filled; what a broken implementation would violate:
#   every executing CPU's first value equals zlib's CRC-32, computed here,
#   of the page the module says it gave (byte i = i x 131 + seq x 7 + cpu):
#   a payload not called, called on another buffer or length, or a value
#   lost on the way differs; the payload was called once per callback, in
#   every mechanism's row; each row has the callback's own duration
#   bad input is refused before anything boots (exit 2, the reason said):
#   no such directory, no Kbuild, work = payload without --payload, a
#   hotplug scenario; a payload that does not compile fails the run (exit
#   1) with the compiler's message; one that loads but does not export
#   bhb_payload() fails every run with the reason (ENOENT), not a number
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" payload
K=${BHBENCH_TEST_KERNEL:-6.12}
command -v python3 > /dev/null || { echo "payload: python3 is missing (run: make deps)"; exit 2; }

refused() {	# WHAT PATTERN ARGS...: exit 2, the message matching PATTERN, nothing booted
	local what=$1 pat=$2 rc=0
	shift 2
	./bhbench run --out "$out/refused" "$@" > "$out/refused.log" 2>&1 || rc=$?
	if [ $rc -eq 2 ] && grep -q "$pat" "$out/refused.log" && ! grep -q "booting" "$out/refused.log"; then
		pass "refused before boot: $what ($(grep -m1 "$pat" "$out/refused.log" | cut -c1-110))"
	else
		cat "$out/refused.log"; fail "$what: exit $rc, want 2 and '$pat'"
	fi
}
mkdir -p "$out/nokbuild"
refused "no such directory" "No such file" --payload "$out/nope" --kernel "$K"
refused "a directory without Kbuild" "no Kbuild" --payload "$out/nokbuild" --kernel "$K"
refused "work = payload without --payload" "give --payload DIR" --scenario tests/fixtures/payload-short.ini --kernel "$K"
refused "a hotplug scenario" "callback of latency cases" --payload bench-module/payload --scenario hotplug --kernel "$K"

# a payload that does not compile: the run fails and shows why
mkdir -p "$out/broken"
cp bench-module/payload/Kbuild "$out/broken/"
sed 's/return crc32_le/return no_such_function/' bench-module/payload/payload.c > "$out/broken/payload.c"
rc=0
./bhbench run --payload "$out/broken" --kernel "$K" --accel tcg --scenario tests/fixtures/payload-short.ini \
	--out "$out/runs" --id broken --no-report > "$out/broken.log" 2>&1 || rc=$?
if [ $rc -eq 1 ] && grep -q "no_such_function" "$out/broken.log" && grep -q "did not build" "$out/broken.log"; then
	pass "a payload that does not compile: exit 1, the compiler's message shown"
else
	cat "$out/broken.log"; fail "broken payload: exit $rc"
fi

# a module that loads but exports no bhb_payload(): every run fails, and says why
mkdir -p "$out/noexport"
cp bench-module/payload/Kbuild "$out/noexport/"
sed 's/^EXPORT_SYMBOL_GPL(bhb_payload);$//' bench-module/payload/payload.c > "$out/noexport/payload.c"
sed 's/^mechanisms = .*//; s/^items = .*/items = 20/' tests/fixtures/payload-short.ini |
	sed 's/^\[scenario\]$/[scenario]\nmechanisms = tasklet, bh/' > "$out/tiny.ini"
rc=0
./bhbench run --payload "$out/noexport" --kernel "$K" --accel tcg --cpus 2 --scenario "$out/tiny.ini" \
	--out "$out/runs" --id noexport --no-report > "$out/noexport.log" 2>&1 || rc=$?
if [ $rc -eq 1 ] && grep -q "runs failed (no bhb_payload()" "$out/noexport.log" && python3 - "$out/runs/noexport/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rows = [b for b in r["benchmarks"] if b.get("status") != "n/a"]
sys.exit(not rows or any(b.get("status") != "failed" or b["latency_ns"].get("mean") is not None for b in rows))
PY
then
	pass "a payload without bhb_payload() exported: exit $rc, every run failed, no figures: $(grep -m1 -o 'runs failed ([^)]*)' "$out/noexport.log")"
else
	tail -30 "$out/noexport.log"; fail "payload without export: exit $rc"
fi

# the example under every mechanism
echo "== payload-short on $K (tcg, 2 vCPUs), bench-module/payload"
if ! ./bhbench run --payload bench-module/payload --kernel "$K" --accel tcg --cpus 2 \
	--scenario tests/fixtures/payload-short.ini --out "$out/runs" --id p --no-report > "$out/p.log" 2>&1; then
	tail -40 "$out/p.log"; fail "the payload run failed"; finish; exit
fi
r=$out/runs/p/results.json
if "$root/harness/build/check_run" "$out/runs/p" > "$out/inv.log" 2>&1; then
	pass "invariants hold (executed = queued, nothing lost, contexts)"
else
	cat "$out/inv.log"; fail "invariants"
fi
if python3 - "$r" "$(./bhbench names mechanisms | wc -l)" > "$out/crc.log" <<'PY'
import json, sys, zlib
res = json.load(open(sys.argv[1]))
bad = n = 0
rows = [b for b in res["benchmarks"] if b.get("status") != "n/a"]
for b in rows:
    p = b.get("payload") or {}
    if b["params"].get("work") != "payload":
        print(f"{b['case']}/{b['mech']}: work {b['params'].get('work')}"); bad += 1
    if p.get("calls") != b["counters"]["executed"] or not b["counters"]["executed"]:
        print(f"{b['case']}/{b['mech']}: payload called {p.get('calls')} times, {b['counters']['executed']} callbacks"); bad += 1
    if not p.get("checks"):
        print(f"{b['case']}/{b['mech']}: no value"); bad += 1
    for c in p.get("checks", []):
        page = bytes((i * 131 + c["seq"] * 7 + c["cpu"]) & 0xff for i in range(4096))
        n += 1
        if int(c["value"], 16) != zlib.crc32(page):
            print(f"{b['case']}/{b['mech']}: cpu {c['cpu']} seq {c['seq']}: {c['value']} != {zlib.crc32(page):#x}"); bad += 1
    if not (b.get("service_ns") or {}).get("p50", {}).get("value"):
        print(f"{b['case']}/{b['mech']}: no service time"); bad += 1
hard = {b["mech"] for b in rows if b["case"] == "hardirq"}
if len(hard) != int(sys.argv[2]):
    print(f"hardirq case ran {sorted(hard)}, not every mechanism"); bad += 1
if (res["env"].get("payload") or {}).get("dir", "").rstrip("/").endswith("bench-module/payload") is False:
    print("env.payload does not name the directory"); bad += 1
print(f"{n} values of {len(rows)} rows checked against zlib.crc32, {bad} wrong")
sys.exit(bad != 0)
PY
then
	pass "CRC-32: $(tail -1 "$out/crc.log"); every callback called the payload once"
else
	cat "$out/crc.log"; fail "the payload's values or calls are wrong"
fi
if grep -q "payload: callback's own time p50" "$out/p.log"; then
	pass "summary: the payload's own time under each row ($(grep -m1 "payload: callback's own time" "$out/p.log" | sed 's/^ *//'))"
else
	fail "the summary has no payload line"
fi
finish
