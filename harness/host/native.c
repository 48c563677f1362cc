// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench run --native: the suite on the machine bhbench runs on, under
 * the kernel it is running.  What differs from a guest, and lives here:
 *
 * - the refusals, each one line before anything happens: not root, no
 *   build tree for the running kernel, module loading disabled or limited
 *   to signed modules, bhbench.ko already loaded or another native run
 *   holding the lock, a scenario that takes CPUs offline or fuzzes the
 *   device without --allow-hotplug / --allow-fuzz; dm-verity without the
 *   machine's fio, veritysetup, dmsetup and modprobe or with brd already
 *   there; usb-storage without --usb-disk naming a disk on USB;
 * - the machine's record (CPU, microcode, SMT, frequency governor and
 *   boost, idle states, isolated and nohz_full CPUs, the command line,
 *   loaded modules, softirqs per second and load before the run);
 * - the kernel's log: /dev/kmsg from the start of the run, appended to
 *   console.log as a guest's console is, so that a splat fails the run;
 * - the module unloaded at the end whatever happened (the agent unloads
 *   it; if it is still there, delete_module here, and a run that cannot
 *   unload it fails saying so).
 *
 * The agent itself is the guest's, started as "bhbench-agent native
 * SETTINGS" (agent/agent.c), watched as QEMU is (qemu.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/machine.h"
#include "bhbench.h"

#define NATIVE_LOCK "/run/bhbench-native.lock"

static int lock_fd = -1;	/* held from the check to the process's end */

static char *text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return buf;
}

/* the machine's programs a kind runs: 0, or 2 after one line */
static int native_tools(const char *path, const char *const *tools, int n, const char *pkgs)
{
	char buf[256];

	for (int i = 0; i < n; i++)
		if (!bhb_machine_tool(tools[i], buf, sizeof(buf))) {
			fprintf(stderr, "bhbench run --native: %s runs this machine's %s, which it does not have: "
				"install it (Debian: apt install %s)\n", path, tools[i], pkgs);
			return 2;
		}
	return 0;
}

/* dm-verity natively: its tools, brd free to load with two disks of its own, no dm device of a killed run */
static int native_dmverity(const char *path)
{
	static const char *const tools[] = { "fio", "veritysetup", "dmsetup", "modprobe" };
	char dev[64];

	if (native_tools(path, tools, 4, "fio cryptsetup-bin dmsetup kmod"))
		return 2;
	if (!access("/sys/module/brd", F_OK)) {
		fprintf(stderr, "bhbench run --native: %s makes two RAM disks of its own with brd, which is "
			"already loaded or built in here: rmmod brd first, if nothing uses /dev/ram*\n", path);
		return 2;
	}
	for (int m = 0; m < BHB_NR_DMV_MODES; m++) {
		snprintf(dev, sizeof(dev), "/dev/mapper/bhbv-%s", bhb_dmv_mode_names[m]);
		if (!access(dev, F_OK)) {
			fprintf(stderr, "bhbench run --native: %s is there (a dm-verity run that was killed?): "
				"dmsetup remove %s\n", dev, dev + 12);
			return 2;
		}
	}
	return 0;
}

/*
 * usb-storage natively: --usb-disk names a whole disk (/dev/NAME with
 * /sys/block/NAME) whose device is driven by usb-storage or uas, at least
 * data_mb long.  fio only reads it.  0, or 2 after one line.
 */
static int native_usb(const char *path, const char *disk, unsigned int data_mb)
{
	static const char *const tools[] = { "fio" };
	char sys[128], size[64];
	struct bhb_disk_path dp;
	struct stat st;

	if (native_tools(path, tools, 1, "fio"))
		return 2;
	if (!disk[0]) {
		fprintf(stderr, "bhbench run --native: %s reads a USB disk of this machine: name it with "
			"--usb-disk /dev/sdX (a whole disk on usb-storage or uas; fio reads it, never writes)\n", path);
		return 2;
	}
	snprintf(sys, sizeof(sys), "/sys/block/%s", disk + 5);
	if (strncmp(disk, "/dev/", 5) || strchr(disk + 5, '/') || stat(disk, &st) || !S_ISBLK(st.st_mode) ||
	    access(sys, F_OK)) {
		fprintf(stderr, "bhbench run --native: --usb-disk %s: not a whole disk of this machine (want "
			"/dev/NAME with %s)\n", disk, sys);
		return 2;
	}
	bhb_disk_path(disk, &dp);
	if (!dp.storage[0]) {
		fprintf(stderr, "bhbench run --native: --usb-disk %s is not on USB (no usb-storage or uas driver on "
			"its path in /sys): the scenario measures USB's completions\n", disk);
		return 2;
	}
	snprintf(sys, sizeof(sys), "/sys/block/%s/size", disk + 5);
	if (!text(sys, size, sizeof(size)) || strtoull(size, NULL, 10) < (unsigned long long)data_mb * 2048) {
		fprintf(stderr, "bhbench run --native: --usb-disk %s is smaller than the scenario's data_mb = %u "
			"MiB, the part it reads\n", disk, data_mb);
		return 2;
	}
	return 0;
}

