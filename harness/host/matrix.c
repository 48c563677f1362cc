// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench matrix: run a scenario on every cell of configs/kernels.ini, one
 * boot per cell, resumable (a cell with a successful result is not run again
 * unless --force).  Each cell is one self-contained "bhbench run" command,
 * which --print-commands lists for an external job system.
 *
 * bhbench trend: one metric of one producer across runs (e.g. the cells of
 * a matrix), as a table and as a data file ready for gnuplot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/names.h"
#include "../common/stats.h"
#include "bhbench.h"
#include "rs.h"

#define MAX_CELLS 64

struct cell {
	char name[64], kernel[128], append[512];
	char image[1024], build[1024];	/* a kernel of one's own instead of a Debian one */
	int cpus, cpus_set;	/* cpus_set: given by the cell, not the default 2 */
};

struct cells {
	struct cell v[MAX_CELLS];
	int n;
	char err[256];
};

/* "~/x" and relative paths (from where bhbench runs) -> absolute, so printed commands stand alone */
static int cell_path(const char *value, char *dst, size_t cap)
{
	char cwd[PATH_MAX] = "", tmp[PATH_MAX * 2];
	const char *home = getenv("HOME");

	if (!strncmp(value, "~/", 2) && home)
		snprintf(tmp, sizeof(tmp), "%s/%s", home, value + 2);
	else if (value[0] != '/' && getcwd(cwd, sizeof(cwd)))
		snprintf(tmp, sizeof(tmp), "%s/%s", cwd, value);
	else
		snprintf(tmp, sizeof(tmp), "%s", value);
	if (strlen(tmp) >= cap)
		return -1;
	snprintf(dst, cap, "%s", tmp);
	return 0;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct cells *c = user;
	struct cell *x;

	if (!c->n || strcmp(c->v[c->n - 1].name, section)) {
		if (c->n == MAX_CELLS || strlen(section) >= sizeof(c->v[0].name) || strpbrk(section, "/ ")) {
			snprintf(c->err, sizeof(c->err), "cell [%s]: too many cells or a bad name", section);
			return 0;
		}
		x = &c->v[c->n++];
		memset(x, 0, sizeof(*x));
		snprintf(x->name, sizeof(x->name), "%s", section);
		x->cpus = 2;
	}
	x = &c->v[c->n - 1];
	if (!strcmp(key, "kernel") && strlen(value) < sizeof(x->kernel))
		snprintf(x->kernel, sizeof(x->kernel), "%s", value);
	else if (!strcmp(key, "append") && strlen(value) < sizeof(x->append))
		snprintf(x->append, sizeof(x->append), "%s", value);
	else if (!strcmp(key, "cpus") && atoi(value) >= 1 && atoi(value) <= 64) {
		x->cpus = atoi(value);
		x->cpus_set = 1;
	} else if (!strcmp(key, "image") && *value && !cell_path(value, x->image, sizeof(x->image)))
		;
	else if (!strcmp(key, "build") && *value && !cell_path(value, x->build, sizeof(x->build)))
		;
	else {
		snprintf(c->err, sizeof(c->err), "[%s]: bad key or value '%s = %s'", section, key, value);
		return 0;
	}
	return 1;
}

static int cell_done(const char *dir)
{
	char err[512];
	json_t *r = bhb_res_load(dir, err, sizeof(err));

	json_decref(r);
	return r != NULL;
}

struct job {
	pid_t pid;
	int cell;
	double start;
	char id[256], log[PATH_MAX];
};

/* one bhbench matrix: its options, its cells, the cells running */
struct matrix {
	char kfile[PATH_MAX], out[PATH_MAX], scen[256], only[512], exe[PATH_MAX];
	char accel[8];		/* --accel of the whole matrix (auto unless given) */
	char sname[256];	/* the scenario's name in the cells' ids */
	int force, print, jobs;
	struct cells cs;
	int pending[MAX_CELLS], npending, next;	/* the cells to run, in order; the next one */
	int par;		/* cells at once */
	int ran, skipped, failed;
	struct job run[MAX_CELLS];
	int running;
};

