// SPDX-License-Identifier: GPL-2.0
/* bhbench run / bhbench kernels */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/names.h"
#include "bhbench.h"
#include "rs.h"

#define PROVISION "harness/kernel/provision.sh"

static int provision(char *out, size_t len, const char *verb, const char *a1, const char *a2,
		     const char *a3, const char *a4)
{
	char script[PATH_MAX];
	const char *argv[] = { script, verb, a1, a2, a3, a4, NULL };

	snprintf(script, sizeof(script), "%s/%s", bhb_root(), PROVISION);
	return bhb_capture(out, len, argv);
}

int bhb_kernel_fetch(const char *kernel, char *rel, size_t len)
{
	return provision(rel, len, "fetch", kernel, NULL, NULL, NULL) || !rel[0] ? -1 : 0;
}

static void module_hash(char *out, size_t len)
{
	char cmd[PATH_MAX + 128];
	const char *argv[] = { "sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd),
		 "cd '%s/bench-module' && cat Kbuild $(ls *.c *.h | LC_ALL=C sort) | sha256sum | cut -c1-16",
		 bhb_root());
	if (bhb_capture(out, len, argv) != 0 || !out[0])
		snprintf(out, len, "unknown");
}

static const char *flavour_of(const char *rel)
{
	if (strstr(rel, "-rt-"))
		return "rt";
	if (strstr(rel, "-cloud-"))
		return "cloud";
	return "generic";
}

/* scenario files: one as /scenario.ini, or a suite's members as /scenario-N.ini */
/* a scenario file as the agent gets it: --cycles appended (a later key wins); NULL on error */
static char *scenario_text(const char *path, int cycles, size_t *len)
{
	char *text = bhb_slurp(path, len), *more;

	if (text && cycles > 0 && (more = realloc(text, *len + 64))) {
		text = more;
		*len += (size_t)snprintf(text + *len, 64, "\n[scenario]\ncycles = %d\n", cycles);
	}
	return text;
}

static int build_initramfs(const char *path, const char *agent, const char *ko, const char *payload_ko,
			   char scen[][PATH_MAX], int nscen, int suite, int cycles, const char *ul_manifest,
			   const char *kmods)
{
	struct cpio *c = cpio_open(path);
	size_t len;
	char *text = scenario_text(scen[0], suite ? 0 : cycles, &len);

	if (!c || !text) {
		free(text);
		return -1;
	}
	cpio_dir(c, "dev");
	cpio_chardev(c, "dev/console", 5, 1);
	cpio_dir(c, "proc");
	cpio_dir(c, "sys");
	cpio_dir(c, "tmp");
	cpio_file(c, "init", agent, 0755);
	cpio_add_libs(c, agent);
	cpio_file(c, "bhbench.ko", ko, 0644);
	if (payload_ko[0])
		cpio_file(c, "bhbench_payload.ko", payload_ko, 0644);
	/* a real subsystem's tools (/ul) and the kernel's own modules it loads (/kmod) */
	if (ul_manifest[0] && (cpio_manifest(c, ul_manifest) || cpio_tree(c, "kmod", kmods))) {
		cpio_close(c);
		free(text);
		return -1;
	}
	/* hyperfine times the hotplug offline from inside the guest */
	if (!access("/usr/bin/hyperfine", X_OK)) {
		cpio_file(c, "usr/bin/hyperfine", "/usr/bin/hyperfine", 0755);
		cpio_add_libs(c, "/usr/bin/hyperfine");
	}
	if (!suite) {
		cpio_data(c, "scenario.ini", text, len, 0644);
		free(text);
		return cpio_close(c);
	}
	free(text);
	for (int i = 0; i < nscen; i++) {
		char name[32];

		text = bhb_slurp(scen[i], &len);
		if (!text)
			return -1;
		snprintf(name, sizeof(name), "scenario-%d.ini", i);
		cpio_data(c, name, text, len, 0644);
		free(text);
	}
	return cpio_close(c);
}

/*
 * Under TCG a vCPU can run a stale translation of kernel text that another
 * vCPU is patching (static keys, text_poke_bp) and die on its int3: the
 * console shows "Oops: int3" with a RIP outside bhbench.  That is the
 * emulator, not the measurement; run() boots again, up to
 * BHB_EMULATOR_RETRIES times (two faults in a row were seen on 7.3 with 4
 * vCPUs, both 2.5 s into the boot).
 */
#define BHB_EMULATOR_RETRIES 2
static int emulator_fault(const char *console)
{
	char *log = bhb_slurp(console, NULL), *p, *rip;
	int fault = 0;

	if (log && (p = strstr(log, "Oops: int3"))) {
		rip = strstr(p, "RIP:");
		fault = rip && !strstr(rip, "[bhbench]") ? 1 : 0;
		if (rip && strstr(rip, "[bhbench]") && strchr(rip, '\n') &&
		    strstr(rip, "[bhbench]") > strchr(rip, '\n'))
			fault = 1;	/* the RIP line itself does not name the module */
	}
	free(log);
	return fault;
}

/*
 * A kernel of the user's own (--kernel-image, --kernel-build): the image is
 * booted as is, the release comes from the build tree, and bhbench.ko is
 * built against the tree with the host's toolchain.  Returns 0, or the exit
 * status after saying why: 2 for bad input (before anything boots), 1 when
 * the module build failed.
 */
struct custom_kernel {
	char image[PATH_MAX], build[PATH_MAX], sha256[80];
};

