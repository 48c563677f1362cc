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
	echo "$test_name: $fails failure(s) in $SECONDS s"
	[ "$fails" -eq 0 ]
}
