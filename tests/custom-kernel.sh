#!/usr/bin/env bash
# A kernel of one's own: bhbench run --kernel-image PATH --kernel-build DIR.
#   tests/custom-kernel.sh [KERNEL]     (default 6.12; a bookworm kernel)
# No kernel is compiled: the "user's build" is a Debian kernel's image and
# its headers tree from the bookworm build root (provision.sh fetch), made
# usable from the host (the headers' Makefile and kbuild links point into
# /usr/src and /usr/lib of the build root); bookworm's kernels build modules
# with the host's gcc-12.  The tree's vmlinux is left out unless pahole is
# installed (with it, Kbuild generates module BTF, which needs pahole).
#  - bad input exits 2 with a clear message before anything boots: a
#    missing image, a DIR without Module.symvers, --kernel with
#    --kernel-image, an image whose release is not the tree's;
#  - a failing module build exits 1 and shows the build's last lines;
#  - one boot of tests/fixtures/tiny.ini: the run passes, env says flavour
#    "custom", kernel = the tree's release, the image's path and sha256;
#  - a kernels.ini cell with image/build prints the same kind of command.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" custom-kernel
K=${1:-${BHBENCH_TEST_KERNEL:-6.12}}
CACHE=${BHBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bhbench}
command -v jq > /dev/null || { echo "custom-kernel: jq is missing (run: make deps)"; exit 2; }

rel=$(harness/kernel/provision.sh fetch "$K") || { echo "custom-kernel: cannot fetch $K"; exit 1; }
case "$rel" in
*+deb12*|6.1.*) ;;
*) echo "custom-kernel: $rel is not a bookworm kernel: its headers do not build on this host"; exit 2 ;;
esac
br=$CACHE/buildroots/bookworm
hdr=$br/usr/src/linux-headers-$rel
common=$(sed -n 's|^include /usr/src/\(.*\)/Makefile$|\1|p' "$hdr/Makefile")
[ -n "$common" ] && [ -d "$br/usr/src/$common" ] || { echo "custom-kernel: unexpected $hdr/Makefile"; exit 1; }

# the user's build tree, usable from the host
tree=$out/linux
cp -a "$hdr" "$tree"
echo "include $br/usr/src/$common/Makefile" > "$tree/Makefile"
for l in scripts tools; do
	t=$(readlink "$hdr/$l")
	ln -sfn "$br/usr/lib/${t#../../lib/}" "$tree/$l"
done
command -v pahole > /dev/null || rm -f "$tree/vmlinux"
mkdir -p "$tree/arch/x86/boot"
cp "$CACHE/kernels/$rel/vmlinuz" "$tree/arch/x86/boot/bzImage"
img=$tree/arch/x86/boot/bzImage

# expect_fail STATUS PATTERN NAME -- ARGS...: exit STATUS, PATTERN on stderr, no boot
expect_fail() {
	local want=$1 pat=$2 name=$3 rc=0
	shift 4
	./bhbench run -s tests/fixtures/tiny.ini --no-report --out "$out/res" "$@" > "$out/o" 2> "$out/e" || rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -- "$pat" "$out/e" && ! grep -q 'booting' "$out/o"; then
		pass "$name: exit $rc, $(grep -m1 -- "$pat" "$out/e")"
	else
		fail "$name: exit $rc (want $want), stderr:"; sed 's/^/    /' "$out/e"
	fi
}

echo "== bad input"
expect_fail 2 'kernel-image .*No such file' "missing image" -- \
	--kernel-image "$out/nope/bzImage" --kernel-build "$tree"
mkdir -p "$out/nosymvers"
cp "$tree/.config" "$tree/Makefile" "$out/nosymvers/"
expect_fail 2 'not a kernel build tree: no Module.symvers' "build tree without Module.symvers" -- \
	--kernel-image "$img" --kernel-build "$out/nosymvers"
expect_fail 2 'mutually exclusive' "--kernel with --kernel-image" -- \
	--kernel 6.12 --kernel-image "$img" --kernel-build "$tree"
expect_fail 2 'needs --kernel-build' "--kernel-image alone" -- --kernel-image "$img"
cp -a "$tree" "$out/other"
echo 9.9.9-other > "$out/other/include/config/kernel.release"
expect_fail 2 "is kernel $rel, but the build tree .* is 9.9.9-other" "image of another release" -- \
	--kernel-image "$img" --kernel-build "$out/other"
echo '$(error broken on purpose)' > "$out/other/Makefile"
echo "$rel" > "$out/other/include/config/kernel.release"
expect_fail 1 'broken on purpose' "failing module build shows its last lines" -- \
	--kernel-image "$img" --kernel-build "$out/other"

echo "== one boot of $rel as a custom kernel"
rc=0
./bhbench run --kernel-image "$img" --kernel-build "$tree" -s tests/fixtures/tiny.ini --no-report \
	--out "$out/res" --id custom > "$out/run.out" 2>&1 || rc=$?
r=$out/res/custom/results.json
if [ "$rc" -eq 0 ] && [ -r "$r" ]; then
	sha=$(sha256sum "$img" | cut -d' ' -f1)
	got=$(jq -r '[.status, .env.kernel, .env.flavour, .env.kernel_image, .env.kernel_image_sha256,
		     .env.kernel_build] | join(" ")' "$r")
	want="ok $rel custom $img $sha $tree"
	if [ "$got" = "$want" ]; then
		pass "custom $rel: run ok, env: flavour custom, kernel $rel, image path and sha256, build tree"
	else
		fail "custom run env: got '$got', want '$want'"
	fi
	grep -q 'building bhbench.ko against' "$out/run.out" && pass "module built against the tree" ||
		fail "no module build line in the output"
else
	fail "custom boot: exit $rc"; tail -n 20 "$out/run.out" | sed 's/^/    /'
fi

echo "== a custom cell in kernels.ini"
cat > "$out/kernels.ini" <<EOF
[mine]
image = $img
build = $tree
append = preempt=full
[half]
image = $img
EOF
rc=0
./bhbench matrix --kernels "$out/kernels.ini" --print-commands -s tiny > "$out/cmds" 2> "$out/e" || rc=$?
if grep -q -- "--kernel-image $img --kernel-build $tree --scenario tiny .* --id matrix-mine-tiny --append preempt=full" "$out/cmds" &&
	[ "$rc" -eq 2 ] && grep -q '\[half\] needs either kernel' "$out/e"; then
	pass "matrix: image/build cell runs --kernel-image/--kernel-build; a cell with image only is refused"
else
	fail "matrix custom cell (exit $rc)"; cat "$out/cmds" "$out/e" | sed 's/^/    /'
fi

echo
finish
