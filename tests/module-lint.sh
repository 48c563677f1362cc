#!/usr/bin/env bash
# The module is clean kernel C: no warnings with W=1 on every kernel given,
# and checkpatch.pl --strict clean.  bhb_compat.h exists to compare
# LINUX_VERSION_CODE, so only there those two checkpatch types are ignored.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
prov=harness/kernel/provision.sh
fails=0
for k in "$@"; do
	log=$(mktemp)
	if ! "$prov" fetch "$k" > /dev/null 2> "$log"; then
		cat "$log"; echo "FAIL: cannot fetch $k"; fails=$((fails + 1)); continue
	fi
	if ! "$prov" build "$k" bench-module /tmp/bhbench-lint.ko W=1 > "$log" 2>&1; then
		cat "$log"; echo "FAIL: W=1 build for $k"; fails=$((fails + 1))
	elif grep -E 'warning:|error:' "$log"; then
		echo "FAIL: W=1 warnings for $k"; fails=$((fails + 1))
	else
		echo "PASS: W=1 build for $k without warnings"
	fi
	rm -f "$log" /tmp/bhbench-lint.ko
done
cp=$("$prov" checkpatch) || { echo "FAIL: cannot get checkpatch.pl"; exit 1; }
for f in bench-module/*.c bench-module/*.h bench-module/Kbuild; do
	ign=""
	[ "${f##*/}" = bhb_compat.h ] && ign="--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON"
	# shellcheck disable=SC2086
	if ! out=$(perl "$cp" --strict --no-tree --terse $ign -f "$f" 2>&1) ||
	   echo "$out" | grep -qE '(ERROR|WARNING|CHECK):'; then
		echo "$out"; echo "FAIL: checkpatch --strict $f"; fails=$((fails + 1))
	fi
done
[ $fails -eq 0 ] && echo "PASS: checkpatch --strict clean ($(ls bench-module/*.[ch] bench-module/Kbuild | wc -l) files)"
[ $fails -eq 0 ]