/* what a scenario of this type needs natively: 0, or 2 after one line */
static int native_scenario(const struct run_opts *o, const struct bhb_scenario *sc, const char *path)
{
	if (sc->type == BHB_SCEN_HOTPLUG && !o->allow_hotplug) {
		fprintf(stderr, "bhbench run --native: %s takes CPUs offline and back (a hotplug scenario); add "
			"--allow-hotplug to let it (it never touches CPU 0)\n", path);
		return 2;
	}
	if (sc->type == BHB_SCEN_FUZZ && !o->allow_fuzz) {
		fprintf(stderr, "bhbench run --native: %s feeds the module's device malformed requests (a fuzz "
			"scenario); add --allow-fuzz to let it run on this machine\n", path);
		return 2;
	}
	if (o->usb_disk[0] && sc->type != BHB_SCEN_USB) {
		fprintf(stderr, "bhbench run --native: --usb-disk is for a usb-storage scenario, not %s (type %s)\n",
			path, bhb_scen_type_names[sc->type]);
		return 2;
	}
	if (sc->type == BHB_SCEN_DMVERITY)
		return native_dmverity(path);
	if (sc->type == BHB_SCEN_USB)
		return native_usb(path, o->usb_disk, sc->data_mb);
	return 0;
}

/* can this kernel load bhbench.ko as built here?  0, or 2 after one line */
static int native_loading(const char *rel)
{
	char buf[256];

	if (access("/proc/modules", F_OK)) {
		fprintf(stderr, "bhbench run --native: the running kernel %s cannot load modules "
			"(built without CONFIG_MODULES)\n", rel);
		return 2;
	}
	if (text("/proc/sys/kernel/modules_disabled", buf, sizeof(buf)) && !strcmp(buf, "1")) {
		fprintf(stderr, "bhbench run --native: module loading is disabled on this machine "
			"(kernel.modules_disabled = 1; only a reboot clears it)\n");
		return 2;
	}
	if ((text("/sys/module/module/parameters/sig_enforce", buf, sizeof(buf)) && !strcmp(buf, "Y")) ||
	    (text("/sys/kernel/security/lockdown", buf, sizeof(buf)) && !strstr(buf, "[none]"))) {
		fprintf(stderr, "bhbench run --native: this kernel loads only signed modules (module.sig_enforce "
			"or lockdown): sign bhbench.ko with a key it trusts (scripts/sign-file sha256 KEY.priv "
			"KEY.x509 bhbench.ko in the build tree; enrol the key with mokutil --import KEY.der) "
			"and load it by hand, or boot without Secure Boot's lockdown\n");
		return 2;
	}
	if (!access("/sys/module/bhbench", F_OK)) {
		fprintf(stderr, "bhbench run --native: bhbench.ko is already loaded (another bhbench, or a run "
			"that was killed): unload it with rmmod bhbench\n");
		return 2;
	}
	return 0;
}

int bhb_native_check(const struct run_opts *o, const struct bhb_scenario *sc, const char *scen_path, char *rel,
		     size_t rlen, char *build, size_t blen)
{
	struct utsname u;
	char mk[PATH_MAX + 16];

	uname(&u);
	snprintf(rel, rlen, "%s", u.release);
	if (geteuid() != 0) {
		fprintf(stderr, "bhbench run --native: needs root (it builds, loads and unloads a kernel "
			"module on this machine): run it with sudo\n");
		return 2;
	}
	if (native_scenario(o, sc, scen_path))
		return 2;
	snprintf(build, blen, "/lib/modules/%s/build", rel);
	snprintf(mk, sizeof(mk), "%s/Makefile", build);
	if (access(mk, R_OK)) {
		fprintf(stderr, "bhbench run --native: no build tree for the running kernel %s (%s): install "
			"its headers (Debian: apt install linux-headers-%s)\n", rel, build, rel);
		return 2;
	}
	if (native_loading(rel))
		return 2;
	if (lock_fd < 0)
		lock_fd = open(NATIVE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB)) {
		fprintf(stderr, "bhbench run --native: another bhbench run --native is running (%s is locked)\n",
			NATIVE_LOCK);
		return 2;
	}
	return 0;
}

