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

static FILE *chan;
static uint32_t chan_seq;
int devfd = -1;
struct bhb_info info;
struct bhb_scenario sc;
static uint64_t run_cpus;
static struct bhb_scenario scens[BHB_MAX_SUITE];
static int nscens;

uint64_t now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC: the clock ktime_get_ns() reads in the module */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void say(const char *fmt, ...)
{
	va_list ap;

	printf("bhbench-agent: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void send_raw(const char *type, const char *payload, size_t len)
{
	if (bhb_frame_write(chan, type, chan_seq, payload, len))
		say("error: cannot write to the result channel: %s", strerror(errno));
	chan_seq++;
}

void send_json(const char *type, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	if (s) {
		send_raw(type, s, strlen(s));
		free(s);
	}
	json_decref(j);
}

void send_error(const char *what)
{
	say("error: %s", what);
	send_json("error", json_pack("{s:s}", "error", what));
}

static void finish(int status)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%u %d", chan_seq, status);

	if (chan)
		send_raw("end", buf, (size_t)n);
	say("done (status %d)", status);
	sync();
	if (getpid() == 1) {
		reboot(RB_POWER_OFF);
		for (;;)
			pause();
	}
	exit(status);
}

static void die(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (chan)
		send_error(msg);
	else
		say("error: %s", msg);
	finish(1);
}

static char *read_file(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
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

/* value of key=... on the kernel command line, or def */
static char cmdline[4096];
static const char *cmdline_get(const char *key, const char *def)
{
	static char val[256];
	size_t kl = strlen(key);

	for (char *p = cmdline; (p = strstr(p, key)); p += kl) {
		if ((p == cmdline || p[-1] == ' ') && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, " \n");

			if (n >= sizeof(val))
				n = sizeof(val) - 1;
			memcpy(val, p + kl + 1, n);
			val[n] = 0;
			return val;
		}
	}
	return def;
}

/* "bhbench.x=y" words on the kernel command line become module parameters */
static void module_params(char *out, size_t len)
{
	char buf[sizeof(cmdline)], *save = NULL;

	out[0] = 0;
	snprintf(buf, sizeof(buf), "%s", cmdline);
	for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		if (strncmp(t, "bhbench.", 8))
			continue;
		strncat(out, t + 8, len - strlen(out) - 1);
		strncat(out, " ", len - strlen(out) - 1);
	}
}

static void open_channel(const char *path)
{
	struct termios tio;
	int fd = open(path, O_WRONLY | O_NOCTTY);

	if (fd < 0) {
		say("error: cannot open result channel %s: %s", path, strerror(errno));
		finish(1);
	}
	if (isatty(fd) && !tcgetattr(fd, &tio)) {
		cfmakeraw(&tio);
		cfsetospeed(&tio, B115200);
		tcsetattr(fd, TCSANOW, &tio);
	}
	chan = fdopen(fd, "w");
	if (!chan)
		finish(1);
	setvbuf(chan, NULL, _IOFBF, 1 << 16);
}

static const char *preempt_mode(void)
{
	static char mode[32];
	char *s = read_file("/sys/kernel/debug/sched/preempt");
	struct utsname u;

	if (s) {
		char *a = strchr(s, '('), *b = a ? strchr(a, ')') : NULL;

		if (a && b) {
			snprintf(mode, sizeof(mode), "%.*s", (int)(b - a - 1), a + 1);
			return mode;
		}
	}
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
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	*busy = *total = 0;
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &v[6], &v[7]) == 8) {
		for (int i = 0; i < 8; i++)
			*total += v[i];
		*busy = *total - v[3] - v[4];
	}
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
		char path[300], buf[512], *rp;
		unsigned long long ut, st;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (rp = strrchr(buf, ')')) &&
		    sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2) {
			char *lp = strchr(buf, '(');

			t[n].pid = atoi(e->d_name);
			t[n].ticks = ut + st;
			snprintf(t[n].comm, sizeof(t[n].comm), "%.*s", lp ? (int)(rp - lp - 1) : 0, lp ? lp + 1 : "");
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
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
static json_t *settle(void)
{
	static struct task_time a[SETTLE_TASKS], b[SETTLE_TASKS];
	unsigned long long b0, t0, b1, t1;
	struct timespec ts = { 0, SETTLE_WINDOW_MS * 1000000L };
	double share = 1, first = -1;
	json_t *busy = json_array();
	int waited = 0;

	while (waited < SETTLE_MAX_MS) {
		int na = first < 0 ? task_times(a) : 0, nb;

		cpu_ticks(&b0, &t0);
		nanosleep(&ts, NULL);
		cpu_ticks(&b1, &t1);
		waited += SETTLE_WINDOW_MS;
		share = t1 > t0 ? (double)(b1 - b0) / (double)(t1 - t0) : 0;
		if (first < 0) {
			first = share;
			nb = task_times(b);
			/* the busiest tasks of the first window, in jiffies */
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
				json_array_append_new(busy, json_pack("{s:s,s:I}", "task", b[best].comm,
								      "jiffies", (json_int_t)bd));
				b[best].pid = -1;	/* not again */
			}
		}
		if (share <= 1 - SETTLE_IDLE)
			break;
	}
	say("settled after %d ms (busy %.0f%% in the first window, %.0f%% in the last)", waited, 100 * first,
	    100 * share);
	return json_pack("{s:i,s:f,s:f,s:b,s:o}", "waited_ms", waited, "first_busy_share", first,
			 "last_busy_share", share, "settled", share <= 1 - SETTLE_IDLE, "busy_tasks_first", busy);
}

