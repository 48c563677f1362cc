// SPDX-License-Identifier: GPL-2.0
/*
 * A case's victim: a task on the (first) producing CPU that pays for the
 * load, as a task interrupted by softirq work does.
 *   cpu  a SCHED_OTHER process doing fixed work units: its rate while the
 *        run lasts against its rate in two windows alone, one just before
 *        the run and one just after (a host that slows down for one window
 *        moves the ratio half as much, and the two windows' disagreement
 *        says how much the host moved)
 *   rt   a SCHED_FIFO (priority 90) process woken every 500 us by an
 *        absolute CLOCK_MONOTONIC timer: its wakeup latency (the time past
 *        the timer's expiry when it runs again, as rtla timerlat's user
 *        thread measures it) during the run and in the windows alone
 * The process shares its counters through an anonymous shared mapping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/histjson.h"
#include "agent.h"

#define RT_PERIOD_NS	500000ull
#define RT_PRIO		90

struct victim_shm {
	uint64_t units;			/* cpu: work units done */
	struct bhb_hist rt;		/* rt: wakeup latencies, ns */
};

/* one work unit: a fixed amount of arithmetic the compiler cannot drop */
static uint64_t unit(uint64_t x)
{
	for (int i = 0; i < 2000; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	return x;
}

static void victim_cpu(struct victim_shm *sh)
{
	volatile uint64_t sink = 1;

	for (;;) {
		sink = unit(sink);
		__atomic_add_fetch(&sh->units, 1, __ATOMIC_RELAXED);
	}
}

static void victim_rt(struct victim_shm *sh)
{
	struct sched_param sp = { .sched_priority = RT_PRIO };
	struct timespec next, now;

	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		_exit(3);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		uint64_t due, at;

		next.tv_nsec += (long)RT_PERIOD_NS;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &now);
		due = (uint64_t)next.tv_sec * 1000000000ull + (uint64_t)next.tv_nsec;
		at = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
		/* the parent copies the histogram while this runs: counts only grow */
		__atomic_add_fetch(&sh->rt.c[bhb_hist_index(at > due ? at - due : 0)], 1, __ATOMIC_RELAXED);
		/* a wakeup that came after the next expiry skips to now, as timerlat does */
		if (at > due + RT_PERIOD_NS)
			next = now;
	}
}

int victim_start(struct bhb_victim *v, uint32_t kind, int cpu)
{
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	if (kind == BHB_VICTIM_NONE)
		return 0;
	v->sh = mmap(NULL, sizeof(*v->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (v->sh == MAP_FAILED) {
		v->sh = NULL;
		return -1;
	}
	memset(v->sh, 0, sizeof(*v->sh));
	v->pid = fork();
	if (v->pid == 0) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			_exit(3);
		if (kind == BHB_VICTIM_CPU)
			victim_cpu(v->sh);
		victim_rt(v->sh);
		_exit(0);
	}
	return v->pid > 0 ? 0 : -1;
}

void victim_sample(const struct bhb_victim *v, struct bhb_victim_sample *s)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	s->ns = (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
	s->units = v->sh ? __atomic_load_n(&v->sh->units, __ATOMIC_RELAXED) : 0;
	for (unsigned int i = 0; v->sh && i < BHB_HIST_NBUCKETS; i++)
		s->rt.c[i] = __atomic_load_n(&v->sh->rt.c[i], __ATOMIC_RELAXED);
}

/* 0, or -1 when the victim was not running to the end (it died, or had no SCHED_FIFO) */
int victim_stop(struct bhb_victim *v)
{
	int st, bad = 0;

	if (v->pid > 0) {
		bad = waitpid(v->pid, &st, WNOHANG) != 0;
		kill(v->pid, SIGKILL);
		waitpid(v->pid, &st, 0);
	}
	if (v->sh)
		munmap(v->sh, sizeof(*v->sh));
	v->pid = 0;
	v->sh = NULL;
	return v->kind != BHB_VICTIM_NONE && bad ? -1 : 0;
}

/* what the victim did alone (s[0] to s[1], s[2] to s[3]) and while the run lasted (s[1] to s[2]) */
json_t *victim_json(uint32_t kind, const struct bhb_victim_sample s[4])
{
	uint64_t alone[BHB_HIST_NBUCKETS], load[BHB_HIST_NBUCKETS];

	if (kind == BHB_VICTIM_CPU)
		return json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "kind", "cpu",
				 "alone_units", (json_int_t)(s[1].units - s[0].units),
				 "alone_ns", (json_int_t)(s[1].ns - s[0].ns),
				 "load_units", (json_int_t)(s[2].units - s[1].units),
				 "load_ns", (json_int_t)(s[2].ns - s[1].ns),
				 "after_units", (json_int_t)(s[3].units - s[2].units),
				 "after_ns", (json_int_t)(s[3].ns - s[2].ns));
	for (unsigned int i = 0; i < BHB_HIST_NBUCKETS; i++) {
		alone[i] = s[1].rt.c[i] - s[0].rt.c[i] + s[3].rt.c[i] - s[2].rt.c[i];
		load[i] = s[2].rt.c[i] - s[1].rt.c[i];
	}
	return json_pack("{s:s,s:I,s:I,s:o,s:o}", "kind", "rt",
			 "alone_ns", (json_int_t)(s[1].ns - s[0].ns + s[3].ns - s[2].ns),
			 "load_ns", (json_int_t)(s[2].ns - s[1].ns), "alone", bhb_hist_sparse(alone),
			 "load", bhb_hist_sparse(load));
}
