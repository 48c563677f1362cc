// SPDX-License-Identifier: GPL-2.0
/*
 * Latency scenarios in the guest: every case of every scenario, for every
 * mechanism, through Google Benchmark with the repetitions of all of them
 * randomly interleaved in one boot.  Around each run the agent samples
 * what the kernel itself accounts (CPU time, ksoftirqd and kworker time,
 * how often ksoftirqd ran) and, for interference cases, runs CPU hogs on
 * the producing CPUs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/histjson.h"
#include "../common/names.h"
#include "../common/stats.h"
#include "agent.h"
#include "gbw.h"

struct lat;

struct bench {
	struct lat *L;
	const struct bhb_scenario *s;
	const struct bhb_case *cs;
	int mech, rep;
	uint64_t cpus;
	uint32_t remote;
	char label[120];	/* "case" or, in a suite, "scenario/case" */
	char name[160];
};

struct run_summary {
	double mean_s, p50_us, p99_us;
	uint64_t executed, queued, lost;
};

/* one run_latency(): its benchmarks and what the runs share */
struct lat {
	struct bhb_agent *a;
	unsigned int run_seq, runs_total, runs_failed;
	struct bhb_cpu_result *resbuf;
	struct bhb_acct_src src;	/* ksoftirqd and the buffer for /proc's tables */
	int hog_pid[BHB_MAX_CPUS];
	int hog_fork_failed;
	struct bench benches[BHB_MAX_SUITE * BHB_MAX_CASES * BHB_NR_MECHS];
	int nb;
};

/* ---- CPU hogs: a busy loop pinned to each producing CPU ---- */

/* the agent itself keeps off cpus (hogged, or a victim's), when there is another; stop_hogs() undoes it */
static void keep_off(struct lat *L, uint64_t cpus)
{
	cpu_set_t others;
	int n = 0;

	CPU_ZERO(&others);
	for (int c = 0; c < BHB_MAX_CPUS; c++)
		if ((L->a->info.online_mask >> c & 1) && !(cpus >> c & 1)) {
			CPU_SET(c, &others);
			n++;
		}
	if (n)
		sched_setaffinity(0, sizeof(others), &others);
}

