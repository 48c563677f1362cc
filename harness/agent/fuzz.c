// SPDX-License-Identifier: GPL-2.0
/*
 * Guest side of the robustness scenario (type = fuzz): hostile requests to
 * /dev/bhbench from several threads, then the lifecycle checks (a second
 * concurrent run, unload while in use, a root-only node, load/unload cycles)
 * and slab usage against its baseline.  One "fuzz" frame carries the
 * counts; the host fails the run on any anomaly, and the console scan
 * catches any oops or WARNING.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/stats.h"
#include "agent.h"

enum { K_INFO, K_RUN, K_RESULT, K_OVERHEAD, K_HP_ARM, K_HP_COLLECT, K_HP_DISARM, K_CTRL, K_UNKNOWN,
       K_WRONG_SIZE, K_NULL, K_GUARD, K_NR };
static const char *const kind_names[K_NR] = { "info", "run", "result", "overhead", "hp_arm", "hp_collect",
					      "hp_disarm", "ctrl", "unknown_cmd", "wrong_size", "null_pointer",
					      "guard_page" };

struct tally {
	uint64_t n[K_NR], ok[K_NR], err[K_NR][160];
	uint64_t anomalies;
	char first_anomaly[160];
};

/* one run_fuzz(): what its threads share */
struct fuzz {
	struct bhb_agent *a;
	pthread_mutex_t lock;	/* of T */
	struct tally T;
	char *guard;		/* a page followed by a PROT_NONE page */
	long page;
};

/* a thread of hostile requests, with buffers of its own */
struct worker {
	pthread_t t;
	struct fuzz *F;
	uint64_t seed, count;
	struct bhb_cpu_result res[4];
	struct bhb_ctrl_sample samples[64];
};

/* errors a bad request of this kind may legitimately get */
static int allowed(int kind, int e)
{
	switch (e) {
	case EINVAL: case EPROTO: case EFAULT: case ENOTTY: case EBUSY: case EOPNOTSUPP:
	case ENODATA: case ENODEV: case ENOSPC: case ENOMEM: case EINTR:
		return 1;
	case ENOENT:	/* a run of work = payload, and no payload module loaded */
		return kind == K_RUN;
	}
	return 0;
}

