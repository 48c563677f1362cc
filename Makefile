# bhbench: the two commands are `make bench` and `make test`.
KERNEL ?= 6.12
SCENARIO ?= default
ACCEL ?= auto
ARGS ?=
# SLOW=1|2: the slow-emulation knob (scripts/slow-qemu): every guest emulated
# 2-4 (SLOW=1) or 13-19 (SLOW=2) times slower, evenly, so that a test whose
# timing threshold is tuned to one host fails here.  `make test SLOW=1`.
SLOW ?=
ifneq ($(SLOW),)
export BHBENCH_QEMU := $(CURDIR)/scripts/slow-qemu
export BHBENCH_SLOW := $(SLOW)
endif

all: harness

deps:
	@scripts/install-deps.sh

harness: deps
	@$(MAKE) -s -C harness all

kernel: deps
	harness/kernel/provision.sh fetch $(KERNEL)

# Sets up whatever is missing, boots the kernel, runs the default suite.
bench: harness kernel
	./bhbench run --kernel $(KERNEL) --scenario $(SCENARIO) --accel $(ACCEL) $(ARGS)

# Every cell of configs/kernels.ini, one boot each, resumable; then the real
# subsystems (REALSUB) on the release cells (REALSUB_CELLS), each with its
# trend and a report across the releases (in the first cell's directory).
# ACCEL=icount: the deterministic cost model (results/matrix-<cell>-default-icount).
REALSUB ?= dm-verity usb-storage
REALSUB_CELLS ?= 6.1,6.12,7.3
matrix: harness
ifeq ($(ACCEL),auto)
	./bhbench matrix $(ARGS)
	./bhbench trend results/matrix-*-default
	@for s in $(REALSUB); do \
		./bhbench matrix --scenario $$s --cells $(REALSUB_CELLS) $(ARGS) || exit 1; \
		./bhbench trend results/matrix-*-$$s || exit 1; \
		./bhbench report results/matrix-*-$$s || exit 1; \
	done
else
	./bhbench matrix --accel $(ACCEL) $(ARGS)
	./bhbench trend results/matrix-*-default-$(ACCEL)
endif

unit: harness
	@$(MAKE) -s -C harness unit
	@tests/compare-test.sh
	@tests/rs-host.sh

# The harness's unit tests and compare tests under AddressSanitizer and
# UndefinedBehaviorSanitizer (a separate build directory).
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
san: deps
	@$(MAKE) -s -C harness B=build-san SAN="$(SANFLAGS)" all unit
	@BHBENCH_BIN=$(CURDIR)/harness/build-san/bhbench tests/compare-test.sh
	@BHBENCH_BIN=$(CURDIR)/harness/build-san/bhbench tests/rs-host.sh

# W=1 and checkpatch.pl --strict for the module (checkpatch comes from
# Debian's linux-source package, cached, never committed)
lint: harness kernel
	tests/module-lint.sh $(KERNEL) 7.3

integration: harness kernel
	tests/integration.sh

# the failure paths (a WARN, an oops, a panic, a hang, fuzz, ...) and a 7.x run
failures-test: harness kernel
	tests/failures.sh

accel-test: harness kernel
	tests/accel.sh

hotplug-test: harness kernel
	tests/hotplug.sh

# the module's latency against the kernel's own trace events
trace-test: harness kernel
	tests/trace.sh

# control operations on 6.12, 7.3, 6.1 (no BH workqueues, no disable_work) and
# 7.3-rt (callbacks preempt their caller)
control-test: harness kernel
	tests/control.sh 6.12 7.3 6.1 7.3-rt

# a user's own kernel build (--kernel-image/--kernel-build), faked from 6.12
custom-kernel-test: harness kernel
	tests/custom-kernel.sh

# bhbench ab: BASE and NEW booted in turn, an injected regression found
ab-test: harness kernel
	tests/ab.sh

# the deterministic mode: two icount boots agree; icount and tcg never mix
icount-test: harness kernel
	tests/icount.sh

# the module's own fixes, each shown by a guest (one icount boot, 2 vCPUs)
module-test: harness kernel
	tests/module-bugs.sh

# driver-like loads: a hash checked against the host's SHA-256, handed-off buffers freed once, competitors
driver-test: harness kernel
	tests/driver.sh

# dm-verity, a real subsystem: fio over a verity device, both modes, the
# corruption check, and the refusals (issue 16)
dmverity-test: harness kernel
	tests/dmverity.sh

# usb-storage, the second: fio over QEMU's usb-storage disk on xhci
usb-test: harness kernel
	tests/usbstorage.sh

# bhbench run --native, inside a guest that plays the machine (a Debian root
# over 9p with the kernel's build tree): the run, its record, every refusal
native-test: harness kernel
	tests/native.sh

# your own callback: the payload template's CRC-32 under every mechanism, checked against zlib's
payload-test: harness kernel
	tests/payload.sh

# make test, in two phases on the host's two cores.  First three lanes side
# by side of guests whose checks do not move with the host's load: counts
# and correctness (a real subsystem's bytes, a hotplug drain's items, a
# payload's CRC, the failure paths, the native mode's refusals); they keep
# both cores busy (99% in every 5 s sample).  Then the guests whose checks
# are about time (latency bounds, victims, the trace cross-check, ab's
# verdicts), one after the other, which leave about one core of the two
# idle (50% busy in every sample): beside them, under SCHED_IDLE (it runs
# only on a core they leave idle, and yields at once to a vCPU that
# wakes), the work whose checks hold at any speed: the host-only tests,
# the module's lint and the icount guests (virtual time).  The lanes are
# balanced by each test's time with three lanes side by side in a slow
# hour of this kind of machine (each test's last line says it: hotplug
# 526 s, native 417, failures 172, dm-verity 116, usb 39, module 29,
# payload 24, custom kernel 20, accel 31); the idle lane's output comes
# when it ends.
TEST_LANE_A := failures-test payload-test custom-kernel-test accel-test
TEST_LANE_B := hotplug-test module-test
TEST_LANE_C := native-test dmverity-test usb-test
TEST_TIMED := integration trace-test control-test ab-test driver-test
TEST_IDLE := icount-test unit san lint

test: harness kernel
	@$(MAKE) --no-print-directory -j3 -Otarget test-lane-a test-lane-b test-lane-c
	@$(MAKE) --no-print-directory -j2 test-timed test-idle

test-lane-a:
	@$(MAKE) --no-print-directory -j1 $(TEST_LANE_A)

test-lane-b:
	@$(MAKE) --no-print-directory -j1 $(TEST_LANE_B)

test-lane-c:
	@$(MAKE) --no-print-directory -j1 $(TEST_LANE_C)

test-timed:
	@$(MAKE) --no-print-directory -j1 $(TEST_TIMED)

test-idle:
	@log=$$(mktemp); chrt --idle 0 $(MAKE) --no-print-directory -j1 $(TEST_IDLE) > "$$log" 2>&1; rc=$$?; \
		echo "== the SCHED_IDLE lane: $(TEST_IDLE)"; cat "$$log"; rm -f "$$log"; exit $$rc

clean:
	$(MAKE) -C harness clean

.PHONY: all deps harness kernel bench matrix unit san lint integration failures-test accel-test hotplug-test trace-test control-test \
	custom-kernel-test ab-test icount-test module-test driver-test payload-test dmverity-test usb-test native-test \
	test test-lane-a test-lane-b test-lane-c test-timed test-idle clean
