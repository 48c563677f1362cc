// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench guest agent: the initramfs's /init.
 *
 * Mounts the pseudo file systems, loads bhbench.ko, reads the scenario,
 * runs every available mechanism for every producer through Google
 * Benchmark (repetitions randomly interleaved across mechanisms), and
 * streams each run's raw results to the host over a dedicated serial port,
 * framed and checksummed (harness/common/frame.h).  Progress and errors go
 * to the console.  As PID 1 it powers the guest off when done.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../common/frame.h"
#include "../common/names.h"
#include "../common/scenario.h"
#include "../common/stats.h"
#include "agent.h"

#define AGENT_VERSION "1"

/* the /init entry (or native's): the agent and what only it needs */
struct init {
	struct bhb_agent a;
	char cmdline[4096];		/* the bhbagent.* and bhbench.* settings: a guest's command line */
	int native;			/* bhbench run --native: a process on the machine itself */
	char kcmdline[4096];		/* native: the running kernel's own command line */
	uint64_t run_cpus;
	struct bhb_scenario scens[BHB_MAX_SUITE];
	int nscens;
	json_t *settled;
};

static void finish(struct bhb_agent *a, int status) __attribute__((noreturn));
static void finish(struct bhb_agent *a, int status)
{
	if (a->chan.f)
		send_end(a, status);
	say(a, "done (status %d)", status);
	sync();
	if (getpid() == 1) {
		reboot(RB_POWER_OFF);
		for (;;)
			pause();
	}
	exit(status);
}

static void die(struct bhb_agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(struct bhb_agent *a, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (a->chan.f)
		send_error(a, msg);
	else
		say(a, "error: %s", msg);
	finish(a, 1);
}

/* the start of a file, trailing blanks cut, into buf; NULL on error */
static char *read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return buf;
}

static void setup_pid1(void)
{
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
}

/* value of key=... on the kernel command line, or def; val: room for it */
#define CMDLINE_GET(in, key, def, val) bhb_cmdline_get((in)->cmdline, key, def, val, sizeof(val))

static void open_channel(struct bhb_agent *a, const char *path)
{
	struct termios tio;
	int fd = open(path, O_WRONLY | O_NOCTTY);

	if (fd < 0) {
		say(a, "error: cannot open result channel %s: %s", path, strerror(errno));
		finish(a, 1);
	}
	if (isatty(fd) && !tcgetattr(fd, &tio)) {
		cfmakeraw(&tio);
		cfsetospeed(&tio, B115200);
		tcsetattr(fd, TCSANOW, &tio);
	}
	a->chan.f = fdopen(fd, "w");
	if (!a->chan.f)
		finish(a, 1);
	setvbuf(a->chan.f, NULL, _IOFBF, 1 << 16);
}

static const char *preempt_mode(char *mode, size_t len)
{
	char buf[4096], *s = read_file("/sys/kernel/debug/sched/preempt", buf, sizeof(buf));
	struct utsname u;

	if (s && !bhb_preempt_parse(s, mode, len))
		return mode;
	uname(&u);
	if (strstr(u.version, "PREEMPT_RT"))
		return "rt";
	if (strstr(u.version, "PREEMPT "))
		return "full";
	return "unknown";
}

/* ---- settling: measure only once the guest is quiet ---- */
#define SETTLE_WINDOW_MS	200
#define SETTLE_IDLE		0.97
#define SETTLE_MAX_MS		30000
#define SETTLE_TASKS		64

struct task_time {
	int pid;
	unsigned long long ticks;
	char comm[32];
};

/* busy and total jiffies of all CPUs from /proc/stat */
static void cpu_ticks(unsigned long long *busy, unsigned long long *total)
{
	char buf[512];
	FILE *f = fopen("/proc/stat", "r");

	*busy = *total = 0;
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f))
		bhb_stat_idle(buf, busy, total);
	fclose(f);
}