static json_t *settled;

static void send_hello(void)
{
	struct utsname u;
	json_t *avail = json_array(), *j;
	const char *cs = read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource");
	char *cs_copy = strdup(cs ? cs : "unknown");

	uname(&u);
	for (int m = 0; m < BHB_NR_MECHS; m++)
		json_array_append_new(avail, json_pack("{s:s,s:b}", "mech", bhb_mech_names[m],
						       "available", !!(info.mech_available & (1ull << m))));
	j = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:I,s:o,s:{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}}",
		      "agent_version", AGENT_VERSION, "abi_version", (int)info.abi_version,
		      "release", u.release, "version", u.version, "machine", u.machine,
		      "cmdline", cmdline, "preempt", preempt_mode(), "clocksource", cs_copy,
		      "nr_online", (int)info.nr_online, "online_mask", (json_int_t)info.online_mask,
		      "mechanisms", avail,
		      "scenario", "name", sc.name,
		      "producers", (json_int_t)sc.producers, "mechs", (json_int_t)sc.mechs,
		      "cpus", (json_int_t)run_cpus, "items", (json_int_t)sc.items,
		      "inflight", (json_int_t)sc.inflight, "period_ns", (json_int_t)sc.period_ns,
		      "cost_ns", (json_int_t)sc.cost_ns, "repetitions", (json_int_t)sc.repetitions,
		      "warmup", (json_int_t)sc.warmup);
	free(cs_copy);
	json_t *names = json_array();

	for (int i = 0; i < nscens; i++)
		json_array_append_new(names, json_string(scens[i].name));
	json_object_set_new(j, "scenarios", names);
	if (settled)
		json_object_set(j, "settle", settled);
	send_json("hello", j);
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
static void send_overhead(void)
{
	enum { CHUNKS = 11, LOOPS = 5000 };
	uint64_t tot[CHUNKS], clk[CHUNKS], cold[CHUNKS];
	json_t *a = json_array(), *b = json_array();

	for (int i = 0; i < CHUNKS; i++) {
		struct bhb_overhead_req oh = { .abi_version = BHB_ABI_VERSION, .loops = LOOPS };

		if (ioctl(devfd, BHB_IOC_OVERHEAD, &oh))
			die("BHB_IOC_OVERHEAD: %s", strerror(errno));
		tot[i] = oh.total_ns;
		clk[i] = oh.clock_ns;
		cold[i] = oh.cold_ns;
		json_array_append_new(a, json_real((double)oh.total_ns / LOOPS));
		json_array_append_new(b, json_real((double)oh.clock_ns / LOOPS));
	}
	qsort(tot, CHUNKS, sizeof(tot[0]), cmp_u64);
	qsort(clk, CHUNKS, sizeof(clk[0]), cmp_u64);
	qsort(cold, CHUNKS, sizeof(cold[0]), cmp_u64);
	say("measurement overhead: %.1f ns per item on its real path, warm (cold %.1f; clock read alone %.1f ns)",
	    (double)tot[CHUNKS / 2] / LOOPS, (double)cold[CHUNKS / 2] / LOOPS, (double)clk[CHUNKS / 2] / LOOPS);
	send_json("overhead", json_pack("{s:i,s:s,s:f,s:f,s:f,s:o,s:o}", "loops", LOOPS,
					"what", "per item: the producer's and the callback's stamps, "
						"bookkeeping and histograms, through the direct mechanism",
					"record_ns_median", (double)tot[CHUNKS / 2] / LOOPS,
					"cold_ns_median", (double)cold[CHUNKS / 2] / LOOPS,
					"clock_ns_median", (double)clk[CHUNKS / 2] / LOOPS,
					"record_ns", a, "clock_ns", b));
}