static int custom_kernel(const struct run_opts *o, struct custom_kernel *ck, char *rel, size_t rlen,
			 char *ko, size_t klen)
{
	static const char *const need[][2] = {
		{ "Makefile", "" }, { ".config", "" },
		{ "Module.symvers", ": build the kernel there first (make; modules_prepare alone does not write it)" },
		{ "include/generated", ": build the kernel there first" },
		{ "include/config/kernel.release", ": build the kernel there first" },
	};
	char path[PATH_MAX + 64], src[PATH_MAX], out[256], *txt;
	const char *sha_argv[] = { "sha256sum", ck->image, NULL };
	unsigned char hdr[0x210];
	struct stat st;
	FILE *f;

	if (!realpath(o->kernel_image, ck->image) || stat(ck->image, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		fprintf(stderr, "bhbench run: --kernel-image %s: %s\n", o->kernel_image,
			access(o->kernel_image, F_OK) ? strerror(errno) : "not a kernel image (empty or not a file)");
		return 2;
	}
	if (!realpath(o->kernel_build, ck->build) || stat(ck->build, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "bhbench run: --kernel-build %s: %s\n", o->kernel_build,
			access(o->kernel_build, F_OK) ? strerror(errno) : "not a directory");
		return 2;
	}
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", ck->build, need[i][0]);
		if (access(path, R_OK)) {
			fprintf(stderr, "bhbench run: --kernel-build %s is not a kernel build tree: no %s%s\n",
				ck->build, need[i][0], need[i][1]);
			return 2;
		}
	}
	snprintf(path, sizeof(path), "%s/include/config/kernel.release", ck->build);
	txt = bhb_slurp(path, NULL);
	if (txt)
		txt[strcspn(txt, "\n")] = 0;
	if (!txt || !txt[0] || strlen(txt) >= rlen || strpbrk(txt, "/ \t")) {
		fprintf(stderr, "bhbench run: %s: not a kernel release\n", path);
		free(txt);
		return 2;
	}
	snprintf(rel, rlen, "%s", txt);
	free(txt);
	/* an x86 bzImage names its release: a mismatch would only show as a module load error */
	f = fopen(ck->image, "rb");
	if (f && fread(hdr, 1, sizeof(hdr), f) == sizeof(hdr) && !memcmp(hdr + 0x202, "HdrS", 4)) {
		char ver[256] = "";
		long off = (long)(hdr[0x20e] | hdr[0x20f] << 8) + 0x200;

		if (fseek(f, off, SEEK_SET) == 0 && fgets(ver, sizeof(ver), f)) {
			ver[strcspn(ver, " ")] = 0;
			if (ver[0] && strcmp(ver, rel)) {
				fprintf(stderr, "bhbench run: --kernel-image %s is kernel %s, but the build tree %s is %s: "
					"give the image built in that tree (arch/x86/boot/bzImage)\n",
					ck->image, ver, ck->build, rel);
				fclose(f);
				return 2;
			}
		}
	} else {
		fprintf(stderr, "bhbench run: note: %s is not an x86 bzImage; booting it as is\n", ck->image);
	}
	if (f)
		fclose(f);
	if (bhb_capture(path, sizeof(path), sha_argv) || strlen(path) < 64) {
		fprintf(stderr, "bhbench run: cannot hash %s\n", ck->image);
		return 1;
	}
	snprintf(ck->sha256, sizeof(ck->sha256), "%.64s", path);

	printf("bhbench: custom kernel %s (%s), building bhbench.ko against %s\n", rel, ck->image, ck->build);
	fflush(stdout);
	snprintf(path, sizeof(path), "%s/custom", bhb_cache());
	bhb_mkdirs(path);
	snprintf(ko, klen, "%s/bhbench-%ld.ko", path, (long)getpid());
	snprintf(src, sizeof(src), "%s/bench-module", bhb_root());
	if (provision(out, sizeof(out), "custom-build", ck->build, src, ko, NULL)) {
		fprintf(stderr, "bhbench run: module build against %s failed (see the lines above)\n", ck->build);
		return 1;
	}
	return 0;
}

static int fail_line(const char *what, const char *dir)
{
	fprintf(stderr, "bhbench: FAILED: %s (console log: %s/console.log)\n", what, dir);
	return 1;
}

/* one run, from its options to its results directory (bhb_run()) */
struct run_plan {
	struct run_opts o;
	struct bhb_scenario sc;
	char scen_path[PATH_MAX];
	char members[BHB_MAX_SUITE][PATH_MAX];	/* the scenario, or a suite's members */
	int nmembers, suite;
	struct custom_kernel ck;
	char rel[256], vmlinuz[PATH_MAX], ko[PATH_MAX], hash[64], agent[PATH_MAX];
	char payload_dir[PATH_MAX], payload_ko[PATH_MAX], payload_hash[64];	/* --payload */
	char ul_manifest[PATH_MAX], kmods[PATH_MAX];	/* a real-subsystem kind: its tools, the kernel's modules */
	char dir[PATH_MAX], final[PATH_MAX];	/* where the run writes, where it ends up */
	char initrd[PATH_MAX], append[2048], con[PATH_MAX], chan[PATH_MAX], qlog[PATH_MAX];
	const char *accel;
	char accel_why[256];		/* --accel auto: what the KVM probe found */
	struct boot_result br;
	int retried;			/* boots after an emulator fault */
	json_t *load_before;		/* the host's load before the boot */
	unsigned long long ticks[2][8];	/* the host's CPU time before and after it (/proc/stat) */
	int have_ticks;			/* both samples taken */
	json_t *native;			/* --native: the machine's record (native.c) */
	char build[PATH_MAX];		/* --native: the running kernel's build tree */
	char unload_failure[256];	/* --native: why bhbench.ko is still loaded, or "" */
	int preflight_failed;		/* --native: the noise check failed; its stream stands for the run */
};

/*
 * --boots N: N boots one after the other, each a run of its own in
 * FINAL/boot-I (same options), then merged into FINAL/results.json.  A boot
 * that fails stops the series; the boots that finished stay.
 */
int bhb_run_boot(const struct run_opts *o, const char *rel, const char *out, const char *id)
{
	struct run_opts bo = *o;

	if (!bo.kernel_image[0])
		snprintf(bo.kernel, sizeof(bo.kernel), "%s", rel ?: o->kernel);
	snprintf(bo.out_dir, sizeof(bo.out_dir), "%s", out);
	snprintf(bo.run_id, sizeof(bo.run_id), "%s", id);
	bo.no_report = 1;
	bo.boots = 0;
	bo.trace = 0;
	bo.cycles = 0;
	bo.help = 0;
	return bhb_run(&bo);
}

int bhb_merge_boots(const char *dir, int n)
{
	char *bd[BHB_MERGE_MAX];
	int k = 0, ret = 1;

	if (n < 2 || n > BHB_MERGE_MAX)
		return 2;
	while (k < n && asprintf(&bd[k], "%s/boot-%d", dir, k + 1) >= 0)
		k++;
	if (k == n)
		ret = bhb_merge_dirs(dir, (const char *const *)bd, n);
	while (k--)
		free(bd[k]);
	return ret;
}

/* report.md, report.html and figures/ of a finished run, as bhbench report writes them: 0 or 1 */
static int run_report(const char *final)
{
	const char *d[] = { final };
	char err[PATH_MAX + 256];

	if (bhb_report_dirs(d, 1, err, sizeof(err))) {
		fprintf(stderr, "bhbench report: %s\n", err);
		return 1;
	}
	printf("report: %s/report.html (and report.md, figures/)\n", final);
	return 0;
}

static int run_boots(const struct run_opts *o, const char *rel, const char *final)
{
	char id[16];
	int ret = 0;
	json_t *res;
	char err[512];

	if (bhb_mkdirs(final)) {
		fprintf(stderr, "bhbench run: cannot create %s: %s\n", final, strerror(errno));
		return 1;
	}
	for (int i = 0; i < o->boots; i++) {
		snprintf(id, sizeof(id), "boot-%d", i + 1);
		printf("\nbhbench: boot %d of %d\n", i + 1, o->boots);
		fflush(stdout);
		/* the release resolved once: an alias must not move between boots */
		struct run_opts bo = *o;

		bo.seed = o->seed + i;
		ret = bhb_run_boot(&bo, rel, final, id);
		if (ret) {
			fprintf(stderr, "bhbench run: boot %d of %d failed (exit %d); the boots that finished are "
				"kept in %s, not merged\n", i + 1, o->boots, ret, final);
			return ret;
		}
	}
	printf("\nbhbench: merging %d boots\n", o->boots);
	ret = bhb_merge_boots(final, o->boots);
	if (ret)
		return ret;
	res = bhb_res_load(final, err, sizeof(err));
	if (!res) {
		fprintf(stderr, "bhbench run: %s\n", err);
		return 1;
	}
	bhb_print_summary(stdout, res);
	json_decref(res);
	if (!o->no_report)
		ret = run_report(final);
	printf("\nresults (%d boots merged): %s\n", o->boots, final);
	return ret;
}

