// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench guest agent: pure helpers, no I/O (the host's unit tests link
 * them): the kernel command line, /proc text, the repetition order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/stats.h"
#include "agent.h"

const char *bhb_cmdline_get(const char *cmdline, const char *key, const char *def, char *val, size_t len)
{
	size_t kl = strlen(key);

	for (const char *p = cmdline; (p = strstr(p, key)); p += kl) {
		if ((p == cmdline || p[-1] == ' ') && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, " \n");

			if (n >= len)
				n = len - 1;
			memcpy(val, p + kl + 1, n);
			val[n] = 0;
			return val;
		}
	}
	return def;
}

void bhb_module_params(const char *cmdline, char *out, size_t len)
{
	char *buf = strdup(cmdline), *save = NULL;

	out[0] = 0;
	if (!buf)
		return;
	for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		if (strncmp(t, "bhbench.", 8))
			continue;
		strncat(out, t + 8, len - strlen(out) - 1);
		strncat(out, " ", len - strlen(out) - 1);
	}
	free(buf);
}

int bhb_stat_idle(const char *text, unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[8] = { 0 };

	*busy = *total = 0;
	if (sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &v[6], &v[7]) != 8)
		return -1;
	for (int i = 0; i < 8; i++)
		*total += v[i];
	*busy = *total - v[3] - v[4];
	return 0;
}

int bhb_stat_acct(const char *text, uint64_t *busy, uint64_t *irq, uint64_t *softirq)
{
	unsigned long long v[8] = { 0 };

	if (sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &v[6], &v[7]) < 7)
		return -1;
	*busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	*irq = v[5];
	*softirq = v[6];
	return 0;
}

uint64_t bhb_softirqs_tasklet(const char *text)
{
	uint64_t sum = 0;

	for (const char *line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *p = line;

		while (*p == ' ')
			p++;
		if (strncmp(p, "TASKLET:", 8) && strncmp(p, "HI:", 3))
			continue;
		p = strchr(p, ':') + 1;
		for (;;) {
			char *end;
			unsigned long long x = strtoull(p, &end, 10);

			if (end == p)
				break;
			sum += x;
			p = end;
		}
	}
	return sum;
}

int bhb_task_stat(const char *line, char *comm, size_t len, unsigned long long *ticks)
{
	const char *rp = strrchr(line, ')'), *lp;
	unsigned long long ut, st;

	if (!rp || sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	lp = strchr(line, '(');
	*ticks = ut + st;
	snprintf(comm, len, "%.*s", lp ? (int)(rp - lp - 1) : 0, lp ? lp + 1 : "");
	return 0;
}

int bhb_preempt_parse(const char *text, char *mode, size_t len)
{
	const char *a = strchr(text, '('), *b = a ? strchr(a, ')') : NULL;

	if (!a || !b)
		return -1;
	snprintf(mode, len, "%.*s", (int)(b - a - 1), a + 1);
	return 0;
}

int bhb_rep_order(const unsigned int *reps, int n, uint64_t seed, int *order)
{
	int total = 0;

	for (int i = 0; i < n; i++)
		for (unsigned int r = 0; r < reps[i]; r++)
			order[total++] = i;
	for (int i = total - 1; i > 0; i--) {
		int j = (int)(bhb_rand(&seed) % (uint64_t)(i + 1)), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	return total;
}

int bhb_verity_root_hash(const char *out, char *root, size_t len)
{
	const char *p = strstr(out, "Root hash:");
	size_t n;

	if (!p)
		return -1;
	p += strlen("Root hash:");
	p += strspn(p, " \t");
	n = strspn(p, "0123456789abcdef");
	if (n < 32 || n >= len)
		return -1;
	memcpy(root, p, n);
	root[n] = 0;
	return 0;
}

/*
 * Lines like "{ common_pid: kworker/1:1H    [        57], common_flags:
 * 16 } hitcount:  1234"; flags are the trace flags (0x08 hardirq, 0x10
 * softirq).  Checked against the histogram's own "Hits:" total.
 */
int bhb_where_parse(const char *hist, struct bhb_where *w)
{
	unsigned long long hits = 0;
	int have_total = 0;

	memset(w, 0, sizeof(*w));
	for (const char *l = hist; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *p = strstr(l, "common_pid:"), *f = strstr(l, "common_flags:"), *h = strstr(l, "hitcount:");
		const char *nl = strchr(l, '\n');
		char comm[32] = "";
		unsigned long long flags, n;

		if (!strncmp(l, "    Hits:", 9) && sscanf(l + 9, "%llu", &hits) == 1)
			have_total = 1;
		if (l[0] != '{' || !p || !f || !h || (nl && (h > nl || f > nl)))
			continue;
		if (sscanf(p + 11, " %31[^ []", comm) != 1 || sscanf(f + 13, "%llu", &flags) != 1 ||
		    sscanf(h + 9, "%llu", &n) != 1)
			return -1;
		if (flags & 0x08)
			w->hardirq += n;
		else if ((flags & 0x10) && !strncmp(comm, "ksoftirqd/", 10))
			w->ksoftirqd += n;
		else if (flags & 0x10)
			w->softirq += n;
		else if (!strncmp(comm, "kworker/", 8))
			w->kworker += n;
		else
			w->task += n;
		w->events += n;
	}
	return have_total && hits == w->events ? 0 : -1;
}

json_t *bhb_where_json(const struct bhb_where *w, const char *probe)
{
	return json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "probe", probe, "events", (json_int_t)w->events,
			 "softirq", (json_int_t)w->softirq, "ksoftirqd", (json_int_t)w->ksoftirqd,
			 "hardirq", (json_int_t)w->hardirq, "kworker", (json_int_t)w->kworker,
			 "task", (json_int_t)w->task);
}

json_t *bhb_fio_job(const char *out, char *why, size_t len)
{
	const char *start = strchr(out, '{');
	json_error_t je;
	json_t *root, *job;

	if (!start) {
		snprintf(why, len, "no JSON in fio's output");
		return NULL;
	}
	root = json_loads(start, JSON_DISABLE_EOF_CHECK, &je);
	if (!root) {
		snprintf(why, len, "fio's JSON: %s (line %d)", je.text, je.line);
		return NULL;
	}
	job = json_array_get(json_object_get(root, "jobs"), 0);
	if (!job || !json_is_object(json_object_get(job, "read"))) {
		snprintf(why, len, "fio's JSON has no job with reads");
		json_decref(root);
		return NULL;
	}
	if (json_integer_value(json_object_get(job, "error"))) {
		snprintf(why, len, "fio's job ended with error %lld",
			 (long long)json_integer_value(json_object_get(job, "error")));
		json_decref(root);
		return NULL;
	}
	json_incref(job);
	json_object_set(job, "fio_version", json_object_get(root, "fio version"));
	json_decref(root);
	return job;
}
