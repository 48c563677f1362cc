#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bhbench kernel provisioning.
#
#   provision.sh resolve KERNEL   print the full kernel release KERNEL names
#   provision.sh fetch KERNEL     download image + build root into the cache
#   provision.sh build KERNEL SRC OUT.ko   build the module for KERNEL
#   provision.sh custom-build DIR SRC OUT.ko   build the module against a
#                                 user's kernel build tree DIR, with the host's
#                                 toolchain (make -C DIR M=... modules)
#                                 (SRC: bench-module/, or a payload directory
#                                 (bench-module/payload/), which gets
#                                 bench-module/bhb_payload.h beside its files;
#                                 either must build exactly one module)
#   provision.sh list             list cached kernels
#   provision.sh available        list kernels the archive offers
#   provision.sh checkpatch       path of checkpatch.pl (from linux-source, cached)
#   provision.sh userland         the guest tools of the real-subsystem scenarios
#                                 (fio, veritysetup, dmsetup from Debian), cached;
#                                 prints their manifest
#
# KERNEL is a full Debian kernel release ("6.12.57+deb12-amd64",
# "7.3.4+deb13-rt-amd64") or an alias "X.Y[-flavour][@family]" meaning the
# newest release of that series (looked up in bookworm, then trixie, then
# sid; or only in the family named: 6.12@trixie).
#
# Verbs that touch the cache hold a lock on it: cells of "bhbench matrix
# --jobs N" provision one at a time (their boots still run side by side).
#
# Nothing is installed on the host.  Everything lives under the cache
# directory: a private apt configuration per Debian release family, the
# kernel image, and an mmdebstrap build root per family holding that
# family's compiler and the kernel headers.  The archive mirror is read
# from the machine's own apt sources at run time.
set -euo pipefail

CACHE=${BHBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bhbench}
FAMILIES="bookworm trixie sid"

die() { echo "provision: $*" >&2; exit 1; }
log() { echo "provision: $*" >&2; }

# The machine's archive URIs: main archive and security archive.
mirror_uris() {
	local f main="" sec=""
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		while read -r k v _; do
			[ "$k" = "URIs:" ] || continue
			case "$v" in
			*security*) [ -n "$sec" ] || sec=$v ;;
			*) [ -n "$main" ] || main=$v ;;
			esac
		done < "$f"
	done
	if [ -z "$main" ] && [ -r /etc/apt/sources.list ]; then
		while read -r t v _; do
			[ "$t" = deb ] || continue
			case "$v" in
			\[*) continue ;;
			*security*) [ -n "$sec" ] || sec=$v ;;
			*) [ -n "$main" ] || main=$v ;;
			esac
		done < /etc/apt/sources.list
	fi
	[ -n "$main" ] || die "no Debian archive found in the machine's apt sources"
	[ -n "$sec" ] || sec=${main%/debian}/debian-security
	echo "$main $sec"
}

family_lines() {	# family -> one-line deb sources
	local main sec
	read -r main sec < <(mirror_uris)
	case "$1" in
	bookworm|trixie)
		echo "deb $main $1 main"
		echo "deb $main $1-updates main"
		echo "deb $main $1-backports main"
		echo "deb $sec $1-security main"
		;;
	sid)
		echo "deb $main sid main"
		echo "deb $main experimental main"
		;;
	*) die "unknown Debian family '$1'" ;;
	esac
}

family_of_release() {	# 6.12.57+deb12-amd64 -> bookworm
	case "$1" in
	*+deb11*) die "Debian 11 kernels are not supported: $1" ;;
	*+deb12*|6.1.*) echo bookworm ;;
	*+deb13*) echo trixie ;;
	*) echo sid ;;
	esac
}