/* a suite member (or the scenario itself) that this run cannot take: 2 after saying why */
static int check_member(struct run_plan *p, int i, char names[][64])
{
	struct bhb_scenario *m = malloc(sizeof(*m));
	int ret = 2;

	if (!m || bhb_scenario_load(p->members[i], m)) {
		fprintf(stderr, "bhbench run: %s\n", m ? m->error : "out of memory");
		goto out;
	}
	snprintf(names[i], 64, "%s", m->name);
	for (int k = 0; k < i; k++)
		if (!strcmp(names[k], m->name)) {
			fprintf(stderr, "bhbench run: %s: two members named '%s' (%s and %s): their cases "
				"would share labels\n", p->scen_path, m->name, p->members[k], p->members[i]);
			goto out;
		}
	if (p->suite && m->type != BHB_SCEN_LATENCY && m->type != BHB_SCEN_CONTROL) {
		fprintf(stderr, "bhbench run: %s: member %s is not a latency or control scenario "
			"(hotplug, fuzz and suites run on their own)\n", p->scen_path, p->members[i]);
		goto out;
	}
	if (p->o.payload[0] && !p->suite && m->type != BHB_SCEN_LATENCY) {
		fprintf(stderr, "bhbench run: --payload is the callback of latency cases; %s is a %s scenario\n",
			p->members[i], bhb_scen_type_names[m->type]);
		goto out;
	}
	for (uint32_t k = 0; k < m->ncases && !p->o.payload[0]; k++)
		if (m->cases[k].work == BHB_CASE_WORK_PAYLOAD) {
			fprintf(stderr, "bhbench run: %s: [case %s] has work = payload: give --payload DIR (a module "
				"directory; bench-module/payload/ is the template)\n", p->members[i], m->cases[k].name);
			goto out;
		}
	/*
	 * icount's one vCPU is a default, not a request: a case that
	 * needs a second CPU becomes a stated n/a in the guest (see
	 * bhbagent.narrow) instead of refusing the whole suite.
	 */
	ret = 0;
	if (p->o.narrow)
		goto out;
	if (m->cpus && (m->cpus >> p->o.cpus)) {
		fprintf(stderr, "bhbench run: %s: cpus needs more than the %d vCPUs of --cpus\n",
			p->members[i], p->o.cpus);
		ret = 2;
	}
	for (uint32_t k = 0; k < m->ncases && !ret; k++) {
		const struct bhb_case *cs = &m->cases[k];

		if ((cs->cpus >> p->o.cpus) || (cs->producer == BHB_PROD_REMOTE && cs->remote_cpu >= p->o.cpus)) {
			fprintf(stderr, "bhbench run: %s: [case %s] needs more than the %d vCPUs of --cpus\n",
				p->members[i], cs->name, p->o.cpus);
			ret = 2;
		}
	}
out:
	free(m);
	return ret;
}

/*
 * A real-subsystem scenario (dm-verity): the guest's tools from Debian
 * (provision.sh userland, cached) and the kernel's own modules, kept from
 * its package at fetch: 0, 1 (failed) or 2 (cannot be done)
 */
static int plan_userland(struct run_plan *p)
{
	char out[PATH_MAX];

	const char *set = p->sc.type == BHB_SCEN_DMVERITY ? "dmverity" : "usb";

	if (p->sc.type != BHB_SCEN_DMVERITY && p->sc.type != BHB_SCEN_USB)
		return 0;
	if (p->o.kernel_image[0]) {
		fprintf(stderr, "bhbench run: %s needs a Debian kernel's own modules (dm-verity, brd, usb-storage): "
			"--kernel-image is not supported for it\n", p->sc.name);
		return 2;
	}
	/* test hooks (tests/dmverity.sh): another set of modules, another manifest of tools */
	if (getenv("BHBENCH_KMODS"))
		snprintf(p->kmods, sizeof(p->kmods), "%s", getenv("BHBENCH_KMODS"));
	else
		snprintf(p->kmods, sizeof(p->kmods), "%s/kernels/%s/mods", bhb_cache(), p->rel);
	snprintf(out, sizeof(out), "%s/order-%s", p->kmods, set);
	if (access(out, R_OK)) {
		fprintf(stderr, "bhbench run: the modules of %s were not kept at fetch (%s)\n", p->rel, out);
		return 1;
	}
	if (getenv("BHBENCH_USERLAND")) {
		snprintf(p->ul_manifest, sizeof(p->ul_manifest), "%s", getenv("BHBENCH_USERLAND"));
		return 0;
	}
	printf("bhbench: preparing the guest's tools (fio, veritysetup, dmsetup from Debian)\n");
	fflush(stdout);
	if (provision(p->ul_manifest, sizeof(p->ul_manifest), "userland", NULL, NULL, NULL, NULL) ||
	    access(p->ul_manifest, R_OK)) {
		fprintf(stderr, "bhbench run: cannot provision the guest's tools (see the messages above)\n");
		return 1;
	}
	return 0;
}

/* the scenario and a suite's members, all checked before anything boots: 0 or 2 */
static int plan_scenario(struct run_plan *p)
{
	char err[512], names[BHB_MAX_SUITE][64];

	if (bhb_scenario_path(bhb_root(), p->o.scenario, p->scen_path, sizeof(p->scen_path), err, sizeof(err))) {
		fprintf(stderr, "bhbench run: %s\n", err);
		return 2;
	}
	if (bhb_scenario_load(p->scen_path, &p->sc)) {
		fprintf(stderr, "bhbench run: %s\n", p->sc.error);
		return 2;
	}
	if (p->o.boots > 1 && !bhb_scenario_comparable(p->sc.type)) {
		fprintf(stderr, "bhbench run: --boots is for latency scenarios, suites, dm-verity and usb-storage; "
			"%s is none of them\n", p->scen_path);
		return 2;
	}
	p->nmembers = 1;
	p->suite = p->sc.type == BHB_SCEN_SUITE;
	snprintf(p->members[0], sizeof(p->members[0]), "%s", p->scen_path);
	if (p->suite) {
		p->nmembers = (int)p->sc.nmembers;
		for (int i = 0; i < p->nmembers; i++)
			if (bhb_scenario_path(bhb_root(), p->sc.members[i], p->members[i], sizeof(p->members[i]), err,
					      sizeof(err))) {
				fprintf(stderr, "bhbench run: %s: %s\n", p->scen_path, err);
				return 2;
			}
	}
	for (int i = 0; i < p->nmembers; i++)
		if (check_member(p, i, names))
			return 2;
	return 0;
}

