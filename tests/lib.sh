# shellcheck shell=bash
# The preamble of tests/*.sh, sourced as: . "$(dirname "$0")/lib.sh" NAME
# It leaves the caller in the repository's root ($root), with a scratch
# directory $out (/tmp/bhbench-NAME.*, removed on exit), a failure count
# and pass/fail to print one line each; `finish` prints the count and is
# the script's exit status, with the seconds it took.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
test_name=$1
out=$(mktemp -d "/tmp/bhbench-$test_name.XXXXXX") || exit 2
trap 'rm -rf "$out"' EXIT
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
finish() {
	# and the CPU time its processes took (QEMU's threads included), which
	# is what a lane of make test shares with the others
	# (times in this shell: in a $(...) it would be the subshell's)
	local cpu f
	f=$(mktemp) && times > "$f"
	cpu=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } printf "%.0f", s }' "$f")
	rm -f "$f"
	echo "$test_name: $fails failure(s) in $SECONDS s (CPU ${cpu} s)"
	[ "$fails" -eq 0 ]
}
