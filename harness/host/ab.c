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

static const char usage[] =
	"usage: bhbench ab [options] --base K --new K\n\n"
	"Boot BASE and NEW in turn, N boots each in ABBA order, merge each side and compare\n"
	"them (bhbench compare).  Boots in turn see the same host: under emulation the host's\n"
	"load moves latencies by 10-20%% over tens of minutes, so two sides run one after the\n"
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

/* bhbench compare with its output in FILE (or on stdout when file is NULL) */
static int compare_to(const char *file, const char *format, char **opts, int nopts, const char *a,
		      const char *b)
{
	char *av[16];
	int ac = 0, saved = -1, fd, ret;

	av[ac++] = "compare";
	for (int i = 0; i < nopts; i++)
		av[ac++] = opts[i];
	av[ac++] = "--format";
	av[ac++] = (char *)format;
	av[ac++] = (char *)a;
	av[ac++] = (char *)b;
	av[ac] = NULL;
	if (file) {
		fflush(stdout);
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return -1;
		saved = dup(STDOUT_FILENO);
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	ret = cmd_compare(ac, av);
	if (file) {
		fflush(stdout);
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	return ret;
}

int cmd_ab(int argc, char **argv)
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
	struct side s[2] = { { 0 }, { 0 } };
	const char *scen = "latency", *cpus = "2", *mem = "512", *accel = "auto", *name[2] = { "base", "new" };
	int cpus_given = 0;
	char out[PATH_MAX], id[200] = "", final[PATH_MAX], dirs[2][PATH_MAX], path[PATH_MAX + 32];
	char rel[2][256], *copts[10], *end, bid[16];
	struct run_opts ro[2];
	const char *thr = NULL, *alpha = NULL, *corr = NULL, *mechs = NULL;
	int nb = 6, quick = 0, c, nco = 0, ret;

	snprintf(out, sizeof(out), "%s/results", bhb_root());
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "b:s:c:m:a:o:t:h", lo, NULL)) != -1) {
		switch (c) {
		case 1: case 2:
			s[c - 1].kernel = optarg;
			break;
		case 3: case 5:
			s[(c - 3) / 2].image = optarg;
			break;
		case 4: case 6:
			s[(c - 4) / 2].build = optarg;
			break;
		case 7: case 8:
			s[c - 7].append = optarg;
			break;
		case 'b':
			nb = (int)strtol(optarg, &end, 10);
			if (*end || nb < 2 || nb > 16) {
				fprintf(stderr, "bhbench ab: --boots '%s': want 2 to 16 boots a side\n", optarg);
				return 2;
			}
			break;
		case 's':
			scen = optarg;
			break;
		case 'c':
			cpus = optarg;
			cpus_given = 1;
			break;
		case 'm':
			mem = optarg;
			break;
		case 'a':
			accel = optarg;
			break;
		case 'Q':
			quick = 1;
			break;
		case 'o':
			snprintf(out, sizeof(out), "%s", optarg);
			break;
		case 'I':
			if (strchr(optarg, '/') || optarg[0] == '.' || strlen(optarg) >= sizeof(id)) {
				fprintf(stderr, "bhbench ab: --id '%s' must be a name (no '/', not starting with '.')\n",
					optarg);
				return 2;
			}
			snprintf(id, sizeof(id), "%s", optarg);
			break;
		case 't':
			thr = optarg;
			break;
		case 'A':
			alpha = optarg;
			break;
		case 'C':
			corr = optarg;
			break;
		case 'M':
			mechs = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fprintf(stderr, "bhbench ab: see --help\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "bhbench ab: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	for (int k = 0; k < 2; k++) {
		if (!s[k].kernel && !s[k].image && !s[k].build) {
			fprintf(stderr, "bhbench ab: --%s K (or --%s-image and --%s-build) is missing\n", name[k],
				name[k], name[k]);
			return 2;
		}
		if (s[k].kernel && (s[k].image || s[k].build)) {
			fprintf(stderr, "bhbench ab: --%s and --%s-image/--%s-build exclude each other\n", name[k],
				name[k], name[k]);
			return 2;
		}
		if (!s[k].kernel && (!s[k].image || !s[k].build)) {
			fprintf(stderr, "bhbench ab: --%s-image and --%s-build go together\n", name[k], name[k]);
			return 2;
		}
		if (s[k].image && (access(s[k].image, R_OK) || access(s[k].build, R_OK))) {
			fprintf(stderr, "bhbench ab: --%s-image %s or --%s-build %s cannot be read\n", name[k],
				s[k].image, name[k], s[k].build);
			return 2;
		}
	}
	/* icount: one vCPU unless asked (as bhbench run) */
	if (!strcmp(accel, "icount") && !cpus_given)
		cpus = "1";
	/* everything that can be wrong is found before the first boot */
	if (strtol(cpus, &end, 10) < 1 || strtol(cpus, NULL, 10) > 64 || *end ||
	    strtol(mem, &end, 10) < 128 || strtol(mem, NULL, 10) > 65536 || *end ||
	    (strcmp(accel, "auto") && strcmp(accel, "kvm") && strcmp(accel, "tcg") && strcmp(accel, "icount"))) {
		fprintf(stderr, "bhbench ab: --cpus wants 1-64, --mem 128-65536 (MB), --accel auto, kvm, tcg or icount\n");
		return 2;
	}
	if (thr) {
		double v = strtod(thr, &end);

		if (*end || !(v > 0 && v <= 10)) {
			fprintf(stderr, "bhbench ab: --threshold '%s' must be in (0, 10] (0.05 = 5%%)\n", thr);
			return 2;
		}
		copts[nco++] = "--threshold";
		copts[nco++] = (char *)thr;
	}
	if (alpha) {
		double v = strtod(alpha, &end);

		if (*end || !(v > 0 && v < 1)) {
			fprintf(stderr, "bhbench ab: --alpha '%s' must be in (0, 1)\n", alpha);
			return 2;
		}
		copts[nco++] = "--alpha";
		copts[nco++] = (char *)alpha;
	}
	if (corr) {
		if (strcmp(corr, "holm") && strcmp(corr, "bh")) {
			fprintf(stderr, "bhbench ab: --correction %s: want holm or bh\n", corr);
			return 2;
		}
		copts[nco++] = "--correction";
		copts[nco++] = (char *)corr;
	}
	if (mechs) {
		uint64_t mask;
		char bad[64] = "";

		if (bhb_name_mask(bhb_mech_names, BHB_NR_MECHS, mechs, &mask, bad, sizeof(bad)) || !mask) {
			fprintf(stderr, "bhbench ab: --mechs: '%s' is not a mechanism\n", bad);
			return 2;
		}
		copts[nco++] = "--mechs";
		copts[nco++] = (char *)mechs;
	}
	{
		char sp[PATH_MAX], err[512];
		struct bhb_scenario sc;

		if (bhb_scenario_path(bhb_root(), scen, sp, sizeof(sp), err, sizeof(err))) {
			fprintf(stderr, "bhbench ab: %s\n", err);
			return 2;
		}
		if (bhb_scenario_load(sp, &sc)) {
			fprintf(stderr, "bhbench ab: %s\n", sc.error);
			return 2;
		}
		if (sc.type != BHB_SCEN_LATENCY && sc.type != BHB_SCEN_SUITE) {
			fprintf(stderr, "bhbench ab: %s is not a latency scenario or suite\n", sp);
			return 2;
		}
	}
	if (!id[0]) {
		char date[32];
		time_t now = time(NULL);

		strftime(date, sizeof(date), "%Y%m%d-%H%M%S", localtime(&now));
		snprintf(id, sizeof(id), "%s-ab-%.40s-vs-%.40s-%.40s", date, s[0].kernel ?: "custom",
			 s[1].kernel ?: "custom", strrchr(scen, '/') ? strrchr(scen, '/') + 1 : scen);
	}
	snprintf(final, sizeof(final), "%s/%s", out, id);
	if (access(final, F_OK) == 0) {
		fprintf(stderr, "bhbench ab: %s exists already; choose another --id\n", final);
		return 2;
	}
	for (int k = 0; k < 2; k++) {
		snprintf(dirs[k], sizeof(dirs[k]), "%s/%s", final, name[k]);
		/* an alias resolved once: every boot of a side runs the same release */
		if (s[k].kernel) {
			if (bhb_kernel_fetch(s[k].kernel, rel[k], sizeof(rel[k]))) {
				fprintf(stderr, "bhbench ab: cannot provision kernel '%s' (see the messages above)\n",
					s[k].kernel);
				return 1;
			}
			s[k].kernel = rel[k];
		}
		/* the side as bhbench run options */
		memset(&ro[k], 0, sizeof(ro[k]));
		snprintf(ro[k].kernel, sizeof(ro[k].kernel), "%s", s[k].kernel ?: "");
		snprintf(ro[k].kernel_image, sizeof(ro[k].kernel_image), "%s", s[k].image ?: "");
		snprintf(ro[k].kernel_build, sizeof(ro[k].kernel_build), "%s", s[k].build ?: "");
		snprintf(ro[k].append, sizeof(ro[k].append), "%s", s[k].append ?: "");
		snprintf(ro[k].scenario, sizeof(ro[k].scenario), "%s", scen);
		snprintf(ro[k].accel, sizeof(ro[k].accel), "%s", accel);
		ro[k].cpus = (int)strtol(cpus, NULL, 10);
		ro[k].mem_mb = (int)strtol(mem, NULL, 10);
		ro[k].timeout_s = 1800;
		ro[k].hang_s = 180;
		ro[k].quick = quick;
	}
	/* ABBA: boot pair j is A then B for even j, B then A for odd j */
	for (int j = 0; j < nb; j++)
		for (int h = 0; h < 2; h++) {
			int k = (j % 2) ? 1 - h : h;

			snprintf(bid, sizeof(bid), "boot-%d", j + 1);
			printf("\nbhbench ab: %s, boot %d of %d\n", name[k], j + 1, nb);
			fflush(stdout);
			/* pair j: both sides interleave their runs in the same order */
			ro[k].seed = j + 1;
			ret = bhb_run_boot(&ro[k], NULL, dirs[k], bid);
			if (ret) {
				fprintf(stderr, "bhbench ab: %s boot %d failed (exit %d); nothing is compared. "
					"The boots that finished are in %s\n", name[k], j + 1, ret, final);
				return ret == 2 ? 2 : 1;
			}
		}
	for (int k = 0; k < 2; k++)
		if (bhb_merge_boots(dirs[k], nb))
			return 1;
	snprintf(path, sizeof(path), "%s/compare.json", final);
	compare_to(path, "json", copts, nco, dirs[0], dirs[1]);
	snprintf(path, sizeof(path), "%s/compare.md", final);
	compare_to(path, "md", copts, nco, dirs[0], dirs[1]);
	snprintf(path, sizeof(path), "%s/compare.txt", final);
	compare_to(path, "table", copts, nco, dirs[0], dirs[1]);
	printf("\n");
	ret = compare_to(NULL, "table", copts, nco, dirs[0], dirs[1]);
	printf("\nresults: %s (base/, new/, compare.txt, compare.md, compare.json)\n", final);
	return ret;
}
