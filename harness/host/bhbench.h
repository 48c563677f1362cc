/* SPDX-License-Identifier: GPL-2.0 */
/* bhbench host CLI: shared declarations. */
#ifndef BHB_HOST_H
#define BHB_HOST_H

/*
 * --accel icount: single-threaded TCG with QEMU's instruction counting.
 * Virtual time advances 2^BHB_ICOUNT_SHIFT ns per guest instruction
 * (align=off: never slowed to the host's clock; sleep=off: an idle guest
 * jumps to its next timer instead of waiting in host time), so a run is
 * the same on every host.  Why 3 (8 ns, 125 M instructions per virtual
 * second): see the README's "Deterministic mode".
 */
#define BHB_ICOUNT_SHIFT 3
#define BHB_ICOUNT_OPTS "shift=3,align=off,sleep=off"
#define BHB_ICOUNT_MEANING "2^3 = 8 ns per guest instruction, vCPUs run in turn"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "../common/histjson.h"
#include "../common/scenario.h"

/* ---- subcommands (main.c holds the table) ---- */
int cmd_run(int argc, char **argv);
int cmd_kernels(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_matrix(int argc, char **argv);
int cmd_trend(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_ab(int argc, char **argv);
/* bhbench merge of DIR/boot-1..N into DIR/results.json; merge's exit status */
int bhb_merge_boots(const char *dir, int n);
/* provision a Debian kernel (alias or release): its release in rel; 0 or -1 */
int bhb_kernel_fetch(const char *kernel, char *rel, size_t len);

/* ---- options of "bhbench run" (cli.c) ---- */
struct run_opts {
	char kernel[128];
	char scenario[512];
	char accel[8];		/* auto | kvm | tcg | icount; "native" with --native */
	int cpus;
	int mem_mb;
	int timeout_s;		/* whole boot */
	int hang_s;		/* no output for this long = hang */
	char out_dir[512];
	char append[1024];	/* extra kernel command line */
	char run_id[128];
	int cycles;		/* >0: override the scenario's cycles */
	int no_report;		/* skip report.html / report.md */
	int quick;		/* fewer repetitions and items */
	int trace;		/* traced runs per mechanism (cross-check) */
	int boots;		/* >1: that many boots, merged */
	int seed;		/* the order of the repetitions (boot I of --boots: seed + I) */
	int narrow;		/* icount, --cpus not given: cases needing more CPUs are n/a */
	int help;
	char kernel_image[1024];	/* a user's own kernel: its bzImage ... */
	char kernel_build[1024];	/* ... and its build tree (both or neither) */
	char payload[1024];		/* a payload module's directory: every latency case's callback */
	int native;			/* --native: this machine's own kernel, no guest */
	int allow_hotplug, allow_fuzz;	/* --native: scenarios that take CPUs offline, that fuzz the device */
	char usb_disk[64];		/* --native -s usb-storage: the machine's USB disk, /dev/sdX */
};
extern const char run_usage[];
/* 0, or -1 with a message in err */
int bhb_parse_run_opts(int argc, char **argv, struct run_opts *o, char *err, size_t errlen);
/*
 * One boot of a run (run --boots, ab): bhbench run with o's kernel (rel
 * instead of o->kernel when not NULL), scenario, accelerator, vCPUs,
 * memory, timeouts, append, seed and --quick, into OUT/ID, without a
 * report.
 */
int bhb_run_boot(const struct run_opts *o, const char *rel, const char *out, const char *id);
/*
 * bhbench run as a library call: check everything, boot (o->boots > 1:
 * that many boots, merged), analyse, write o->out_dir/o->run_id; returns
 * the exit status (0 ok, 1 failed, 2 bad input, 130 interrupted).
 */
int bhb_run(const struct run_opts *o);
/* scenario name or path -> path; -1 with message if not found */
int bhb_scenario_path(const char *root, const char *arg, char *out, size_t len, char *err, size_t errlen);

/* ---- utilities (util.c) ---- */
const char *bhb_root(void);
const char *bhb_cache(void);
int bhb_mkdirs(const char *path);
char *bhb_slurp(const char *path, size_t *len);
int bhb_write_atomic(const char *path, const void *buf, size_t len);
int bhb_json_write_atomic(const char *path, json_t *j);
/* run a command, capture stdout (trimmed); stderr passes through. exit status or -1 */
int bhb_capture(char *out, size_t len, const char *const argv[]);
double bhb_now(void);

/* ---- initramfs (cpio.c) ---- */
struct cpio;
struct cpio *cpio_open(const char *path);
int cpio_dir(struct cpio *c, const char *name);
int cpio_file(struct cpio *c, const char *name, const char *src, unsigned int mode);
int cpio_data(struct cpio *c, const char *name, const void *data, size_t len, unsigned int mode);
int cpio_chardev(struct cpio *c, const char *name, unsigned int major, unsigned int minor);
int cpio_close(struct cpio *c);
/* add a dynamically linked program's shared libraries (via ldd) */
int cpio_add_libs(struct cpio *c, const char *program);
/* every "GUEST_PATH HOST_PATH" line of a manifest (provision.sh userland) */
int cpio_manifest(struct cpio *c, const char *manifest);
/* the regular files of directory dir (not its subdirectories) under name */
int cpio_tree(struct cpio *c, const char *name, const char *dir);

/* ---- QEMU (qemu.c) ---- */
struct boot_opts {
	const char *kernel, *initrd, *append, *accel;
	int cpus, mem_mb, timeout_s, hang_s;
	const char *console_path, *chan_path, *qemu_log;
	int progress;		/* echo agent progress lines */
	const char *expected;	/* comma list: splats naming one of these are findings */
	const char *label;	/* "kernel scenario" for the progress line */
	const char *const *devices;	/* more QEMU arguments (a scenario's devices), NULL-terminated, or NULL */
};
struct boot_result {
	int exited, exit_status;
	int timed_out, hung, interrupted;
	int nfail;		/* oops/panic/WARNING/BUG lines seen */
	char fail[8][256];	/* the first of them */
	int nfound;		/* expected splats (findings) */
	char found[8][256];
	double wall_s;
};
int bhb_boot(const struct boot_opts *o, struct boot_result *r);
/*
 * A process watched as a guest is (bhbench run --native: the agent): argv
 * with its output into o->console_path (appended to, as the kernel's log is),
 * o->chan_path created empty for it to write; the timeout, a hang, a
 * signal (SIGINT, SIGTERM: the process stopped) and splats in the console
 * as for a guest.  started(pid, user), if given, runs once it is spawned.
 * 0, or -1 when it cannot start.
 */
int bhb_watch_process(const struct boot_opts *o, struct boot_result *r, const char *const argv[],
		      void (*started)(pid_t pid, void *user), void *user);
/* "kvm" if KVM really boots a kernel here, else "tcg"; why says why */
const char *bhb_pick_accel(const char *kernel, char *why, size_t len);
const char *bhb_qemu_version(void);
/* a console line that means the guest kernel is in trouble */
int bhb_console_is_failure(const char *line);

/* ---- bhbench run --native (native.c) ---- */
/*
 * Everything that must hold before a native run touches the machine: root,
 * the scenario's type (and --allow-hotplug / --allow-fuzz), the running
 * kernel's build tree (into build), module loading, the lock.  rel: the
 * running kernel.  0, or 2 after one line on stderr saying why and what
 * to do.
 */
int bhb_native_check(const struct run_opts *o, const struct bhb_scenario *sc, const char *scen_path, char *rel,
		     size_t rlen, char *build, size_t blen);
/* the machine's record: CPU, microcode, SMT, governor, boost, idle, isolation, modules, load */
json_t *bhb_native_env(void);
/*
 * The agent (argv) run on this machine, watched as a guest is, the
 * kernel's log appended to bo->console_path; bhbench.ko unloaded at the
 * end whatever happened.  why: set when the module would not unload.
 * 0, or -1 when it cannot start (why says why).
 */
int bhb_native_exec(const struct boot_opts *bo, const char *const argv[], struct boot_result *br, char *why,
		    size_t len);

/* ---- analysis (analyze.c) ---- */
struct analysis_in {
	const char *chan_path;
	const char *run_dir;
	json_t *env;		/* host-side environment record */
	const struct bhb_scenario *sc;
	uint64_t seed;
};
/*
 * The guest's result stream -> results.json: decodes the frames and hands
 * each to its scenario kind (host/kind.h); writes gbench.json; returns 0
 * when every run is sound, 1 with the first failure in why.
 */
int bhb_analyze(const struct analysis_in *in, json_t **results, char *why, size_t len);
void bhb_print_summary(FILE *f, json_t *results);

/* the scenario kinds (latency, trace, fuzz, control, hotplug): host/kind.h */

/* ---- results.json helpers (results.c) ---- */
/* results.json of a successful run, or NULL with the reason in err */
json_t *bhb_res_load(const char *dir, char *err, size_t len);
/* a benchmark's case label ("producers/hardirq"; older results: the producer) */
const char *bhb_res_case(json_t *b);
/* the distinct case labels in order; returns how many */
int bhb_res_cases(json_t *res, const char **out, int cap);
/* the benchmark of case label (or a suite's producers/label) and mechanism */
json_t *bhb_res_bench(json_t *res, const char *label, const char *mech);
/* per-repetition values of metric ("p50", "p99", "q2e_p50"); returns how many */
int bhb_res_reps(json_t *b, const char *metric, double *out, int cap);
/*
 * One hierarchical resample of nb boots (v[b][0..n[b]) each): boots with
 * replacement, then repetitions within each drawn boot; the median of what
 * was drawn.  buf holds the sum of all n[].
 */
double bhb_hier_median(int nb, const int *n, double *const *v, uint64_t *rng, double *buf);
/* "7.3.4+deb13-amd64+full": the kernel and its boot-time dimensions */
void bhb_run_label(json_t *res, char *out, size_t len);
/* the trend data file (plots/trend.gp): header, and one row per run */
void bhb_trend_header(FILE *f);
void bhb_trend_row(FILE *f, json_t *res, const char *label, const char *metric);
/* boots merged into a result (bhbench merge), 1 for a single run */
int bhb_res_boots(json_t *res);
/*
 * median(b) / median(a) of a per-repetition metric with a 95% interval from
 * a hierarchical bootstrap (boots, then repetitions within them; the
 * "boot" field of each repetition) and the two-sided bootstrap p-value of
 * a ratio of 1; 0 or -1
 */
int bhb_ratio_hier(json_t *a, json_t *b, const char *metric, uint64_t seed, double *ratio, double *lo,
		   double *hi, double *p);
/*
 * The median of a per-repetition metric over all of b's repetitions and
 * its 95% interval from the same hierarchical bootstrap (one boot: the
 * repetitions resampled); 0 or -1 (no values, out of memory)
 */
int bhb_hier_ci(json_t *b, const char *metric, uint64_t seed, double *med, double *lo, double *hi);
/* median(b) / median(a) with a 95% bootstrap interval; 0 or -1 */
int bhb_ratio_boot(const double *a, int n, const double *b, int m, uint64_t seed,
		   double *ratio, double *lo, double *hi);

/* ---- report (report.c) ---- */
/*
 * report.md, report.html and figures/ in dir, from runs[0..n) as
 * bhb_res_load returns them (borrowed); a NULL run is one that could not
 * be loaded: left out, but it keeps its number ("Run 2").  A figure gnuplot
 * cannot draw is a warning on stderr.  0, or -1 with a message in err.
 */
int bhb_report(const char *dir, json_t *const *runs, int n, char *err, size_t errlen);
/*
 * The report of result directories dirs[0..n), written into dirs[0]
 * (bhbench report; one directory: a run's own report).  A directory
 * without a successful run is skipped with a warning on stderr.  0, or -1
 * with a message in err.
 */
int bhb_report_dirs(const char *const *dirs, int n, char *err, size_t errlen);

/* ---- merging boots (merge.c) ---- */
/* the most runs one merge takes */
#define BHB_MERGE_MAX 32
/*
 * Do runs[0..n) (loaded from dirs[0..n)) merge: the same kernel,
 * accelerator, vCPUs, scenario and --quick, none a merge itself?  0, or 2
 * after saying on stderr which run does not fit.
 */
int bhb_merge_check(json_t *const *runs, const char *const *dirs, int n);
/*
 * The merge of n (1 to BHB_MERGE_MAX) runs that passed bhb_merge_check: a
 * new results object whose env.run_id is run_id, or NULL (said on stderr)
 * when out of memory.  Says on stdout which benchmarks' boots disagree on
 * p50, on stderr which benchmarks are left out (not in every run).
 */
json_t *bhb_merge(json_t *const *runs, int n, const char *run_id);
/*
 * bhbench merge: loads and checks the runs in dirs[0..n) (2 to
 * BHB_MERGE_MAX), merges them into out/results.json (out NULL or "":
 * results/DATE-merged-SCENARIO-xN) and says so; the exit status.
 */
int bhb_merge_dirs(const char *out, const char *const *dirs, int n);

/* ---- comparison of two runs (compare.c; ab.c uses it) ---- */
struct bhb_cmp_opts {
	double threshold;	/* a verdict beyond 1 +- threshold; 0: 0.05, icount 0.01 */
	double alpha;		/* 0: 0.05 */
	double min_abs_ns;	/* medians closer than this are no change ... */
	int min_abs_set;	/* ... when set; else 200 ns, icount 0 */
	int bh;			/* Benjamini-Hochberg instead of Holm-Bonferroni */
	uint64_t mechs;		/* the mechanisms tested (bits of bhb_mech_names); 0: all */
};
/*
 * One of compare's options (threshold, alpha, min-abs-ns, correction, mechs,
 * as named after --) into o; 0, or -1 with the message in err.  strict: a
 * number must be all of arg and not NaN (otherwise what atof reads).
 */
int bhb_compare_opt(struct bhb_cmp_opts *o, const char *opt, const char *arg, int strict, char *err,
		    size_t len);
/*
 * NEW against BASE (results.json of each, bhb_res_load), named base_name and
 * new_name: the model compare --format json writes, plus "text" (and a row's
 * "nonfinite": the NaN and inf JSON writes as null) that only the table
 * shows.  NULL with the reason in err when the runs cannot be compared.
 */
json_t *bhb_compare(json_t *base, json_t *nw, const char *base_name, const char *new_name,
		    const struct bhb_cmp_opts *o, char *err, size_t len);
/* bhb_compare of two result directories; err also says why one does not load */
json_t *bhb_compare_dirs(const char *base, const char *nw, const struct bhb_cmp_opts *o, char *err,
			 size_t len);
/* the comparison as compare --format table, md or json writes it */
void bhb_compare_print(FILE *f, json_t *cmp, const char *format);
/* compare's exit status: 1 when something is slower (a verdict, not a lead), else 0 */
int bhb_compare_status(json_t *cmp);

/* ---- environment (env.c) ---- */
/* the host record every result carries; emulated: 0 natively (no emulator to ask for its version) */
json_t *bhb_host_env(int emulated);
json_t *bhb_host_load(void);
/* the host's CPU ticks (user .. steal, all CPUs): 0, or -1 */
int bhb_host_ticks(unsigned long long t[8]);
/* their shares between two samples: {busy_pct, steal_pct, seconds} */
json_t *bhb_host_shares(const unsigned long long a[8], const unsigned long long b[8]);

#endif