static void start_hogs(struct lat *L, uint32_t kind, uint64_t cpus)
{
	if (kind == BHB_HOG_NONE)
		return;
	keep_off(L, cpus);
	for (int c = 0; c < BHB_MAX_CPUS; c++) {
		pid_t pid;

		if (!(cpus >> c & 1))
			continue;
		pid = fork();
		if (pid == 0) {
			struct sched_param sp = { .sched_priority = 50 };
			cpu_set_t one;
			volatile unsigned long spin = 0;

			CPU_ZERO(&one);
			CPU_SET(c, &one);
			sched_setaffinity(0, sizeof(one), &one);
			if (kind == BHB_HOG_FIFO && sched_setscheduler(0, SCHED_FIFO, &sp))
				_exit(3);
			for (;;)
				spin++;
		}
		L->hog_pid[c] = pid > 0 ? pid : 0;
		if (pid < 0)
			L->hog_fork_failed = 1;
	}
	/* let them get going */
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* 0, or -1 when a hog was not running to the end */
static int stop_hogs(struct lat *L)
{
	cpu_set_t all;
	int bad = L->hog_fork_failed;

	L->hog_fork_failed = 0;
	CPU_ZERO(&all);
	for (int c = 0; c < BHB_MAX_CPUS; c++) {
		int st;

		if (L->a->info.online_mask >> c & 1)
			CPU_SET(c, &all);
		if (!L->hog_pid[c])
			continue;
		/* still running when killed, or it failed to start (e.g. no SCHED_FIFO) */
		if (waitpid(L->hog_pid[c], &st, WNOHANG) != 0)
			bad = 1;
		kill(L->hog_pid[c], SIGKILL);
		waitpid(L->hog_pid[c], &st, 0);
		L->hog_pid[c] = 0;
	}
	sched_setaffinity(0, sizeof(all), &all);
	return bad ? -1 : 0;
}

/* ---- one run ---- */

/* a module histogram (__u64 counts) in the sparse JSON form */
static json_t *sparse(const __u64 *h)
{
	uint64_t c[BHB_HIST_NBUCKETS];

	for (unsigned int i = 0; i < BHB_HIST_NBUCKETS; i++)
		c[i] = h[i];
	return bhb_hist_sparse(c);
}

static json_t *cpu_json(const struct bhb_cpu_result *r, uint32_t work)
{
	const struct bhb_cpu_stats *s = &r->stats;
	json_t *ctx = json_object(), *ctxlat = json_object(), *o;

	for (int c = 0; c < BHB_NR_CTX; c++) {
		if (!s->ctx[c])
			continue;
		json_object_set_new(ctx, bhb_ctx_names[c], json_integer((json_int_t)s->ctx[c]));
		json_object_set_new(ctxlat, bhb_ctx_names[c], json_integer((json_int_t)s->ctx_lat_sum_ns[c]));
	}
	o = json_pack("{s:i,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o}",
		"cpu", (int)r->cpu, "online", r->online,
		"arrivals", (json_int_t)s->arrivals, "queued", (json_int_t)s->queued,
		"coalesced", (json_int_t)s->coalesced, "refused", (json_int_t)s->refused,
		"executed_own", (json_int_t)s->executed_own, "executed", (json_int_t)s->executed,
		"other_cpu", (json_int_t)s->other_cpu, "out_of_order", (json_int_t)s->out_of_order,
		"ctx", ctx, "ctx_lat_sum_ns", ctxlat, "lat_sum_ns", (json_int_t)s->lat_sum_ns,
		"lat_min_ns", (json_int_t)s->lat_min_ns, "lat_max_ns", (json_int_t)s->lat_max_ns,
		"q2e_max_ns", (json_int_t)s->q2e_max_ns, "q2e_sum_ns", (json_int_t)s->q2e_sum_ns,
		"exec_end_ns", (json_int_t)s->exec_end_ns,
		"softirq_load_runs", (json_int_t)s->noise_runs,
		"late_ticks", (json_int_t)s->late_ticks, "catchup_cuts", (json_int_t)s->catchup_cuts,
		"first_due_ns", (json_int_t)s->first_due_ns,
		"lat", sparse(r->hist_lat), "q2e", sparse(r->hist_q2e));
	/* the producer's own tail and producer exit -> callback */
	json_object_set_new(o, "tail", sparse(r->hist_tail));
	json_object_set_new(o, "x2e", sparse(r->hist_x2e));
	json_object_set_new(o, "tail_sum_ns", json_integer((json_int_t)s->tail_sum_ns));
	json_object_set_new(o, "x2e_sum_ns", json_integer((json_int_t)s->x2e_sum_ns));
	json_object_set_new(o, "x2e_n", json_integer((json_int_t)s->x2e_n));
	json_object_set_new(o, "before_exit", json_integer((json_int_t)s->before_exit));
	json_object_set_new(o, "exit_unknown", json_integer((json_int_t)s->exit_unknown));
	/* by position in the tick: the first item's q->cb, and the line fit's sums */
	json_object_set_new(o, "first", sparse(r->hist_first));
	json_object_set_new(o, "pos", json_pack("[I,I,I,I,I]", (json_int_t)s->pos_n, (json_int_t)s->pos_sx,
						(json_int_t)s->pos_sxx, (json_int_t)s->pos_sy,
						(json_int_t)s->pos_sxy));
	/* the callback's own duration, and what its work did */
	json_object_set_new(o, "svc", sparse(r->hist_svc));
	json_object_set_new(o, "svc_sum_ns", json_integer((json_int_t)s->svc_sum_ns));
	if (s->handoff_alloc || s->handoff_freed || s->handoff_alloc_failed)
		json_object_set_new(o, "handoff", json_pack("{s:I,s:I,s:I,s:I}",
			"alloc", (json_int_t)s->handoff_alloc, "alloc_failed", (json_int_t)s->handoff_alloc_failed,
			"freed", (json_int_t)s->handoff_freed, "bad", (json_int_t)s->handoff_bad));
	if (s->hashed && work == BHB_CASE_WORK_PAYLOAD) {
		uint64_t v = 0;
		char val[24];

		/* what bhb_payload() returned, little-endian in the digest's first 8 bytes */
		for (int i = 7; i >= 0; i--)
			v = v << 8 | s->hash_digest[i];
		snprintf(val, sizeof(val), "0x%016llx", (unsigned long long)v);
		json_object_set_new(o, "payload", json_pack("{s:I,s:i,s:I,s:s}", "calls", (json_int_t)s->hashed,
			"cpu", (int)s->hash_cpu, "seq", (json_int_t)s->hash_seq, "value", val));
	} else if (s->hashed) {
		char hex[2 * sizeof(s->hash_digest) + 1];

		for (size_t i = 0; i < sizeof(s->hash_digest); i++)
			snprintf(hex + 2 * i, 3, "%02x", s->hash_digest[i]);
		json_object_set_new(o, "hash", json_pack("{s:I,s:i,s:I,s:s}", "hashed", (json_int_t)s->hashed,
			"cpu", (int)s->hash_cpu, "seq", (json_int_t)s->hash_seq, "sha256", hex));
	}
	return o;
}

/* the record of a failed run */
static void send_failed(struct bench *b, int err)
{
	const struct bhb_case *cs = b->cs;

	send_json(b->L->a, "run", json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:s}", "seq", b->L->run_seq,
					     "case", b->label, "scenario", b->s->name,
					     "producer", bhb_producer_names[cs->producer],
					     "mech", bhb_mech_names[b->mech], "rep", b->rep,
					     "error", err == -ECHILD ? "a CPU hog did not run through the run" :
						      err == -ENODEV ? "a producing CPU went offline during the run" :
						      err == -ENOENT && cs->work == BHB_CASE_WORK_PAYLOAD ?
						      "no bhb_payload(): the payload module does not export it" :
						      strerror(-err)));
}