/* utime + stime of every task, up to SETTLE_TASKS */
static int task_times(struct task_time *t)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < SETTLE_TASKS) {
		char path[300], buf[512];
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && !bhb_task_stat(buf, t[n].comm, sizeof(t[n].comm), &t[n].ticks)) {
			t[n].pid = atoi(e->d_name);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/* the busiest tasks of a window, in jiffies: b against a */
static json_t *busiest(const struct task_time *a, int na, struct task_time *b, int nb)
{
	json_t *busy = json_array();

	for (int k = 0; k < 3; k++) {
		int best = -1;
		unsigned long long bd = 0;

		for (int i = 0; i < nb; i++)
			for (int j = 0; j < na; j++)
				if (b[i].pid > 0 && a[j].pid == b[i].pid && b[i].ticks > a[j].ticks &&
				    b[i].ticks - a[j].ticks > bd) {
					bd = b[i].ticks - a[j].ticks;
					best = i;
				}
		if (best < 0)
			break;
		json_array_append_new(busy, json_pack("{s:s,s:I}", "task", b[best].comm, "jiffies", (json_int_t)bd));
		b[best].pid = -1;	/* not again */
	}
	return busy;
}

/*
 * After boot a guest is not idle at once: under icount the kworker path
 * was seen 400-600 us slower (p99 4 ms) for the first few virtual seconds
 * after /init while the hardirq path was 1.4 us faster, then both settled.
 * Wait until a SETTLE_WINDOW_MS window is SETTLE_IDLE idle over all CPUs
 * (at most SETTLE_MAX_MS; an idle window costs no wall time under icount,
 * whose clock skips idle time) and report how long that took and which
 * tasks were busy in the first window.
 */
static json_t *settle(const struct bhb_agent *ag)
{
	struct task_time *a = calloc(2 * SETTLE_TASKS, sizeof(*a)), *b = a + SETTLE_TASKS;
	unsigned long long b0, t0, b1, t1;
	struct timespec ts = { 0, SETTLE_WINDOW_MS * 1000000L };
	double share = 1, first = -1;
	json_t *busy = NULL;
	int waited = 0;

	while (a && waited < SETTLE_MAX_MS) {
		int na = first < 0 ? task_times(a) : 0;

		cpu_ticks(&b0, &t0);
		nanosleep(&ts, NULL);
		cpu_ticks(&b1, &t1);
		waited += SETTLE_WINDOW_MS;
		share = t1 > t0 ? (double)(b1 - b0) / (double)(t1 - t0) : 0;
		if (first < 0) {
			first = share;
			busy = busiest(a, na, b, task_times(b));
		}
		if (share <= 1 - SETTLE_IDLE)
			break;
	}
	free(a);
	say(ag, "settled after %d ms (busy %.0f%% in the first window, %.0f%% in the last)", waited, 100 * first,
	    100 * share);
	return json_pack("{s:i,s:f,s:f,s:b,s:o}", "waited_ms", waited, "first_busy_share", first,
			 "last_busy_share", share, "settled", share <= 1 - SETTLE_IDLE, "busy_tasks_first",
			 busy ? busy : json_array());
}

static void send_hello(struct init *in)
{
	struct bhb_agent *a = &in->a;
	const struct bhb_scenario *sc = &a->sc;
	struct utsname u;
	json_t *avail = json_array(), *j, *names;
	char csbuf[256], mode[32];
	const char *cs = read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource", csbuf,
				   sizeof(csbuf));

	uname(&u);
	for (int m = 0; m < BHB_NR_MECHS; m++)
		json_array_append_new(avail, json_pack("{s:s,s:b}", "mech", bhb_mech_names[m],
						       "available", !!(a->info.mech_available & (1ull << m))));
	j = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:I,s:o,s:{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}}",
		      "agent_version", AGENT_VERSION, "abi_version", (int)a->info.abi_version,
		      "release", u.release, "version", u.version, "machine", u.machine,
		      "cmdline", in->native ? in->kcmdline : in->cmdline, "preempt", preempt_mode(mode, sizeof(mode)),
		      "clocksource", cs ? cs : "unknown",
		      "nr_online", (int)a->info.nr_online, "online_mask", (json_int_t)a->info.online_mask,
		      "mechanisms", avail,
		      "scenario", "name", sc->name,
		      "producers", (json_int_t)sc->producers, "mechs", (json_int_t)sc->mechs,
		      "cpus", (json_int_t)in->run_cpus, "items", (json_int_t)sc->items,
		      "inflight", (json_int_t)sc->inflight, "period_ns", (json_int_t)sc->period_ns,
		      "cost_ns", (json_int_t)sc->cost_ns, "repetitions", (json_int_t)sc->repetitions,
		      "warmup", (json_int_t)sc->warmup);
	names = json_array();
	for (int i = 0; i < in->nscens; i++)
		json_array_append_new(names, json_string(in->scens[i].name));
	json_object_set_new(j, "scenarios", names);
	if (in->native)
		json_object_set_new(j, "native", json_pack("{s:s}", "settings", in->cmdline));
	if (in->settled)
		json_object_set(j, "settle", in->settled);
	send_json(a, "hello", j);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * What the measurement itself costs per item, on its real path (both
 * stamps, the bookkeeping, the histograms; BHB_IOC_OVERHEAD), warm and
 * cold, measured in the guest: the median of CHUNKS calls.
 */
