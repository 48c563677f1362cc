// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench guest agent: the trace cross-check's pairing, over the text of
 * the trace file, no I/O (the host's unit tests link it).  How queue and
 * execution events pair up, per kind of mechanism: see trace.c.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/histjson.h"
#include "../common/names.h"
#include "../common/stats.h"
#include "agent.h"

#define RING 4096	/* waiting raises per CPU */

static const char *const wq_events[] = {
	"workqueue/workqueue_queue_work", "workqueue/workqueue_execute_start",
	"workqueue/workqueue_activate_work",
};
static const char *const tl_events[] = {
	"irq/softirq_raise", "irq/softirq_entry", "irq/softirq_exit", "irq/tasklet_entry",
};

int bhb_trace_events(int mech, const char *const **ev)
{
	if (bhb_mech_is_tasklet(mech)) {
		*ev = tl_events;
		return 4;
	}
	*ev = wq_events;
	return 3;
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

/* the text of the trace, what pairing it needs */
struct pairing {
	struct tally t;
	struct pend *pend;	/* work items */
	struct ring *rings;	/* tasklets: per CPU */
	json_t *wqs;		/* workqueues seen, as keys */
	int vec;		/* tasklets: the softirq vector */
	char val[128];
};

/* a work item event; work_fn: the callback that makes an item ours */
static void wq_line(struct pairing *P, const struct line *l)
{
	struct tally *t = &P->t;
	char *val = P->val;
	int q = !strcmp(l->ev, "workqueue_queue_work");
	uint64_t ptr;
	struct pend *e;

	if (!strcmp(l->ev, "workqueue_activate_work")) {
		/*
		 * "work struct %p" only: ours if its pointer waits
		 * in the table.  Emitted a few instructions after
		 * queue_work in the same __queue_work() call, on the
		 * same CPU: the gap is one event's recording (the
		 * event cost, see the header).
		 */
		if (field(l->args, "struct", val, sizeof(P->val)))
			return;
		e = h_find(P->pend, strtoull(val, NULL, 16), 0);
		if (e && !e->activated && e->cpu == l->cpu) {
			e->activated = 1;
			t->gap->c[bhb_hist_index(l->ts >= e->ts ? l->ts - e->ts : 0)]++;
		}
		return;
	}
	if (!q && strcmp(l->ev, "workqueue_execute_start"))
		return;
	if (field(l->args, "function", val, sizeof(P->val)) || strcmp(val, "bhb_work_fn"))
		return;
	if (field(l->args, "struct", val, sizeof(P->val)))
		return;
	ptr = strtoull(val, NULL, 16);
	e = h_find(P->pend, ptr, q);
	if (q) {
		if (!e)
			return;	/* table full: cannot happen below HSIZE items */
		if (e->key)
			t->uq++;	/* queued again before it ran: cannot happen */
		e->key = ptr + 1;
		e->ts = l->ts;
		e->cpu = l->cpu;
		e->activated = 0;
		if (!field(l->args, "workqueue", val, sizeof(P->val)))
			json_object_set_new(P->wqs, val, json_true());
	} else if (!e) {
		t->ue++;
	} else {
		record(t, e->ts, l->ts);
		h_del(P->pend, e);
	}
}

/* 1 when args name the tasklet vector, 0 otherwise */
static int our_vec(struct pairing *P, const struct line *l)
{
	return !field(l->args, "vec", P->val, sizeof(P->val)) && atoi(P->val) == P->vec;
}

/* a tasklet event */
static void tl_line(struct pairing *P, const struct line *l)
{
	struct tally *t = &P->t;
	struct ring *r = &P->rings[l->cpu];
	uint64_t q;

	if (!strcmp(l->ev, "softirq_raise")) {
		if (!our_vec(P, l))
			return;
		if (r->n == RING) {
			ring_pop(r, &q);
			t->uq++;
		}
		r->ts[(r->head + r->n) % RING] = l->ts;
		r->n++;
	} else if (!strcmp(l->ev, "softirq_entry")) {
		if (our_vec(P, l))
			r->round = r->n;
	} else if (!strcmp(l->ev, "softirq_exit")) {
		if (!our_vec(P, l))
			return;
		while (r->round)
			if (!ring_pop(r, &q))
				t->uq++;
	} else if (!strcmp(l->ev, "tasklet_entry")) {
		int ours = !field(l->args, "function", P->val, sizeof(P->val)) && !strcmp(P->val, "bhb_tasklet_fn");

		if (ring_pop(r, &q)) {
			if (ours)
				t->ue++;
			return;
		}
		if (ours)
			record(t, q, l->ts);
		else
			t->foreign++;
	}
}

/* every line of text; the buffer's entry counts from its header */
static void pair_lines(struct pairing *P, char *text, unsigned long long *in_buf, unsigned long long *written)
{
	char *s, *nl;

	for (s = text; s && *s; s = nl) {
		struct line l;

		nl = strchr(s, '\n');
		if (nl)
			*nl++ = 0;
		if (*s == '#') {
			sscanf(s, "# entries-in-buffer/entries-written: %llu/%llu", in_buf, written);
			continue;
		}
		if (strstr(s, "[LOST ") && strstr(s, " EVENTS]")) {
			P->t.lost_lines += strtoll(strstr(s, "[LOST ") + 6, NULL, 10);
			continue;
		}
		if (parse_line(s, &l))
			continue;
		P->t.lines++;
		if (P->rings)
			tl_line(P, &l);
		else
			wq_line(P, &l);
	}
	if (!P->rings) {
		for (unsigned int i = 0; i < HSIZE; i++)
			if (P->pend[i].key)
				P->t.uq++;
	} else {
		for (int c = 0; c < BHB_MAX_CPUS; c++)
			P->t.uq += P->rings[c].n;
	}
}

/* the record trace_end() returns */
static json_t *pair_json(int mech, struct pairing *P, unsigned long long lost)
{
	const struct tally *t = &P->t;
	const char *const *ev;
	int n = bhb_trace_events(mech, &ev), tl = P->rings != NULL;
	json_t *names = json_array(), *o;

	for (int i = 0; i < n; i++) {
		char name[96];

		snprintf(name, sizeof(name), "%s", ev[i]);
		*strchr(name, '/') = ':';
		json_array_append_new(names, json_string(name));
	}
	o = json_pack("{s:o,s:o,s:I,s:I,s:I,s:I,s:s,s:i,s:s,s:I,s:I}",
		      "events", names, "hist", bhb_hist_sparse(t->h->c),
		      "matched", (json_int_t)t->matched, "unmatched_queue", (json_int_t)t->uq,
		      "unmatched_exec", (json_int_t)t->ue, "lost_events", (json_int_t)lost,
		      "trace_clock", "mono", "resolution_ns", 1000,
		      "pairing", tl ? "per CPU: softirq_raise FIFO within a softirq round"
				    : "work pointer: queue_work then execute_start",
		      "trace_lines", (json_int_t)t->lines, "negative", (json_int_t)t->negative);
	if (tl) {
		json_object_set_new(o, "vec", json_integer(P->vec));
		json_object_set_new(o, "foreign_tasklets", json_integer(t->foreign));
	} else {
		json_object_set_new(o, "event_gap", bhb_hist_sparse(t->gap->c));
		json_object_set_new(o, "workqueues", json_array());
		for (void *it = json_object_iter(P->wqs); it; it = json_object_iter_next(P->wqs, it))
			json_array_append_new(json_object_get(o, "workqueues"),
					      json_string(json_object_iter_key(it)));
	}
	return o;
}

json_t *bhb_trace_pair(int mech, int vec, char *text, unsigned long long dropped, char *why, size_t len)
{
	struct pairing P = { .vec = vec, .wqs = json_object() };
	unsigned long long in_buf = 0, written = 0;
	json_t *o = NULL;

	why[0] = 0;
	P.t.h = calloc(1, sizeof(*P.t.h));
	P.t.gap = calloc(1, sizeof(*P.t.gap));
	if (bhb_mech_is_tasklet(mech))
		P.rings = calloc(BHB_MAX_CPUS, sizeof(*P.rings));
	else
		P.pend = calloc(HSIZE, sizeof(*P.pend));
	if (!P.t.h || !P.t.gap || (bhb_mech_is_tasklet(mech) ? !P.rings : !P.pend)) {
		snprintf(why, len, "trace: out of memory");
		goto out;
	}
	pair_lines(&P, text, &in_buf, &written);
	bhb_hist_recount(P.t.h);
	bhb_hist_recount(P.t.gap);
	o = pair_json(mech, &P, (written > in_buf ? written - in_buf : 0) + dropped +
				(unsigned long long)P.t.lost_lines);
out:
	json_decref(P.wqs);
	free(P.t.h);
	free(P.t.gap);
	free(P.pend);
	free(P.rings);
	return o;
}
