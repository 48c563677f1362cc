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
#define MAXEV 4
#define RING 4096	/* waiting raises per CPU */

static const char *const wq_events[] = {
	"workqueue/workqueue_queue_work", "workqueue/workqueue_execute_start",
	"workqueue/workqueue_activate_work",
};
static const char *const tl_events[] = {
	"irq/softirq_raise", "irq/softirq_entry", "irq/softirq_exit", "irq/tasklet_entry",
};

static int is_tasklet(int mech)
{
	return mech == BHB_MECH_TASKLET || mech == BHB_MECH_TASKLET_HI;
}

static int nevents(int mech, const char *const **ev)
{
	if (is_tasklet(mech)) {
		*ev = tl_events;
		return 4;
	}
	*ev = wq_events;
	return 3;
}

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
	int n = nevents(mech, &ev);
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
	int n = nevents(mech, &ev), err;
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
		if (is_tasklet(mech) && strncmp(ev[i], "irq/softirq_", 12) == 0) {
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

/* ---- parsing ---- */

struct line {
	int cpu;
	uint64_t ts;		/* ns, 1 us resolution */
	const char *ev;		/* event name, NUL-terminated */
	const char *args;	/* the rest */
};

/*
 * "  comm-pid  [001] d.h2.  123.456789: event: args": the timestamp is the
 * last " digits.digits: " before the event name, the CPU the "[digits]"
 * token before it (the comm may contain anything, so parse backwards).
 */
static int parse_line(char *s, struct line *l)
{
	char *c = strstr(s, ": "), *p = s, *q = s, *t;

	/* the first ": " after a "digits.digits" token */
	while (c) {
		p = c;
		while (p > s && (p[-1] >= '0' && p[-1] <= '9'))
			p--;
		if (p < c && p > s && p[-1] == '.') {
			q = p - 1;
			while (q > s && (q[-1] >= '0' && q[-1] <= '9'))
				q--;
			if (q < p - 1 && (q == s || q[-1] == ' '))
				break;
		}
		c = strstr(c + 1, ": ");
	}
	if (!c)
		return -1;
	{
		unsigned long long sec = strtoull(q, NULL, 10);
		size_t nd = (size_t)(c - p);
		unsigned long long frac = strtoull(p, NULL, 10);

		/* frac has nd digits: scale to ns */
		while (nd < 9) {
			frac *= 10;
			nd++;
		}
		while (nd > 9) {
			frac /= 10;
			nd--;
		}
		l->ts = sec * 1000000000ull + frac;
	}
	/* backwards from the timestamp: the first "[digits]" token */
	l->cpu = -1;
	for (t = q; t > s;) {
		char *end, *beg;

		while (t > s && t[-1] == ' ')
			t--;
		end = t;
		while (t > s && t[-1] != ' ')
			t--;
		beg = t;
		if (end - beg >= 3 && *beg == '[' && end[-1] == ']') {
			l->cpu = atoi(beg + 1);
			break;
		}
	}
	if (l->cpu < 0 || l->cpu >= BHB_MAX_CPUS)
		return -1;
	l->ev = c + 2;
	t = strstr(l->ev, ": ");
	if (!t) {
		t = strchr(l->ev, ':');
		if (!t)
			return -1;
		*t = 0;
		l->args = t + 1;
	} else {
		*t = 0;
		l->args = t + 2;
	}
	return 0;
}

/* value after "key=" or "key " in args, up to a space, ':' or the end */
static int field(const char *args, const char *key, char *out, size_t len)
{
	const char *p = args;
	size_t k = strlen(key), n = 0;

	while ((p = strstr(p, key))) {
		if ((p == args || p[-1] == ' ') && (p[k] == '=' || p[k] == ' '))
			break;
		p += k;
	}
	if (!p)
		return -1;
	p += k + 1;
	while (p[n] && p[n] != ' ' && p[n] != ':' && n + 1 < len) {
		out[n] = p[n];
		n++;
	}
	out[n] = 0;
	return n ? 0 : -1;
}

/* ---- work items: a hash of pending queue events by work pointer ---- */

#define HSIZE 65536u

struct pend {
	uint64_t key;	/* pointer + 1 (0 = empty) */
	uint64_t ts;
	int cpu, activated;
};

static struct pend *h_find(struct pend *h, uint64_t key, int insert)
{
	uint64_t k = key + 1;
	unsigned int i = (unsigned int)((k * 0x9e3779b97f4a7c15ull) >> 48) & (HSIZE - 1);

	for (unsigned int n = 0; n < HSIZE; n++, i = (i + 1) & (HSIZE - 1)) {
		if (h[i].key == k)
			return &h[i];
		if (!h[i].key)
			return insert ? &h[i] : NULL;
	}
	return NULL;
}

/* remove e, re-inserting the rest of its probe run (linear probing) */
static void h_del(struct pend *h, struct pend *e)
{
	unsigned int i = (unsigned int)(e - h);

	e->key = 0;
	for (i = (i + 1) & (HSIZE - 1); h[i].key; i = (i + 1) & (HSIZE - 1)) {
		struct pend x = h[i], *d;

		h[i].key = 0;
		d = h_find(h, x.key - 1, 1);
		*d = x;
	}
}

/* ---- tasklets: per-CPU rings of raise timestamps ---- */

struct ring {
	uint64_t ts[RING];
	unsigned int head, n;	/* waiting: [head, head + n) */
	unsigned int round;	/* the first `round` of them belong to the running softirq */
};

static int ring_pop(struct ring *r, uint64_t *ts)
{
	if (!r->n)
		return -1;
	*ts = r->ts[r->head];
	r->head = (r->head + 1) % RING;
	r->n--;
	if (r->round)
		r->round--;
	return 0;
}

struct tally {
	struct bhb_hist *h, *gap;
	long long matched, uq, ue, foreign, negative, lines, lost_lines;
};

static void record(struct tally *t, uint64_t q, uint64_t e)
{
	if (e < q) {
		t->negative++;
		e = q;
	}
	t->h->c[bhb_hist_index(e - q)]++;
	t->matched++;
}

static json_t *sparse_hist(const struct bhb_hist *h)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < BHB_HIST_NBUCKETS; i++) {
		if (!h->c[i])
			continue;
		json_array_append_new(a, json_integer(i));
		json_array_append_new(a, json_integer((json_int_t)h->c[i]));
	}
	return a;
}

