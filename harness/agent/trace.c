// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench guest agent: the trace cross-check.  The kernel's own trace
 * events, recorded around one normal run of a mechanism, give a second,
 * independent queue-to-callback latency of this module's items.
 *
 * Clock: trace_clock "mono" (CLOCK_MONOTONIC, what ktime_get_ns() reads).
 * The text of the "trace" file prints it as seconds.microseconds, so every
 * trace-derived latency has 1 us resolution (each end truncated: the
 * difference is within +-1 us of the true one).
 *
 * Work items (bh, bh_highpri, bh_custom, wq_*): workqueue_queue_work and
 * workqueue_execute_start, paired by the work pointer (hashed by %p, but
 * the same hash for the same pointer in one boot); only function
 * bhb_work_fn is ours.  An item is queued again only after its callback
 * ran, so the events of one pointer alternate queue, start, queue, ...
 *
 * Tasklets (tasklet, tasklet_hi): there is no event at tasklet_schedule()
 * itself, but __tasklet_schedule_common() appends the tasklet to this
 * CPU's list and calls raise_softirq_irqoff() every time, which emits
 * irq:softirq_raise (vec TASKLET or HI); irq:tasklet_entry (6.0+) names the
 * tasklet's function when it runs.  Pairing, per CPU: raises wait in
 * order; irq:softirq_entry of the vector starts a round, which takes the
 * waiting raises (tasklet_action takes the whole list, and runs it in the
 * order it was scheduled); every tasklet_entry (ours or not) consumes the
 * oldest raise of the round, ours give a latency; at irq:softirq_exit the
 * raises of the round no tasklet consumed are counted unmatched (raises
 * for BH workqueues, which run in the same softirqs since 6.9, or
 * re-raises of a tasklet locked on another CPU).  Limits: a raise that
 * belongs to no tasklet but lies before ours in the same round shifts the
 * pairing by one (ours gets an earlier raise: a longer latency), and a
 * tasklet scheduled between softirq_entry and tasklet_action's taking of
 * the list runs in this round with its raise still waiting (handled: an
 * empty round consumes the oldest waiting raise).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/names.h"
#include "../common/stats.h"
#include "agent.h"

#define TR "/sys/kernel/tracing"

/* write val to TR/rel; 0 or -errno */
static int wr(const char *rel, const char *val, int append)
{
	char path[256];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), TR "/%s", rel);
	fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(val))
		err = -EIO;
	close(fd);
	return err;
}

static int exists(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), TR "/%s", rel);
	return access(path, F_OK) == 0;
}