# A private apt configuration for one family: nothing touches /etc/apt.
apt_dir() { echo "$CACHE/apt/$1"; }
apt_opts() {
	local d; d=$(apt_dir "$1")
	echo "-o Dir::State=$d/state -o Dir::Cache=$d/cache" \
	     "-o Dir::Etc::SourceList=$d/sources.list -o Dir::Etc::SourceParts=/nonexistent" \
	     "-o Dir::State::status=$d/status -o APT::Sandbox::User=root" \
	     "-o Debug::NoLocking=1 -o Acquire::Languages=none"
}
apt_ready() {
	local fam=$1 d stamp
	d=$(apt_dir "$fam")
	stamp=$d/updated
	mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial"
	family_lines "$fam" > "$d/sources.list.new"
	if ! cmp -s "$d/sources.list.new" "$d/sources.list" 2>/dev/null; then
		mv "$d/sources.list.new" "$d/sources.list"
		rm -f "$stamp"
	else
		rm -f "$d/sources.list.new"
	fi
	touch "$d/status"
	# refresh package lists at most once a day
	if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
		log "updating package lists for $fam"
		# shellcheck disable=SC2046
		apt-get -q $(apt_opts "$fam") update >&2 || die "apt-get update failed for $fam"
		touch "$stamp"
	fi
}
apt_fam() { local fam=$1; shift; apt_ready "$fam"; apt-get $(apt_opts "$fam") "$@"; }
cache_fam() { local fam=$1; shift; apt_ready "$fam"; apt-cache $(apt_opts "$fam") "$@"; }

# Newest kernel release matching X.Y[-flavour] in a family, or nothing.
newest_in_family() {
	local fam=$1 series=$2 flavour=$3 re
	re="^linux-image-${series//./\\.}\.[0-9]+(-[0-9]+)?\+deb[0-9]+(u[0-9]+)?-${flavour}\$"
	[[ $series == 6.1 ]] && re="^linux-image-6\.1\.0-[0-9]+-${flavour}\$"
	apt_ready "$fam"
	{ cache_fam "$fam" pkgnames linux-image- | grep -E "$re" || true; } |
		sed 's/^linux-image-//' | sort -V | tail -n 1
}

resolve() {
	local k=$1 series flavour fam r
	if [[ $k =~ ^[0-9]+\.[0-9]+\.[0-9].*-(amd64|rt-amd64|cloud-amd64)$ ]]; then
		echo "$k"; return
	fi
	[[ $k =~ ^([0-9]+\.[0-9]+)(-(rt|cloud))?(@(bookworm|trixie|sid))?$ ]] ||
		die "cannot read kernel name '$k' (want e.g. 6.12, 7.3-rt, 6.12@trixie or 6.12.57+deb12-amd64)"
	series=${BASH_REMATCH[1]}
	flavour=amd64
	[ -n "${BASH_REMATCH[3]}" ] && flavour=${BASH_REMATCH[3]}-amd64
	# X.Y@FAMILY: only that Debian release (6.12 is in bookworm and trixie)
	for fam in ${BASH_REMATCH[5]:-$FAMILIES}; do
		r=$(newest_in_family "$fam" "$series" "$flavour")
		if [ -n "$r" ]; then echo "$r"; return; fi
	done
	die "no Debian kernel matches '$k'"
}

kdir() { echo "$CACHE/kernels/$1"; }

# 7.x split the kernel package: KIND (binary, modules) of REL's
# linux-image-* dependencies, downloaded and unpacked into TMP/x
unpack_dep() {
	local rel=$1 fam=$2 tmp=$3 kind=$4 dep
	dep=$(cache_fam "$fam" depends "linux-image-$rel" 2>/dev/null |
		sed -n "s/^ *Depends: \(linux-$kind-[^ ]*\).*/\1/p" | head -n 1)
	[ -n "$dep" ] || dep=linux-$kind-$rel
	log "downloading $dep (7.x package layout)"
	(cd "$tmp" && apt_fam "$fam" -q download "$dep" >&2) || die "download of $dep failed"
	dpkg-deb -x "$tmp"/linux-"$kind"-*.deb "$tmp/x"
}

# The kernel packages of REL, downloaded and unpacked into TMP/x
unpack_kernel() {
	local rel=$1 fam=$2 tmp=$3 deb pkg
	pkg=linux-image-$rel
	cache_fam "$fam" show "$pkg" > /dev/null 2>&1 ||
		die "kernel $rel is not in the $fam archive (try: ./bhbench kernels --available)"
	log "downloading $pkg ($fam)"
	(cd "$tmp" && apt_fam "$fam" -q download "$pkg" >&2) || die "download of $pkg failed"
	for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/x"; done
	# 7.x: linux-image-* is a meta-package; the image is in linux-binary-*,
	# the modules in linux-modules-*
	if ! find "$tmp/x" -name 'vmlinuz*' -print -quit | grep -q .; then
		unpack_dep "$rel" "$fam" "$tmp" binary
	fi
	if ! find "$tmp/x" -name '*.ko*' -print -quit | grep -q .; then
		unpack_dep "$rel" "$fam" "$tmp" modules
	fi
}

