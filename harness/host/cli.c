// SPDX-License-Identifier: GPL-2.0
/* Options of "bhbench run": parsed here so that tests can call the parser. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bhbench.h"

const char run_usage[] =
	"usage: bhbench run [options]\n"
	"\n"
	"Boot a Debian kernel under QEMU, run a scenario for every deferred-work\n"
	"mechanism the kernel has, write results/<run-id>/ and print a summary.\n"
	"\n"
	"  -k, --kernel K      Debian kernel: alias (6.12, 7.3, 7.3-rt, 6.1, 6.12@trixie)\n"
	"                      or full release (6.12.57+deb12-amd64); default 6.12\n"
	"      --kernel-image PATH  a kernel of your own instead of a Debian one: the\n"
	"                      bzImage, booted as is; needs --kernel-build\n"
	"      --kernel-build DIR   that kernel's build tree (Module.symvers, .config,\n"
	"                      include/generated): bhbench.ko is built there with the\n"
	"                      host's toolchain (make -C DIR M=... modules)\n"
	"  -s, --scenario S    scenario or suite name in configs/, or a path to an .ini;\n"
	"                      default: the default suite (with --payload: payload)\n"
	"      --payload DIR   your own callback: a module directory like\n"
	"                      bench-module/payload/ (the template), built against the\n"
	"                      guest kernel and loaded after bhbench.ko; its bhb_payload()\n"
	"                      is every latency case's callback body, under every mechanism\n"
	"  -a, --accel A       auto | kvm | tcg | icount; default auto (KVM only if it really\n"
	"                      boots); icount: deterministic instruction-counting TCG, virtual\n"
	"                      time " BHB_ICOUNT_MEANING "\n"
	"  -c, --cpus N        guest vCPUs (1-64); default 2 (--accel icount: 1)\n"
	"  -m, --mem MB        guest memory (128-65536); default 512\n"
	"  -t, --timeout S     kill the guest after S seconds; default 1800\n"
	"      --hang S        no console or result output for S seconds = hang; default 180\n"
	"  -o, --out DIR       results directory; default results/\n"
	"      --append ARGS   extra guest kernel command line (bhbench.P=V sets module\n"
	"                      parameter P, e.g. bhbench.inject_warn=1)\n"
	"      --id ID         run id (default: date-kernel-scenario)\n"
	"      --cycles N      hotplug scenarios: override the number of cycles (rounds)\n"
	"      --no-report     do not write report.html, report.md and figures/\n"
	"      --trace N       after the runs, N traced runs of every mechanism of the\n"
	"                      first case with the kernel's own trace events on: the\n"
	"                      trace-derived latency next to the module's (cross-check)\n"
	"      --quick         latency scenarios and suites: 2 repetitions, a quarter of\n"
	"                      the items, no warm-up (for development, not for figures)\n"
	"      --boots N       latency scenarios and suites: boot N times (2-32), one after\n"
	"                      the other, and merge them (bhbench merge): RUN/boot-1..N\n"
	"                      and the merged RUN/results.json.  What compare needs for a\n"
	"                      verdict to trust (README: Comparing two runs)\n"
	"      --seed N        the order in which the repetitions of every benchmark are\n"
	"                      interleaved (default 1; boot I of --boots uses N + I - 1): one\n"
	"                      seed, one order, which a deterministic (icount) run needs\n"
	"      --native        no guest: this machine's own kernel, as root (README: On real\n"
	"                      hardware): bhbench.ko built against /lib/modules/$(uname -r)/build,\n"
	"                      loaded, the scenario run, the module unloaded (also on failure\n"
	"                      and Ctrl-C); --boots N means N runs one after the other\n"
	"      --allow-hotplug --native: let a hotplug scenario take CPUs offline (never CPU 0)\n"
	"      --allow-fuzz    --native: let a fuzz scenario feed the device malformed requests\n"
	"      --usb-disk DEV  --native -s usb-storage: the machine's USB disk to read (a whole\n"
	"                      disk, /dev/sdX, on usb-storage or uas; fio reads it, never writes)\n"
	"  -h, --help          this text\n";

static int num(const char *opt, const char *v, long lo, long hi, int *out, char *err, size_t len)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || !*v || *end || x < lo || x > hi) {
		snprintf(err, len, "%s: '%s' is not an integer from %ld to %ld", opt, v, lo, hi);
		return -1;
	}
	*out = (int)x;
	return 0;
}

static int str(const char *opt, const char *v, char *dst, size_t cap, char *err, size_t len)
{
	if (strlen(v) >= cap || !*v) {
		snprintf(err, len, "%s: value must be 1 to %zu characters", opt, cap - 1);
		return -1;
	}
	snprintf(dst, cap, "%s", v);
	return 0;
}

static void run_opts_defaults(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->kernel, sizeof(o->kernel), "6.12");
	snprintf(o->scenario, sizeof(o->scenario), "default");
	snprintf(o->accel, sizeof(o->accel), "auto");
	o->cpus = 2;
	o->mem_mb = 512;
	o->seed = 1;
	o->timeout_s = 1800;
	o->hang_s = 180;
	snprintf(o->out_dir, sizeof(o->out_dir), "%s/results", bhb_root());
}

#define GIVEN_KERNEL	1
#define GIVEN_CPUS	2
#define GIVEN_SCENARIO	4
#define GIVEN_GUEST	8	/* an option that only means something for a guest */