/* the whole of TR/rel, NUL-terminated; NULL on error */
static char *slurp(const char *rel, size_t *len)
{
	char path[256], *buf = NULL;
	size_t cap = 0, n = 0;
	int fd;

	snprintf(path, sizeof(path), TR "/%s", rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t r;

		if (cap - n < 65536) {
			char *nb = realloc(buf, cap ? cap * 2 : 1 << 20);

			if (!nb) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = nb;
			cap = cap ? cap * 2 : 1 << 20;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* the softirq number print fmt of softirq_raise gives name (e.g. "TASKLET") */
static int softirq_vec(const char *name, int fallback)
{
	char key[32], *fmt = slurp("events/irq/softirq_raise/format", NULL), *p;
	int v = fallback;

	if (!fmt)
		return fallback;
	snprintf(key, sizeof(key), "\"%s\" }", name);
	p = strstr(fmt, key);
	if (p) {
		while (p > fmt && *p != '{')
			p--;
		if (*p == '{')
			v = atoi(p + 1);
	}
	free(fmt);
	return v;
}

static int vec_of(int mech)
{
	return mech == BHB_MECH_TASKLET_HI ? softirq_vec("HI", 0) : softirq_vec("TASKLET", 6);
}

/* events off, filters cleared, recording off; errors ignored (best effort) */
static void trace_off(int mech)
{
	const char *const *ev;
	int n = bhb_trace_events(mech, &ev);
	char rel[128];

	wr("tracing_on", "0", 0);
	for (int i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "events/%s/enable", ev[i]);
		wr(rel, "0", 0);
		snprintf(rel, sizeof(rel), "events/%s/filter", ev[i]);
		wr(rel, "0", 0);
	}
}

static int fail(int mech, char *why, size_t len, const char *what, int err)
{
	snprintf(why, len, "trace: %s: %s", what, strerror(-err));
	trace_off(mech);
	return -1;
}

/* per-CPU buffer size: 8 MB, at most 1/64 of the guest's memory in all */
static unsigned long buffer_kb(void)
{
	unsigned long total_kb = 0, kb;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lu kB", &total_kb) == 1)
			break;
	if (f)
		fclose(f);
	if (ncpu < 1)
		ncpu = 1;
	kb = total_kb ? total_kb / 64 / (unsigned long)ncpu : 8192;
	if (kb > 8192)
		kb = 8192;
	if (kb < 1024)
		kb = 1024;
	return kb;
}

int trace_begin(int mech, char *why, size_t len)
{
	static int sized;
	const char *const *ev;
	int n = bhb_trace_events(mech, &ev), err;
	char rel[128], val[64];

	why[0] = 0;
	if (!exists("trace")) {
		mkdir(TR, 0755);
		if (mount("nodev", TR, "tracefs", 0, NULL) && errno != EBUSY) {
			snprintf(why, len, "trace: mount tracefs on " TR ": %s", strerror(errno));
			return -1;
		}
		if (!exists("trace")) {
			snprintf(why, len, "trace: no " TR "/trace after mounting tracefs");
			return -1;
		}
	}
	for (int i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "events/%s", ev[i]);
		if (!exists(rel)) {
			/* the host reports "this kernel has no ..." as n/a */
			snprintf(why, len, "this kernel has no %s event", ev[i]);
			for (char *p = why; *p; p++)
				if (*p == '/') {
					*p = ':';
					break;
				}
			return -1;
		}
	}
	err = wr("tracing_on", "0", 0);
	if (err)
		return fail(mech, why, len, "tracing_on", err);
	err = wr("events/enable", "0", 0);
	if (err)
		return fail(mech, why, len, "events/enable", err);
	err = wr("trace_clock", "mono", 0);
	if (err)
		return fail(mech, why, len, "trace_clock mono", err);
	if (!sized) {
		snprintf(val, sizeof(val), "%lu", buffer_kb());
		err = wr("buffer_size_kb", val, 0);
		if (err)
			return fail(mech, why, len, "buffer_size_kb", err);
		sized = 1;
	}
	err = wr("trace", "", 0);	/* O_TRUNC: clears the buffer and the counts */
	if (err)
		return fail(mech, why, len, "clearing the buffer", err);
	for (int i = 0; i < n; i++) {
		if (bhb_mech_is_tasklet(mech) && strncmp(ev[i], "irq/softirq_", 12) == 0) {
			snprintf(rel, sizeof(rel), "events/%s/filter", ev[i]);
			snprintf(val, sizeof(val), "vec == %d", vec_of(mech));
			err = wr(rel, val, 0);
			if (err)
				return fail(mech, why, len, rel, err);
		}
		snprintf(rel, sizeof(rel), "events/%s/enable", ev[i]);
		err = wr(rel, "1", 0);
		if (err)
			return fail(mech, why, len, rel, err);
	}
	err = wr("tracing_on", "1", 0);
	if (err)
		return fail(mech, why, len, "tracing_on", err);
	return 0;
}

json_t *trace_end(int mech, char *why, size_t len)
{
	int vec = bhb_mech_is_tasklet(mech) ? vec_of(mech) : -1, rerr;
	unsigned long long dropped = 0;
	char *buf;
	json_t *o;

	why[0] = 0;
	wr("tracing_on", "0", 0);
	buf = slurp("trace", NULL);
	rerr = errno;
	/* events a full buffer refused (not in overwrite mode: none expected) */
	for (int c = 0; c < BHB_MAX_CPUS; c++) {
		char rel[64], *st, *d;

		snprintf(rel, sizeof(rel), "per_cpu/cpu%d/stats", c);
		st = slurp(rel, NULL);
		if (!st)
			continue;
		d = strstr(st, "dropped events:");
		if (d)
			dropped += strtoull(d + 15, NULL, 10);
		free(st);
	}
	trace_off(mech);
	wr("trace", "", 0);	/* free the text of this run */
	if (!buf) {
		snprintf(why, len, "trace: reading " TR "/trace: %s", strerror(rerr));
		return NULL;
	}
	o = bhb_trace_pair(mech, vec, buf, dropped, why, len);
	free(buf);
	return o;
}