/* the kernel to boot and bhbench.ko built for it: 0, 1 (failed) or 2 (bad input) */
static int plan_kernel(struct run_plan *p)
{
	char kdir[PATH_MAX + 300];

	if (p->o.kernel_image[0]) {
		int ret = custom_kernel(&p->o, &p->ck, p->rel, sizeof(p->rel), p->ko, sizeof(p->ko));

		if (ret)
			return ret;
		snprintf(p->vmlinuz, sizeof(p->vmlinuz), "%s", p->ck.image);
		module_hash(p->hash, sizeof(p->hash));
		return 0;
	}
	printf("bhbench: preparing kernel %s\n", p->o.kernel);
	fflush(stdout);
	if (provision(p->rel, sizeof(p->rel), "fetch", p->o.kernel, NULL, NULL, NULL) || !p->rel[0]) {
		fprintf(stderr, "bhbench run: cannot provision kernel '%s' (see the messages above)\n", p->o.kernel);
		return 1;
	}
	snprintf(kdir, sizeof(kdir), "%s/kernels/%s", bhb_cache(), p->rel);
	snprintf(p->vmlinuz, sizeof(p->vmlinuz), "%s/vmlinuz", kdir);
	module_hash(p->hash, sizeof(p->hash));
	snprintf(p->ko, sizeof(p->ko), "%s/bhbench-%s.ko", kdir, p->hash);
	if (access(p->ko, R_OK)) {
		char src[PATH_MAX], out[256];

		printf("bhbench: building bhbench.ko for %s\n", p->rel);
		fflush(stdout);
		snprintf(src, sizeof(src), "%s/bench-module", bhb_root());
		if (provision(out, sizeof(out), "build", p->rel, src, p->ko, NULL)) {
			fprintf(stderr, "bhbench run: module build failed for %s\n", p->rel);
			return 1;
		}
	}
	return 0;
}

/* --payload DIR: a directory with a Kbuild (or Makefile), and what its files hash to; 0 or 2 */
static int check_payload(struct run_plan *p)
{
	char cmd[2 * PATH_MAX + 256];
	const char *argv[] = { "sh", "-c", cmd, NULL };
	struct stat st;
	int ok;

	if (!p->o.payload[0])
		return 0;
	if (!realpath(p->o.payload, p->payload_dir) || stat(p->payload_dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "bhbench run: --payload %s: %s\n", p->o.payload,
			access(p->o.payload, F_OK) ? strerror(errno) : "not a directory");
		return 2;
	}
	snprintf(cmd, sizeof(cmd), "%s/Kbuild", p->payload_dir);
	ok = !access(cmd, R_OK);
	snprintf(cmd, sizeof(cmd), "%s/Makefile", p->payload_dir);
	ok |= !access(cmd, R_OK);
	if (!ok) {
		fprintf(stderr, "bhbench run: --payload %s: no Kbuild (or Makefile): a module directory like "
			"%s/bench-module/payload/ (the template)\n", p->payload_dir, bhb_root());
		return 2;
	}
	snprintf(cmd, sizeof(cmd), "cd '%s' && cat $(ls Kbuild Makefile *.c *.h 2>/dev/null | LC_ALL=C sort) "
		 "'%s/bench-module/bhb_payload.h' | sha256sum | cut -c1-16", p->payload_dir, bhb_root());
	if (bhb_capture(p->payload_hash, sizeof(p->payload_hash), argv) || !p->payload_hash[0]) {
		fprintf(stderr, "bhbench run: --payload %s: cannot read its files\n", p->payload_dir);
		return 2;
	}
	return 0;
}

/*
 * --payload DIR: the payload module built for the kernel (DIR with
 * bench-module/bhb_payload.h beside its files), cached by the hash of
 * both for a Debian kernel, built for this run only for a kernel of the
 * user's own: 0 or 1 (the build failed)
 */
static int plan_payload(struct run_plan *p)
{
	char out[256], dir[PATH_MAX];
	int ok;

	if (!p->o.payload[0])
		return 0;
	if (p->ck.image[0]) {
		snprintf(p->payload_ko, sizeof(p->payload_ko), "%s/custom/payload-%ld.ko", bhb_cache(), (long)getpid());
		printf("bhbench: building the payload %s against %s\n", p->payload_dir, p->ck.build);
		fflush(stdout);
		ok = !provision(out, sizeof(out), "custom-build", p->ck.build, p->payload_dir, p->payload_ko, NULL);
	} else {
		snprintf(dir, sizeof(dir), "%s/kernels/%s", bhb_cache(), p->rel);
		snprintf(p->payload_ko, sizeof(p->payload_ko), "%.*s/payload-%s.ko", PATH_MAX - 100, dir,
			 p->payload_hash);
		if (!access(p->payload_ko, R_OK))
			return 0;
		printf("bhbench: building the payload %s for %s\n", p->payload_dir, p->rel);
		fflush(stdout);
		ok = !provision(out, sizeof(out), "build", p->rel, p->payload_dir, p->payload_ko, NULL);
	}
	if (!ok) {
		fprintf(stderr, "bhbench run: the payload %s did not build for %s (its compiler's messages are "
			"above)\n", p->payload_dir, p->rel);
		return 1;
	}
	return 0;
}

/*
 * The guest's kernel command line.
 *
 * tsc=reliable: under emulation a starved vCPU makes the clocksource
 * watchdog call the TSC unstable; the kernel then switches clocksource
 * mid-run (changing what a timestamp costs) and patches a static key
 * while other vCPUs run, which TCG has been seen to turn into an
 * "Oops: int3" in sched_clock_cpu.
 *
 * noirqdebug: with threaded interrupts (PREEMPT_RT, threadirqs) the
 * emulated UART of the result channel raises TX interrupts faster
 * than its irq thread runs; the spurious-interrupt detector then
 * calls IRQ 3 unhandled ("nobody cared"), disables it, and the result
 * stream stops mid-run (seen on 7.3-rt with the default suite).
 *
 * cryptomgr.notests=1: the crypto self-tests otherwise run in
 * cryptomgr_test kthreads for seconds after /init (4.2 s of virtual
 * time on 6.12 under icount), beside the first runs: kworker q->cb
 * 400-600 us instead of 32 us there.  The agent still waits for a
 * quiet guest (env.guest.settle) in case anything else is busy.
 */
/* the agent's settings of this run that a guest's command line and a native agent's argument share */
static void agent_words(const struct run_plan *p, char *nscen, size_t len)
{
	const struct run_opts *o = &p->o;

	nscen[0] = 0;
	if (p->suite)
		snprintf(nscen, len, " bhbagent.scenarios=%d", p->nmembers);
	if (o->quick)
		strncat(nscen, " bhbagent.quick=1", len - strlen(nscen) - 1);
	if (o->trace)
		snprintf(nscen + strlen(nscen), len - strlen(nscen), " bhbagent.trace=%d", o->trace);
	snprintf(nscen + strlen(nscen), len - strlen(nscen), " bhbagent.seed=%d", o->seed);
	if (o->narrow)
		strncat(nscen, " bhbagent.narrow=1", len - strlen(nscen) - 1);
}

static void guest_cmdline(struct run_plan *p)
{
	const struct run_opts *o = &p->o;
	char nscen[256] = "";

	agent_words(p, nscen, sizeof(nscen));
	if (p->payload_ko[0])
		strncat(nscen, " bhbagent.payload=/bhbench_payload.ko", sizeof(nscen) - strlen(nscen) - 1);
	snprintf(p->append, sizeof(p->append), "console=ttyS0,115200 panic=-1 tsc=reliable noirqdebug "
		 "cryptomgr.notests=1 rdinit=/init%s%s%s", nscen, o->append[0] ? " " : "", o->append);
}

/*
 * usb-storage: a sparse raw image of data_mb in the run's directory (reads
 * of zeros), a qemu-xhci controller and a usb-storage disk on it
 */