/* one option of getopt_long's (c, optarg) into o; 0, or -1 with err set */
static int run_opt(int c, const char *name, struct run_opts *o, int *given, char *err, size_t errlen)
{
	int ret = 0;

	switch (c) {
	case 'k':
		ret = str("--kernel", optarg, o->kernel, sizeof(o->kernel), err, errlen);
		if (!ret && strspn(o->kernel, "0123456789.+-@abcdefghijklmnopqrstuvwxyz") != strlen(o->kernel)) {
			snprintf(err, errlen, "--kernel: '%s' is not a kernel name", optarg);
			ret = -1;
		}
		*given |= GIVEN_KERNEL;
		break;
	case 'K':
		ret = str("--kernel-image", optarg, o->kernel_image, sizeof(o->kernel_image), err, errlen);
		*given |= GIVEN_GUEST;
		break;
	case 'B':
		ret = str("--kernel-build", optarg, o->kernel_build, sizeof(o->kernel_build), err, errlen);
		break;
	case 's':
		ret = str("--scenario", optarg, o->scenario, sizeof(o->scenario), err, errlen);
		*given |= GIVEN_SCENARIO;
		break;
	case 'P':
		ret = str("--payload", optarg, o->payload, sizeof(o->payload), err, errlen);
		break;
	case 'a':
		if (strcmp(optarg, "auto") && strcmp(optarg, "kvm") && strcmp(optarg, "tcg") &&
		    strcmp(optarg, "icount")) {
			snprintf(err, errlen, "--accel: '%s' is not one of auto, kvm, tcg, icount", optarg);
			ret = -1;
		} else {
			snprintf(o->accel, sizeof(o->accel), "%s", optarg);
		}
		*given |= GIVEN_GUEST;
		break;
	case 'c':
		ret = num("--cpus", optarg, 1, 64, &o->cpus, err, errlen);
		*given |= GIVEN_CPUS;
		break;
	case 'm':
		ret = num("--mem", optarg, 128, 65536, &o->mem_mb, err, errlen);
		*given |= GIVEN_GUEST;
		break;
	case 't':
		ret = num("--timeout", optarg, 10, 7 * 86400, &o->timeout_s, err, errlen);
		break;
	case 'H':
		ret = num("--hang", optarg, 5, 86400, &o->hang_s, err, errlen);
		break;
	case 'o':
		ret = str("--out", optarg, o->out_dir, sizeof(o->out_dir), err, errlen);
		break;
	case 'A':
		ret = str("--append", optarg, o->append, sizeof(o->append), err, errlen);
		break;
	case 'I':
		ret = str("--id", optarg, o->run_id, sizeof(o->run_id), err, errlen);
		if (!ret && (strchr(o->run_id, '/') || o->run_id[0] == '.')) {
			snprintf(err, errlen, "--id: '%s' must not contain '/' or start with '.'", optarg);
			ret = -1;
		}
		break;
	case 'C':
		ret = num("--cycles", optarg, 1, 100000, &o->cycles, err, errlen);
		break;
	case 'R':
		o->no_report = 1;
		break;
	case 'Q':
		o->quick = 1;
		break;
	case 'T':
		ret = num("--trace", optarg, 1, 100, &o->trace, err, errlen);
		break;
	case 'N':
		ret = num("--boots", optarg, 1, 32, &o->boots, err, errlen);
		break;
	case 'S':
		ret = num("--seed", optarg, 1, 1000000000, &o->seed, err, errlen);
		break;
	case 'n':
		o->native = 1;
		break;
	case 'y':
		o->allow_hotplug = 1;
		break;
	case 'z':
		o->allow_fuzz = 1;
		break;
	case 'u':
		ret = str("--usb-disk", optarg, o->usb_disk, sizeof(o->usb_disk), err, errlen);
		break;
	case 'h':
		o->help = 1;
		break;
	case ':':
		snprintf(err, errlen, "%s needs a value", name);
		return -1;
	default:
		snprintf(err, errlen, "unknown option '%s' (see bhbench run --help)", name);
		return -1;
	}
	return ret;
}

