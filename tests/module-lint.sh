#!/usr/bin/env bash
# The module and the payload template are clean kernel C: no warnings
# with W=1 on every kernel given, and checkpatch.pl --strict clean.  bhb_compat.h exists to compare
# LINUX_VERSION_CODE, so only there those two checkpatch types are ignored.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" lint
prov=harness/kernel/provision.sh
for k in "$@"; do
	log=$out/build-$k.log
	if ! "$prov" fetch "$k" > /dev/null 2> "$log"; then
		cat "$log"; fail "cannot fetch $k"; continue
	fi
	for src in bench-module bench-module/payload; do
		if ! "$prov" build "$k" "$src" /tmp/bhbench-lint.ko W=1 > "$log" 2>&1; then
			cat "$log"; fail "W=1 build of $src for $k"
		elif grep -E 'warning:|error:' "$log"; then
			fail "W=1 warnings in $src for $k"
		else
			pass "W=1 build of $src for $k without warnings"
		fi
		rm -f /tmp/bhbench-lint.ko
	done
done
cp=$("$prov" checkpatch) || { echo "FAIL: cannot get checkpatch.pl"; exit 1; }
for f in bench-module/*.c bench-module/*.h bench-module/Kbuild bench-module/payload/*.c bench-module/payload/Kbuild; do
	ign=""
	[ "${f##*/}" = bhb_compat.h ] && ign="--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON"
	# shellcheck disable=SC2086
	if ! cpo=$(perl "$cp" --strict --no-tree --terse $ign -f "$f" 2>&1) ||
	   echo "$cpo" | grep -qE '(ERROR|WARNING|CHECK):'; then
		echo "$cpo"; fail "checkpatch --strict $f"
	fi
done
[ $fails -eq 0 ] && pass "checkpatch --strict clean ($(ls bench-module/*.[ch] bench-module/Kbuild bench-module/payload/*.c bench-module/payload/Kbuild | wc -l) files, the payload template's included)"
finish