static int usb_disk(struct run_plan *p, const char *devices[8], char img[PATH_MAX])
{
	static char drive[PATH_MAX + 64];
	int fd;

	snprintf(img, PATH_MAX, "%s/usb-disk.img", p->dir);
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)p->sc.data_mb << 20)) {
		close(fd);
		return -1;
	}
	close(fd);
	snprintf(drive, sizeof(drive), "if=none,id=stick,format=raw,file=%s", img);
	devices[0] = "-device";
	devices[1] = "qemu-xhci,id=xhci";
	devices[2] = "-drive";
	devices[3] = drive;
	devices[4] = "-device";
	devices[5] = "usb-storage,bus=xhci.0,drive=stick";
	devices[6] = NULL;
	return 0;
}

/* the initramfs, the accelerator, the boot (once more after an emulator fault): 0 or 1 */
static int boot_guest(struct run_plan *p)
{
	const char *devices[8] = { NULL };
	char img[PATH_MAX] = "";
	struct boot_opts bo;
	char label[300];

	snprintf(p->initrd, sizeof(p->initrd), "%s/initramfs.cpio", p->dir);
	if (p->o.cycles > 0)
		p->sc.cycles = (uint32_t)p->o.cycles;
	if (build_initramfs(p->initrd, p->agent, p->ko, p->payload_ko, p->members, p->nmembers, p->suite,
			    p->o.cycles, p->ul_manifest, p->kmods)) {
		fprintf(stderr, "bhbench run: cannot write the initramfs %s: %s\n", p->initrd, strerror(errno));
		return 1;
	}
	if (!strcmp(p->o.accel, "auto")) {
		p->accel = bhb_pick_accel(p->vmlinuz, p->accel_why, sizeof(p->accel_why));
		printf("bhbench: accelerator %s: %s\n", p->accel, p->accel_why);
	} else {
		p->accel = p->o.accel;
	}
	guest_cmdline(p);
	snprintf(p->con, sizeof(p->con), "%s/console.log", p->dir);
	snprintf(p->chan, sizeof(p->chan), "%s/channel.bin", p->dir);
	snprintf(p->qlog, sizeof(p->qlog), "%s/qemu.log", p->dir);
	p->load_before = bhb_host_load();
	p->have_ticks = !bhb_host_ticks(p->ticks[0]);
	snprintf(label, sizeof(label), "%s %s", p->rel, p->sc.name);
	bo = (struct boot_opts){ .kernel = p->vmlinuz, .initrd = p->initrd, .append = p->append, .accel = p->accel,
				 .cpus = p->o.cpus, .mem_mb = p->o.mem_mb, .timeout_s = p->o.timeout_s,
				 .hang_s = p->o.hang_s, .console_path = p->con, .chan_path = p->chan,
				 .qemu_log = p->qlog, .progress = 1, .expected = p->sc.expected_warnings,
				 .label = label };
	if (p->sc.type == BHB_SCEN_USB && usb_disk(p, devices, img)) {
		fprintf(stderr, "bhbench run: cannot make the USB disk image %s: %s\n", img, strerror(errno));
		return 1;
	}
	if (devices[0])
		bo.devices = devices;
	printf("bhbench: booting %s (%s, %d vCPUs), scenario %s\n", p->rel, p->accel, p->o.cpus, p->sc.name);
	fflush(stdout);
	for (;;) {
		char old[PATH_MAX + 16];

		if (bhb_boot(&bo, &p->br)) {
			fprintf(stderr, "bhbench run: cannot start qemu-system-x86_64: %s\n", strerror(errno));
			return 1;
		}
		if (p->retried >= BHB_EMULATOR_RETRIES || (strcmp(p->accel, "tcg") && strcmp(p->accel, "icount")) ||
		    !emulator_fault(p->con))
			break;
		/* keep the evidence, then boot again */
		snprintf(old, sizeof(old), "%s.emulator-fault-%d", p->con, p->retried + 1);
		rename(p->con, old);
		snprintf(old, sizeof(old), "%s.emulator-fault-%d", p->chan, p->retried + 1);
		rename(p->chan, old);
		fprintf(stderr, "bhbench: the guest kernel hit an int3 in its own code patching (a known TCG "
			"problem, not bhbench's code; console kept as console.log.emulator-fault-%d); booting "
			"again\n", p->retried + 1);
		p->retried++;
	}
	p->have_ticks = p->have_ticks && !bhb_host_ticks(p->ticks[1]);
	unlink(p->initrd);
	if (img[0])
		unlink(img);
	if (p->ck.image[0]) {
		unlink(p->ko);	/* built for this run only */
		if (p->payload_ko[0])
			unlink(p->payload_ko);
	}
	return 0;
}

/* what the run ran on: the host's record, the kernel, the guest's options */
static json_t *run_env(struct run_plan *p)
{
	json_t *env = bhb_host_env(!p->o.native);

	json_object_set_new(env, "kernel", json_string(p->rel));
	json_object_set_new(env, "flavour", json_string(p->ck.image[0] ? "custom" : flavour_of(p->rel)));
	if (p->ck.image[0]) {
		json_object_set_new(env, "kernel_image", json_string(p->ck.image));
		json_object_set_new(env, "kernel_image_sha256", json_string(p->ck.sha256));
		json_object_set_new(env, "kernel_build", json_string(p->ck.build));
	}
	json_object_set_new(env, "accel", json_string(p->accel));
	/* asked for, or picked by the probe (and why: a KVM run says it booted under KVM) */
	json_object_set_new(env, "accel_requested", json_string(p->o.accel));
	if (p->accel_why[0])
		json_object_set_new(env, "accel_probe", json_string(p->accel_why));
	if (!strcmp(p->accel, "icount"))
		json_object_set_new(env, "icount", json_pack("{s:i,s:i,s:s,s:s}", "shift", BHB_ICOUNT_SHIFT,
							     "ns_per_insn", 1 << BHB_ICOUNT_SHIFT,
							     "qemu_options", "-accel tcg,thread=single -icount "
							     BHB_ICOUNT_OPTS " -seed 1", "time",
							     "virtual time: " BHB_ICOUNT_MEANING));
	json_object_set_new(env, "vcpus", json_integer(p->o.cpus));
	json_object_set_new(env, "order_seed", json_integer(p->o.seed));
	json_object_set_new(env, "mem_mb", json_integer(p->o.mem_mb));
	json_object_set_new(env, "module_hash", json_string(p->hash));
	if (p->payload_ko[0])
		json_object_set_new(env, "payload", json_pack("{s:s,s:s}", "dir", p->payload_dir, "hash",
							     p->payload_hash));
	if (p->o.native) {
		/* the machine's own command line; the agent's settings beside it */
		json_object_set(env, "kernel_cmdline", json_object_get(p->native, "cmdline"));
		json_object_set_new(env, "agent_settings", json_string(p->append));
		json_object_set_new(env, "native", p->native);
		p->native = NULL;
	} else {
		json_object_set_new(env, "kernel_cmdline", json_string(p->append));
	}
	json_object_set_new(env, "scenario_file", json_string(p->scen_path));
	json_object_set_new(env, "quick", json_boolean(p->o.quick));
	json_object_set_new(env, "traced_runs", json_integer(p->o.trace));
	json_object_set_new(env, "run_id", json_string(p->o.run_id));
	json_object_set_new(env, "boot_wall_s", json_real(p->br.wall_s));
	json_object_set_new(env, "boots_after_emulator_fault", json_integer(p->retried));
	json_object_set_new(env, "host_loadavg_before", p->load_before);
	p->load_before = NULL;
	json_object_set_new(env, "host_loadavg_after", bhb_host_load());
	/* what the whole host did while the guest (natively: the agent) ran */
	json_object_set_new(env, "host_cpu_during_run",
			    p->have_ticks ? bhb_host_shares(p->ticks[0], p->ticks[1]) : json_null());
	return env;
}

