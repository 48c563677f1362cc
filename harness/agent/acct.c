// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel accounts, sampled around a run: CPU time by /proc/stat
 * (busy, irq, softirq), ksoftirqd's and every kworker's run time
 * (/proc/PID/schedstat), TASKLET and HI softirqs raised.  The latency
 * runs and the real-subsystem runs count CPU cost the same way.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

int bhb_read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -1;
	/* a /proc file longer than a page comes in several reads */
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (n < 0)
		return -1;
	buf[got] = 0;
	return 0;
}

static int schedstat(int pid, uint64_t *ns, uint64_t *slices)
{
	char path[64], buf[128];
	unsigned long long a, b, c;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	if (bhb_read_text(path, buf, sizeof(buf)) || sscanf(buf, "%llu %llu %llu", &a, &b, &c) != 3)
		return -1;
	*ns = a;
	*slices = c;
	return 0;
}

void bhb_acct_init(struct bhb_acct_src *src)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[300], comm[64];
		int pid = atoi(e->d_name), cpu;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if (!bhb_read_text(path, comm, sizeof(comm)) && sscanf(comm, "ksoftirqd/%d", &cpu) == 1 &&
		    cpu >= 0 && cpu < BHB_MAX_CPUS)
			src->ksoftirqd_pid[cpu] = pid;
	}
	closedir(d);
}

void bhb_acct_snap(struct bhb_acct_src *src, struct bhb_acct *a)
{
	char *buf = src->text;
	DIR *d;
	struct dirent *e;

	memset(a, 0, sizeof(*a));
	a->wall_ns = now_ns();
	if (!bhb_read_text("/proc/stat", buf, sizeof(src->text)))
		bhb_stat_acct(buf, &a->ticks_busy, &a->ticks_irq, &a->ticks_softirq);
	if (!bhb_read_text("/proc/softirqs", buf, sizeof(src->text)))
		a->tasklet_softirqs = bhb_softirqs_tasklet(buf);
	for (int c = 0; c < BHB_MAX_CPUS; c++) {
		uint64_t ns, sl;

		if (src->ksoftirqd_pid[c] && !schedstat(src->ksoftirqd_pid[c], &ns, &sl)) {
			a->ksoftirqd_ns += ns;
			a->ksoftirqd_runs += sl;
		}
	}
	d = opendir("/proc");
	if (!d)
		return;
	while ((e = readdir(d)) && a->nkw < BHB_MAX_KW) {
		char path[300], comm[64];
		int pid = atoi(e->d_name);
		uint64_t ns, sl;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if (bhb_read_text(path, comm, sizeof(comm)) || strncmp(comm, "kworker/", 8) ||
		    schedstat(pid, &ns, &sl))
			continue;
		a->kw_pid[a->nkw] = pid;
		a->kw_ns[a->nkw++] = ns;
	}
	closedir(d);
}

json_t *bhb_acct_delta(const struct bhb_acct *b, const struct bhb_acct *a)
{
	long hz = sysconf(_SC_CLK_TCK);
	double tick_ns = 1e9 / (double)(hz > 0 ? hz : 100);
	uint64_t kw = 0;

	/* a kworker that appeared during the run counts whole */
	for (int i = 0; i < a->nkw; i++) {
		uint64_t before = 0;

		for (int k = 0; k < b->nkw; k++)
			if (b->kw_pid[k] == a->kw_pid[i])
				before = b->kw_ns[k];
		if (a->kw_ns[i] > before)
			kw += a->kw_ns[i] - before;
	}
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 "wall_ns", (json_int_t)(a->wall_ns - b->wall_ns),
			 "busy_ns", (json_int_t)((double)(a->ticks_busy - b->ticks_busy) * tick_ns),
			 "softirq_ns", (json_int_t)((double)(a->ticks_softirq - b->ticks_softirq) * tick_ns),
			 "irq_ns", (json_int_t)((double)(a->ticks_irq - b->ticks_irq) * tick_ns),
			 "ksoftirqd_ns", (json_int_t)(a->ksoftirqd_ns - b->ksoftirqd_ns),
			 "ksoftirqd_runs", (json_int_t)(a->ksoftirqd_runs - b->ksoftirqd_runs),
			 "kworker_ns", (json_int_t)kw,
			 "tasklet_softirqs", (json_int_t)(a->tasklet_softirqs - b->tasklet_softirqs));
}