/* ---- the machine's record ---- */

/* the distinct values of a per-CPU sysfs file, "a,b" */
static void per_cpu(const char *leaf, char *out, size_t len)
{
	char path[256], v[64];

	out[0] = 0;
	for (int c = 0; c < 4096; c++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/%s", c, leaf);
		if (!text(path, v, sizeof(v))) {
			if (c > 0 && access(path, F_OK) && errno == ENOENT) {
				snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d", c);
				if (access(path, F_OK))
					break;
			}
			continue;
		}
		if (!strstr(out, v))
			snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? "," : "", v);
	}
}

/* "key: value" of /proc/cpuinfo's first processor */
static void cpuinfo(const char *key, char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	out[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key)) && strchr(line, ':')) {
			char *v = strchr(line, ':') + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = 0;
			snprintf(out, len, "%s", v);
			break;
		}
	}
	if (f)
		fclose(f);
}

static json_t *jtext(const char *path)
{
	char buf[1024];

	return text(path, buf, sizeof(buf)) ? json_string(buf) : json_null();
}

/* the softirqs raised per second, by type, over one second of the machine before the run */
static json_t *softirq_rates(void)
{
	unsigned long long a[16] = { 0 }, b[16] = { 0 };
	char names[16][16];
	int n = 0;
	json_t *o = json_object();

	for (int pass = 0; pass < 2; pass++) {
		FILE *f = fopen("/proc/softirqs", "r");
		char line[8192];
		int k = 0;

		if (!f)
			return json_null();
		if (!fgets(line, sizeof(line), f)) {	/* the CPUs' heading */
			fclose(f);
			return json_null();
		}
		while (k < 16 && fgets(line, sizeof(line), f)) {
			char *p = strchr(line, ':'), *e;
			unsigned long long sum = 0;

			if (!p)
				continue;
			*p++ = 0;
			snprintf(names[k], sizeof(names[0]), "%s", line + strspn(line, " "));
			for (unsigned long long v = strtoull(p, &e, 10); e != p; v = strtoull(p, &e, 10)) {
				sum += v;
				p = e;
			}
			(pass ? b : a)[k++] = sum;
		}
		fclose(f);
		n = k;
		if (!pass)
			sleep(1);
	}
	for (int k = 0; k < n; k++)
		json_object_set_new(o, names[k], json_integer((json_int_t)(b[k] - a[k])));
	return o;
}

/* the names of the loaded modules */
static json_t *modules(void)
{
	FILE *f = fopen("/proc/modules", "r");
	char line[512];
	json_t *a = json_array();

	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, " ")] = 0;
		json_array_append_new(a, json_string(line));
	}
	if (f)
		fclose(f);
	return a;
}

json_t *bhb_native_env(void)
{
	char model[256], micro[64], gov[256], drv[256], idle[256];
	json_t *m;

	cpuinfo("model name", model, sizeof(model));
	cpuinfo("microcode", micro, sizeof(micro));
	per_cpu("cpufreq/scaling_governor", gov, sizeof(gov));
	per_cpu("cpufreq/scaling_driver", drv, sizeof(drv));
	per_cpu("cpuidle/state0/name", idle, sizeof(idle));
	m = json_pack("{s:s,s:s,s:s,s:s}", "cpu_model", model[0] ? model : "unknown", "microcode",
		      micro[0] ? micro : "unknown", "governor", gov[0] ? gov : "none (no cpufreq)", "cpufreq_driver",
		      drv[0] ? drv : "none");
	json_object_set_new(m, "smt_active", jtext("/sys/devices/system/cpu/smt/active"));
	json_object_set_new(m, "smt_control", jtext("/sys/devices/system/cpu/smt/control"));
	json_object_set_new(m, "boost", jtext("/sys/devices/system/cpu/cpufreq/boost"));
	json_object_set_new(m, "intel_no_turbo", jtext("/sys/devices/system/cpu/intel_pstate/no_turbo"));
	json_object_set_new(m, "cpuidle_driver", jtext("/sys/devices/system/cpu/cpuidle/current_driver"));
	json_object_set_new(m, "intel_idle_max_cstate", jtext("/sys/module/intel_idle/parameters/max_cstate"));
	json_object_set_new(m, "isolated", jtext("/sys/devices/system/cpu/isolated"));
	json_object_set_new(m, "nohz_full", jtext("/sys/devices/system/cpu/nohz_full"));
	json_object_set_new(m, "cmdline", jtext("/proc/cmdline"));
	json_object_set_new(m, "clocksource",
			    jtext("/sys/devices/system/clocksource/clocksource0/current_clocksource"));
	json_object_set_new(m, "online", jtext("/sys/devices/system/cpu/online"));
	json_object_set_new(m, "modules", modules());
	json_object_set_new(m, "softirqs_per_s_before", softirq_rates());
	json_object_set_new(m, "loadavg_before", bhb_host_load());
	return m;
}

