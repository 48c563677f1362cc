/* SPDX-License-Identifier: GPL-2.0 */
/* bhbench guest agent: what its parts share. */
#ifndef BHB_AGENT_H
#define BHB_AGENT_H

#include <jansson.h>
#include <stdint.h>

#include "../common/names.h"
#include "../common/scenario.h"

extern int devfd;
extern struct bhb_info info;
extern struct bhb_scenario sc;

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void send_json(const char *type, json_t *j);
void send_raw(const char *type, const char *payload, size_t len);
void send_error(const char *what);
uint64_t now_ns(void);

/*
 * the latency scenarios among s[0..n) (suite: labels are scenario/case);
 * trace_reps > 0: then that many traced runs of every mechanism of the
 * first case (the trace cross-check); returns the number of failed runs
 */
/* write CPU's online file; 0 or -errno; *ns: how long the write took */
int set_online(int cpu, int on, uint64_t *ns);
int run_latency(const struct bhb_scenario *s, int n, int suite, int trace_reps, uint64_t order_seed, int narrow);
/*
 * The trace cross-check (trace.c): the kernel's own trace events for one
 * mechanism's runs.  trace_begin() enables the events that mechanism's
 * queueing and execution emit (trace clock "mono", the clock of
 * ktime_get_ns()); 0, or -1 with why set (e.g. an event this kernel lacks).
 * trace_end() disables them, reads the buffer and pairs queue and
 * execution events of this module's items into queue-to-callback-entry
 * latencies: returns a JSON object with at least
 *   "events": [names used], "hist": sparse [bucket, count, ...] as in a
 *   run record (bhb_hist buckets, ns), "matched", "unmatched_queue",
 *   "unmatched_exec", "lost_events" (ring buffer overruns)
 * or NULL with why set.
 */
int trace_begin(int mech, char *why, size_t len);
json_t *trace_end(int mech, char *why, size_t len);

/* the hotplug drain scenario; returns the number of failed cycles */
int run_hotplug(void);
/* "/init hp ...": the steps hyperfine runs as separate processes */
int hp_tool(int argc, char **argv);
/* hostile requests, lifecycle and slab checks; returns failed checks */
int run_fuzz(const char *module_path, const char *params);
/*
 * control operations (cancel, flush, disable/enable, self-freeing work,
 * coalescing) of scenario s; sends "control" frames; returns failed checks
 */
int run_control(const struct bhb_scenario *s);

#endif