/*
 * The run's record from the result buffer; its summary in *rs.  Takes acct
 * (NULL on failure).
 */
static json_t *run_json(struct bench *b, const struct bhb_result_req *rr, int interrupted, json_t *acct,
			struct run_summary *rs)
{
	struct bhb_hist *h = calloc(1, sizeof(*h));
	json_t *cpus;
	uint64_t sum = 0;

	if (!h) {
		json_decref(acct);
		return NULL;
	}
	cpus = json_array();
	for (uint32_t i = 0; i < rr->nr_cpus; i++) {
		struct bhb_cpu_result *r = &b->L->resbuf[i];

		json_array_append_new(cpus, cpu_json(r, b->cs->work));
		for (unsigned int k = 0; k < BHB_HIST_NBUCKETS; k++)
			h->c[k] += r->hist_lat[k];
		sum += r->stats.lat_sum_ns;
		rs->executed += r->stats.executed;
		rs->queued += r->stats.queued;
	}
	bhb_hist_recount(h);
	rs->lost = rr->lost;
	rs->mean_s = h->n ? (double)sum / (double)h->n / 1e9 : 0;
	rs->p50_us = bhb_hist_quantile(h, 0.5) / 1e3;
	rs->p99_us = bhb_hist_quantile(h, 0.99) / 1e3;
	free(h);
	return json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:I,s:I,s:I,s:b,s:o,s:o}", "seq", b->L->run_seq,
			 "case", b->label, "scenario", b->s->name,
			 "producer", bhb_producer_names[b->cs->producer], "mech", bhb_mech_names[b->mech],
			 "rep", b->rep, "lost", (json_int_t)rr->lost,
			 "duration_ns", (json_int_t)rr->duration_ns, "start_ns", (json_int_t)rr->start_ns,
			 "interrupted", interrupted, "acct", acct, "cpus", cpus);
}

/*
 * The case's victim on its first producing CPU (the agent keeps off it,
 * as for a hog): started, then a window alone, half as long as the run is
 * expected to last (at least 50 ms, at most 150 ms): vs[0] and vs[1]
 * bracket it; victim_end() takes the run's end (vs[2]) and a second
 * window alone after it (vs[3]): the two together as long as the run.
 * -1 when it could not start.
 */