# The kernel's own modules the real-subsystem scenarios load, with every
# module they depend on (read from each module's .modinfo), from REL's
# package: decompressed into $kdir/mods/; each set's load order
# (dependencies first) in mods/order-SET, what it names that this kernel
# has built in (or lacks) in mods/builtin-SET.  Sets: dmverity (dm-verity
# over brd ramdisks; sha256_ssse3, the x86 SHA-256 dm-verity uses on a real
# machine where it is a module, else the generic C code would serve), usb
# (a USB disk on xhci) and native (9p over virtio: the root file
# system of tests/native.sh's guest, a Debian root shared by the host).
KMOD_SETS="dmverity:sha256_ssse3,dm_verity,brd usb:xhci_pci,usb_storage,sd_mod native:9pnet_virtio,9p"
keep_mods() {
	local rel=$1 x=$2 d mdir set m
	d=$(kdir "$rel")/mods
	rm -rf "$d.new"; mkdir -p "$d.new"
	mdir=$(find "$x" -type d -path "*/lib/modules/$rel" | head -n 1)
	[ -n "$mdir" ] || die "no modules in the packages of $rel"
	# name (dashes as underscores) -> file
	find "$mdir" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' |
		while read -r f; do b=${f##*/}; b=${b%%.ko*}; echo "${b//-/_} $f"; done > "$d.new/.index"
	[ -s "$d.new/.index" ] || die "no kernel modules in the packages of $rel"
	for set in $KMOD_SETS; do
		rm -f "$d.new/.seen"
		touch "$d.new/order-${set%%:*}" "$d.new/builtin-${set%%:*}"
		for m in $(tr , " " <<< "${set#*:}"); do add_mod "$m" "$d.new" "${set%%:*}"; done
	done
	rm -f "$d.new/.index" "$d.new/.seen"
	rm -rf "$d"; mv "$d.new" "$d"
}
add_mod() {
	local name=$1 d=$2 set=$3 f deps dep
	grep -qx "$name" "$d/.seen" 2>/dev/null && return 0
	echo "$name" >> "$d/.seen"
	f=$(awk -v n="$name" '$1 == n { print $2; exit }' "$d/.index")
	if [ -z "$f" ]; then echo "$name" >> "$d/builtin-$set"; return 0; fi
	if [ ! -e "$d/$name.ko" ]; then
		case "$f" in
		*.xz) xz -dc "$f" > "$d/$name.ko" ;;
		*.zst) zstd -q -dc "$f" > "$d/$name.ko" ;;
		*) cp "$f" "$d/$name.ko" ;;
		esac || die "cannot decompress $f"
	fi
	deps=$(objcopy -O binary -j .modinfo "$d/$name.ko" /dev/stdout | tr '\0' '\n' |
		sed -n 's/^depends=//p' | tr ',-' ' _')
	for dep in $deps; do add_mod "$dep" "$d" "$set"; done
	echo "$name.ko" >> "$d/order-$set"
}

fetch_image() {
	local rel=$1 fam=$2 d tmp
	d=$(kdir "$rel")
	# (the newest set's order file: a cache from before it is unpacked again)
	[ -s "$d/vmlinuz" ] && [ -e "$d/mods/order-native" ] && return 0
	mkdir -p "$d"
	rm -rf "$CACHE"/tmp.*
	tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
	unpack_kernel "$rel" "$fam" "$tmp"
	local img cfg
	img=$(find "$tmp/x" \( -path "*/boot/vmlinuz-$rel" -o -path "*/modules/$rel/vmlinuz" \) | head -n 1)
	cfg=$(find "$tmp/x" \( -path "*/boot/config-$rel" -o -path "*/modules/$rel/config" \) | head -n 1)
	[ -n "$img" ] || die "no vmlinuz in the packages of $rel"
	# 7.x keeps the config elsewhere: it is then taken from the headers
	if [ -n "$cfg" ]; then cp "$cfg" "$d/config.new" && mv "$d/config.new" "$d/config"; fi
	echo "$fam" > "$d/family"
	keep_mods "$rel" "$tmp/x"
	cp "$img" "$d/vmlinuz.new" && mv "$d/vmlinuz.new" "$d/vmlinuz"
	rm -rf "$tmp"
}

