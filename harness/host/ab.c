// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench ab: BASE and NEW booted in turn, N boots each, in ABBA order
 * (A B B A A B B A ...), each side merged, then compared.
 *
 * Why interleave: under emulation on a shared host the host's own load
 * moves every latency by 10-20% over tens of minutes (measured: the same
 * kernel and module, p50 of every mechanism 10% higher an hour later, p99
 * ten times lower).  Two sides booted one after the other compare the host
 * of one hour with the host of the next; boots taken in turn see the same
 * host, and ABBA also cancels a drift that is linear in time.  The unit of
 * the comparison is the boot (compare.c).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/names.h"
#include "bhbench.h"

struct side {
	const char *kernel, *image, *build, *append;
};

static const char *const name[2] = { "base", "new" };

/* one ab: its options, then its directories and the two sides' run options */
struct ab {
	struct side s[2];
	const char *scen, *cpus, *mem, *accel;
	const char *thr, *alpha, *corr, *mechs;	/* compare's options, as given */
	int cpus_given, nb, quick;
	char out[PATH_MAX], id[200], final[PATH_MAX], dirs[2][PATH_MAX], rel[2][256];
	struct bhb_cmp_opts co;
	struct run_opts ro[2];
};

static const char usage[] =
	"usage: bhbench ab [options] --base K --new K\n\n"
	"Boot BASE and NEW in turn, N boots each in ABBA order, merge each side and compare\n"
	"them (bhbench compare).  Boots in turn see the same host: under emulation the host's\n"
	"load moves latencies by 10-20% over tens of minutes, so two sides run one after the\n"
	"other would compare two hosts.  The same kernel on both sides is an A/A test.\n\n"
	"  --base K, --new K   Debian kernel of each side: alias (6.12, 7.3, ...) or release\n"
	"  --base-image PATH --base-build DIR, --new-image PATH --new-build DIR\n"
	"                      a kernel of your own on that side instead (as bhbench run\n"
	"                      --kernel-image/--kernel-build): a patch against its base\n"
	"  --base-append ARGS, --new-append ARGS\n"
	"                      extra guest command line of that side (preempt=full,\n"
	"                      threadirqs, bhbench.P=V module parameters)\n"
	"  -b, --boots N       boots a side, 2-16; default 6\n"
	"  -s, --scenario S    latency scenario or suite; default latency\n"
	"  -c, --cpus N, -m, --mem MB, -a, --accel A, --quick   as bhbench run\n"
	"  -o, --out DIR       results directory; default results/\n"
	"      --id ID         default DATE-ab-BASE-vs-NEW-SCENARIO\n"
	"  -t, --threshold T, --alpha A, --correction holm|bh, --mechs M,M   passed to compare\n\n"
	"Writes RUN/base/ and RUN/new/ (boot-1..N and the merged results.json of each side)\n"
	"and RUN/compare.txt, .md and .json.  Exit status: compare's (1: something is slower),\n"
	"or 1 when a boot failed (the boots that finished are kept).\n";