/* what went wrong with the guest itself (before the results' own failures: they explain them) */
static json_t *guest_failures(const struct run_plan *p)
{
	const struct boot_result *br = &p->br;
	json_t *fails = json_array();

	if (br->interrupted)
		json_array_append_new(fails, json_sprintf("interrupted by signal %d; guest stopped", br->interrupted));
	if (br->timed_out)
		json_array_append_new(fails, json_sprintf("guest did not finish within %d s; killed", p->o.timeout_s));
	if (br->hung)
		json_array_append_new(fails, json_sprintf("guest hung: no output for %d s; killed", p->o.hang_s));
	for (int i = 0; i < br->nfail && i < 8; i++)
		json_array_append_new(fails, json_sprintf("%s: %s", p->o.native ? "kernel" : "guest kernel", br->fail[i]));
	if (br->nfail > 8)
		json_array_append_new(fails, json_sprintf("%s: %d more such lines", p->o.native ? "kernel" :
							  "guest kernel", br->nfail - 8));
	if (p->preflight_failed)
		json_array_append_new(fails, json_string("the noise check before the run (configs/native-preflight.ini) "
							 "failed; its reasons follow"));
	if (p->unload_failure[0])
		json_array_append_new(fails, json_string(p->unload_failure));
	if (p->o.native) {
		/* the agent's own exit: its frames (error, end) say the rest */
		if (br->exited && br->exit_status == 127)
			json_array_append_new(fails, json_string("the agent could not be started (see console.log)"));
		else if (br->exited && br->exit_status > 128 && !br->interrupted)
			json_array_append_new(fails, json_sprintf("the agent was killed by signal %d",
								  br->exit_status - 128));
		return fails;
	}
	if (br->exited && br->exit_status == 127) {
		char *ql = bhb_slurp(p->qlog, NULL);

		json_array_append_new(fails, json_sprintf("QEMU could not be started: %.*s",
							  ql ? (int)strcspn(ql, "\n") : 0, ql ? ql : ""));
		free(ql);
	} else if (br->exited && br->exit_status > 128 && !br->interrupted) {
		json_array_append_new(fails, json_sprintf("QEMU was killed by signal %d in the middle of the run",
							  br->exit_status - 128));
	} else if (br->exited && br->exit_status && !br->interrupted) {
		json_array_append_new(fails, json_sprintf("qemu exited with status %d (see qemu.log)", br->exit_status));
	}
	return fails;
}

/* a failed run: every failure on stderr, where the partial results are; the exit status */
static int report_failed(const struct run_plan *p, json_t *fails)
{
	size_t i;
	json_t *f;

	json_array_foreach(fails, i, f)
		fprintf(stderr, "bhbench: %s\n", json_string_value(f));
	fail_line(json_string_value(json_array_get(fails, 0)), p->final);
	fprintf(stderr, "bhbench: results of the runs that finished are kept in %s (status: failed)\n", p->final);
	return p->br.interrupted ? 130 : 1;
}

/* a sound run: its summary, its report, the splats it expected; 1 when the report failed */
static int report_ok(const struct run_plan *p, json_t *results)
{
	int ret = 0;

	bhb_print_summary(stdout, results);
	if (!p->o.no_report)
		ret = run_report(p->final);
	for (int i = 0; i < p->br.nfound && i < 8; i++)
		printf("%s kernel splat the scenario expects (a finding, see console.log): %s\n",
		       i ? "     " : "\nNOTE:", p->br.found[i]);
	printf("\nresults: %s\n", p->final);
	return ret;
}

/* the stream analysed, the guest's failures first, results.json written, the directory in place */
static int finish_run(struct run_plan *p)
{
	json_t *env = run_env(p), *results = NULL, *fails;
	struct analysis_in ai = { .chan_path = p->chan, .run_dir = p->dir, .env = env, .sc = &p->sc,
				  .seed = 0x6268626568ull };
	char why[256], path[PATH_MAX + 32];
	int ret = bhb_analyze(&ai, &results, why, sizeof(why));

	fails = guest_failures(p);
	json_array_extend(fails, json_object_get(results, "failures"));
	if (p->br.nfound) {
		json_t *found = json_array();

		for (int i = 0; i < p->br.nfound && i < 8; i++)
			json_array_append_new(found, json_string(p->br.found[i]));
		json_object_set_new(results, "kernel_findings", found);
	}
	json_object_set_new(results, "failures", fails);
	if (json_array_size(fails)) {
		json_object_set_new(results, "status", json_string("failed"));
		ret = 1;
	}
	snprintf(path, sizeof(path), "%s/results.json", p->dir);
	if (bhb_json_write_atomic(path, results)) {
		fprintf(stderr, "bhbench run: cannot write %s: %s\n", path, strerror(errno));
		ret = 1;
	}
	if (rename(p->dir, p->final)) {
		fprintf(stderr, "bhbench run: cannot rename %s to %s: %s\n", p->dir, p->final, strerror(errno));
		snprintf(p->final, sizeof(p->final), "%s", p->dir);
		ret = 1;
	}
	json_decref(env);
	if (json_array_size(fails))
		ret = report_failed(p, fails);
	else if (report_ok(p, results))
		ret = 1;
	json_decref(results);
	return ret;
}
/* where the run goes: its id (dated by default), the final and the partial directory; 0 or 2 */
static int plan_dirs(struct run_plan *p)
{
	if (!p->o.run_id[0]) {
		char date[32];
		time_t now = time(NULL);

		strftime(date, sizeof(date), "%Y%m%d-%H%M%S", localtime(&now));
		snprintf(p->o.run_id, sizeof(p->o.run_id), "%s-%s-%s", date, p->rel, p->sc.name);
	}
	snprintf(p->final, sizeof(p->final), "%s/%s", p->o.out_dir, p->o.run_id);
	snprintf(p->dir, sizeof(p->dir), "%s/.%s.partial", p->o.out_dir, p->o.run_id);
	if (access(p->final, F_OK) == 0) {
		fprintf(stderr, "bhbench run: %s exists already; choose another --id\n", p->final);
		return 2;
	}
	return 0;
}

/* ---- bhbench run --native: no guest, this machine's kernel (native.c) ---- */

/* the scenario files where the native agent reads them: DIR/scenario.ini, a suite's DIR/scenario-N.ini */
static int native_scenarios(const struct run_plan *p)
{
	for (int i = 0; i < p->nmembers; i++) {
		char path[PATH_MAX + 32], *text;
		size_t len;
		FILE *f;

		if (p->suite)
			snprintf(path, sizeof(path), "%s/scenario-%d.ini", p->dir, i);
		else
			snprintf(path, sizeof(path), "%s/scenario.ini", p->dir);
		text = scenario_text(p->members[i], p->suite ? 0 : p->o.cycles, &len);
		f = text ? fopen(path, "w") : NULL;
		if (!f || (fwrite(text, 1, len, f) != len) | fclose(f)) {
			free(text);
			return -1;
		}
		free(text);
	}
	return 0;
}