# CMD with only stdin, stdout and stderr open.  mmdebstrap hands apt a
# hook "cat >&N" (N: a pipe of its own) that /bin/sh runs, and dash takes
# one-digit descriptors only: started from make -j (its jobserver and
# output-sync descriptors) with this script's lock on 9, N reached 11 and
# the trixie root failed on a fresh machine ("Bad fd number").  The lock
# stays held: the parent keeps its descriptor.
only_std_fds() {
	local fd
	for fd in /proc/$BASHPID/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && eval "exec $fd>&-"
	done 2> /dev/null
	"$@"
}

# One build root per Debian family, with each kernel's headers added.
broot() { echo "$CACHE/buildroots/$1"; }
# FAMILY's build root with PKGS installed: made once with mmdebstrap,
# later packages added with apt-get inside it
broot_with() {
	local fam=$1 r srcs=() missing=() p
	shift
	r=$(broot "$fam")
	command -v mmdebstrap > /dev/null || die "mmdebstrap is missing (run: make deps)"
	if [ ! -e "$r/.complete" ]; then
		log "creating the $fam build root with mmdebstrap (once per family)"
		rm -rf "$r.new"; mkdir -p "${r%/*}"
		while read -r l; do srcs+=("$l"); done < <(family_lines "$fam")
		(only_std_fds mmdebstrap --variant=apt --include="make,binutils,libc6-dev$(printf ',%s' "$@")" \
			"$fam" "$r.new" "${srcs[@]}") >&2 || die "mmdebstrap for $fam failed"
		rm -rf "$r"; mv "$r.new" "$r"; touch "$r/.complete"
		return 0
	fi
	for p; do
		chroot "$r" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "adding ${missing[*]} to the $fam build root"
	chroot "$r" apt-get -q update >&2 || die "apt-get update in the $fam build root failed"
	chroot "$r" env DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends \
		install "${missing[@]}" >&2 || die "cannot install ${missing[*]} in the $fam build root"
}
fetch_headers() {
	local rel=$1 fam=$2 r
	r=$(broot "$fam")
	if [ -d "$r/usr/src/linux-headers-$rel" ]; then return 0; fi
	broot_with "$fam" "linux-headers-$rel"
	[ -d "$r/usr/src/linux-headers-$rel" ] || die "headers for $rel missing after install"
}

# The guest's userland for the real-subsystem scenarios (issue 16):
# Debian's fio, veritysetup (cryptsetup-bin) and dmsetup with their
# libraries and their loader, installed in the build root of ONE Debian
# release for every kernel (a tool must not change with the kernel under
# test), then copied out to $CACHE/userland/FAMILY/tree.  In the guest they
# live under /ul and run through /ul's own loader, apart from the agent's
# libraries.  Prints the manifest: "GUEST_PATH HOST_PATH" a line, then
# the packages' versions are in versions beside it.
UL_FAMILY=bookworm
UL_PKGS="fio cryptsetup-bin dmsetup"
UL_BINS="/usr/bin/fio /usr/sbin/veritysetup /usr/sbin/dmsetup"
cmd_userland() {
	local d=$CACHE/userland/$UL_FAMILY r bin f libs
	if [ ! -e "$d/.complete" ]; then
		# shellcheck disable=SC2086
		broot_with "$UL_FAMILY" $UL_PKGS
		r=$(broot "$UL_FAMILY")
		rm -rf "$d.new"; mkdir -p "$d.new/tree"
		for bin in $UL_BINS; do
			[ -x "$r$bin" ] || die "$bin is missing from the $UL_FAMILY build root after installing $UL_PKGS"
			libs=$(chroot "$r" ldd "$bin") || die "ldd $bin failed in the $UL_FAMILY build root"
			if grep -q 'not found' <<< "$libs"; then die "$bin: $(grep 'not found' <<< "$libs" | head -n 1)"; fi
			for f in "$bin" $(awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }' <<< "$libs"); do
				mkdir -p "$d.new/tree${f%/*}"
				cp -L "$r$f" "$d.new/tree$f" || die "cannot copy $f out of the $UL_FAMILY build root"
			done
		done
		# the loader's --library-path in the guest: every directory with a library
		(cd "$d.new/tree" && find . -name '*.so*' -type f | sed 's|^\.|/ul|; s|/[^/]*$||' | sort -u) \
			> "$d.new/tree/ld.path"
		# shellcheck disable=SC2086
		chroot "$r" dpkg-query -W $UL_PKGS libc6 > "$d.new/versions"
		(cd "$d.new/tree" && find . -type f | sed 's|^\.||' | sort) |
			while read -r f; do echo "/ul$f $d/tree$f"; done > "$d.new/manifest"
		rm -rf "$d"; mv "$d.new" "$d"; touch "$d/.complete"
	fi
	echo "$d/manifest"
}