/* ---- the kernel's log into the console ---- */

static volatile sig_atomic_t pump_stop;

static void on_pump_stop(int sig)
{
	(void)sig;
	pump_stop = 1;
}

/* one /dev/kmsg record ("pri,seq,usec,flags;text") as a console line */
static void kmsg_line(int out, const char *rec)
{
	const char *semi = strchr(rec, ';'), *p = rec;
	unsigned long long usec = 0;
	char line[1200];
	int n;

	if (!semi)
		return;
	for (int f = 0; f < 2 && p; f++)
		p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
	if (p)
		usec = strtoull(p, NULL, 10);
	n = snprintf(line, sizeof(line), "[%5llu.%06llu] %.*s\n", usec / 1000000, usec % 1000000,
		     (int)strcspn(semi + 1, "\n"), semi + 1);
	if (n > 0 && write(out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
		return;
}

/* the pump: kmsg records after the run's start, appended to the console until told to stop, then drained */
static void pump(int kfd, const char *console)
{
	struct sigaction sa = { .sa_handler = on_pump_stop };
	int out = open(console, O_WRONLY | O_APPEND | O_CREAT, 0644);
	char rec[8192];

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	if (out < 0)
		_exit(1);
	for (;;) {
		struct pollfd pf = { .fd = kfd, .events = POLLIN };
		int stop = pump_stop;

		if (poll(&pf, 1, 100) > 0 || stop) {
			ssize_t n;

			/* non-blocking: every record there is now, one per read */
			while ((n = read(kfd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
				if (n > 0) {
					rec[n] = 0;
					kmsg_line(out, rec);
				}
			}
		}
		if (stop)
			_exit(0);
	}
}

struct native_watch {
	int kfd;
	const char *console;
	pid_t pump;
};

static void start_pump(pid_t agent, void *user)
{
	struct native_watch *w = user;

	(void)agent;
	w->pump = fork();
	if (w->pump == 0)
		pump(w->kfd, w->console);
}

static int module_loaded(void)
{
	return !access("/sys/module/bhbench", F_OK);
}

int bhb_native_exec(const struct boot_opts *bo, const char *const argv[], struct boot_result *br, char *why,
		    size_t len)
{
	struct native_watch w = { .console = bo->console_path, .pump = -1 };
	int ret;

	why[0] = 0;
	/* the kernel's log from now on: what the run makes it say */
	w.kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (w.kfd < 0 || lseek(w.kfd, 0, SEEK_END) < 0) {
		snprintf(why, len, "cannot read the kernel's log (/dev/kmsg): %s", strerror(errno));
		if (w.kfd >= 0)
			close(w.kfd);
		return -1;
	}
	ret = bhb_watch_process(bo, br, argv, start_pump, &w);
	/* never leave the module loaded: the agent unloads it; if it could not, here */
	for (int i = 0; i < 50 && module_loaded(); i++) {
		if (!syscall(SYS_delete_module, "bhbench", O_NONBLOCK) || errno == ENOENT)
			break;
		usleep(100000);
	}
	syscall(SYS_delete_module, "bhbench_payload", O_NONBLOCK);
	if (w.pump > 0) {
		kill(w.pump, SIGTERM);
		waitpid(w.pump, NULL, 0);
	}
	close(w.kfd);
	if (module_loaded())
		snprintf(why, len, "bhbench.ko is still loaded after the run and would not unload (rmmod bhbench)");
	return ret;
}