/* one option into a; -1 to go on, else the exit status */
static int ab_opt(struct ab *a, int c)
{
	char *end;

	switch (c) {
	case 1: case 2:
		a->s[c - 1].kernel = optarg;
		break;
	case 3: case 5:
		a->s[(c - 3) / 2].image = optarg;
		break;
	case 4: case 6:
		a->s[(c - 4) / 2].build = optarg;
		break;
	case 7: case 8:
		a->s[c - 7].append = optarg;
		break;
	case 'b':
		a->nb = (int)strtol(optarg, &end, 10);
		if (*end || a->nb < 2 || a->nb > 16) {
			fprintf(stderr, "bhbench ab: --boots '%s': want 2 to 16 boots a side\n", optarg);
			return 2;
		}
		break;
	case 's':
		a->scen = optarg;
		break;
	case 'c':
		a->cpus = optarg;
		a->cpus_given = 1;
		break;
	case 'm':
		a->mem = optarg;
		break;
	case 'a':
		a->accel = optarg;
		break;
	case 'Q':
		a->quick = 1;
		break;
	case 'o':
		snprintf(a->out, sizeof(a->out), "%s", optarg);
		break;
	case 'I':
		if (strchr(optarg, '/') || optarg[0] == '.' || strlen(optarg) >= sizeof(a->id)) {
			fprintf(stderr, "bhbench ab: --id '%s' must be a name (no '/', not starting with '.')\n",
				optarg);
			return 2;
		}
		snprintf(a->id, sizeof(a->id), "%s", optarg);
		break;
	case 't':
		a->thr = optarg;
		break;
	case 'A':
		a->alpha = optarg;
		break;
	case 'C':
		a->corr = optarg;
		break;
	case 'M':
		a->mechs = optarg;
		break;
	case 'h':
		fputs(usage, stdout);
		return 0;
	default:
		fprintf(stderr, "bhbench ab: see --help\n");
		return 2;
	}
	return -1;
}

