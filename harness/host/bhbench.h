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
#include <jansson.h>

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
	char accel[8];		/* auto | kvm | tcg | icount */
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
int bhb_copy_file(const char *from, const char *to);
double bhb_now(void);
int bhb_is_tty(void);

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

/* ---- QEMU (qemu.c) ---- */
struct boot_opts {
	const char *kernel, *initrd, *append, *accel;
	int cpus, mem_mb, timeout_s, hang_s;
	const char *console_path, *chan_path, *qemu_log;
	int progress;		/* echo agent progress lines */
	const char *expected;	/* comma list: splats naming one of these are findings */
	const char *label;	/* "kernel scenario" for the progress line */
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
/* "kvm" if KVM really boots a kernel here, else "tcg"; why says why */
const char *bhb_pick_accel(const char *kernel, char *why, size_t len);
const char *bhb_qemu_version(void);
/* a console line that means the guest kernel is in trouble */
int bhb_console_is_failure(const char *line);

/* ---- analysis (analyze.c) ---- */
struct analysis_in {
	const char *chan_path;
	const char *run_dir;
	json_t *env;		/* host-side environment record */
	const struct bhb_scenario *sc;
	uint64_t seed;
};
/* writes results.json, gbench.json, summary.txt; returns 0 when every run is sound */
int bhb_analyze(const struct analysis_in *in, json_t **results, char *why, size_t len);
void bhb_print_summary(FILE *f, json_t *results);

/* ---- control operations (control.c) ---- */
/* the "control" frames of one boot -> results.json "control"; adds failures */
json_t *bhb_control_summary(json_t *frames, json_t *failures);
void bhb_print_control(FILE *f, json_t *control);

/* ---- trace cross-check (trace.c) ---- */
/*
 * the "trace" frames of one boot and the run's benchmarks -> results.json
 * "trace_check": per mechanism, trace-derived vs module queue-to-callback
 * latency of the same traced runs, and traced vs untraced module medians;
 * disagreement beyond the stated tolerance is added to failures
 */
json_t *bhb_trace_summary(json_t *frames, json_t *benchmarks, json_t *failures);
void bhb_print_trace(FILE *f, json_t *trace_check);

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
/* adds a sparse [bucket, count, ...] histogram to h and recounts; -1 if malformed */
struct bhb_hist;
int bhb_hist_add_sparse(struct bhb_hist *h, json_t *a);
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
/* median(b) / median(a) with a 95% bootstrap interval; 0 or -1 */
int bhb_ratio_boot(const double *a, int n, const double *b, int m, uint64_t seed,
		   double *ratio, double *lo, double *hi);

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
json_t *bhb_host_env(void);
json_t *bhb_host_load(void);

#endif