static struct timespec victim_window(const struct bhb_case *cs)
{
	uint64_t ticks = cs->items / (cs->burst ? cs->burst : 1), want = ticks * cs->period_ns / 2;

	want = want < 50000000ull ? 50000000ull : want > 150000000ull ? 150000000ull : want;
	return (struct timespec){ (time_t)(want / 1000000000ull), (long)(want % 1000000000ull) };
}

static int victim_begin(struct lat *L, const struct bench *b, struct bhb_victim *v, struct bhb_victim_sample *vs)
{
	const struct bhb_case *cs = b->cs;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int cpu = __builtin_ctzll(b->cpus);

	if (victim_start(v, cs->victim, cpu))
		return -1;
	if (v->kind == BHB_VICTIM_NONE)
		return 0;
	if (cs->hog == BHB_HOG_NONE)
		keep_off(L, b->cpus);
	nanosleep(&ts, NULL);	/* let it get going */
	victim_sample(v, &vs[0]);
	ts = victim_window(cs);
	nanosleep(&ts, NULL);
	victim_sample(v, &vs[1]);
	return 0;
}

/* the run's end, the window alone after it; the victim's record (NULL: none) */
static json_t *victim_end(const struct bench *b, struct bhb_victim *v, struct bhb_victim_sample *vs)
{
	struct timespec ts = victim_window(b->cs);

	if (v->kind == BHB_VICTIM_NONE)
		return NULL;
	victim_sample(v, &vs[2]);
	nanosleep(&ts, NULL);
	victim_sample(v, &vs[3]);
	return victim_json(v->kind, vs);
}

/* RUN, RESULT, stream the raw result.  0 or -errno. */
static int do_run(struct bench *b, int record, struct run_summary *rs)
{
	struct lat *L = b->L;
	const struct bhb_case *cs = b->cs;
	struct bhb_run_req req = {
		.abi_version = BHB_ABI_VERSION,
		.mech = (uint32_t)b->mech,
		.producer = cs->producer,
		.flags = (cs->poisson ? BHB_RUN_POISSON : 0) | (cs->aligned ? BHB_RUN_ALIGNED : 0),
		.cpu_mask = b->cpus,
		.nr_items = cs->items,
		.inflight = cs->inflight,
		.period_ns = cs->period_ns,
		.cost_ns = cs->cost_ns,
		.drain_ms = b->s->drain_ms,
		.burst = cs->burst,
		.seed = 0x9e3779b97f4a7c15ull * (L->run_seq + 1),
		.touch_bytes = cs->touch_bytes,
		.remote_cpu = b->remote,
		.noise_period_ns = cs->noise_period_ns,
		.noise_cost_ns = cs->noise_cost_ns,
		.work = bhb_case_work_module(cs->work),
		.competitor = cs->competitor,
	};
	struct bhb_result_req rr = {
		.abi_version = BHB_ABI_VERSION,
		.nr_cpus = BHB_MAX_CPUS,
		.buf = (uintptr_t)L->resbuf,
	};
	struct bhb_acct before, after;
	struct bhb_victim_sample vs[4];
	struct bhb_victim v;
	json_t *j, *vj = NULL;
	int err = 0, hogs_ok;

	memset(rs, 0, sizeof(*rs));
	start_hogs(L, cs->hog, b->cpus);
	if (victim_begin(L, b, &v, vs))
		err = -ECHILD;
	bhb_acct_snap(&L->src, &before);
	if (!err && ioctl(L->a->devfd, BHB_IOC_RUN, &req))
		err = -errno;
	bhb_acct_snap(&L->src, &after);
	if (!err)
		vj = victim_end(b, &v, vs);
	hogs_ok = stop_hogs(L) | victim_stop(&v);
	if (!err && hogs_ok)
		err = -ECHILD;
	if (err && err != -EINTR) {
		json_decref(vj);
		if (record)
			send_failed(b, err);
		return err;
	}
	if (ioctl(L->a->devfd, BHB_IOC_RESULT, &rr)) {
		err = -errno;
		json_decref(vj);
		return err;
	}
	if (!record) {
		json_decref(vj);
		return err;
	}
	j = run_json(b, &rr, err == -EINTR, bhb_acct_delta(&before, &after), rs);
	if (!j) {
		json_decref(vj);
		return -ENOMEM;
	}
	if (vj)
		json_object_set_new(j, "victim", vj);
	send_json(L->a, "run", j);
	return err;
}