/* the command line into a; -1 to go on, else the exit status */
static int ab_parse(struct ab *a, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "base", required_argument, NULL, 1 },
		{ "new", required_argument, NULL, 2 },
		{ "base-image", required_argument, NULL, 3 },
		{ "base-build", required_argument, NULL, 4 },
		{ "new-image", required_argument, NULL, 5 },
		{ "new-build", required_argument, NULL, 6 },
		{ "base-append", required_argument, NULL, 7 },
		{ "new-append", required_argument, NULL, 8 },
		{ "boots", required_argument, NULL, 'b' },
		{ "scenario", required_argument, NULL, 's' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "mem", required_argument, NULL, 'm' },
		{ "accel", required_argument, NULL, 'a' },
		{ "quick", no_argument, NULL, 'Q' },
		{ "out", required_argument, NULL, 'o' },
		{ "id", required_argument, NULL, 'I' },
		{ "threshold", required_argument, NULL, 't' },
		{ "alpha", required_argument, NULL, 'A' },
		{ "correction", required_argument, NULL, 'C' },
		{ "mechs", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c, ret;

	a->scen = "latency";
	a->cpus = "2";
	a->mem = "512";
	a->accel = "auto";
	a->nb = 6;
	snprintf(a->out, sizeof(a->out), "%s/results", bhb_root());
	optind = 0;	/* glibc: a full reset, as every command does */
	opterr = 1;
	while ((c = getopt_long(argc, argv, "b:s:c:m:a:o:t:h", lo, NULL)) != -1)
		if ((ret = ab_opt(a, c)) >= 0)
			return ret;
	if (optind != argc) {
		fprintf(stderr, "bhbench ab: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	return -1;
}

/* each side a Debian kernel or a kernel of one's own; 0 or 2 */
static int ab_check_sides(const struct ab *a)
{
	for (int k = 0; k < 2; k++) {
		const struct side *s = &a->s[k];

		if (!s->kernel && !s->image && !s->build) {
			fprintf(stderr, "bhbench ab: --%s K (or --%s-image and --%s-build) is missing\n", name[k],
				name[k], name[k]);
			return 2;
		}
		if (s->kernel && (s->image || s->build)) {
			fprintf(stderr, "bhbench ab: --%s and --%s-image/--%s-build exclude each other\n", name[k],
				name[k], name[k]);
			return 2;
		}
		if (!s->kernel && (!s->image || !s->build)) {
			fprintf(stderr, "bhbench ab: --%s-image and --%s-build go together\n", name[k], name[k]);
			return 2;
		}
		if (s->image && (access(s->image, R_OK) || access(s->build, R_OK))) {
			fprintf(stderr, "bhbench ab: --%s-image %s or --%s-build %s cannot be read\n", name[k],
				s->image, name[k], s->build);
			return 2;
		}
	}
	return 0;
}

/* compare's options, into a->co (a number must be all of its argument); 0 or 2 */
static int ab_check_compare(struct ab *a)
{
	const char *opt[] = { "threshold", "alpha", "correction", "mechs" };
	const char *arg[] = { a->thr, a->alpha, a->corr, a->mechs };
	char err[4096];

	for (int i = 0; i < 4; i++)
		if (arg[i] && bhb_compare_opt(&a->co, opt[i], arg[i], 1, err, sizeof(err))) {
			fprintf(stderr, "bhbench ab: %s\n", err);
			return 2;
		}
	return 0;
}

/* the scenario: one whose boots merge and compare; 0 or 2 */
static int ab_check_scenario(const struct ab *a)
{
	char sp[PATH_MAX], err[512];
	struct bhb_scenario sc;

	if (bhb_scenario_path(bhb_root(), a->scen, sp, sizeof(sp), err, sizeof(err))) {
		fprintf(stderr, "bhbench ab: %s\n", err);
		return 2;
	}
	if (bhb_scenario_load(sp, &sc)) {
		fprintf(stderr, "bhbench ab: %s\n", sc.error);
		return 2;
	}
	if (!bhb_scenario_comparable(sc.type)) {
		fprintf(stderr, "bhbench ab: %s is not a latency scenario, suite, dm-verity or usb-storage\n", sp);
		return 2;
	}
	return 0;
}

/* everything that can be wrong is found before the first boot; 0 or 2 */
static int ab_check(struct ab *a)
{
	char *end;

	if (ab_check_sides(a))
		return 2;
	/* icount: one vCPU unless asked (as bhbench run) */
	if (!strcmp(a->accel, "icount") && !a->cpus_given)
		a->cpus = "1";
	if (strtol(a->cpus, &end, 10) < 1 || strtol(a->cpus, NULL, 10) > 64 || *end ||
	    strtol(a->mem, &end, 10) < 128 || strtol(a->mem, NULL, 10) > 65536 || *end ||
	    (strcmp(a->accel, "auto") && strcmp(a->accel, "kvm") && strcmp(a->accel, "tcg") &&
	     strcmp(a->accel, "icount"))) {
		fprintf(stderr, "bhbench ab: --cpus wants 1-64, --mem 128-65536 (MB), --accel auto, kvm, tcg or icount\n");
		return 2;
	}
	if (ab_check_compare(a) || ab_check_scenario(a))
		return 2;
	return 0;
}

/* RUN's directory (a new one), each side's kernel and run options; 0 or the exit status */
static int ab_prepare(struct ab *a)
{
	if (!a->id[0]) {
		char date[32];
		time_t now = time(NULL);

		strftime(date, sizeof(date), "%Y%m%d-%H%M%S", localtime(&now));
		snprintf(a->id, sizeof(a->id), "%s-ab-%.40s-vs-%.40s-%.40s", date, a->s[0].kernel ?: "custom",
			 a->s[1].kernel ?: "custom", strrchr(a->scen, '/') ? strrchr(a->scen, '/') + 1 : a->scen);
	}
	snprintf(a->final, sizeof(a->final), "%s/%s", a->out, a->id);
	if (access(a->final, F_OK) == 0) {
		fprintf(stderr, "bhbench ab: %s exists already; choose another --id\n", a->final);
		return 2;
	}
	for (int k = 0; k < 2; k++) {
		struct side *s = &a->s[k];
		struct run_opts *ro = &a->ro[k];

		snprintf(a->dirs[k], sizeof(a->dirs[k]), "%s/%s", a->final, name[k]);
		/* an alias resolved once: every boot of a side runs the same release */
		if (s->kernel) {
			if (bhb_kernel_fetch(s->kernel, a->rel[k], sizeof(a->rel[k]))) {
				fprintf(stderr, "bhbench ab: cannot provision kernel '%s' (see the messages above)\n",
					s->kernel);
				return 1;
			}
			s->kernel = a->rel[k];
		}
		/* the side as bhbench run options */
		memset(ro, 0, sizeof(*ro));
		snprintf(ro->kernel, sizeof(ro->kernel), "%s", s->kernel ?: "");
		snprintf(ro->kernel_image, sizeof(ro->kernel_image), "%s", s->image ?: "");
		snprintf(ro->kernel_build, sizeof(ro->kernel_build), "%s", s->build ?: "");
		snprintf(ro->append, sizeof(ro->append), "%s", s->append ?: "");
		snprintf(ro->scenario, sizeof(ro->scenario), "%s", a->scen);
		snprintf(ro->accel, sizeof(ro->accel), "%s", a->accel);
		ro->cpus = (int)strtol(a->cpus, NULL, 10);
		ro->mem_mb = (int)strtol(a->mem, NULL, 10);
		ro->timeout_s = 1800;
		ro->hang_s = 180;
		ro->quick = a->quick;
	}
	return 0;
}

/* the boots in ABBA order, then each side merged; 0 or the exit status */
static int ab_boots(struct ab *a)
{
	char bid[16];
	int ret;

	/* ABBA: boot pair j is A then B for even j, B then A for odd j */
	for (int j = 0; j < a->nb; j++)
		for (int h = 0; h < 2; h++) {
			int k = (j % 2) ? 1 - h : h;

			snprintf(bid, sizeof(bid), "boot-%d", j + 1);
			printf("\nbhbench ab: %s, boot %d of %d\n", name[k], j + 1, a->nb);
			fflush(stdout);
			/* pair j: both sides interleave their runs in the same order */
			a->ro[k].seed = j + 1;
			ret = bhb_run_boot(&a->ro[k], NULL, a->dirs[k], bid);
			if (ret) {
				fprintf(stderr, "bhbench ab: %s boot %d failed (exit %d); nothing is compared. "
					"The boots that finished are in %s\n", name[k], j + 1, ret, a->final);
				return ret == 2 ? 2 : 1;
			}
		}
	for (int k = 0; k < 2; k++)
		if (bhb_merge_boots(a->dirs[k], a->nb))
			return 1;
	return 0;
}

/*
 * The comparison in format into RUN/FILE, or on stdout when file is NULL;
 * a file that cannot be created is skipped.  Without a comparison, why
 * there is none, on stderr each time, as bhbench compare says it.
 */
static void ab_write(const struct ab *a, json_t *cmp, const char *err, const char *file, const char *format)
{
	char path[PATH_MAX + 32];
	FILE *f = stdout;
	int fd;

	if (file) {
		fflush(stdout);
		snprintf(path, sizeof(path), "%s/%s", a->final, file);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return;
		f = fdopen(fd, "w");
		if (!f) {
			close(fd);
			return;
		}
	}
	if (cmp)
		bhb_compare_print(f, cmp, format);
	else
		fprintf(stderr, "bhbench compare: %s\n", err);
	if (file)
		fclose(f);
}

/* NEW against BASE into RUN/compare.json, .md, .txt and on stdout; compare's exit status */
static int ab_compare(const struct ab *a)
{
	char err[1024];
	json_t *cmp = bhb_compare_dirs(a->dirs[0], a->dirs[1], &a->co, err, sizeof(err));
	int ret = cmp ? bhb_compare_status(cmp) : 2;

	ab_write(a, cmp, err, "compare.json", "json");
	ab_write(a, cmp, err, "compare.md", "md");
	ab_write(a, cmp, err, "compare.txt", "table");
	printf("\n");
	ab_write(a, cmp, err, NULL, "table");
	printf("\nresults: %s (base/, new/, compare.txt, compare.md, compare.json)\n", a->final);
	json_decref(cmp);
	return ret;
}

int cmd_ab(int argc, char **argv)
{
	struct ab a = { 0 };
	int ret;

	if ((ret = ab_parse(&a, argc, argv)) >= 0)
		return ret;
	if ((ret = ab_check(&a)) || (ret = ab_prepare(&a)) || (ret = ab_boots(&a)))
		return ret;
	return ab_compare(&a);
}