static uint64_t pick(uint64_t *rng, uint64_t lo_ok, uint64_t hi_ok)
{
	static const uint64_t edges[] = { 0, 1, 2, 63, 64, 1000, 4095, 4096, 4097, 0x7fffffff, 0x80000000,
					  0xffffffff, 0x100000000ull, ~0ull };

	switch (bhb_rand(rng) % 4) {
	case 0:
		return edges[bhb_rand(rng) % (sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return bhb_rand(rng);
	default:	/* mostly in range, so deeper checks run too */
		return lo_ok + bhb_rand(rng) % (hi_ok - lo_ok + 1);
	}
}

static void note(struct fuzz *F, int kind, int ret, int e)
{
	struct tally *T = &F->T;

	pthread_mutex_lock(&F->lock);
	T->n[kind]++;
	if (ret == 0) {
		T->ok[kind]++;
	} else if (e > 0 && e < 160) {
		T->err[kind][e]++;
		if (!allowed(kind, e) && !T->anomalies++)
			snprintf(T->first_anomaly, sizeof(T->first_anomaly), "%s: unexpected errno %d (%s)",
				 kind_names[kind], e, strerror(e));
	}
	pthread_mutex_unlock(&F->lock);
}

static int req_run(struct worker *w, int fd, uint32_t abi, uint64_t *rng)
{
	struct bhb_run_req r = {
		.abi_version = abi, .mech = (uint32_t)pick(rng, 0, BHB_NR_MECHS - 1),
		.producer = (uint32_t)pick(rng, 0, BHB_NR_PRODUCERS - 1),
		.flags = bhb_rand(rng) % 8 ? 0 : (uint32_t)bhb_rand(rng),
		.cpu_mask = bhb_rand(rng) % 4 ? w->F->a->info.online_mask : pick(rng, 0, 3),
		.nr_items = (uint32_t)pick(rng, 1, 50), .inflight = (uint32_t)pick(rng, 1, 64),
		.period_ns = pick(rng, 20000, 200000), .cost_ns = pick(rng, 0, 10000),
		.drain_ms = (uint32_t)pick(rng, 1, 1000),
		.burst = (uint32_t)pick(rng, 0, 80), .seed = bhb_rand(rng),
		.touch_bytes = bhb_rand(rng) % 8 ? 0 : (uint32_t)pick(rng, 0, 2u << 20),
		.remote_cpu = (uint32_t)pick(rng, 0, 4),
		.noise_period_ns = bhb_rand(rng) % 8 ? 0 : pick(rng, BHB_MIN_NOISE_PERIOD_NS, 100000),
		.noise_cost_ns = bhb_rand(rng) % 8 ? 0 : (uint32_t)pick(rng, 0, 20000),
		.work = bhb_rand(rng) % 16 ? (uint32_t)pick(rng, 0, BHB_NR_WORKS - 1) : (uint32_t)bhb_rand(rng),
		.competitor = bhb_rand(rng) % 16 ? (uint32_t)pick(rng, 0, BHB_NR_COMPETITORS - 1) :
						   (uint32_t)bhb_rand(rng),
		.reserved = bhb_rand(rng) % 16 ? 0 : 1,
	};

	/* keep an accepted run short: absurd sizes are what the limits are for */
	if ((uint64_t)r.nr_items * r.period_ns > 50000000ull && r.nr_items <= BHB_MAX_ITEMS &&
	    r.period_ns <= BHB_MAX_PERIOD_NS && r.period_ns >= BHB_MIN_PERIOD_NS)
		r.nr_items = (uint32_t)(1 + 50000000ull / r.period_ns);
	if (r.cost_ns > 100000 && r.cost_ns <= BHB_MAX_COST_NS)
		r.cost_ns = 100000;
	return ioctl(fd, BHB_IOC_RUN, &r);
}

static int req_result(struct worker *w, int fd, uint32_t abi, uint64_t *rng)
{
	struct bhb_result_req r = { .abi_version = abi, .nr_cpus = (uint32_t)pick(rng, 0, 4),
				    .buf = (uintptr_t)w->res };

	if (r.nr_cpus > 4)
		r.buf = (uintptr_t)w->F->guard;	/* a claim larger than the buffer: must fault, not scribble */
	return ioctl(fd, BHB_IOC_RESULT, &r);
}

static int req_hp_arm(int fd, uint32_t abi, uint64_t *rng)
{
	struct bhb_hp_arm a = { .abi_version = abi, .mech = (uint32_t)pick(rng, 0, BHB_NR_MECHS - 1),
				.cpu = (uint32_t)pick(rng, 0, 3), .count = (uint32_t)pick(rng, 1, 100),
				.cost_ns = pick(rng, 0, 1000), .mode = (uint32_t)pick(rng, 0, BHB_NR_HP_MODES - 1),
				.reserved = bhb_rand(rng) % 8 ? 0 : 1 };

	if (a.count > 1000 && a.count <= BHB_MAX_HP_ITEMS)
		a.count = 1000;
	return ioctl(fd, BHB_IOC_HP_ARM, &a);
}

static int req_hp_collect(int fd, uint32_t abi, uint64_t *rng)
{
	struct bhb_hp_result *r = calloc(1, sizeof(*r));
	int ret;

	r->abi_version = abi;
	r->wait_ms = (uint32_t)pick(rng, 0, 20);
	if (r->wait_ms > 20 && r->wait_ms <= BHB_MAX_DRAIN_MS)
		r->wait_ms = 20;
	ret = ioctl(fd, BHB_IOC_HP_COLLECT, r);
	free(r);
	return ret;
}

static int req_ctrl(struct worker *w, int fd, uint32_t abi, uint64_t *rng)
{
	struct bhb_ctrl_req r = {
		.abi_version = abi, .mech = (uint32_t)pick(rng, 0, BHB_NR_MECHS - 1),
		.op = (uint32_t)pick(rng, 0, BHB_NR_CTRL_OPS - 1),
		.flags = bhb_rand(rng) % 4 ? 0 : (uint32_t)pick(rng, 0, 3),
		.iters = (uint32_t)pick(rng, 1, 16), .cost_ns = pick(rng, 0, 200000),
		.reserved = bhb_rand(rng) % 16 ? 0 : 1,
	};
	uint64_t s = bhb_rand(rng) % 4;

	/* three in four plausible, so the ops themselves run, hostile pointers and all */
	if (bhb_rand(rng) % 4) {
		r.mech = 1 + (uint32_t)(bhb_rand(rng) % (BHB_NR_MECHS - 1));
		r.op = (uint32_t)(bhb_rand(rng) % BHB_NR_CTRL_OPS);
		r.flags = r.op <= BHB_CTRL_DISABLE && bhb_rand(rng) % 2 ? BHB_CTRL_BUSY : 0;
		r.cost_ns = r.flags ? 1000 + bhb_rand(rng) % 200000 : 0;
		r.iters = 1 + (uint32_t)(bhb_rand(rng) % 16);
		r.reserved = 0;
	}
	/* keep an accepted request short: the limits are what absurd values are for */
	if (r.iters > 16 && r.iters <= BHB_CTRL_MAX_ITERS)
		r.iters = 16;
	if (r.cost_ns > 200000 && r.cost_ns <= BHB_CTRL_MAX_COST_NS)
		r.cost_ns = 200000;
	/* samples: enough, none, a NULL-ish pointer, or one running into the guard page */
	r.samples = s == 0 ? (uintptr_t)w->samples : s == 1 ? 0 : s == 2 ? 8 :
		    (uintptr_t)(w->F->guard + w->F->page - sizeof(w->samples[0]));
	if (s == 0 && r.iters > 64)
		r.samples = 0;
	return ioctl(fd, BHB_IOC_CTRL, &r);
}

/* a known request number with another size or direction */
static int req_wrong_size(char *guard, int fd, uint64_t *rng)
{
	static const unsigned long valid[] = { BHB_IOC_INFO, BHB_IOC_RUN, BHB_IOC_RESULT, BHB_IOC_OVERHEAD,
					       BHB_IOC_HP_ARM, BHB_IOC_HP_COLLECT, BHB_IOC_HP_DISARM,
					       BHB_IOC_CTRL };
	unsigned long cmd;
	int clash;

	do {
		cmd = _IOC(bhb_rand(rng) % 4, BHB_IOC_MAGIC, 1 + bhb_rand(rng) % 8, bhb_rand(rng) % 512);
		clash = 0;
		for (size_t v = 0; v < sizeof(valid) / sizeof(valid[0]); v++)
			clash |= cmd == valid[v];
	} while (clash);
	return ioctl(fd, cmd, guard);
}

/* a request that runs into a PROT_NONE page: short buffer */
static int req_guard(const struct fuzz *F, int fd, uint64_t *rng)
{
	static const struct { unsigned long cmd; size_t size; } c[] = {
		{ BHB_IOC_INFO, sizeof(struct bhb_info) }, { BHB_IOC_RUN, sizeof(struct bhb_run_req) },
		{ BHB_IOC_RESULT, sizeof(struct bhb_result_req) },
		{ BHB_IOC_HP_ARM, sizeof(struct bhb_hp_arm) },
		{ BHB_IOC_HP_COLLECT, sizeof(struct bhb_hp_result) },
		{ BHB_IOC_CTRL, sizeof(struct bhb_ctrl_req) },
	};
	int k = (int)(bhb_rand(rng) % (sizeof(c) / sizeof(c[0])));
	size_t cut = 1 + bhb_rand(rng) % (c[k].size - 1);	/* bytes that fit */
	char *p = F->guard + F->page - cut;

	memset(p, 0, cut);
	*(uint32_t *)(cut >= 4 ? p : F->guard) = BHB_ABI_VERSION;
	return ioctl(fd, c[k].cmd, p);
}

/* one request of kind on fd */
static int request(struct worker *w, int fd, int kind, uint32_t abi, uint64_t *rng)
{
	static const unsigned long cmds[] = { BHB_IOC_INFO, BHB_IOC_RUN, BHB_IOC_RESULT, BHB_IOC_OVERHEAD,
					      BHB_IOC_HP_ARM, BHB_IOC_HP_COLLECT, BHB_IOC_CTRL };

	switch (kind) {
	case K_INFO: {
		struct bhb_info i = { .abi_version = abi };

		return ioctl(fd, BHB_IOC_INFO, &i);
	}
	case K_RUN:
		return req_run(w, fd, abi, rng);
	case K_RESULT:
		return req_result(w, fd, abi, rng);
	case K_OVERHEAD: {
		struct bhb_overhead_req o = { .abi_version = abi, .loops = (uint32_t)pick(rng, 1, 1000) };

		if (o.loops > 1000 && o.loops <= 100000)
			o.loops = 1000;
		return ioctl(fd, BHB_IOC_OVERHEAD, &o);
	}
	case K_HP_ARM:
		return req_hp_arm(fd, abi, rng);
	case K_HP_COLLECT:
		return req_hp_collect(fd, abi, rng);
	case K_HP_DISARM:
		return ioctl(fd, BHB_IOC_HP_DISARM);
	case K_CTRL:
		return req_ctrl(w, fd, abi, rng);
	case K_UNKNOWN:	/* our magic, a request number the module never defined */
		return ioctl(fd, _IOC(bhb_rand(rng) % 4, BHB_IOC_MAGIC, 9 + bhb_rand(rng) % 247,
				      bhb_rand(rng) % 256), w->F->guard);
	case K_WRONG_SIZE:
		return req_wrong_size(w->F->guard, fd, rng);
	case K_NULL:
		return ioctl(fd, cmds[bhb_rand(rng) % 7], bhb_rand(rng) % 2 ? NULL : (void *)8);
	default:
		return req_guard(w->F, fd, rng);
	}
}

static void one(struct worker *w, int fd, uint64_t *rng)
{
	struct fuzz *F = w->F;
	int kind = (int)(bhb_rand(rng) % K_NR), ret, e;
	uint32_t abi = bhb_rand(rng) % 8 ? BHB_ABI_VERSION : (uint32_t)pick(rng, 0, 3);

	errno = 0;
	ret = request(w, fd, kind, abi, rng);
	e = ret ? errno : 0;
	if (kind >= K_UNKNOWN && ret == 0) {
		/* malformed requests must never succeed */
		pthread_mutex_lock(&F->lock);
		if (!F->T.anomalies++)
			snprintf(F->T.first_anomaly, sizeof(F->T.first_anomaly), "%s: a malformed request succeeded",
				 kind_names[kind]);
		pthread_mutex_unlock(&F->lock);
	}
	note(F, kind, ret, e);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	int fd = open("/dev/" BHB_DEVICE_NAME, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	for (uint64_t i = 0; i < w->count; i++)
		one(w, fd, &w->seed);
	ioctl(fd, BHB_IOC_HP_DISARM);
	close(fd);
	return NULL;
}

static long slab_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long v = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

/* a 300 ms run produced by the CPUs of cpu_mask */
struct long_run {
	int devfd;
	uint64_t cpu_mask;
	int err;	/* errno of the run, or 0 */
};

static void *long_run(void *arg)
{
	struct long_run *l = arg;
	struct bhb_run_req r = { .abi_version = BHB_ABI_VERSION, .mech = BHB_MECH_TASKLET,
				 .producer = BHB_PROD_HARDIRQ, .cpu_mask = l->cpu_mask, .nr_items = 1000,
				 .inflight = 16, .period_ns = 300000, .drain_ms = 1000 };

	l->err = ioctl(l->devfd, BHB_IOC_RUN, &r) ? errno : 0;
	return NULL;
}

/*
 * The limits that keep memory bounded: one past each must be refused with
 * EINVAL, whatever the other fields say.  Returns how many were not.
 */
static int check_limits(int devfd, json_t *out)
{
	struct bhb_run_req base = { .abi_version = BHB_ABI_VERSION, .mech = BHB_MECH_TASKLET,
				    .producer = BHB_PROD_HARDIRQ, .cpu_mask = 1, .nr_items = 1,
				    .inflight = 1, .period_ns = 100000, .drain_ms = 100 };
	struct { const char *what; int field; uint64_t value; } runs[] = {
		{ "run.nr_items = max + 1", 0, BHB_MAX_ITEMS + 1ull },
		{ "run.inflight = max + 1", 1, BHB_MAX_INFLIGHT + 1ull },
		{ "run.period_ns = min - 1", 2, BHB_MIN_PERIOD_NS - 1 },
		{ "run.cost_ns = max + 1", 3, BHB_MAX_COST_NS + 1 },
		{ "run.drain_ms = max + 1", 4, BHB_MAX_DRAIN_MS + 1ull },
		{ "run.mech = nr", 5, BHB_NR_MECHS },
		{ "run.cpu_mask = offline CPU 63", 6, 1ull << 63 },
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct bhb_run_req r = base;
		int e;

		switch (runs[i].field) {
		case 0: r.nr_items = (uint32_t)runs[i].value; break;
		case 1: r.inflight = (uint32_t)runs[i].value; break;
		case 2: r.period_ns = runs[i].value; break;
		case 3: r.cost_ns = runs[i].value; break;
		case 4: r.drain_ms = (uint32_t)runs[i].value; break;
		case 5: r.mech = (uint32_t)runs[i].value; break;
		default: r.cpu_mask = runs[i].value; break;
		}
		e = ioctl(devfd, BHB_IOC_RUN, &r) ? errno : 0;
		json_object_set_new(out, runs[i].what, json_string(e ? strerror(e) : "ACCEPTED"));
		bad += e != EINVAL;
	}
	{
		struct bhb_hp_arm a = { .abi_version = BHB_ABI_VERSION, .mech = BHB_MECH_BH, .cpu = 1,
					.count = BHB_MAX_HP_ITEMS + 1, .mode = BHB_HP_TEARDOWN };
		struct bhb_overhead_req o = { .abi_version = BHB_ABI_VERSION, .loops = 100001 };
		int e = ioctl(devfd, BHB_IOC_HP_ARM, &a) ? errno : 0;

		json_object_set_new(out, "hp_arm.count = max + 1", json_string(e ? strerror(e) : "ACCEPTED"));
		bad += e != EINVAL;
		e = ioctl(devfd, BHB_IOC_OVERHEAD, &o) ? errno : 0;
		json_object_set_new(out, "overhead.loops = max + 1", json_string(e ? strerror(e) : "ACCEPTED"));
		bad += e != EINVAL;
	}
	return bad;
}

/* the hostile requests: sc->requests from sc->threads threads */
static void fuzz_threads(struct fuzz *F, int threads)
{
	struct worker *w = calloc((size_t)threads, sizeof(*w));
	uint64_t rng = now_ns();

	if (!w)
		return;
	for (int i = 0; i < threads; i++) {
		w[i].F = F;
		w[i].seed = bhb_rand(&rng);
		w[i].count = F->a->sc.requests / (uint64_t)threads;
		pthread_create(&w[i].t, NULL, work, &w[i]);
	}
	for (int i = 0; i < threads; i++)
		pthread_join(w[i].t, NULL);
	free(w);
}

/* lifecycle: a second run while one is active is refused with EBUSY; returns failed checks */
static int check_busy(struct bhb_agent *a, json_t *checks)
{
	pthread_t t;
	struct long_run first = { a->devfd, 1, -1 };
	int second, unload;
	struct bhb_run_req r = { .abi_version = BHB_ABI_VERSION, .mech = BHB_MECH_BH,
				 .producer = BHB_PROD_HARDIRQ, .cpu_mask = 1, .nr_items = 10,
				 .inflight = 4, .period_ns = 100000, .drain_ms = 100 };

	pthread_create(&t, NULL, long_run, &first);
	usleep(100000);
	second = ioctl(a->devfd, BHB_IOC_RUN, &r) ? errno : 0;
	/* and the module cannot be unloaded while in use */
	unload = syscall(SYS_delete_module, "bhbench", O_NONBLOCK) ? errno : 0;
	pthread_join(t, NULL);
	json_object_set_new(checks, "concurrent_run_errno", json_integer(second));
	json_object_set_new(checks, "unload_in_use_errno", json_integer(unload));
	json_object_set_new(checks, "first_run_errno", json_integer(first.err));
	return second != EBUSY || !unload || first.err;
}

/*
 * A producing CPU taken offline in the middle of a run: its pinned
 * producer would move to another CPU, so the run must fail (ENODEV)
 * instead of reporting numbers from somewhere else.
 */
static int check_offline(struct bhb_agent *a, json_t *checks)
{
	pthread_t t;
	uint64_t ns;
	struct long_run run = { a->devfd, 2, -1 };	/* CPU 1 alone */
	int off, on;

	if ((a->info.online_mask & 3) != 3)
		return 0;
	pthread_create(&t, NULL, long_run, &run);
	usleep(100000);
	off = set_online(1, 0, &ns);
	pthread_join(t, NULL);
	on = set_online(1, 1, &ns);
	json_object_set_new(checks, "offline_during_run_errno", json_integer(run.err));
	return off || on || run.err != ENODEV;
}

/* the node is root-only: mode 0600, and an unprivileged open fails */
static int check_node(json_t *checks)
{
	struct stat st;
	pid_t pid;
	int status = -1;

	stat("/dev/" BHB_DEVICE_NAME, &st);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		_exit(open("/dev/" BHB_DEVICE_NAME, O_RDWR) < 0 && (errno == EACCES || errno == EPERM) ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	json_object_set_new(checks, "node_mode", json_integer(st.st_mode & 07777));
	json_object_set_new(checks, "unprivileged_open_refused", json_boolean(WIFEXITED(status) && !WEXITSTATUS(status)));
	return (st.st_mode & 07777) != 0600 || !WIFEXITED(status) || WEXITSTATUS(status);
}

/* one unload/load cycle with a run in between; 0, 1 (the run failed), -1 (stop) */
static int reload(uint32_t i, const char *module_path, const char *params)
{
	/*
	 * A backlog that outlasts a 1 ms drain, then an unload right
	 * away: late callbacks must have been waited for or cancelled.
	 */
	struct bhb_run_req r = { .abi_version = BHB_ABI_VERSION, .mech = (uint32_t)(i % BHB_NR_MECHS),
				 .producer = BHB_PROD_PROCESS, .cpu_mask = 1, .nr_items = 20,
				 .inflight = 20, .period_ns = 20000, .cost_ns = 1000000, .drain_ms = 1 };
	int fd, mfd, bad = 0;

	if (syscall(SYS_delete_module, "bhbench", O_NONBLOCK))
		return -1;
	mfd = open(module_path, O_RDONLY | O_CLOEXEC);
	if (mfd < 0 || syscall(SYS_finit_module, mfd, params, 0)) {
		if (mfd >= 0)
			close(mfd);
		return -1;
	}
	close(mfd);
	fd = open("/dev/" BHB_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0 || (ioctl(fd, BHB_IOC_RUN, &r) && errno != EOPNOTSUPP))
		bad = 1;
	if (fd >= 0)
		close(fd);
	return bad;
}

/* load and unload, then slab against slab0 (before the fuzzing); returns failed checks */
static int check_reload(struct bhb_agent *a, const char *module_path, const char *params, long slab0,
			json_t *checks)
{
	int cycles = 0, bad = 0, failed = 0;
	long slab1;

	close(a->devfd);
	a->devfd = -1;
	for (uint32_t i = 0; i < a->sc.lifecycle; i++) {
		int r = reload(i, module_path, params);

		if (r < 0) {
			bad++;
			break;
		}
		bad += r;
		cycles++;
	}
	json_object_set_new(checks, "load_unload_cycles", json_integer(cycles));
	json_object_set_new(checks, "load_unload_failures", json_integer(bad));
	if (bad)
		failed++;
	/* slab after unloading the module, against before the fuzzing */
	syscall(SYS_delete_module, "bhbench", O_NONBLOCK);
	sync();
	usleep(200000);
	slab1 = slab_kb();
	json_object_set_new(checks, "slab_kb_before", json_integer(slab0));
	json_object_set_new(checks, "slab_kb_after_unload", json_integer(slab1));
	if (slab1 - slab0 > (long)a->sc.slab_slack_kb)
		failed++;
	return failed;
}

/* per kind of request: how many, how many succeeded, the errors */
static json_t *kinds_json(const struct tally *T)
{
	json_t *kinds = json_object();

	for (int k = 0; k < K_NR; k++) {
		json_t *errs = json_object();

		for (int e = 1; e < 160; e++)
			if (T->err[k][e])
				json_object_set_new(errs, strerror(e), json_integer((json_int_t)T->err[k][e]));
		json_object_set_new(kinds, kind_names[k], json_pack("{s:I,s:I,s:o}", "requests", (json_int_t)T->n[k],
								     "succeeded", (json_int_t)T->ok[k], "errors", errs));
	}
	return kinds;
}

int run_fuzz(struct bhb_agent *a, const char *module_path, const char *params)
{
	struct fuzz *F = calloc(1, sizeof(*F));
	json_t *checks = json_object(), *lim = json_object();
	long slab0;
	int threads = (int)(a->sc.threads ? a->sc.threads : 4), failed = 0, bad;

	if (!F) {
		json_decref(checks);
		json_decref(lim);
		return 1;
	}
	F->a = a;
	pthread_mutex_init(&F->lock, NULL);
	F->page = sysconf(_SC_PAGESIZE);
	F->guard = mmap(NULL, (size_t)F->page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (F->guard == MAP_FAILED || mprotect(F->guard + F->page, (size_t)F->page, PROT_NONE)) {
		json_decref(checks);
		json_decref(lim);
		free(F);
		return 1;
	}
	if (threads > 16)
		threads = 16;
	slab0 = slab_kb();
	bad = check_limits(a->devfd, lim);
	json_object_set_new(checks, "limits", lim);
	json_object_set_new(checks, "limits_not_refused", json_integer(bad));
	if (bad)
		failed++;
	say(a, "fuzz: %u requests from %d threads", a->sc.requests, threads);
	fuzz_threads(F, threads);
	failed += check_busy(a, checks);
	failed += check_offline(a, checks);
	failed += check_node(checks);
	failed += check_reload(a, module_path, params, slab0, checks);
	if (F->T.anomalies)
		failed++;
	say(a, "fuzz: %llu anomalies, checks %s", (unsigned long long)F->T.anomalies, failed ? "FAILED" : "ok");
	send_json(a, "fuzz", json_pack("{s:I,s:i,s:I,s:s,s:o,s:o,s:i}", "requests", (json_int_t)a->sc.requests,
				       "threads", threads, "anomalies", (json_int_t)F->T.anomalies,
				       "first_anomaly", F->T.first_anomaly, "kinds", kinds_json(&F->T),
				       "checks", checks, "failed_checks", failed));
	munmap(F->guard, (size_t)F->page * 2);
	free(F);
	return failed;
}

static int fuzz_kind(struct bhb_agent *a, const struct bhb_boot_args *b)
{
	return run_fuzz(a, b->modpath, b->params) != 0;
}

const struct bhb_agent_kind bhb_agent_fuzz = {
	.name = "fuzz",
	.type = BHB_SCEN_FUZZ,
	.run = fuzz_kind,
};