/* --native: what a guest's options mean there, and its own; 0, or -1 with err set */
static int native_opts(struct run_opts *o, int given, char *err, size_t errlen)
{
	long n;

	if (!o->native) {
		if (o->allow_hotplug || o->allow_fuzz) {
			snprintf(err, errlen, "--allow-hotplug and --allow-fuzz are for --native runs (a guest's "
				 "CPUs and device are its own)");
			return -1;
		}
		if (o->usb_disk[0]) {
			snprintf(err, errlen, "--usb-disk is for --native runs (a guest's usb-storage disk is "
				 "QEMU's)");
			return -1;
		}
		return 0;
	}
	if ((given & (GIVEN_KERNEL | GIVEN_CPUS | GIVEN_GUEST)) || o->payload[0]) {
		snprintf(err, errlen, "--native runs the machine's own kernel on its own CPUs: --kernel, "
			 "--kernel-image, --accel, --cpus, --mem and --payload do not apply");
		return -1;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	o->cpus = n > 64 ? 64 : n < 1 ? 1 : (int)n;
	snprintf(o->accel, sizeof(o->accel), "native");
	return 0;
}

/* what only the whole command line can tell; 0, or -1 with err set */
static int run_opts_check(struct run_opts *o, int given, int argc, char **argv, char *err, size_t errlen)
{
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see bhbench run --help)", argv[optind]);
		return -1;
	}
	if (o->boots > 1 && o->trace) {
		snprintf(err, errlen, "--trace and --boots do not go together (the trace cross-check is one boot's)");
		return -1;
	}
	/*
	 * icount runs vCPUs in turn: a second vCPU's instructions count in the
	 * first's elapsed time, and one that spins waits for the 100 ms
	 * round-robin kick (README: Deterministic mode).  One vCPU unless asked.
	 */
	if (!strcmp(o->accel, "icount") && !(given & GIVEN_CPUS)) {
		o->cpus = 1;
		o->narrow = 1;
	}
	if ((given & GIVEN_KERNEL) && (o->kernel_image[0] || o->kernel_build[0])) {
		snprintf(err, errlen, "--kernel and --kernel-image/--kernel-build are mutually exclusive "
			 "(a Debian kernel, or a kernel of your own)");
		return -1;
	}
	if (o->kernel_image[0] && !o->kernel_build[0]) {
		snprintf(err, errlen, "--kernel-image needs --kernel-build DIR (the tree the image was built in: "
			 "bhbench.ko is built against it)");
		return -1;
	}
	if (o->kernel_build[0] && !o->kernel_image[0]) {
		snprintf(err, errlen, "--kernel-build needs --kernel-image PATH (the bzImage to boot)");
		return -1;
	}
	if (o->payload[0] && !(given & GIVEN_SCENARIO))
		snprintf(o->scenario, sizeof(o->scenario), "payload");
	return native_opts(o, given, err, errlen);
}

int bhb_parse_run_opts(int argc, char **argv, struct run_opts *o, char *err, size_t errlen)
{
	static const struct option lo[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "scenario", required_argument, NULL, 's' },
		{ "accel", required_argument, NULL, 'a' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "mem", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "hang", required_argument, NULL, 'H' },
		{ "out", required_argument, NULL, 'o' },
		{ "append", required_argument, NULL, 'A' },
		{ "id", required_argument, NULL, 'I' },
		{ "cycles", required_argument, NULL, 'C' },
		{ "no-report", no_argument, NULL, 'R' },
		{ "quick", no_argument, NULL, 'Q' },
		{ "trace", required_argument, NULL, 'T' },
		{ "kernel-image", required_argument, NULL, 'K' },
		{ "kernel-build", required_argument, NULL, 'B' },
		{ "boots", required_argument, NULL, 'N' },
		{ "seed", required_argument, NULL, 'S' },
		{ "payload", required_argument, NULL, 'P' },
		{ "native", no_argument, NULL, 'n' },
		{ "allow-hotplug", no_argument, NULL, 'y' },
		{ "allow-fuzz", no_argument, NULL, 'z' },
		{ "usb-disk", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c, given = 0;

	run_opts_defaults(o);
	err[0] = 0;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:s:a:c:m:t:o:h", lo, NULL)) != -1) {
		const char *name = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

		if (run_opt(c, name, o, &given, err, errlen))
			return -1;
	}
	return run_opts_check(o, given, argc, argv, err, errlen);
}

int bhb_scenario_path(const char *root, const char *arg, char *out, size_t len, char *err, size_t errlen)
{
	if (strchr(arg, '/') || strstr(arg, ".ini")) {
		if (access(arg, R_OK)) {
			snprintf(err, errlen, "scenario file %s: %s", arg, strerror(errno));
			return -1;
		}
		snprintf(out, len, "%s", arg);
		return 0;
	}
	snprintf(out, len, "%s/configs/%s.ini", root, arg);
	if (access(out, R_OK)) {
		snprintf(err, errlen, "no scenario '%s' (looked for %s; list them with: ls %s/configs)",
			 arg, out, root);
		return -1;
	}
	return 0;
}
