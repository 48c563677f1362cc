/* SPDX-License-Identifier: GPL-2.0 */
/* bhbench guest agent: what its parts share. */
#ifndef BHB_AGENT_H
#define BHB_AGENT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/names.h"
#include "../common/scenario.h"
#include "../common/stats.h"

/* the result channel: framed records (harness/common/frame.h) to the host */
struct bhb_chan {
	FILE *f;		/* NULL: not open (yet) */
	uint32_t seq;		/* frames written so far */
};

/*
 * One agent: what every part of it works with.  Nothing in the agent
 * lives in globals; each run_* gets this.
 */
struct bhb_agent {
	int devfd;			/* /dev/bhbench, or -1 */
	struct bhb_info info;		/* BHB_IOC_INFO */
	struct bhb_scenario sc;		/* the (first) scenario */
	struct bhb_chan chan;
	FILE *log;			/* say(): progress and errors (the console) */
};

/* tasklet and tasklet_hi: run by the CPU that scheduled them, no flush */
static inline int bhb_mech_is_tasklet(int m)
{
	return m == BHB_MECH_TASKLET || m == BHB_MECH_TASKLET_HI;
}

/* ---- chan.c: the output sinks (host-testable) ---- */
void say(const struct bhb_agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void send_json(struct bhb_agent *a, const char *type, json_t *j);
void send_raw(struct bhb_agent *a, const char *type, const char *payload, size_t len);
void send_error(struct bhb_agent *a, const char *what);
/* the "end" frame: "<frames before it> <status>" */
void send_end(struct bhb_agent *a, int status);
uint64_t now_ns(void);

/* ---- parse.c: pure helpers (host-testable) ---- */
/* value of key=... on the kernel command line into val, or def (NULL: none) */
const char *bhb_cmdline_get(const char *cmdline, const char *key, const char *def, char *val, size_t len);
/* "bhbench.x=y" words of the command line as module parameters "x=y ..." */
void bhb_module_params(const char *cmdline, char *out, size_t len);
/*
 * The first line of /proc/stat: busy (all but idle and iowait) and total
 * jiffies, as the settle() idle check counts them; 0, or -1 (both zero)
 */
int bhb_stat_idle(const char *text, unsigned long long *busy, unsigned long long *total);
/* the first line of /proc/stat as a run accounts it; 0 or -1 */
int bhb_stat_acct(const char *text, uint64_t *busy, uint64_t *irq, uint64_t *softirq);
/* the sum of the TASKLET and HI rows of /proc/softirqs over all CPUs */
uint64_t bhb_softirqs_tasklet(const char *text);
/* /proc/PID/stat: comm and utime + stime; 0 or -1 */
int bhb_task_stat(const char *line, char *comm, size_t len, unsigned long long *ticks);
/* "... (mode) ..." of /sys/kernel/debug/sched/preempt into mode; 0 or -1 */
int bhb_preempt_parse(const char *text, char *mode, size_t len);
/*
 * The repetition order: reps[i] entries of i for each of the n items,
 * shuffled (Fisher-Yates over bhb_rand(seed)); order holds the sum of
 * reps.  The same seed gives the same order.  Returns the length.
 */
int bhb_rep_order(const unsigned int *reps, int n, uint64_t seed, int *order);

/* ---- dm-verity (dmverity.c; its text parsing in parse.c) ---- */
/*
 * The kprobe targets for "where verification ran", the first the kernel
 * can probe: verity_hash_for_block() is called once per data block
 * verified, in whatever context verifies, and is not static in 6.1, 6.12
 * or 7.x; verity_hash() the fallback.
 */
#define BHB_DMV_PROBES "verity_hash_for_block", "verity_hash"
/* events of the kprobe, by where they fired (trace flags and task name) */
struct bhb_where {
	uint64_t softirq;	/* in softirq on the CPU's way out of an interrupt, or a BH-disabled section's end */
	uint64_t ksoftirqd;	/* in softirq in ksoftirqd */
	uint64_t hardirq;
	uint64_t kworker;	/* a workqueue's task (kverityd) */
	uint64_t task;		/* any other task: the reader itself (fio) */
	uint64_t events;	/* all of them */
};
/* "Root hash:" of veritysetup format's output into root; 0 or -1 */
int bhb_verity_root_hash(const char *out, char *root, size_t len);
/* a hist trigger's output keyed by common_pid.execname,common_flags; 0 or -1 */
int bhb_where_parse(const char *hist, struct bhb_where *w);
json_t *bhb_where_json(const struct bhb_where *w, const char *probe);
/* fio's --output-format=json: its one job (with "fio_version" added), or NULL with why */
json_t *bhb_fio_job(const char *out, char *why, size_t len);

/* ---- victim.c: a task on the producing CPU that pays for the load ---- */
struct bhb_victim {
	uint32_t kind;			/* BHB_VICTIM_* */
	int pid;
	struct victim_shm *sh;
};

struct bhb_victim_sample {
	uint64_t ns, units;
	struct bhb_hist rt;
};

int victim_start(struct bhb_victim *v, uint32_t kind, int cpu);
void victim_sample(const struct bhb_victim *v, struct bhb_victim_sample *s);
int victim_stop(struct bhb_victim *v);
json_t *victim_json(uint32_t kind, const struct bhb_victim_sample s[4]);

/* ---- acct.c: what the kernel accounts, sampled around a run ---- */
#define BHB_MAX_KW 1024
struct bhb_acct {
	uint64_t wall_ns;
	uint64_t ticks_busy, ticks_softirq, ticks_irq;	/* /proc/stat, USER_HZ */
	uint64_t ksoftirqd_ns, ksoftirqd_runs;		/* /proc/PID/schedstat */
	uint64_t tasklet_softirqs;			/* /proc/softirqs TASKLET + HI */
	int nkw;
	int kw_pid[BHB_MAX_KW];
	uint64_t kw_ns[BHB_MAX_KW];
};

/* where the snapshots look: ksoftirqd's pids, and a buffer for /proc's tables */
struct bhb_acct_src {
	int ksoftirqd_pid[BHB_MAX_CPUS];
	char text[16384];
};

/* a whole small file into buf (NUL-terminated); 0 or -1 */
int bhb_read_text(const char *path, char *buf, size_t len);
void bhb_acct_init(struct bhb_acct_src *src);
void bhb_acct_snap(struct bhb_acct_src *src, struct bhb_acct *a);
/* after minus before: wall, busy, softirq, irq, ksoftirqd, kworker ns; softirqs raised */
json_t *bhb_acct_delta(const struct bhb_acct *b, const struct bhb_acct *a);

/* ---- fio.c: what the real-subsystem kinds (dm-verity, usb-storage) share ---- */
#define UL		"/ul"			/* Debian's tools (provision.sh userland) */
#define UL_LOADER	UL "/lib64/ld-linux-x86-64.so.2"
#define KMOD_DIR	"/kmod"			/* the kernel's own modules, order-SET their order */

/*
 * In a guest the tools are /ul's and the modules /kmod's; natively
 * (bhbench run --native) the machine's own: its fio, veritysetup and
 * dmsetup, its modprobe, and every module that came with the run (by
 * modprobe, or by the kernel for a tool: a hash driver, AF_ALG) unloaded
 * after it, newest first.
 */
struct bhb_rs {
	struct bhb_agent *a;
	struct bhb_acct_src src;
	int native;
	char tmp[1024];			/* where a tool's stdout and stderr go: /tmp, or the run's directory */
	char modules_before[65536];	/* natively: /proc/modules's names before the kind, "\nNAME\n..." */
	int modules_known;		/* modules_before is whole */
	char probe[64];			/* the kprobed function, "" if none */
	char probe_why[160];
	char out[65536], err[8192];	/* the last tool's stdout and stderr */
	int failed;
};
struct bhb_boot_args;
void bhb_rs_init(struct bhb_rs *r, struct bhb_agent *a, const struct bhb_boot_args *b);
/* an error frame, and one more failure; returns -1 */
int bhb_rs_fail(struct bhb_rs *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* a tool (argv[0] its path in /ul): /ul's through /ul's loader, or the machine's; stdout and stderr kept */
pid_t bhb_ul_spawn(const struct bhb_rs *r, const char *const *argv);
/* its exit status (-1: it did not run); stdout into r->out, stderr into r->err */
int bhb_ul_wait(struct bhb_rs *r, pid_t pid);
int bhb_ul_run(struct bhb_rs *r, const char *const *argv);
int bhb_running(pid_t pid);
/* the first line of the last tool's stderr (or stdout) */
const char *bhb_ul_first_line(struct bhb_rs *r);
int bhb_ul_check(struct bhb_rs *r, const char *kind, const char *const *tools, int n, json_t *versions);
int bhb_load_ko(const char *name, const char *params);
int bhb_kmods_load(struct bhb_rs *r, const char *kind, const char *set, const char *special, const char *params,
		   json_t *loaded);
/* natively: modprobe NAME PARAMS (the machine's modules), unless it is loaded already */
int bhb_modprobe(struct bhb_rs *r, const char *kind, const char *name, const char *params, json_t *loaded);
/* natively: unload every module that came since bhb_rs_init(), the newest first */
void bhb_rs_unload(struct bhb_rs *r);
/* the kprobe of where the work runs: the first of funcs the kernel can probe (r->probe, or r->probe_why) */
void bhb_rs_probe(struct bhb_rs *r, const char *const *funcs, int nfuncs);
void bhb_rs_unprobe(struct bhb_rs *r);
/* one fio run of node's first size_mb MiB (load: BHB_DMV_RAND4K or BHB_DMV_SEQ512K), reads only */
json_t *bhb_fio_run(struct bhb_rs *r, const char *node, uint32_t size_mb, int load, uint32_t runtime_ms,
		    uint64_t seed);

/* a PREEMPT_RT kernel (latency.c) */
int bhb_preempt_rt(void);

/* ---- the kinds of run, each in its own file ---- */
/*
 * A scenario kind in the guest: agent/<kind>.c runs its scenarios and
 * sends its frames; host/<kind>.c takes them (host/kind.h).  agent.c runs
 * the kinds of agent_kinds[] in order, each over this boot's scenarios of
 * its type (docs/ARCHITECTURE.md: how to add one).
 */
struct bhb_boot_args {
	const struct bhb_scenario *scens;	/* this boot's scenarios (a suite's members) */
	int nscens;
	const char *cmdline;			/* the kernel command line: bhbagent.* words */
	const char *modpath, *params;		/* the module and its parameters */
	int native;				/* bhbench run --native: the machine itself */
	const char *dir;			/* natively the run's directory */
};

struct bhb_agent_kind {
	const char *name;
	uint32_t type;		/* the BHB_SCEN_* it runs */
	/* this boot's scenarios of the kind; 0 when every run was sound */
	int (*run)(struct bhb_agent *a, const struct bhb_boot_args *b);
};

extern const struct bhb_agent_kind bhb_agent_latency, bhb_agent_control, bhb_agent_hotplug, bhb_agent_fuzz,
	bhb_agent_dmverity, bhb_agent_usb;


/* write CPU's online file; 0 or -errno; *ns: how long the write took */
int set_online(int cpu, int on, uint64_t *ns);

/* what run_latency() is asked (the kernel command line's bhbagent.* words) */
struct bhb_latency_opts {
	int suite;		/* labels are scenario/case */
	int trace_reps;		/* > 0: that many traced runs of every mechanism of the first case */
	uint64_t order_seed;	/* the repetition order */
	int narrow;		/* a case wanting CPUs this boot lacks is n/a, not an error */
};
/* the latency scenarios among s[0..n); returns the number of failed runs */
int run_latency(struct bhb_agent *a, const struct bhb_scenario *s, int n, const struct bhb_latency_opts *o);
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
/*
 * trace_parse.c (host-testable): the pairing itself, over the text of the
 * trace file (modified in place); vec: the softirq vector of a tasklet
 * mechanism; dropped: events the per-CPU buffers refused.  The object
 * trace_end() returns, or NULL with why set.
 */
/* the events used for mech ("system/event"): *ev, and how many */
int bhb_trace_events(int mech, const char *const **ev);
json_t *bhb_trace_pair(int mech, int vec, char *text, unsigned long long dropped, char *why, size_t len);

/* the hotplug drain scenario; returns the number of failed cycles */
int run_hotplug(struct bhb_agent *a);
/* "/init hp ...": the steps hyperfine runs as separate processes */
int hp_tool(int argc, char **argv);
/* hostile requests, lifecycle and slab checks; returns failed checks */
int run_fuzz(struct bhb_agent *a, const char *module_path, const char *params);
/*
 * control operations (cancel, flush, disable/enable, self-freeing work,
 * coalescing) of scenario s; sends "control" frames; returns failed checks
 */
int run_control(struct bhb_agent *a, const struct bhb_scenario *s);

#endif