/* a cell's run id: matrix-CELL-SCENARIO, and -ACCEL unless auto */
static void cell_id(const struct matrix *mx, const struct cell *x, char *id, size_t len)
{
	snprintf(id, len, "matrix-%s-%s%s%s", x->name, mx->sname, strcmp(mx->accel, "auto") ? "-" : "",
		 strcmp(mx->accel, "auto") ? mx->accel : "");
}

/* the "bhbench run" arguments of a cell; returns argc */
static int cell_argv(const struct matrix *mx, const struct cell *x, const char *exe, const char *cpus,
		     const char *id, const char **a)
{
	int k = 0;

	a[k++] = exe; a[k++] = "run";
	if (x->image[0]) {
		a[k++] = "--kernel-image"; a[k++] = x->image;
		a[k++] = "--kernel-build"; a[k++] = x->build;
	} else {
		a[k++] = "--kernel"; a[k++] = x->kernel;
	}
	a[k++] = "--scenario"; a[k++] = mx->scen;
	/* icount boots one vCPU unless the cell asks for more (README: Deterministic mode) */
	if (strcmp(mx->accel, "icount") || x->cpus_set) {
		a[k++] = "--cpus"; a[k++] = cpus;
	}
	a[k++] = "--out"; a[k++] = mx->out; a[k++] = "--id"; a[k++] = id;
	if (strcmp(mx->accel, "auto")) {
		a[k++] = "--accel";
		a[k++] = mx->accel;
	}
	if (x->append[0]) {
		a[k++] = "--append";
		a[k++] = x->append;
	}
	a[k] = NULL;
	return k;
}

/* print one shell word, quoted when it needs to be */
static void shell_word(const char *w)
{
	if (*w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-=.,/:@%") == strlen(w)) {
		fputs(w, stdout);
		return;
	}
	putchar('\'');
	for (; *w; w++)
		fputs(*w == '\'' ? "'\\''" : (char[2]){ *w, 0 }, stdout);
	putchar('\'');
}

/* the last lines of a cell's log, indented */
static void log_tail(const char *path, int lines)
{
	char *t = bhb_slurp(path, NULL), *p;
	int n = 0;

	if (!t)
		return;
	p = t + strlen(t);
	while (p > t && p[-1] == '\n')
		*--p = 0;
	while (p > t && n < lines)
		if (*--p == '\n')
			n++;
	for (char *l = strtok(p, "\n"); l; l = strtok(NULL, "\n"))
		printf("    %s\n", l);
	free(t);
}

static volatile sig_atomic_t matrix_stop;

static void on_int(int sig)
{
	matrix_stop = sig;
}