/*
 * bhbench.ko built for the running kernel (its tree: build), once per
 * module source and kernel: $BHBENCH_CACHE/native/REL/bhbench-HASH.ko, as
 * a guest's kernels keep theirs.  0 or 1.
 */
static int native_build(struct run_plan *p, const char *build)
{
	char src[PATH_MAX], out[256];

	p->accel = "native";
	module_hash(p->hash, sizeof(p->hash));
	snprintf(p->ko, sizeof(p->ko), "%s/native/%s", bhb_cache(), p->rel);
	if (bhb_mkdirs(p->ko)) {
		fprintf(stderr, "bhbench run --native: cannot create %s: %s\n", p->ko, strerror(errno));
		return 1;
	}
	snprintf(p->ko, sizeof(p->ko), "%s/native/%s/bhbench-%s.ko", bhb_cache(), p->rel, p->hash);
	if (!access(p->ko, R_OK))
		return 0;
	printf("bhbench: native run on %s: building bhbench.ko against %s\n", p->rel, build);
	fflush(stdout);
	snprintf(src, sizeof(src), "%s/bench-module", bhb_root());
	if (provision(out, sizeof(out), "custom-build", build, src, p->ko, NULL)) {
		fprintf(stderr, "bhbench run --native: bhbench.ko cannot be built against %s (see the lines "
			"above)\n", build);
		return 1;
	}
	return 0;
}

/* the agent as a process on this machine, watched as a guest (into p->dir); 0 or 1 */
static int native_agent(struct run_plan *p)
{
	char words[256], settings[PATH_MAX * 3 + 512], why[256], label[300];
	const char *argv[] = { p->agent, "native", settings, NULL };
	struct boot_opts bo;

	/* the settings are words, as on a kernel command line */
	if (strpbrk(p->dir, " \t") || strpbrk(p->ko, " \t")) {
		fprintf(stderr, "bhbench run --native: %s or %s has a blank, which the agent's settings cannot "
			"carry: choose --out (or BHBENCH_CACHE) without one\n", p->dir, p->ko);
		return 1;
	}
	if (bhb_mkdirs(p->dir) || native_scenarios(p)) {
		fprintf(stderr, "bhbench run: cannot write the scenario into %s: %s\n", p->dir, strerror(errno));
		return 1;
	}
	agent_words(p, words, sizeof(words));
	snprintf(p->con, sizeof(p->con), "%s/console.log", p->dir);
	snprintf(p->chan, sizeof(p->chan), "%s/channel.bin", p->dir);
	if (p->o.usb_disk[0])	/* checked (native.c): /dev/NAME of a disk in /sys/block */
		snprintf(words + strlen(words), sizeof(words) - strlen(words), " bhbagent.usbdisk=%s", p->o.usb_disk);
	snprintf(settings, sizeof(settings), "bhbagent.chan=%s bhbagent.dir=%s bhbagent.module=%s%s%s%s", p->chan,
		 p->dir, p->ko, words, p->o.append[0] ? " " : "", p->o.append);
	snprintf(p->append, sizeof(p->append), "%s", settings);
	snprintf(label, sizeof(label), "%s %s", p->rel, p->sc.name);
	bo = (struct boot_opts){ .timeout_s = p->o.timeout_s, .hang_s = p->o.hang_s, .console_path = p->con,
				 .chan_path = p->chan, .progress = 1, .expected = p->sc.expected_warnings,
				 .label = label };
	printf("bhbench: running %s natively on %s (%d CPUs online)\n", p->sc.name, p->rel, p->o.cpus);
	fflush(stdout);
	if (bhb_native_exec(&bo, argv, &p->br, why, sizeof(why))) {
		fprintf(stderr, "bhbench run --native: %s\n", why[0] ? why : "cannot start the agent");
		return 1;
	}
	snprintf(p->unload_failure, sizeof(p->unload_failure), "%s", why);
	return 0;
}

/*
 * A quiet machine's figures, for the noise check: the direct mechanism's
 * p99 from the intended arrival (the callback runs in the interrupt:
 * nothing deferred, so what it shows is the machine's own delays:
 * interrupts, SMIs, frequency changes) and an idle SCHED_FIFO thread's
 * wakeup p99 (cyclictest's question).  Beyond them the run is still made,
 * with a warning: such a machine's figures are its noise's.
 */
#define QUIET_DIRECT_P99_NS 50000
#define QUIET_RT_P99_NS 100000

/* configs/native-preflight.ini's result: the figures and the warnings (printed) */
static json_t *preflight_judge(json_t *res)
{
	json_t *b = json_array_get(json_object_get(res, "benchmarks"), 0), *w = json_array();
	double d50 = json_number_value(json_object_get(json_object_get(json_object_get(b, "latency_ns"), "p50"),
						       "value"));
	double d99 = json_number_value(json_object_get(json_object_get(json_object_get(b, "latency_ns"), "p99"),
						       "value"));
	json_t *rt = json_object_get(json_object_get(b, "victim"), "wakeup_alone_ns");
	double r50 = json_number_value(json_object_get(json_object_get(rt, "p50"), "value"));
	double r99 = json_number_value(json_object_get(json_object_get(rt, "p99"), "value"));

	if (!b || d99 <= 0 || r99 <= 0)
		json_array_append_new(w, json_string("the noise check measured nothing (see preflight/console.log)"));
	if (d99 > QUIET_DIRECT_P99_NS)
		json_array_append_new(w, json_sprintf("the direct mechanism (no deferral) starts %.0f us late at p99 "
			"(p50 %.1f us; a quiet machine: under %d us): interrupts, SMIs or frequency changes delay even "
			"an inline callback", d99 / 1e3, d50 / 1e3, QUIET_DIRECT_P99_NS / 1000));
	if (r99 > QUIET_RT_P99_NS)
		json_array_append_new(w, json_sprintf("an idle SCHED_FIFO thread wakes %.0f us late at p99 (p50 "
			"%.1f us; a quiet machine: under %d us): idle states, frequency scaling or other load",
			r99 / 1e3, r50 / 1e3, QUIET_RT_P99_NS / 1000));
	return json_pack("{s:f,s:f,s:f,s:f,s:i,s:i,s:o}", "direct_p50_ns", d50, "direct_p99_ns", d99,
			 "rt_wakeup_alone_p50_ns", r50, "rt_wakeup_alone_p99_ns", r99, "quiet_direct_p99_ns",
			 QUIET_DIRECT_P99_NS, "quiet_rt_p99_ns", QUIET_RT_P99_NS, "warnings", w);
}

/*
 * --native's noise check before the run, in DIR/preflight: its figures and
 * warnings.  NULL when it failed: then p takes the check's stream,
 * console, exit and scenario, so that the run reports why (a module that
 * would not load, a splat) as its own failure.
 */