/* the scenario(s) the host packed: /scenario.ini, or a suite's /scenario-N.ini */
static void load_scenarios(void)
{
	const char *n = cmdline_get("bhbagent.scenarios", NULL);
	char path[64];

	if (!n) {
		if (bhb_scenario_load(cmdline_get("bhbagent.scenario", "/scenario.ini"), &scens[0]))
			die("scenario: %s", scens[0].error);
		nscens = 1;
	} else {
		nscens = atoi(n);
		if (nscens < 1 || nscens > BHB_MAX_SUITE)
			die("bhbagent.scenarios=%s: want 1 to %d", n, BHB_MAX_SUITE);
		for (int i = 0; i < nscens; i++) {
			snprintf(path, sizeof(path), "/scenario-%d.ini", i);
			if (bhb_scenario_load(path, &scens[i]))
				die("scenario: %s", scens[i].error);
		}
	}
	sc = scens[0];
	/* --quick: for development; the result records it (env.quick) */
	if (!strcmp(cmdline_get("bhbagent.quick", "0"), "1"))
		for (int i = 0; i < nscens; i++) {
			scens[i].warmup = 0;
			for (uint32_t k = 0; k < scens[i].ncases; k++) {
				struct bhb_case *cs = &scens[i].cases[k];
				uint32_t min = 4 * (cs->burst ? cs->burst : 1);

				cs->repetitions = cs->repetitions < 2 ? cs->repetitions : 2;
				cs->items = cs->items / 4 > min ? cs->items / 4 : (cs->items < min ? cs->items : min);
			}
		}
}

int main(int argc, char **argv)
{
	char params[1024], *s;
	static char modpath[256];
	const char *path;
	int fd, failed = 0;

	if (argc >= 2 && !strcmp(argv[1], "hp"))
		return hp_tool(argc - 2, argv + 2);
	if (getpid() == 1)
		setup_pid1();
	s = read_file("/proc/cmdline");
	snprintf(cmdline, sizeof(cmdline), "%s", s ? s : "");
	open_channel(cmdline_get("bhbagent.chan", "/dev/ttyS1"));
	load_scenarios();

	module_params(params, sizeof(params));
	snprintf(modpath, sizeof(modpath), "%s", cmdline_get("bhbagent.module", "/bhbench.ko"));
	path = modpath;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("module load failed: %s: %s", path, strerror(errno));
	if (syscall(SYS_finit_module, fd, params, 0) && errno != EEXIST)
		die("module load failed: finit_module(%s, \"%s\"): %s", path, params, strerror(errno));
	close(fd);
	devfd = open("/dev/" BHB_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (devfd < 0)
		die("cannot open /dev/" BHB_DEVICE_NAME ": %s", strerror(errno));
	info.abi_version = BHB_ABI_VERSION;
	if (ioctl(devfd, BHB_IOC_INFO, &info))
		die("BHB_IOC_INFO: %s (module and agent ABI differ?)", strerror(errno));
	run_cpus = sc.cpus ? sc.cpus : info.online_mask;
	if (run_cpus & ~info.online_mask)
		die("scenario wants CPUs 0x%llx but only 0x%llx are online",
		    (unsigned long long)run_cpus, (unsigned long long)info.online_mask);
	settled = settle();
	send_hello();
	send_overhead();
	if (nscens == 1 && sc.type == BHB_SCEN_HOTPLUG)
		finish(run_hotplug() ? 2 : 0);
	if (nscens == 1 && sc.type == BHB_SCEN_FUZZ)
		finish(run_fuzz(path, params) ? 2 : 0);

	for (int i = 0; i < nscens; i++)
		if (scens[i].type == BHB_SCEN_LATENCY) {
			failed += run_latency(scens, nscens, cmdline_get("bhbagent.scenarios", NULL) != NULL,
					      atoi(cmdline_get("bhbagent.trace", "0")),
					      strtoull(cmdline_get("bhbagent.seed", "1"), NULL, 0),
					      !strcmp(cmdline_get("bhbagent.narrow", "0"), "1")) != 0;
			break;
		}
	for (int i = 0; i < nscens; i++)
		if (scens[i].type == BHB_SCEN_CONTROL)
			failed += run_control(&scens[i]) != 0;
	finish(failed ? 2 : 0);
}