/* the options into mx: -1 to go on, else the exit status (after --help: 0) */
static int matrix_args(struct matrix *mx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kernels", required_argument, NULL, 'k' }, { "scenario", required_argument, NULL, 's' },
		{ "cells", required_argument, NULL, 'c' }, { "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' }, { "print-commands", no_argument, NULL, 'p' },
		{ "jobs", required_argument, NULL, 'j' }, { "accel", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	char *end;
	int c;

	snprintf(mx->kfile, sizeof(mx->kfile), "%s/configs/kernels.ini", bhb_root());
	snprintf(mx->out, sizeof(mx->out), "%s/results", bhb_root());
	snprintf(mx->scen, sizeof(mx->scen), "default");
	snprintf(mx->accel, sizeof(mx->accel), "auto");
	mx->jobs = 1;
	optind = 0;
	while ((c = getopt_long(argc, argv, "k:s:c:o:fpj:a:h", lo, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (strcmp(optarg, "auto") && strcmp(optarg, "kvm") && strcmp(optarg, "tcg") &&
			    strcmp(optarg, "icount")) {
				fprintf(stderr, "bhbench matrix: --accel: '%s' is not one of auto, kvm, tcg, icount\n",
					optarg);
				return 2;
			}
			snprintf(mx->accel, sizeof(mx->accel), "%s", optarg);
			break;
		case 'k': snprintf(mx->kfile, sizeof(mx->kfile), "%s", optarg); break;
		case 's': snprintf(mx->scen, sizeof(mx->scen), "%s", optarg); break;
		case 'c': snprintf(mx->only, sizeof(mx->only), ",%s,", optarg); break;
		case 'o': snprintf(mx->out, sizeof(mx->out), "%s", optarg); break;
		case 'f': mx->force = 1; break;
		case 'p': mx->print = 1; break;
		case 'j':
			mx->jobs = (int)strtol(optarg, &end, 10);
			if (!*optarg || *end || mx->jobs < 1 || mx->jobs > MAX_CELLS) {
				fprintf(stderr, "bhbench matrix: --jobs: '%s' is not an integer from 1 to %d\n", optarg,
					MAX_CELLS);
				return 2;
			}
			break;
		case 'h':
			printf("usage: bhbench matrix [--kernels FILE] [--scenario S] [--cells a,b] [--out DIR]\n"
			       "                      [--force] [--jobs N] [--accel A] [--print-commands]\n"
			       "Runs scenario S (default: the default suite) on every cell of FILE (default\n"
			       "configs/kernels.ini), one boot each, into DIR/matrix-<cell>-<scenario> (with\n"
			       "--accel tcg, kvm or icount: DIR/matrix-<cell>-<scenario>-<accel>).  A cell with a\n"
			       "successful result is skipped unless --force.  --jobs N boots up to N cells at once\n"
			       "(default 1; each cell's output goes to its matrix.log): cells perturb each other's\n"
			       "timings unless the host has 2 x N x vCPUs cores, and their results say so\n"
			       "(env.parallel_cells).  --print-commands prints the self-contained command per cell\n"
			       "(one job each for a CI matrix or a Slurm array) and runs nothing.\n");
			return 0;
		default:
			fprintf(stderr, "bhbench matrix: unknown option or missing value (see --help)\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bhbench matrix: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	return -1;
}

/* the cells of the kernels file, this program's path, the scenario's name: 0, or 2 after saying why */
static int matrix_load(struct matrix *mx)
{
	char *sname = mx->sname;
	int ret = ini_parse(mx->kfile, on_key, &mx->cs);
	ssize_t n;

	if (ret) {
		if (ret < 0)
			fprintf(stderr, "bhbench matrix: %s: %s\n", mx->kfile, strerror(errno));
		else
			fprintf(stderr, "bhbench matrix: %s:%d: %s\n", mx->kfile, ret,
				mx->cs.err[0] ? mx->cs.err : "not an INI line");
		return 2;
	}
	n = readlink("/proc/self/exe", mx->exe, sizeof(mx->exe) - 1);
	mx->exe[n > 0 ? n : 0] = 0;
	/* a scenario given as a path is named by its file name in the cells' ids */
	snprintf(sname, sizeof(mx->sname), "%s", strrchr(mx->scen, '/') ? strrchr(mx->scen, '/') + 1 : mx->scen);
	if (strlen(sname) > 4 && !strcmp(sname + strlen(sname) - 4, ".ini"))
		sname[strlen(sname) - 4] = 0;
	return 0;
}

/* --print-commands: a cell's command, quoted for a shell */
static void print_command(const struct matrix *mx, const struct cell *x, const char *id)
{
	const char *a[24];
	char cpus[8];

	snprintf(cpus, sizeof(cpus), "%d", x->cpus);
	cell_argv(mx, x, "./bhbench", cpus, id, a);
	for (int k = 0; a[k]; k++) {
		if (k)
			putchar(' ');
		shell_word(a[k]);
	}
	putchar('\n');
}

/* which cells run: a bad cell fails, a finished one is skipped (--print-commands: printed instead) */
static void matrix_select(struct matrix *mx)
{
	for (int i = 0; i < mx->cs.n; i++) {
		struct cell *x = &mx->cs.v[i];
		char id[256], dir[PATH_MAX], needle[80];

		snprintf(needle, sizeof(needle), ",%s,", x->name);
		if (mx->only[0] && !strstr(mx->only, needle))
			continue;
		if (!x->kernel[0] == !x->image[0] || !x->image[0] != !x->build[0]) {
			fprintf(stderr, "bhbench matrix: %s: cell [%s] needs either kernel = K or both image = PATH "
				"and build = DIR\n", mx->kfile, x->name);
			mx->failed++;
			continue;
		}
		cell_id(mx, x, id, sizeof(id));
		snprintf(dir, sizeof(dir), "%s/%s", mx->out, id);
		if (mx->print) {
			print_command(mx, x, id);
			continue;
		}
		if (cell_done(dir) && !mx->force) {
			printf("matrix: [%s] done already (%s)\n", x->name, dir);
			mx->skipped++;
			continue;
		}
		mx->pending[mx->npending++] = i;
	}
}

/* how many cells at once (--jobs, at most the pending ones), and the warning when they perturb each other */
static void matrix_parallel(struct matrix *mx)
{
	int par = mx->jobs < mx->npending ? mx->jobs : mx->npending, maxcpus = 1;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	char parstr[16];

	for (int t = 0; t < mx->npending; t++)
		if (mx->cs.v[mx->pending[t]].cpus > maxcpus)
			maxcpus = mx->cs.v[mx->pending[t]].cpus;
	mx->par = par;
	if (par > 1) {
		if (cores < 2L * par * maxcpus)
			fprintf(stderr, "bhbench matrix: WARNING: %d cells at once with up to %d vCPUs each want %d host "
				"cores, this host has %ld: the cells perturb each other's timings (compare them with "
				"care, or use --jobs 1)\n", par, maxcpus, 2 * par * maxcpus, cores);
		printf("matrix: up to %d cells at once; their results record env.parallel_cells = %d; "
		       "each cell's output goes to its matrix.log\n", par, par);
		snprintf(parstr, sizeof(parstr), "%d", par);
		setenv("BHBENCH_PARALLEL", parstr, 1);
	} else {
		unsetenv("BHBENCH_PARALLEL");
	}
}

/* a cell's directory before it runs: removed (--force), or a failed earlier attempt kept aside */
static void cell_clear(const struct matrix *mx, const char *dir)
{
	if (mx->force) {
		char cmd[PATH_MAX + 16];
		const char *rm[] = { "rm", "-rf", dir, NULL };

		bhb_capture(cmd, sizeof(cmd), rm);
	} else if (access(dir, F_OK) == 0) {
		char old[PATH_MAX + 32];

		snprintf(old, sizeof(old), "%s.failed-%ld", dir, (long)getpid());
		rename(dir, old);
	}
}

/* starts the next pending cell: a child "bhbench run" (with cells in parallel, its output to its log) */
static void matrix_start(struct matrix *mx)
{
	struct cell *x = &mx->cs.v[mx->pending[mx->next]];
	struct job *j = &mx->run[mx->running];
	char dir[PATH_MAX], cpus[8], id[256];
	const char *a[24];

	j->cell = mx->pending[mx->next++];
	cell_id(mx, x, id, sizeof(id));
	snprintf(j->id, sizeof(j->id), "%s", id);
	snprintf(dir, sizeof(dir), "%s/%s", mx->out, id);
	snprintf(j->log, sizeof(j->log), "%s/.%s.matrix.log", mx->out, id);
	cell_clear(mx, dir);
	printf("matrix: [%s] %s, %s%s\n", x->name, x->image[0] ? x->image : x->kernel,
	       x->append[0] ? x->append : "default boot", mx->par > 1 ? " (started)" : "");
	fflush(stdout);
	snprintf(cpus, sizeof(cpus), "%d", x->cpus);
	cell_argv(mx, x, mx->exe, cpus, j->id, a);
	j->start = bhb_now();
	j->pid = fork();
	if (j->pid == 0) {
		if (mx->par > 1) {
			int fd = open(j->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				close(fd);
			}
		}
		execv(mx->exe, (char *const *)a);
		_exit(127);
	}
	if (j->pid < 0) {
		fprintf(stderr, "bhbench matrix: fork: %s\n", strerror(errno));
		mx->failed++;
		return;
	}
	mx->running++;
}

/* a cell's child ended with wait status st: its log into its directory, and how it went */
static void matrix_done(struct matrix *mx, const struct job *j, int st)
{
	const struct cell *x = &mx->cs.v[j->cell];
	char dir[PATH_MAX], log[PATH_MAX + 16];
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);

	snprintf(dir, sizeof(dir), "%s/%s", mx->out, j->id);
	if (mx->par > 1) {
		snprintf(log, sizeof(log), "%s/matrix.log", dir);
		if (access(dir, F_OK) || rename(j->log, log)) {
			snprintf(log, sizeof(log), "%s/%s.matrix.log", mx->out, j->id);
			rename(j->log, log);
		}
	}
	mx->ran++;
	if (code) {
		mx->failed++;
		printf("matrix: [%s] FAILED (exit %d) after %.0f s; see %s\n", x->name, code,
		       bhb_now() - j->start, mx->par > 1 ? log : dir);
		if (mx->par > 1)
			log_tail(log, 4);
		if (code == 130)
			matrix_stop = SIGINT;
	} else if (mx->par > 1) {
		printf("matrix: [%s] done in %.0f s (%s)\n", x->name, bhb_now() - j->start, dir);
	}
	fflush(stdout);
}

/* waits for a child; 0 when there is none left to wait for */
static int matrix_wait(struct matrix *mx)
{
	int st = 0, k;
	pid_t pid = waitpid(-1, &st, 0);

	if (pid < 0)
		return errno == EINTR;
	for (k = 0; k < mx->running && mx->run[k].pid != pid; k++)
		;
	if (k < mx->running) {
		matrix_done(mx, &mx->run[k], st);
		mx->run[k] = mx->run[--mx->running];
	}
	return 1;
}

/* the pending cells, up to par at once, until done or interrupted; the exit status */
static int matrix_run(struct matrix *mx)
{
	struct sigaction sa = { .sa_handler = on_int }, old_int, old_term;

	matrix_parallel(mx);
	bhb_mkdirs(mx->out);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (mx->running || (mx->next < mx->npending && !matrix_stop)) {
		while (mx->running < mx->par && mx->next < mx->npending && !matrix_stop)
			matrix_start(mx);
		if (!mx->running || !matrix_wait(mx))
			break;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	printf("matrix: %d run, %d already done, %d failed%s\n", mx->ran, mx->skipped, mx->failed,
	       matrix_stop ? ", interrupted" : "");
	return matrix_stop ? 130 : mx->failed ? 1 : 0;
}

int cmd_matrix(int argc, char **argv)
{
	struct matrix *mx = calloc(1, sizeof(*mx));
	int ret;

	if (!mx)
		return 1;
	matrix_stop = 0;
	ret = matrix_args(mx, argc, argv);
	if (ret < 0 && !(ret = matrix_load(mx))) {
		matrix_select(mx);
		ret = mx->print ? (mx->failed ? 2 : 0) : matrix_run(mx);
	}
	free(mx);
	return ret;
}
/* the metric's {value, ci95} of a benchmark: latency_ns.p50 ..., or q2e_p50 / x2e_p50 */
static json_t *trend_value(json_t *b, const char *metric)
{
	if (!b)
		return NULL;
	if (!strncmp(metric, "q2e_", 4))
		return json_object_get(json_object_get(b, "queue_to_exec_ns"), metric + 4);
	if (!strcmp(metric, "x2e_p50"))
		return json_object_get(json_object_get(b, "exit_to_exec_ns"), "p50");
	return json_object_get(json_object_get(b, "latency_ns"), metric);
}

/*
 * Is the step from the previous run's cell to this one real?  Both
 * intervals apart, and the ratio beyond what the kind of run can tell
 * from noise: icount (deterministic) 1% and (bucketed: a latency
 * histogram's figure) two histogram buckets, merged boots (intervals over
 * boots) none beyond the intervals; one TCG or KVM boot's intervals are
 * over repetitions only and boots move about 10%, so there a step beyond
 * 10% is a lead ("?"), never a verdict.  Returns "", or an arrow.
 */
static const char *trend_step(json_t *prev, json_t *cur, const char *accel, int boots, int bucketed)
{
	json_t *pc = json_object_get(prev, "ci95"), *cc = json_object_get(cur, "ci95");
	double pv = json_number_value(json_object_get(prev, "value")), cv = json_number_value(json_object_get(cur, "value"));
	double plo = json_number_value(json_array_get(pc, 0)), phi = json_number_value(json_array_get(pc, 1));
	double clo = json_number_value(json_array_get(cc, 0)), chi = json_number_value(json_array_get(cc, 1));
	int icount = !strcmp(accel, "icount");
	double floor = icount ? 0.01 : boots >= 3 ? 0 : 0.10;

	if (!json_is_object(prev) || !json_is_object(cur) || json_array_size(pc) != 2 || json_array_size(cc) != 2 ||
	    pv <= 0 || cv <= 0)
		return "";
	if (!(clo > phi || chi < plo) || fabs(cv / pv - 1) <= floor)
		return "";
	/*
	 * icount medians of threaded work sit in one of two neighbouring
	 * buckets from boot to boot (32.6 or 33.0 us for wq_percpu on 6.12):
	 * a real step is at least two buckets wide.
	 */
	if (icount && bucketed && fabs(cv - pv) < 1.5 * (double)bhb_hist_width(bhb_hist_index((uint64_t)fmax(cv, pv))))
		return "";
	if (!icount && boots < 3)
		return cv > pv ? " ↑?" : " ↓?";
	return cv > pv ? " ↑" : " ↓";
}

/* the options of bhbench trend */
struct trend_opts {
	const char *metric, *prod, *datafile;
	int metric_set;
};

/* the options into o: -1 to go on, else the exit status (after --help: 0) */
static int trend_args(struct trend_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "metric", required_argument, NULL, 'm' }, { "producer", required_argument, NULL, 'p' },
		{ "data", required_argument, NULL, 'd' }, { "help", no_argument, NULL, 'h' }, { 0 }
	};
	int c;

	o->metric = "p50";
	o->prod = "hardirq";
	o->datafile = NULL;
	o->metric_set = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "m:p:d:h", lo, NULL)) != -1) {
		switch (c) {
		case 'm': o->metric = optarg; o->metric_set = 1; break;
		case 'p': o->prod = optarg; break;
		case 'd': o->datafile = optarg; break;
		case 'h':
			printf("usage: bhbench trend [--metric p50|p90|p99|p99.9|max|q2e_p50|q2e_p99|x2e_p50]\n"
			       "                     [--producer hardirq|irqwork|process|...] [--data FILE.dat] RUN_DIR...\n"
			       "One metric per mechanism (rows: runs, e.g. kernels), in µs with 95%% intervals;\n"
			       "p50... from the intended arrival, q2e_ from the queue call, x2e_p50 from the producer's exit.\n"
			       "Runs of dm-verity or usb-storage: one column per load and mode, --metric mib_s (default),\n"
			       "iops, p50_us, p99_us, p999_us, busy_us_per_io (fio's and the kernel's figures).\n"
			       "A step from the row above is marked when it is real: ↑/↓ where the intervals are apart\n"
			       "and, under icount, the change beyond 1%% (the model's floor), or for merged boots (3 or\n"
			       "more); ↑?/↓? for one TCG or KVM boot, whose steps beyond 10%% are leads only.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: bhbench trend [options] RUN_DIR...\n");
		return 2;
	}
	return -1;
}

/* one kind of time per table: tcg, kvm and icount numbers never share one; 0, or 2 after saying why */
static int trend_one_accel(char *const *dirs, int n)
{
	char first[16] = "", err[512];

	for (int i = 0; i < n; i++) {
		json_t *res = bhb_res_load(dirs[i], err, sizeof(err));
		const char *acc = res ? json_string_value(json_object_get(json_object_get(res, "env"), "accel")) : NULL;

		if (acc && !first[0]) {
			snprintf(first, sizeof(first), "%s", acc);
		} else if (acc && strcmp(acc, first)) {
			fprintf(stderr, "bhbench trend: %s ran under %s, %s under %s: kinds of time do not mix in "
				"one table; give runs of one accelerator\n", dirs[i], acc, dirs[0], first);
			json_decref(res);
			return 2;
		}
		json_decref(res);
	}
	return 0;
}

/*
 * One cell of a trend row: v's "value [lo-hi]" divided by scale, and the
 * step from pv (bucketed: a latency histogram's figure), width columns;
 * 1 when it marks a step
 */
static int trend_cell(json_t *v, json_t *pv, json_t *res, double scale, int bucketed, int width)
{
	const char *accel = json_string_value(json_object_get(json_object_get(res, "env"), "accel")) ?: "";
	const char *step = json_is_object(pv) && json_is_object(v) ?
			   trend_step(pv, v, accel, bhb_res_boots(res), bucketed) : "";
	char cell[64] = "n/a";

	if (json_is_object(v)) {
		json_t *ci = json_object_get(v, "ci95");

		snprintf(cell, sizeof(cell), "%.1f [%.1f-%.1f]%s", json_number_value(json_object_get(v, "value")) / scale,
			 json_number_value(json_array_get(ci, 0)) / scale, json_number_value(json_array_get(ci, 1)) / scale,
			 step);
	}
	/* the arrows are 3 bytes and one column */
	printf(" %-*s", width + (step[0] ? 2 : 0), cell);
	return step[0] != 0;
}

/* a run's label, the start of its row */
static void trend_label(json_t *res)
{
	char label[160];

	bhb_run_label(res, label, sizeof(label));
	printf("%-28s", label);
}

/* a run's row of the table and of the data file df (prev: the row above, or NULL); returns how many steps it marks */
static int trend_row(const struct trend_opts *o, FILE *df, json_t *res, json_t *prev)
{
	int marked = 0;

	trend_label(res);
	if (df)
		bhb_trend_row(df, res, o->prod, o->metric);
	for (int m = 0; m < BHB_NR_MECHS; m++)
		marked += trend_cell(trend_value(bhb_res_bench(res, o->prod, bhb_mech_names[m]), o->metric),
				     prev ? trend_value(bhb_res_bench(prev, o->prod, bhb_mech_names[m]), o->metric) : NULL,
				     res, 1e3, 1, 19);
	printf("\n");
	return marked;
}

/* a real subsystem's row: one cell per load and mode of kind k */
static int trend_rs_row(const struct trend_opts *o, const struct bhb_rs_desc *k, FILE *df, json_t *res, json_t *prev)
{
	int marked = 0;

	trend_label(res);
	if (df)
		bhb_rs_trend_row(df, res, k, o->metric, ~0u);
	for (int l = 0; l < BHB_NR_DMV_LOADS; l++)
		for (int m = 0; m < k->nmodes; m++) {
			json_t *v = bhb_rs_value(res, k, l, m, o->metric);
			json_t *pv = prev ? bhb_rs_value(prev, k, l, m, o->metric) : NULL;

			marked += trend_cell(v, pv, res, 1, 0, 22);
			json_decref(v);
			json_decref(pv);
		}
	printf("\n");
	return marked;
}

/* the real-subsystem kind of the first run that loads, or NULL */
static const struct bhb_rs_desc *trend_kind(char *const *dirs, int n)
{
	for (int i = 0; i < n; i++) {
		char err[512];
		json_t *res = bhb_res_load(dirs[i], err, sizeof(err));
		const struct bhb_rs_desc *k = res ? bhb_rs_of(res) : NULL;

		if (res) {
			json_decref(res);
			return k;
		}
	}
	return NULL;
}

/* a real subsystem's metric: mib_s unless given, and one of its groups'; 0, or -1 after saying why */
static int trend_rs_metric(struct trend_opts *o, const struct bhb_rs_desc *k)
{
	if (!o->metric_set)
		o->metric = "mib_s";
	if (bhb_rs_metric(o->metric))
		return 0;
	fprintf(stderr, "bhbench trend: %s is not a metric of %s runs (mib_s, iops, p50_us, p99_us, p999_us, "
		"busy_us_per_io, softirq_us_per_io, kworker_us_per_io, ksoftirqd_us_per_io)\n", o->metric, k->kind);
	return -1;
}

/* the table's head, and the data file's */
static void trend_head(const struct trend_opts *o, const struct bhb_rs_desc *k, FILE *df)
{
	if (!k) {
		printf("%s latency %s (µs; [95%% CI]), %s producer\n%-28s", o->metric,
		       !strncmp(o->metric, "q2e_", 4) ? "from the queue call" : !strncmp(o->metric, "x2e_", 4) ?
		       "from the producer's exit" : "from intended arrival", o->prod, "kernel");
		for (int m = 0; m < BHB_NR_MECHS; m++)
			printf(" %-19s", bhb_mech_names[m]);
		printf("\n");
		if (df)
			bhb_trend_header(df);
		return;
	}
	printf("%s %s per load/mode (median [95%% CI] over repetitions)\n%-28s", k->kind, o->metric, "kernel");
	for (int l = 0; l < BHB_NR_DMV_LOADS; l++)
		for (int m = 0; m < k->nmodes; m++) {
			char col[64];

			snprintf(col, sizeof(col), "%s/%s", bhb_dmv_load_names[l], k->modes[m]);
			printf(" %-22s", col);
		}
	printf("\n");
	if (df)
		bhb_rs_trend_header(df, k, ~0u);
}

int cmd_trend(int argc, char **argv)
{
	struct trend_opts o;
	const struct bhb_rs_desc *rs;
	json_t *prev = NULL;
	FILE *df = NULL;
	int ret = trend_args(&o, argc, argv), marked = 0;

	if (ret >= 0)
		return ret;
	if (trend_one_accel(argv + optind, argc - optind))
		return 2;
	rs = trend_kind(argv + optind, argc - optind);
	if (rs && trend_rs_metric(&o, rs))
		return 2;
	if (o.datafile && !(df = fopen(o.datafile, "w"))) {
		fprintf(stderr, "bhbench trend: cannot write %s: %s\n", o.datafile, strerror(errno));
		return 1;
	}
	trend_head(&o, rs, df);
	for (int i = optind; i < argc; i++) {
		char err[512];
		json_t *res = bhb_res_load(argv[i], err, sizeof(err));

		if (!res) {
			fprintf(stderr, "bhbench trend: %s; skipped\n", err);
			continue;
		}
		marked += rs ? trend_rs_row(&o, rs, df, res, prev) : trend_row(&o, df, res, prev);
		json_decref(prev);
		prev = res;
	}
	json_decref(prev);
	if (marked)
		printf("↑/↓: a real step from the row above (intervals apart%s); ↑?/↓?: a lead (one TCG or KVM boot)\n",
		       " and, under icount, beyond 1% and two histogram buckets");
	if (df)
		fclose(df);
	return 0;
}