static void send_overhead(struct bhb_agent *ag)
{
	enum { CHUNKS = 11, LOOPS = 5000 };
	uint64_t tot[CHUNKS], clk[CHUNKS], cold[CHUNKS];
	json_t *a = json_array(), *b = json_array();

	for (int i = 0; i < CHUNKS; i++) {
		struct bhb_overhead_req oh = { .abi_version = BHB_ABI_VERSION, .loops = LOOPS };

		if (ioctl(ag->devfd, BHB_IOC_OVERHEAD, &oh))
			die(ag, "BHB_IOC_OVERHEAD: %s", strerror(errno));
		tot[i] = oh.total_ns;
		clk[i] = oh.clock_ns;
		cold[i] = oh.cold_ns;
		json_array_append_new(a, json_real((double)oh.total_ns / LOOPS));
		json_array_append_new(b, json_real((double)oh.clock_ns / LOOPS));
	}
	qsort(tot, CHUNKS, sizeof(tot[0]), cmp_u64);
	qsort(clk, CHUNKS, sizeof(clk[0]), cmp_u64);
	qsort(cold, CHUNKS, sizeof(cold[0]), cmp_u64);
	say(ag, "measurement overhead: %.1f ns per item on its real path, warm (cold %.1f; clock read alone %.1f ns)",
	    (double)tot[CHUNKS / 2] / LOOPS, (double)cold[CHUNKS / 2] / LOOPS, (double)clk[CHUNKS / 2] / LOOPS);
	send_json(ag, "overhead", json_pack("{s:i,s:s,s:f,s:f,s:f,s:o,s:o}", "loops", LOOPS,
					    "what", "per item: the producer's and the callback's stamps, "
						    "bookkeeping and histograms, through the direct mechanism",
					    "record_ns_median", (double)tot[CHUNKS / 2] / LOOPS,
					    "cold_ns_median", (double)cold[CHUNKS / 2] / LOOPS,
					    "clock_ns_median", (double)clk[CHUNKS / 2] / LOOPS,
					    "record_ns", a, "clock_ns", b));
}

/* --quick: for development; the result records it (env.quick) */
static void quick(struct bhb_scenario *s)
{
	s->warmup = 0;
	for (uint32_t k = 0; k < s->ncases; k++) {
		struct bhb_case *cs = &s->cases[k];
		uint32_t min = 4 * (cs->burst ? cs->burst : 1);

		cs->repetitions = cs->repetitions < 2 ? cs->repetitions : 2;
		cs->items = cs->items / 4 > min ? cs->items / 4 : (cs->items < min ? cs->items : min);
	}
}

/*
 * bhbench run --payload: every latency case's callback is the payload's
 * function and nothing else (no cost_us, no touch_kb), with at most the
 * item slots a page each allows; the cases' JSON says so
 */
static void payload_cases(struct bhb_scenario *s)
{
	if (s->type != BHB_SCEN_LATENCY)
		return;
	for (uint32_t k = 0; k < s->ncases; k++) {
		struct bhb_case *cs = &s->cases[k];

		cs->work = BHB_CASE_WORK_PAYLOAD;
		cs->cost_ns = 0;
		cs->touch_bytes = 0;
		if (cs->inflight > BHB_MAX_HASH_INFLIGHT)
			cs->inflight = BHB_MAX_HASH_INFLIGHT;
	}
}

/*
 * The scenario(s) the host packed: DIR/scenario.ini, or a suite's
 * DIR/scenario-N.ini; DIR (bhbagent.dir) is the initramfs's root in a
 * guest, the run's directory natively.
 */