cmd_fetch() {
	local rel fam
	rel=$(resolve "$1"); fam=$(family_of_release "$rel")
	fetch_image "$rel" "$fam"
	fetch_headers "$rel" "$fam"
	local d; d=$(kdir "$rel")
	if [ ! -s "$d/config" ]; then
		cp "$(broot "$fam")/usr/src/linux-headers-$rel/.config" "$d/config.new" &&
			mv "$d/config.new" "$d/config"
	fi
	echo "$rel"
}

# Build SRC (a module directory) for KERNEL inside its build root; copy the
# resulting bhbench.ko to OUT.
# SRC's Kbuild (or Makefile), sources and headers into the build directory
# DEST; a payload's gets the interface header beside them
copy_src() {
	local src=$1 dest=$2 f n=0
	for f in "$src"/Kbuild "$src"/Makefile "$src"/*.c "$src"/*.h; do
		[ -f "$f" ] || continue
		cp "$f" "$dest/"; n=$((n + 1))
	done
	[ -f "$src/Kbuild" ] || [ -f "$src/Makefile" ] || die "$src has no Kbuild (or Makefile) to build a module with"
	[ -f "$dest/bhb_payload.h" ] || cp "$(dirname "$0")/../../bench-module/bhb_payload.h" "$dest/"
}

# the one module a build made, copied to OUT
take_ko() {
	local b=$1 out=$2 src=$3 kos
	kos=$(find "$b" -maxdepth 1 -name '*.ko' | sort)
	[ -n "$kos" ] || die "the build of $src made no module"
	[ "$(printf '%s\n' "$kos" | wc -l)" -eq 1 ] || die "the build of $src made more than one module: $(echo $kos)"
	cp "$kos" "$out.new" && mv "$out.new" "$out"
}

cmd_build() {
	local rel fam r src=$2 out=$3 b extra=${4:-}
	rel=$(resolve "$1"); fam=$(family_of_release "$rel")
	r=$(broot "$fam")
	[ -d "$r/usr/src/linux-headers-$rel" ] || die "kernel $rel is not fetched (run: ./bhbench kernels --fetch $rel)"
	b=/bhbench-build/$rel/$(basename "$out" .ko)
	rm -rf "${r:?}$b"; mkdir -p "$r$b"
	copy_src "$src" "$r$b"
	# private mount namespace: /proc for objtool, gone when we exit
	unshare -m sh -c "mount -t proc proc '$r/proc' && chroot '$r' make -s -C /usr/src/linux-headers-$rel M=$b $extra modules" >&2 ||
		die "module build of $src for $rel failed"
	take_ko "$r$b" "$out" "$src"
	rm -rf "${r:?}$b"
}

# Build SRC against a user's kernel build tree DIR (where "make -C DIR M=...
# modules" works) with the host's toolchain; copy bhbench.ko to OUT.  On
# failure the build's last lines are shown.
cmd_custom_build() {
	local dir=$1 src=$2 out=$3 b f rc=0 args=()
	for f in Makefile .config Module.symvers include/generated include/config/kernel.release; do
		[ -e "$dir/$f" ] || die "$dir is not a kernel build tree (no $f)"
	done
	# a tree built with clang needs LLVM=1 for its modules too
	if grep -q '^CONFIG_CC_IS_CLANG=y' "$dir/.config" && [ -z "${LLVM:-}" ] && [ -z "${CC:-}" ]; then
		args+=(LLVM=1)
	fi
	mkdir -p "$CACHE/custom"
	# modules of runs that stopped before removing theirs
	find "$CACHE/custom" -maxdepth 1 -name 'bhbench-*.ko' -mmin +1440 -delete 2>/dev/null || true
	b=$(mktemp -d "$CACHE/custom/build.XXXXXX")
	copy_src "$src" "$b"
	make -C "$dir" M="$b" -j"$(nproc)" "${args[@]}" modules > "$b/build.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] || [ -z "$(find "$b" -maxdepth 1 -name '*.ko')" ]; then
		echo "provision: module build against $dir failed (make -C $dir M=... modules); its last lines:" >&2
		tail -n 20 "$b/build.log" | sed 's/^/    /' >&2
		if grep -q 'pahole: not found' "$b/build.log"; then
			echo "provision: the tree has BTF for modules: install pahole (Debian: dwarves)" >&2
		fi
		rm -rf "$b"
		exit 1
	fi
	take_ko "$b" "$out" "$src"
	rm -rf "$b"
}

cmd_list() {
	local d
	[ -d "$CACHE/kernels" ] || return 0
	for d in "$CACHE/kernels"/*/; do
		d=${d%/}
		[ -s "$d/vmlinuz" ] || continue
		local rel fam st=image-only
		rel=${d##*/}; fam=$(cat "$d/family")
		[ -d "$(broot "$fam")/usr/src/linux-headers-$rel" ] && st=ready
		printf '%s\t%s\t%s\n' "$rel" "$fam" "$st"
	done
}

cmd_available() {
	local fam
	for fam in $FAMILIES; do
		apt_ready "$fam"
		cache_fam "$fam" pkgnames linux-image- |
			grep -E '^linux-image-[0-9].*-(amd64|rt-amd64|cloud-amd64)$' |
			grep -v -- '-dbg' | sed "s/^linux-image-//; s/\$/\t$fam/"
	done | sort -V -u
}

# checkpatch.pl from Debian's kernel source package, cached; never committed.
cmd_checkpatch() {
	local d=$CACHE/checkpatch fam=bookworm pkg tmp
	if [ ! -x "$d/scripts/checkpatch.pl" ]; then
		pkg=$({ cache_fam "$fam" pkgnames linux-source- | grep -E '^linux-source-[0-9.]+$' || true; } | sort -V | tail -n 1)
		[ -n "$pkg" ] || die "no linux-source package in $fam"
		log "extracting checkpatch.pl from $pkg (once)"
		rm -rf "$CACHE"/tmp.*
		tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
		(cd "$tmp" && apt_fam "$fam" -q download "$pkg" >&2) || die "download of $pkg failed"
		dpkg-deb --fsys-tarfile "$tmp"/"$pkg"_*.deb | tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
		mkdir -p "$d.new"
		tar -xJf "$tmp"/usr/src/linux-source-*.tar.xz -C "$d.new" --strip-components=1 --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' ||
			die "cannot extract checkpatch.pl from $pkg"
		rm -rf "$tmp" "$d"; mv "$d.new" "$d"
	fi
	echo "$d/scripts/checkpatch.pl"
}

# One provisioning at a time per cache (apt lists, downloads, build roots).
mkdir -p "$CACHE"
exec 9>> "$CACHE/.lock"
if ! flock -n 9; then
	log "waiting for another provision.sh to finish with $CACHE"
	flock 9
fi

case "${1:-}" in
resolve) [ $# -eq 2 ] || die "usage: provision.sh resolve KERNEL"; resolve "$2" ;;
fetch) [ $# -eq 2 ] || die "usage: provision.sh fetch KERNEL"; cmd_fetch "$2" ;;
build) [ $# -ge 4 ] || die "usage: provision.sh build KERNEL SRC OUT.ko [MAKEARGS]"; cmd_build "$2" "$3" "$4" "${5:-}" ;;
custom-build) [ $# -eq 4 ] || die "usage: provision.sh custom-build DIR SRC OUT.ko"; cmd_custom_build "$2" "$3" "$4" ;;
list) cmd_list ;;
available) cmd_available ;;
checkpatch) cmd_checkpatch ;;
userland) cmd_userland ;;
path) [ $# -eq 2 ] || die "usage: provision.sh path KERNEL"; kdir "$(resolve "$2")" ;;
*) die "usage: provision.sh resolve|fetch|build|custom-build|list|available|checkpatch|userland|path ..." ;;
esac
