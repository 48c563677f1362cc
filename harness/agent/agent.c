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
#include "gbw.h"

#define AGENT_VERSION "1"

static FILE *chan;
static uint32_t chan_seq;
int devfd = -1;
struct bhb_info info;
struct bhb_scenario sc;
static uint64_t run_cpus;
static unsigned int run_seq, runs_total, runs_failed;
static struct bhb_cpu_result *resbuf;

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

static void send_frame(const char *type, const char *payload, size_t len)
{
	if (bhb_frame_write(chan, type, chan_seq, payload, len))
		say("error: cannot write to the result channel: %s", strerror(errno));
	chan_seq++;
}

void send_json(const char *type, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	if (s) {
		send_frame(type, s, strlen(s));
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
		send_frame("end", buf, (size_t)n);
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
	send_json("hello", j);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* What one timestamp plus one histogram update costs, measured in the guest. */
static void send_overhead(void)
{
	enum { CHUNKS = 21, LOOPS = 20000 };
	uint64_t tot[CHUNKS], clk[CHUNKS];
	json_t *a = json_array(), *b = json_array();

	for (int i = 0; i < CHUNKS; i++) {
		struct bhb_overhead_req oh = { .abi_version = BHB_ABI_VERSION, .loops = LOOPS };

		if (ioctl(devfd, BHB_IOC_OVERHEAD, &oh))
			die("BHB_IOC_OVERHEAD: %s", strerror(errno));
		tot[i] = oh.total_ns;
		clk[i] = oh.clock_ns;
		json_array_append_new(a, json_real((double)oh.total_ns / LOOPS));
		json_array_append_new(b, json_real((double)oh.clock_ns / LOOPS));
	}
	qsort(tot, CHUNKS, sizeof(tot[0]), cmp_u64);
	qsort(clk, CHUNKS, sizeof(clk[0]), cmp_u64);
	say("measurement overhead: %.1f ns per timestamp + histogram update (clock read alone %.1f ns)",
	    (double)tot[CHUNKS / 2] / LOOPS, (double)clk[CHUNKS / 2] / LOOPS);
	send_json("overhead", json_pack("{s:i,s:f,s:f,s:o,s:o}", "loops", LOOPS,
					"record_ns_median", (double)tot[CHUNKS / 2] / LOOPS,
					"clock_ns_median", (double)clk[CHUNKS / 2] / LOOPS,
					"record_ns", a, "clock_ns", b));
}

static json_t *sparse(const __u64 *h)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < BHB_HIST_NBUCKETS; i++) {
		if (!h[i])
			continue;
		json_array_append_new(a, json_integer(i));
		json_array_append_new(a, json_integer((json_int_t)h[i]));
	}
	return a;
}

struct bench {
	int producer, mech, rep;
	char name[64];
};

struct run_summary {
	double mean_s, p50_us, p99_us;
	uint64_t executed, queued, lost;
};

/* One run: RUN, RESULT, stream the raw result.  0 or -errno. */
static int do_run(struct bench *b, int record, struct run_summary *rs)
{
	struct bhb_run_req req = {
		.abi_version = BHB_ABI_VERSION,
		.mech = (uint32_t)b->mech,
		.producer = (uint32_t)b->producer,
		.cpu_mask = run_cpus,
		.nr_items = sc.items,
		.inflight = sc.inflight,
		.period_ns = sc.period_ns,
		.cost_ns = sc.cost_ns,
		.drain_ms = sc.drain_ms,
	};
	struct bhb_result_req rr = {
		.abi_version = BHB_ABI_VERSION,
		.nr_cpus = BHB_MAX_CPUS,
		.buf = (uintptr_t)resbuf,
	};
	struct bhb_hist *h;
	json_t *cpus, *j;
	uint64_t sum = 0;
	int err = 0;

	memset(rs, 0, sizeof(*rs));
	if (ioctl(devfd, BHB_IOC_RUN, &req))
		err = -errno;
	if (err && err != -EINTR) {
		if (record)
			send_json("run", json_pack("{s:i,s:s,s:s,s:i,s:s}", "seq", run_seq,
						   "producer", bhb_producer_names[b->producer],
						   "mech", bhb_mech_names[b->mech], "rep", b->rep,
						   "error", strerror(-err)));
		return err;
	}
	if (ioctl(devfd, BHB_IOC_RESULT, &rr))
		return -errno;
	if (!record)
		return err;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	cpus = json_array();
	for (uint32_t i = 0; i < rr.nr_cpus; i++) {
		struct bhb_cpu_result *r = &resbuf[i];
		struct bhb_cpu_stats *s = &r->stats;
		json_t *ctx = json_object();

		for (int c = 0; c < BHB_NR_CTX; c++)
			if (s->ctx[c])
				json_object_set_new(ctx, bhb_ctx_names[c], json_integer((json_int_t)s->ctx[c]));
		json_array_append_new(cpus, json_pack(
			"{s:i,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:I,s:I,s:o,s:o}",
			"cpu", (int)r->cpu, "online", r->online,
			"arrivals", (json_int_t)s->arrivals, "queued", (json_int_t)s->queued,
			"coalesced", (json_int_t)s->coalesced, "refused", (json_int_t)s->refused,
			"executed_own", (json_int_t)s->executed_own, "executed", (json_int_t)s->executed,
			"other_cpu", (json_int_t)s->other_cpu, "out_of_order", (json_int_t)s->out_of_order,
			"ctx", ctx, "lat_sum_ns", (json_int_t)s->lat_sum_ns,
			"lat_min_ns", (json_int_t)s->lat_min_ns, "lat_max_ns", (json_int_t)s->lat_max_ns,
			"q2e_max_ns", (json_int_t)s->q2e_max_ns,
			"lat", sparse(r->hist_lat), "q2e", sparse(r->hist_q2e)));
		for (unsigned int k = 0; k < BHB_HIST_NBUCKETS; k++)
			h->c[k] += r->hist_lat[k];
		sum += s->lat_sum_ns;
		rs->executed += s->executed;
		rs->queued += s->queued;
	}
	bhb_hist_recount(h);
	rs->lost = rr.lost;
	rs->mean_s = h->n ? (double)sum / (double)h->n / 1e9 : 0;
	rs->p50_us = bhb_hist_quantile(h, 0.5) / 1e3;
	rs->p99_us = bhb_hist_quantile(h, 0.99) / 1e3;
	free(h);
	j = json_pack("{s:i,s:s,s:s,s:i,s:I,s:I,s:b,s:o}", "seq", run_seq,
		      "producer", bhb_producer_names[b->producer], "mech", bhb_mech_names[b->mech],
		      "rep", b->rep, "lost", (json_int_t)rr.lost,
		      "duration_ns", (json_int_t)rr.duration_ns, "interrupted", err == -EINTR,
		      "cpus", cpus);
	send_json("run", j);
	return err;
}