static void load_scenarios(struct init *in)
{
	char val[256], dbuf[1024], path[1100];
	const char *n = CMDLINE_GET(in, "bhbagent.scenarios", NULL, val);
	/* the default is returned, not copied: a guest has no bhbagent.dir */
	const char *dir = CMDLINE_GET(in, "bhbagent.dir", "", dbuf);
	if (!n) {
		snprintf(path, sizeof(path), "%s/scenario.ini", dir);
		if (bhb_scenario_load(path, &in->scens[0]))
			die(&in->a, "scenario: %s", in->scens[0].error);
		in->nscens = 1;
	} else {
		in->nscens = atoi(n);
		if (in->nscens < 1 || in->nscens > BHB_MAX_SUITE)
			die(&in->a, "bhbagent.scenarios=%s: want 1 to %d", n, BHB_MAX_SUITE);
		for (int i = 0; i < in->nscens; i++) {
			snprintf(path, sizeof(path), "%s/scenario-%d.ini", dir, i);
			if (bhb_scenario_load(path, &in->scens[i]))
				die(&in->a, "scenario: %s", in->scens[i].error);
		}
	}
	if (!strcmp(CMDLINE_GET(in, "bhbagent.quick", "0", val), "1"))
		for (int i = 0; i < in->nscens; i++)
			quick(&in->scens[i]);
	if (CMDLINE_GET(in, "bhbagent.payload", NULL, val))
		for (int i = 0; i < in->nscens; i++)
			payload_cases(&in->scens[i]);
	in->a.sc = in->scens[0];
}