static void bench_fn(gbw_state *st, void *arg)
{
	struct bench *b = arg;
	struct lat *L = b->L;

	while (gbw_keep_running(st)) {
		struct run_summary rs;
		int err;

		L->run_seq++;
		err = do_run(b, 1, &rs);
		say(L->a, "run %u/%u %s rep %d: %s p50 %.1f us p99 %.1f us executed %llu/%llu lost %llu",
		    L->run_seq, L->runs_total, b->name, b->rep, err ? strerror(-err) : "ok",
		    rs.p50_us, rs.p99_us, (unsigned long long)rs.executed,
		    (unsigned long long)rs.queued, (unsigned long long)rs.lost);
		b->rep++;
		if (err) {
			L->runs_failed++;
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

static int send_file(struct bhb_agent *a, const char *type, const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
		send_raw(a, type, buf, (size_t)n);
	free(buf);
	fclose(f);
	return 0;
}

static json_t *case_json(const struct bench *b)
{
	const struct bhb_case *cs = b->cs;
	json_t *o = bhb_case_json(cs);	/* the case's keys, named by scenario.c's table */

	/* what the agent resolved for this boot, and what the case is called */
	json_object_set_new(o, "burst", json_integer(cs->burst ? cs->burst : 1));
	json_object_set_new(o, "cpus", json_integer((json_int_t)b->cpus));
	json_object_set_new(o, "remote_cpu", json_integer(cs->producer == BHB_PROD_REMOTE ? (int)b->remote : -1));
	json_object_set_new(o, "case", json_string(b->label));
	json_object_set_new(o, "scenario", json_string(b->s->name));
	json_object_set_new(o, "name", json_string(cs->name));
	json_object_set_new(o, "warmup", json_integer(b->s->warmup));
	return o;
}

/* one traced run of b (rep r); 0 or -1 (failed: counted by the caller) */
static int traced_run(struct bench *b, int r, int calibration)
{
	struct bhb_agent *a = b->L->a;
	struct bhb_cpu_result merged;
	struct run_summary rs;
	char why[256] = "";
	json_t *t;
	int err;

	if (trace_begin(b->mech, why, sizeof(why))) {
		send_json(a, "trace", json_pack("{s:s,s:s,s:i,s:s,s:b}", "case", b->label,
						"mech", bhb_mech_names[b->mech], "rep", r, "error", why,
						"calibration", calibration));
		/* a kernel without the event: n/a, not a failure */
		return strncmp(why, "this kernel has no ", 19) ? -1 : 0;
	}
	err = do_run(b, 0, &rs);
	t = trace_end(b->mech, why, sizeof(why));
	if (err || !t) {
		send_json(a, "trace", json_pack("{s:s,s:s,s:i,s:s,s:b}", "case", b->label,
						"mech", bhb_mech_names[b->mech], "rep", r,
						"error", err ? strerror(-err) : why, "calibration", calibration));
		json_decref(t);
		return -1;
	}
	memset(&merged, 0, sizeof(merged));
	for (int c = 0; c < BHB_MAX_CPUS; c++) {
		const struct bhb_cpu_result *res = &b->L->resbuf[c];

		if (!res->stats.executed)
			continue;
		for (unsigned int k = 0; k < BHB_HIST_NBUCKETS; k++)
			merged.hist_q2e[k] += res->hist_q2e[k];
		merged.stats.executed += res->stats.executed;
	}
	json_object_set_new(t, "case", json_string(b->label));
	json_object_set_new(t, "mech", json_string(bhb_mech_names[b->mech]));
	json_object_set_new(t, "rep", json_integer(r));
	json_object_set_new(t, "calibration", json_boolean(calibration));
	json_object_set_new(t, "module_q2e", sparse(merged.hist_q2e));
	json_object_set_new(t, "module_executed", json_integer((json_int_t)merged.stats.executed));
	long long matched = json_integer_value(json_object_get(t, "matched"));

	send_json(a, "trace", t);	/* frees t */
	say(a, "traced run %d %s%s: %lld items matched in the trace, %lld executed", r + 1, b->name,
	    calibration ? " (event-cost calibration)" : "", matched, (long long)merged.stats.executed);
	return 0;
}

/*
 * The trace cross-check: reps runs of every mechanism of the first case,
 * rounds interleaved, with the kernel's trace events on; each run sends
 * the module's own queue-to-callback histogram next to the one derived
 * from the trace.  The check's tolerance is a multiple of one trace
 * event's cost in this boot, which the traced runs of per-CPU workqueue
 * mechanisms measure (trace.c); when the case has none of them, every
 * round adds a wq_percpu run of the same case for that alone (a
 * "calibration" frame, not a row of the check).  Returns the number of
 * failed runs.
 */
static int run_traced(struct bench *benches, int nb, int reps)
{
	struct bench cal;
	int failed = 0, need_cal = 1, n = 0;

	while (n < nb && benches[n].cs == benches[0].cs) {
		if (bhb_mech_percpu_work(benches[n].mech))
			need_cal = 0;
		n++;
	}
	if (need_cal && n) {
		cal = benches[0];
		cal.mech = BHB_MECH_WQ_PERCPU;
		snprintf(cal.name, sizeof(cal.name), "%s/%s", cal.label, bhb_mech_names[cal.mech]);
	}
	for (int r = 0; r < reps; r++) {
		for (int i = 0; i < n; i++)
			if (benches[i].mech != BHB_MECH_DIRECT && traced_run(&benches[i], r, 0))
				failed++;
		if (need_cal && n && traced_run(&cal, r, 1))
			failed++;
	}
	return failed;
}

/* a PREEMPT_RT kernel (its version string says so) */
int bhb_preempt_rt(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.version, "PREEMPT_RT");
}

/*
 * A case's benchmark before its mechanism is set: label, CPUs, the remote
 * target.  NULL, or why every mechanism of it is n/a (*na); -1: the case
 * cannot run at all (sent as an error).
 */
static int case_proto(struct lat *L, const struct bhb_scenario *s, const struct bhb_case *cs,
		      const struct bhb_latency_opts *o, struct bench *proto, const char **na)
{
	uint64_t online = L->a->info.online_mask;

	*proto = (struct bench){ .L = L, .s = s, .cs = cs };
	*na = NULL;
	proto->cpus = cs->cpus ? cs->cpus : online;
	if (o->suite)
		snprintf(proto->label, sizeof(proto->label), "%s/%s", s->name, cs->name);
	else
		snprintf(proto->label, sizeof(proto->label), "%s", cs->name);
	if ((proto->cpus & ~online) && o->narrow) {
		*na = "needs a CPU this boot does not have (icount boots one vCPU unless --cpus)";
		proto->cpus &= online;
	} else if (proto->cpus & ~online) {
		send_error(L->a, "a case wants CPUs that are not online");
		say(L->a, "case %s: cpus 0x%llx, online 0x%llx", proto->label,
		    (unsigned long long)proto->cpus, (unsigned long long)online);
		return -1;
	}
	if (cs->producer == BHB_PROD_REMOTE) {
		int t = cs->remote_cpu;

		for (int c = 0; t < 0 && c < BHB_MAX_CPUS; c++)
			if ((online >> c & 1) && !(proto->cpus >> c & 1))
				t = c;
		if (!*na && (t < 0 || !(online >> t & 1)))
			*na = o->narrow ? "needs a second CPU (icount boots one vCPU unless --cpus)" :
					  "needs an online CPU that is not producing";
		proto->remote = t < 0 ? 0 : (uint32_t)t;
	}
	if (!*na && cs->noise_period_ns && cs->competitor == BHB_COMP_BH &&
	    !(L->a->info.mech_available & (1ull << BHB_MECH_BH)))
		*na = "the competitor is a BH work item: no BH workqueues in this kernel (6.9+)";
	if (!*na && cs->work == BHB_CASE_WORK_HANDOFF && bhb_preempt_rt() &&
	    (cs->producer == BHB_PROD_HARDIRQ || cs->producer == BHB_PROD_IRQWORK || cs->producer == BHB_PROD_REMOTE))
		*na = "PREEMPT_RT: no allocation in hard interrupt context, where this producer queues "
		      "(a process or softirq producer can hand off)";
	return 0;
}

/* a benchmark of proto per mechanism, or an "na" frame saying why not */
static void add_mechs(struct lat *L, const struct bench *proto, const char *na)
{
	const struct bhb_case *cs = proto->cs;

	for (int m = 0; m < BHB_NR_MECHS; m++) {
		struct bench *b = &L->benches[L->nb];
		const char *why = na;

		if (!why && !(proto->s->mechs & (1ull << m)))
			why = "left out by the scenario (see its description)";
		if (!why && !(L->a->info.mech_available & (1ull << m)))
			why = "not in this kernel";
		if (!why && cs->producer == BHB_PROD_REMOTE &&
		    (m == BHB_MECH_DIRECT || bhb_mech_is_tasklet(m)))
			why = "cannot be queued on another CPU";
		if (why) {
			send_json(L->a, "na", json_pack("{s:s,s:s,s:s}", "case", proto->label,
							 "mech", bhb_mech_names[m], "why", why));
			continue;
		}
		*b = *proto;
		b->mech = m;
		snprintf(b->name, sizeof(b->name), "%s/%s", proto->label, bhb_mech_names[m]);
		L->runs_total += cs->repetitions;
		L->nb++;
	}
}

/* the benchmarks of every case of the latency scenarios; the cases' records; -1: an error sent */
static int build(struct lat *L, const struct bhb_scenario *s, int n, const struct bhb_latency_opts *o,
		 json_t *cases, int *ncase)
{
	for (int i = 0; i < n; i++) {
		if (s[i].type != BHB_SCEN_LATENCY)
			continue;
		for (uint32_t k = 0; k < s[i].ncases; k++) {
			struct bench proto;
			const char *na;

			if (case_proto(L, &s[i], &s[i].cases[k], o, &proto, &na))
				return -1;
			(*ncase)++;
			add_mechs(L, &proto, na);
			json_array_append_new(cases, case_json(&proto));
		}
	}
	return 0;
}

/* the untimed warm-up runs of every benchmark; 0, or -1 (an error sent) */
static int warm_up(struct lat *L)
{
	for (int i = 0; i < L->nb; i++) {
		for (unsigned int w = 0; w < L->benches[i].s->warmup; w++) {
			struct run_summary rs;
			int err = do_run(&L->benches[i], 0, &rs);

			if (err) {
				char msg[300];

				snprintf(msg, sizeof(msg), "warm-up run %s failed: %s", L->benches[i].name,
					 strerror(-err));
				send_error(L->a, msg);
				return -1;
			}
		}
	}
	say(L->a, "warm-up done");
	return 0;
}

/*
 * The repetitions of every benchmark, randomly interleaved in an order
 * drawn from seed (Google Benchmark's own interleaving draws from an
 * unseeded std::random_device, and is off): the same seed gives the same
 * order, which a deterministic (icount) run needs; the host varies the
 * seed between boots.  Returns the order (*total entries, indices into
 * L->benches; free it), or NULL.
 */
static int *rep_order(const struct lat *L, uint64_t seed, int *total)
{
	unsigned int *reps = calloc((size_t)L->nb + 1, sizeof(*reps));
	int *order = NULL, sum = 0;

	if (!reps)
		return NULL;
	for (int i = 0; i < L->nb; i++)
		sum += (int)(reps[i] = L->benches[i].cs->repetitions);
	order = calloc((size_t)sum + 1, sizeof(*order));
	if (order)
		*total = bhb_rep_order(reps, L->nb, seed, order);
	free(reps);
	return order;
}

/* the seed record: the seed and the order it gave, benchmark names and indices into them */
static json_t *order_json(const struct lat *L, uint64_t seed, const int *order, int total)
{
	json_t *names = json_array(), *runs = json_array();

	for (int i = 0; i < L->nb; i++)
		json_array_append_new(names, json_string(L->benches[i].name));
	for (int k = 0; k < total; k++)
		json_array_append_new(runs, json_integer(order[k]));
	return json_pack("{s:I,s:o,s:o}", "seed", (json_int_t)seed, "benchmarks", names, "runs", runs);
}

/* one Google Benchmark registration per repetition, run in order; its JSON sent */
static int run_gbench(struct lat *L, const int *order, int total, uint64_t seed)
{
	char note[64];

	for (int k = 0; k < total; k++)
		gbw_register(L->benches[order[k]].name, bench_fn, &L->benches[order[k]], 1);
	/* gbench.json says whose order it is */
	snprintf(note, sizeof(note), "%llu", (unsigned long long)seed);
	gbw_add_context("bhbench_order_seed", note);
	if (gbw_run("/tmp/gbench.json") < 0) {
		send_error(L->a, "Google Benchmark failed");
		return -1;
	}
	if (send_file(L->a, "gbench", "/tmp/gbench.json"))
		send_error(L->a, "Google Benchmark wrote no JSON");
	return 0;
}

/* Every case of the latency scenarios in s[0..n); returns failed runs. */
int run_latency(struct bhb_agent *a, const struct bhb_scenario *s, int n, const struct bhb_latency_opts *o)
{
	struct lat *L = calloc(1, sizeof(*L));
	json_t *cases = json_array(), *rec;
	int ncase = 0, total = 0, *order = NULL, ret = 1;

	if (L)
		L->resbuf = calloc(BHB_MAX_CPUS, sizeof(*L->resbuf));
	if (!L || !L->resbuf) {
		send_error(a, "out of memory");
		goto out;
	}
	L->a = a;
	bhb_acct_init(&L->src);
	if (build(L, s, n, o, cases, &ncase))
		goto out;
	order = rep_order(L, o->order_seed, &total);
	rec = json_pack("{s:O}", "cases", cases);
	if (order)
		json_object_set_new(rec, "order", order_json(L, o->order_seed, order, total));
	send_json(a, "cases", rec);
	if (!L->nb) {
		send_error(a, "the scenario selects no mechanism this kernel has");
		goto out;
	}
	say(a, "%d cases, %d benchmarks, %u timed runs", ncase, L->nb, L->runs_total);
	if (warm_up(L))
		goto out;
	if (!order) {
		send_error(a, "out of memory");
		goto out;
	}
	if (run_gbench(L, order, total, o->order_seed))
		goto out;
	if (o->trace_reps > 0)
		L->runs_failed += (unsigned int)run_traced(L->benches, L->nb, o->trace_reps);
	ret = (int)L->runs_failed;
out:
	json_decref(cases);
	free(order);
	if (L)
		free(L->resbuf);
	free(L);
	return ret;
}

static int latency_kind(struct bhb_agent *a, const struct bhb_boot_args *b)
{
	char val[64];
	struct bhb_latency_opts o = {
		.suite = bhb_cmdline_get(b->cmdline, "bhbagent.scenarios", NULL, val, sizeof(val)) != NULL,
		.trace_reps = atoi(bhb_cmdline_get(b->cmdline, "bhbagent.trace", "0", val, sizeof(val))),
		.order_seed = strtoull(bhb_cmdline_get(b->cmdline, "bhbagent.seed", "1", val, sizeof(val)), NULL, 0),
		.narrow = !strcmp(bhb_cmdline_get(b->cmdline, "bhbagent.narrow", "0", val, sizeof(val)), "1"),
	};

	return run_latency(a, b->scens, b->nscens, &o) != 0;
}

const struct bhb_agent_kind bhb_agent_latency = {
	.name = "latency",
	.type = BHB_SCEN_LATENCY,
	.run = latency_kind,
};