json_t *trace_end(int mech, char *why, size_t len)
{
	const char *const *ev;
	int n = nevents(mech, &ev), tl = is_tasklet(mech), vec = tl ? vec_of(mech) : -1;
	unsigned long long in_buf = 0, written = 0, dropped = 0;
	struct tally t = { 0 };
	struct pend *pend = NULL;
	struct ring *rings = NULL;
	json_t *names, *wqs = json_object(), *o;
	char *buf, *s, *nl, val[128];
	size_t blen = 0;
	int rerr;

	why[0] = 0;
	wr("tracing_on", "0", 0);
	buf = slurp("trace", &blen);
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
		json_decref(wqs);
		return NULL;
	}
	t.h = calloc(1, sizeof(*t.h));
	t.gap = calloc(1, sizeof(*t.gap));
	if (tl)
		rings = calloc(BHB_MAX_CPUS, sizeof(*rings));
	else
		pend = calloc(HSIZE, sizeof(*pend));
	if (!t.h || !t.gap || (tl ? !rings : !pend)) {
		snprintf(why, len, "trace: out of memory");
		goto err;
	}
	for (s = buf; s && *s; s = nl) {
		struct line l;

		nl = strchr(s, '\n');
		if (nl)
			*nl++ = 0;
		if (*s == '#') {
			sscanf(s, "# entries-in-buffer/entries-written: %llu/%llu", &in_buf, &written);
			continue;
		}
		if (strstr(s, "[LOST ") && strstr(s, " EVENTS]")) {
			t.lost_lines += strtoll(strstr(s, "[LOST ") + 6, NULL, 10);
			continue;
		}
		if (parse_line(s, &l))
			continue;
		t.lines++;
		if (!tl) {
			int q = !strcmp(l.ev, "workqueue_queue_work");
			uint64_t ptr;
			struct pend *e;

			if (!strcmp(l.ev, "workqueue_activate_work")) {
				/*
				 * "work struct %p" only: ours if its pointer waits
				 * in the table.  Emitted a few instructions after
				 * queue_work in the same __queue_work() call, on the
				 * same CPU: the gap is one event's recording (the
				 * event cost, see the header).
				 */
				if (field(l.args, "struct", val, sizeof(val)))
					continue;
				e = h_find(pend, strtoull(val, NULL, 16), 0);
				if (e && !e->activated && e->cpu == l.cpu) {
					e->activated = 1;
					t.gap->c[bhb_hist_index(l.ts >= e->ts ? l.ts - e->ts : 0)]++;
				}
				continue;
			}
			if (!q && strcmp(l.ev, "workqueue_execute_start"))
				continue;
			if (field(l.args, "function", val, sizeof(val)) || strcmp(val, "bhb_work_fn"))
				continue;
			if (field(l.args, "struct", val, sizeof(val)))
				continue;
			ptr = strtoull(val, NULL, 16);
			e = h_find(pend, ptr, q);
			if (q) {
				if (!e)
					continue;	/* table full: cannot happen below HSIZE items */
				if (e->key)
					t.uq++;	/* queued again before it ran: cannot happen */
				e->key = ptr + 1;
				e->ts = l.ts;
				e->cpu = l.cpu;
				e->activated = 0;
				if (!field(l.args, "workqueue", val, sizeof(val)))
					json_object_set_new(wqs, val, json_true());
			} else if (!e) {
				t.ue++;
			} else {
				record(&t, e->ts, l.ts);
				h_del(pend, e);
			}
		} else {
			struct ring *r = &rings[l.cpu];
			uint64_t q;

			if (!strcmp(l.ev, "softirq_raise")) {
				if (field(l.args, "vec", val, sizeof(val)) || atoi(val) != vec)
					continue;
				if (r->n == RING) {
					ring_pop(r, &q);
					t.uq++;
				}
				r->ts[(r->head + r->n) % RING] = l.ts;
				r->n++;
			} else if (!strcmp(l.ev, "softirq_entry")) {
				if (field(l.args, "vec", val, sizeof(val)) || atoi(val) != vec)
					continue;
				r->round = r->n;
			} else if (!strcmp(l.ev, "softirq_exit")) {
				if (field(l.args, "vec", val, sizeof(val)) || atoi(val) != vec)
					continue;
				while (r->round)
					if (!ring_pop(r, &q))
						t.uq++;
			} else if (!strcmp(l.ev, "tasklet_entry")) {
				int ours = !field(l.args, "function", val, sizeof(val)) &&
					   !strcmp(val, "bhb_tasklet_fn");

				if (ring_pop(r, &q)) {
					if (ours)
						t.ue++;
					continue;
				}
				if (ours)
					record(&t, q, l.ts);
				else
					t.foreign++;
			}
		}
	}
	if (!tl) {
		for (unsigned int i = 0; i < HSIZE; i++)
			if (pend[i].key)
				t.uq++;
	} else {
		for (int c = 0; c < BHB_MAX_CPUS; c++)
			t.uq += rings[c].n;
	}
	bhb_hist_recount(t.h);
	bhb_hist_recount(t.gap);
	names = json_array();
	for (int i = 0; i < n; i++) {
		char name[96];

		snprintf(name, sizeof(name), "%s", ev[i]);
		*strchr(name, '/') = ':';
		json_array_append_new(names, json_string(name));
	}
	o = json_pack("{s:o,s:o,s:I,s:I,s:I,s:I,s:s,s:i,s:s,s:I,s:I}",
		      "events", names, "hist", sparse_hist(t.h),
		      "matched", (json_int_t)t.matched, "unmatched_queue", (json_int_t)t.uq,
		      "unmatched_exec", (json_int_t)t.ue,
		      "lost_events", (json_int_t)((written > in_buf ? written - in_buf : 0) + dropped +
						  (unsigned long long)t.lost_lines),
		      "trace_clock", "mono", "resolution_ns", 1000,
		      "pairing", tl ? "per CPU: softirq_raise FIFO within a softirq round"
				    : "work pointer: queue_work then execute_start",
		      "trace_lines", (json_int_t)t.lines, "negative", (json_int_t)t.negative);
	if (tl) {
		json_object_set_new(o, "vec", json_integer(vec));
		json_object_set_new(o, "foreign_tasklets", json_integer(t.foreign));
	} else {
		json_object_set_new(o, "event_gap", sparse_hist(t.gap));
		json_object_set_new(o, "workqueues", json_array());
		for (void *it = json_object_iter(wqs); it; it = json_object_iter_next(wqs, it))
			json_array_append_new(json_object_get(o, "workqueues"),
					      json_string(json_object_iter_key(it)));
	}
	json_decref(wqs);
	free(t.h);
	free(t.gap);
	free(pend);
	free(rings);
	free(buf);
	return o;
err:
	json_decref(wqs);
	free(t.h);
	free(t.gap);
	free(pend);
	free(rings);
	free(buf);
	return NULL;
}