/* load bhbench.ko with params, open its device, ask what it offers */
static void load_module(struct init *in, const char *path, const char *params)
{
	struct bhb_agent *a = &in->a;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(a, "module load failed: %s: %s", path, strerror(errno));
	if (syscall(SYS_finit_module, fd, params, 0) && errno != EEXIST)
		die(a, "module load failed: finit_module(%s, \"%s\"): %s", path, params, strerror(errno));
	close(fd);
	a->devfd = open("/dev/" BHB_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (a->devfd < 0)
		die(a, "cannot open /dev/" BHB_DEVICE_NAME ": %s", strerror(errno));
	a->info.abi_version = BHB_ABI_VERSION;
	if (ioctl(a->devfd, BHB_IOC_INFO, &a->info))
		die(a, "BHB_IOC_INFO: %s (module and agent ABI differ?)", strerror(errno));
	in->run_cpus = a->sc.cpus ? a->sc.cpus : a->info.online_mask;
	if (in->run_cpus & ~a->info.online_mask)
		die(a, "scenario wants CPUs 0x%llx but only 0x%llx are online",
		    (unsigned long long)in->run_cpus, (unsigned long long)a->info.online_mask);
}

/* bhbench run --payload: the payload module, after bhbench.ko (its function is found by name) */
static void load_payload(struct init *in)
{
	char val[256];
	const char *path = CMDLINE_GET(in, "bhbagent.payload", NULL, val);
	int fd;

	if (!path)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(&in->a, "payload module load failed: %s: %s", path, strerror(errno));
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
		die(&in->a, "payload module load failed: finit_module(%s): %s (its messages are on the console)",
		    path, strerror(errno));
	close(fd);
	say(&in->a, "payload module %s loaded", path);
}

/* the kinds of run in the order a boot runs them (a suite: latency, then control) */
static const struct bhb_agent_kind *const agent_kinds[] = {
	&bhb_agent_latency, &bhb_agent_control, &bhb_agent_hotplug, &bhb_agent_fuzz, &bhb_agent_dmverity,
	&bhb_agent_usb,
};

/* every kind this boot's scenarios have, each once over its scenarios; the number that failed */
static int run_all(struct init *in, const char *modpath, const char *params)
{
	char dir[1024];
	struct bhb_boot_args b = { .scens = in->scens, .nscens = in->nscens, .cmdline = in->cmdline,
				   .modpath = modpath, .params = params, .native = in->native,
				   .dir = CMDLINE_GET(in, "bhbagent.dir", "/tmp", dir) };
	int failed = 0;

	for (size_t k = 0; k < sizeof(agent_kinds) / sizeof(agent_kinds[0]); k++)
		for (int i = 0; i < in->nscens; i++)
			if (in->scens[i].type == agent_kinds[k]->type) {
				failed += agent_kinds[k]->run(&in->a, &b) != 0;
				break;
			}
	return failed;
}

/*
 * The end of the boot's runs: bhbench.ko unloaded (then the payload), so
 * that the last run is freed too: the kernel's own checks of what a run
 * leaves behind (the handed-off buffers' cache must be empty) speak
 * before the end frame.  A module that will not go is said, not fatal.
 */
static void unload_modules(struct bhb_agent *a)
{
	if (a->devfd >= 0)
		close(a->devfd);
	a->devfd = -1;
	if (syscall(SYS_delete_module, "bhbench", O_NONBLOCK) && errno != ENOENT)
		say(a, "cannot unload bhbench: %s", strerror(errno));
	if (syscall(SYS_delete_module, "bhbench_payload", O_NONBLOCK) && errno != ENOENT)
		say(a, "cannot unload the payload module: %s", strerror(errno));
}

/* everything the scenario asks, once in->cmdline holds the settings; the exit status */
static int agent_run(struct init *in)
{
	/* natively the paths are the run directory's and the cache's: room for long ones */
	char params[1024], modpath[1024], val[1024];
	int failed;

	open_channel(&in->a, CMDLINE_GET(in, "bhbagent.chan", "/dev/ttyS1", val));
	load_scenarios(in);
	bhb_module_params(in->cmdline, params, sizeof(params));
	snprintf(modpath, sizeof(modpath), "%s", CMDLINE_GET(in, "bhbagent.module", "/bhbench.ko", val));
	load_module(in, modpath, params);
	load_payload(in);
	in->settled = settle(&in->a);
	send_hello(in);
	send_overhead(&in->a);
	failed = run_all(in, modpath, params);
	unload_modules(&in->a);
	finish(&in->a, failed ? 2 : 0);
}

/* the guest's /init: the settings are the kernel's command line; powers off at the end */
static int agent_init(int argc, char **argv)
{
	struct init *in = calloc(1, sizeof(*in));
	char buf[4096], *s;

	(void)argc;
	(void)argv;
	if (!in)
		return 1;
	in->a.devfd = -1;
	in->a.log = stdout;
	if (getpid() == 1)
		setup_pid1();
	s = read_file("/proc/cmdline", buf, sizeof(buf));
	snprintf(in->cmdline, sizeof(in->cmdline), "%s", s ? s : "");
	return agent_run(in);
}

/*
 * bhbench run --native: an ordinary process on the machine itself (the
 * host started it, as root); its one argument the settings a guest's
 * command line would hold (bhbagent.chan: the file the host follows,
 * bhbagent.dir: the run's directory, bhbagent.module: the module built
 * for the running kernel).  Nothing is mounted, nothing powers off.
 */
static int agent_native(int argc, char **argv)
{
	struct init *in;
	char buf[4096], *s;

	if (argc != 1) {
		fprintf(stderr, "usage: bhbench-agent native 'bhbagent.chan=PATH bhbagent.dir=DIR ...' "
			"(bhbench run --native starts it)\n");
		return 2;
	}
	in = calloc(1, sizeof(*in));
	if (!in)
		return 1;
	in->a.devfd = -1;
	in->a.log = stdout;
	in->native = 1;
	snprintf(in->cmdline, sizeof(in->cmdline), "%s", argv[0]);
	s = read_file("/proc/cmdline", buf, sizeof(buf));
	snprintf(in->kcmdline, sizeof(in->kcmdline), "%s", s ? s : "");
	return agent_run(in);
}

/*
 * The entries of the program: the first word after the program's name
 * picks one ("/init hp prep ..."); without one, the agent itself.
 */
static const struct entry {
	const char *name;	/* NULL: the default */
	int (*fn)(int argc, char **argv);	/* argv past the entry's name */
} entries[] = {
	{ "hp", hp_tool },
	{ "native", agent_native },
	{ NULL, agent_init },
};

int main(int argc, char **argv)
{
	const struct entry *e = entries;

	for (; e->name; e++)
		if (argc >= 2 && !strcmp(argv[1], e->name))
			return e->fn(argc - 2, argv + 2);
	return e->fn(argc, argv);
}