static json_t *native_preflight(struct run_plan *p)
{
	struct run_plan *q = malloc(sizeof(*q));
	json_t *res = NULL, *out = NULL, *w;
	char why[256];
	size_t i;

	if (!q)
		return NULL;
	*q = *p;
	q->native = q->load_before = NULL;
	q->o.quick = q->o.trace = q->o.cycles = 0;
	q->o.append[0] = q->o.usb_disk[0] = 0;
	snprintf(q->o.scenario, sizeof(q->o.scenario), "native-preflight");
	snprintf(q->dir, sizeof(q->dir), "%s/preflight", p->dir);
	printf("bhbench: noise check (configs/native-preflight.ini)\n");
	if (!plan_scenario(q) && !native_agent(q) && !q->br.nfail && !q->unload_failure[0]) {
		struct analysis_in ai = { .chan_path = q->chan, .run_dir = q->dir, .env = json_object(), .sc = &q->sc,
					  .seed = 0x707265ull };

		bhb_analyze(&ai, &res, why, sizeof(why));
		json_decref(ai.env);
		if (res && !strcmp(json_string_value(json_object_get(res, "status")) ?: "", "ok"))
			out = preflight_judge(res);
	}
	json_array_foreach(json_object_get(out, "warnings"), i, w)
		fprintf(stderr, "bhbench: WARNING: noisy machine: %s\n", json_string_value(w));
	if (out && !json_array_size(json_object_get(out, "warnings")))
		printf("bhbench: noise check: quiet (direct p99 %.1f us, idle SCHED_FIFO wakeup p99 %.1f us)\n",
		       json_number_value(json_object_get(out, "direct_p99_ns")) / 1e3,
		       json_number_value(json_object_get(out, "rt_wakeup_alone_p99_ns")) / 1e3);
	json_decref(res);
	if (!out) {
		snprintf(p->chan, sizeof(p->chan), "%s", q->chan);
		snprintf(p->con, sizeof(p->con), "%s", q->con);
		snprintf(p->append, sizeof(p->append), "%s", q->append);
		snprintf(p->unload_failure, sizeof(p->unload_failure), "%s", q->unload_failure);
		p->br = q->br;
		p->sc = q->sc;
		p->preflight_failed = 1;
	}
	free(q);
	return out;
}

/* the noise check, then the run (a failed check stands for it: the machine cannot run either); 0 or 1 */
static int native_run(struct run_plan *p)
{
	json_t *pre;
	int ret;

	p->native = bhb_native_env();
	pre = native_preflight(p);
	if (!pre)
		return 0;	/* finish_run() reports the check's failure */
	json_object_set_new(p->native, "preflight", pre);
	p->load_before = bhb_host_load();
	p->have_ticks = !bhb_host_ticks(p->ticks[0]);
	ret = native_agent(p);
	p->have_ticks = p->have_ticks && !bhb_host_ticks(p->ticks[1]);
	return ret;
}

static int run_plan(struct run_plan *p)
{
	int ret = plan_scenario(p);

	if (!ret)
		ret = check_payload(p);
	/* natively, before anything else: is this machine one to run on at all */
	if (!ret && p->o.native)
		ret = bhb_native_check(&p->o, &p->sc, p->scen_path, p->rel, sizeof(p->rel), p->build, sizeof(p->build));
	if (ret)
		return ret;
	snprintf(p->agent, sizeof(p->agent), "%s/harness/build/bhbench-agent", bhb_root());
	if (access(p->agent, X_OK)) {
		fprintf(stderr, "bhbench run: %s is missing (run: make -C %s/harness)\n", p->agent, bhb_root());
		return 2;
	}
	if (access(p->o.out_dir, F_OK) == 0 && access(p->o.out_dir, W_OK)) {
		fprintf(stderr, "bhbench run: results directory %s is not writable\n", p->o.out_dir);
		return 2;
	}
	if (p->o.native) {
		ret = plan_dirs(p);
		if (!ret && p->o.boots > 1)
			return run_boots(&p->o, p->rel, p->final);
		if (!ret)
			ret = native_build(p, p->build);
		if (!ret)
			ret = native_run(p);
		return ret ? ret : finish_run(p);
	}
	ret = plan_kernel(p);
	if (!ret)
		ret = plan_payload(p);
	if (!ret)
		ret = plan_userland(p);
	if (!ret)
		ret = plan_dirs(p);
	if (ret)
		return ret;
	if (p->o.boots > 1)
		return run_boots(&p->o, p->rel, p->final);
	if (bhb_mkdirs(p->dir)) {
		fprintf(stderr, "bhbench run: cannot create %s: %s\n", p->dir, strerror(errno));
		return 1;
	}
	ret = boot_guest(p);
	return ret ? ret : finish_run(p);
}

int bhb_run(const struct run_opts *o)
{
	struct run_plan *p = calloc(1, sizeof(*p));
	int ret;

	if (!p) {
		fprintf(stderr, "bhbench run: out of memory\n");
		return 1;
	}
	p->o = *o;
	ret = run_plan(p);
	json_decref(p->load_before);
	json_decref(p->native);
	free(p);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	char err[512];

	if (bhb_parse_run_opts(argc, argv, &o, err, sizeof(err))) {
		fprintf(stderr, "bhbench run: %s\n", err);
		return 2;
	}
	if (o.help) {
		fputs(run_usage, stdout);
		return 0;
	}
	return bhb_run(&o);
}

int cmd_kernels(int argc, char **argv)
{
	char script[PATH_MAX];

	snprintf(script, sizeof(script), "%s/%s", bhb_root(), PROVISION);
	if (argc == 1) {
		printf("cached kernels (release, Debian family, state):\n");
		fflush(stdout);
		execl(script, script, "list", (char *)NULL);
	} else if (argc == 2 && !strcmp(argv[1], "--available")) {
		execl(script, script, "available", (char *)NULL);
	} else if (argc == 3 && !strcmp(argv[1], "--fetch")) {
		execl(script, script, "fetch", argv[2], (char *)NULL);
	} else {
		fprintf(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
			"usage: bhbench kernels                list cached kernels\n"
			"       bhbench kernels --available    list kernels the Debian archive offers\n"
			"       bhbench kernels --fetch K      download K (alias or release) and its build root\n");
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	fprintf(stderr, "bhbench: cannot run %s: %s\n", script, strerror(errno));
	return 1;
}

int cmd_show(int argc, char **argv)
{
	char path[PATH_MAX];
	json_error_t je;
	json_t *res;
	size_t i;
	json_t *f;

	if (argc != 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr, "usage: bhbench show RESULTS_DIR\n");
		return argc == 2 ? 0 : 2;
	}
	snprintf(path, sizeof(path), "%s/results.json", argv[1]);
	res = json_load_file(path, 0, &je);
	if (!res) {
		fprintf(stderr, "bhbench show: cannot read %s: %s\n", path, je.text);
		return 1;
	}
	if (strcmp(json_string_value(json_object_get(res, "status")) ?: "", "ok")) {
		json_array_foreach(json_object_get(res, "failures"), i, f)
			fprintf(stderr, "bhbench: %s\n", json_string_value(f));
		fprintf(stderr, "bhbench show: %s is a FAILED run; no numbers shown\n", argv[1]);
		json_decref(res);
		return 1;
	}
	bhb_rs_upgrade(res);
	bhb_print_summary(stdout, res);
	json_decref(res);
	return 0;
}