static void bench_fn(gbw_state *st, void *arg)
{
	struct bench *b = arg;

	while (gbw_keep_running(st)) {
		struct run_summary rs;
		int err;

		run_seq++;
		err = do_run(b, 1, &rs);
		say("run %u/%u %s rep %d: %s p50 %.1f us p99 %.1f us executed %llu/%llu lost %llu",
		    run_seq, runs_total, b->name, b->rep, err ? strerror(-err) : "ok",
		    rs.p50_us, rs.p99_us, (unsigned long long)rs.executed,
		    (unsigned long long)rs.queued, (unsigned long long)rs.lost);
		b->rep++;
		if (err) {
			runs_failed++;
			gbw_skip_with_error(st, strerror(-err));
			continue;
		}
		gbw_set_iteration_time(st, rs.mean_s > 0 ? rs.mean_s : 1e-9);
		gbw_counter(st, "p50_us", rs.p50_us);
		gbw_counter(st, "p99_us", rs.p99_us);
		gbw_counter(st, "executed", (double)rs.executed);
		gbw_counter(st, "lost", (double)rs.lost);
	}
}

static void send_file(const char *type, const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f) {
		send_error("Google Benchmark wrote no JSON");
		return;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
		send_frame(type, buf, (size_t)n);
	free(buf);
	fclose(f);
}

int main(int argc, char **argv)
{
	static struct bench benches[BHB_NR_PRODUCERS * BHB_NR_MECHS];
	char params[1024], *s;
	const char *path;
	int nb = 0, fd;

	if (argc >= 2 && !strcmp(argv[1], "hp"))
		return hp_tool(argc - 2, argv + 2);
	if (getpid() == 1)
		setup_pid1();
	s = read_file("/proc/cmdline");
	snprintf(cmdline, sizeof(cmdline), "%s", s ? s : "");
	open_channel(cmdline_get("bhbagent.chan", "/dev/ttyS1"));

	path = cmdline_get("bhbagent.scenario", "/scenario.ini");
	if (bhb_scenario_load(path, &sc))
		die("scenario: %s", sc.error);

	module_params(params, sizeof(params));
	static char modpath[256];

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
	resbuf = calloc(BHB_MAX_CPUS, sizeof(*resbuf));
	if (!resbuf)
		die("out of memory");
	send_hello();
	send_overhead();
	if (sc.type == BHB_SCEN_HOTPLUG)
		finish(run_hotplug() ? 2 : 0);
	if (sc.type == BHB_SCEN_FUZZ)
		finish(run_fuzz(path, params) ? 2 : 0);

	for (int p = 0; p < BHB_NR_PRODUCERS; p++) {
		if (!(sc.producers & (1u << p)))
			continue;
		for (int m = 0; m < BHB_NR_MECHS; m++) {
			struct bench *b = &benches[nb];

			if (!(sc.mechs & (1ull << m)))
				continue;
			if (!(info.mech_available & (1ull << m))) {
				say("%s: not available in this kernel", bhb_mech_names[m]);
				continue;
			}
			b->producer = p;
			b->mech = m;
			snprintf(b->name, sizeof(b->name), "%s/%s", bhb_producer_names[p], bhb_mech_names[m]);
			nb++;
		}
	}
	if (!nb)
		die("the scenario selects no mechanism this kernel has");
	runs_total = (unsigned int)nb * sc.repetitions;

	for (unsigned int w = 0; w < sc.warmup; w++) {
		for (int i = 0; i < nb; i++) {
			struct run_summary rs;
			int err = do_run(&benches[i], 0, &rs);

			if (err)
				die("warm-up run %s failed: %s", benches[i].name, strerror(-err));
		}
		say("warm-up round %u/%u done", w + 1, sc.warmup);
	}

	for (int i = 0; i < nb; i++)
		gbw_register(benches[i].name, bench_fn, &benches[i], (int)sc.repetitions);
	if (gbw_run(1, "/tmp/gbench.json") < 0)
		die("Google Benchmark failed");
	send_file("gbench", "/tmp/gbench.json");
	finish(runs_failed ? 2 : 0);
}
