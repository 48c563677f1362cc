// SPDX-License-Identifier: GPL-2.0
/* bhbench run / bhbench kernels */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/names.h"
#include "bhbench.h"

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
static int build_initramfs(const char *path, const char *agent, const char *ko,
			   char scen[][PATH_MAX], int nscen, int suite, int cycles)
{
	struct cpio *c = cpio_open(path);
	size_t len;
	char *text = bhb_slurp(scen[0], &len), *more;

	if (!c || !text) {
		free(text);
		return -1;
	}
	/* a later key wins: command-line overrides are appended */
	if (cycles > 0 && (more = realloc(text, len + 64))) {
		text = more;
		len += (size_t)snprintf(text + len, 64, "\n[scenario]\ncycles = %d\n", cycles);
	}
	cpio_dir(c, "dev");
	cpio_chardev(c, "dev/console", 5, 1);
	cpio_dir(c, "proc");
	cpio_dir(c, "sys");
	cpio_dir(c, "tmp");
	cpio_file(c, "init", agent, 0755);
	cpio_add_libs(c, agent);
	cpio_file(c, "bhbench.ko", ko, 0644);
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
 * emulator, not the measurement; run() boots once more.
 */
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

/*
 * --boots N: N boots one after the other, each a run of its own in
 * FINAL/boot-I (same options), then merged into FINAL/results.json.  A boot
 * that fails stops the series; the boots that finished stay.
 */
int bhb_run_boot(const struct run_opts *o, const char *rel, const char *out, const char *id)
{
	char num[5][16], *av[42];
	int ac = 0;

	av[ac++] = "run";
	if (o->kernel_image[0]) {
		av[ac++] = "--kernel-image";
		av[ac++] = (char *)o->kernel_image;
		av[ac++] = "--kernel-build";
		av[ac++] = (char *)o->kernel_build;
	} else {
		av[ac++] = "--kernel";
		av[ac++] = (char *)(rel ?: o->kernel);
	}
	snprintf(num[0], sizeof(num[0]), "%d", o->cpus);
	snprintf(num[1], sizeof(num[1]), "%d", o->mem_mb);
	snprintf(num[2], sizeof(num[2]), "%d", o->timeout_s);
	snprintf(num[3], sizeof(num[3]), "%d", o->hang_s);
	av[ac++] = "--scenario";
	av[ac++] = (char *)o->scenario;
	av[ac++] = "--accel";
	av[ac++] = (char *)o->accel;
	if (!o->narrow) {	/* icount's default of one vCPU stays a default */
		av[ac++] = "--cpus";
		av[ac++] = num[0];
	}
	av[ac++] = "--mem";
	av[ac++] = num[1];
	av[ac++] = "--timeout";
	av[ac++] = num[2];
	av[ac++] = "--hang";
	av[ac++] = num[3];
	snprintf(num[4], sizeof(num[4]), "%d", o->seed);
	av[ac++] = "--seed";
	av[ac++] = num[4];
	av[ac++] = "--out";
	av[ac++] = (char *)out;
	av[ac++] = "--id";
	av[ac++] = (char *)id;
	av[ac++] = "--no-report";
	if (o->append[0]) {
		av[ac++] = "--append";
		av[ac++] = (char *)o->append;
	}
	if (o->quick)
		av[ac++] = "--quick";
	av[ac] = NULL;
	return cmd_run(ac, av);
}

int bhb_merge_boots(const char *dir, int n)
{
	static char bd[32][PATH_MAX];
	char *mv[4 + 32];
	int mc = 0;

	if (n < 2 || n > 32)
		return 2;
	mv[mc++] = "merge";
	mv[mc++] = "--out";
	mv[mc++] = (char *)dir;
	for (int i = 0; i < n; i++) {
		snprintf(bd[i], sizeof(bd[i]), "%s/boot-%d", dir, i + 1);
		mv[mc++] = bd[i];
	}
	mv[mc] = NULL;
	return cmd_merge(mc, mv);
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
	if (!o->no_report) {
		char *rargv[] = { "report", (char *)final, NULL };

		ret = cmd_report(2, rargv) ? 1 : 0;
	}
	printf("\nresults (%d boots merged): %s\n", o->boots, final);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	char err[512], scen_path[PATH_MAX], rel[256], kdir[PATH_MAX], vmlinuz[PATH_MAX];
	char hash[64], ko[PATH_MAX], agent[PATH_MAX], dir[PATH_MAX], final[PATH_MAX];
	char initrd[PATH_MAX], append[2048], why[256], path[PATH_MAX], con[PATH_MAX], chan[PATH_MAX];
	struct run_opts o;
	struct custom_kernel ck = { 0 };
	struct bhb_scenario sc;
	struct boot_opts bo;
	struct boot_result br;
	const char *accel;
	json_t *env, *results = NULL;
	int ret;

	if (bhb_parse_run_opts(argc, argv, &o, err, sizeof(err))) {
		fprintf(stderr, "bhbench run: %s\n", err);
		return 2;
	}
	if (o.help) {
		fputs(run_usage, stdout);
		return 0;
	}
	if (bhb_scenario_path(bhb_root(), o.scenario, scen_path, sizeof(scen_path), err, sizeof(err))) {
		fprintf(stderr, "bhbench run: %s\n", err);
		return 2;
	}
	if (bhb_scenario_load(scen_path, &sc)) {
		fprintf(stderr, "bhbench run: %s\n", sc.error);
		return 2;
	}
	if (o.boots > 1 && sc.type != BHB_SCEN_LATENCY && sc.type != BHB_SCEN_SUITE) {
		fprintf(stderr, "bhbench run: --boots is for latency scenarios and suites; %s is not one\n",
			scen_path);
		return 2;
	}
	/* a suite: its members, all checked before anything boots */
	static char members[BHB_MAX_SUITE][PATH_MAX];
	int nmembers = 1, suite = sc.type == BHB_SCEN_SUITE;

	snprintf(members[0], sizeof(members[0]), "%s", scen_path);
	if (suite) {
		nmembers = (int)sc.nmembers;
		for (int i = 0; i < nmembers; i++)
			if (bhb_scenario_path(bhb_root(), sc.members[i], members[i], sizeof(members[i]), err,
					      sizeof(err))) {
				fprintf(stderr, "bhbench run: %s: %s\n", scen_path, err);
				return 2;
			}
	}
	static char mnames[BHB_MAX_SUITE][64];

	for (int i = 0; i < nmembers; i++) {
		struct bhb_scenario m;

		if (bhb_scenario_load(members[i], &m)) {
			fprintf(stderr, "bhbench run: %s\n", m.error);
			return 2;
		}
		snprintf(mnames[i], sizeof(mnames[i]), "%s", m.name);
		for (int k = 0; k < i; k++)
			if (!strcmp(mnames[k], m.name)) {
				fprintf(stderr, "bhbench run: %s: two members named '%s' (%s and %s): their cases "
					"would share labels\n", scen_path, m.name, members[k], members[i]);
				return 2;
			}
		if (suite && m.type != BHB_SCEN_LATENCY && m.type != BHB_SCEN_CONTROL) {
			fprintf(stderr, "bhbench run: %s: member %s is not a latency or control scenario "
				"(hotplug, fuzz and suites run on their own)\n", scen_path, members[i]);
			return 2;
		}
		/*
		 * icount's one vCPU is a default, not a request: a case that
		 * needs a second CPU becomes a stated n/a in the guest (see
		 * bhbagent.narrow) instead of refusing the whole suite.
		 */
		if (o.narrow)
			continue;
		if (m.cpus && (m.cpus >> o.cpus)) {
			fprintf(stderr, "bhbench run: %s: cpus needs more than the %d vCPUs of --cpus\n",
				members[i], o.cpus);
			return 2;
		}
		for (uint32_t k = 0; k < m.ncases; k++) {
			const struct bhb_case *cs = &m.cases[k];

			if ((cs->cpus >> o.cpus) ||
			    (cs->producer == BHB_PROD_REMOTE && cs->remote_cpu >= o.cpus)) {
				fprintf(stderr, "bhbench run: %s: [case %s] needs more than the %d vCPUs of --cpus\n",
					members[i], cs->name, o.cpus);
				return 2;
			}
		}
	}
	snprintf(agent, sizeof(agent), "%s/harness/build/bhbench-agent", bhb_root());
	if (access(agent, X_OK)) {
		fprintf(stderr, "bhbench run: %s is missing (run: make -C %s/harness)\n", agent, bhb_root());
		return 2;
	}
	if (access(o.out_dir, F_OK) == 0 && access(o.out_dir, W_OK)) {
		fprintf(stderr, "bhbench run: results directory %s is not writable\n", o.out_dir);
		return 2;
	}

	if (o.kernel_image[0]) {
		ret = custom_kernel(&o, &ck, rel, sizeof(rel), ko, sizeof(ko));
		if (ret)
			return ret;
		snprintf(vmlinuz, sizeof(vmlinuz), "%s", ck.image);
		module_hash(hash, sizeof(hash));
		goto kernel_ready;
	}
	printf("bhbench: preparing kernel %s\n", o.kernel);
	fflush(stdout);
	if (provision(rel, sizeof(rel), "fetch", o.kernel, NULL, NULL, NULL) || !rel[0]) {
		fprintf(stderr, "bhbench run: cannot provision kernel '%s' (see the messages above)\n", o.kernel);
		return 1;
	}
	snprintf(kdir, sizeof(kdir), "%s/kernels/%s", bhb_cache(), rel);
	snprintf(vmlinuz, sizeof(vmlinuz), "%s/vmlinuz", kdir);
	module_hash(hash, sizeof(hash));
	snprintf(ko, sizeof(ko), "%s/bhbench-%s.ko", kdir, hash);
	if (access(ko, R_OK)) {
		char src[PATH_MAX], out[256];

		printf("bhbench: building bhbench.ko for %s\n", rel);
		fflush(stdout);
		snprintf(src, sizeof(src), "%s/bench-module", bhb_root());
		if (provision(out, sizeof(out), "build", rel, src, ko, NULL)) {
			fprintf(stderr, "bhbench run: module build failed for %s\n", rel);
			return 1;
		}
	}
kernel_ready:

	if (!o.run_id[0]) {
		char date[32];
		time_t now = time(NULL);

		strftime(date, sizeof(date), "%Y%m%d-%H%M%S", localtime(&now));
		snprintf(o.run_id, sizeof(o.run_id), "%s-%s-%s", date, rel, sc.name);
	}
	snprintf(final, sizeof(final), "%s/%s", o.out_dir, o.run_id);
	snprintf(dir, sizeof(dir), "%s/.%s.partial", o.out_dir, o.run_id);
	if (access(final, F_OK) == 0) {
		fprintf(stderr, "bhbench run: %s exists already; choose another --id\n", final);
		return 2;
	}
	if (o.boots > 1)
		return run_boots(&o, rel, final);
	if (bhb_mkdirs(dir)) {
		fprintf(stderr, "bhbench run: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(initrd, sizeof(initrd), "%s/initramfs.cpio", dir);
	if (o.cycles > 0)
		sc.cycles = (uint32_t)o.cycles;
	if (build_initramfs(initrd, agent, ko, members, nmembers, suite, o.cycles)) {
		fprintf(stderr, "bhbench run: cannot write the initramfs %s: %s\n", initrd, strerror(errno));
		return 1;
	}

	if (!strcmp(o.accel, "auto")) {
		accel = bhb_pick_accel(vmlinuz, why, sizeof(why));
		printf("bhbench: accelerator %s: %s\n", accel, why);
	} else {
		accel = o.accel;
	}
	/*
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
	char nscen[128] = "";

	if (suite)
		snprintf(nscen, sizeof(nscen), " bhbagent.scenarios=%d", nmembers);
	if (o.quick)
		strncat(nscen, " bhbagent.quick=1", sizeof(nscen) - strlen(nscen) - 1);
	if (o.trace)
		snprintf(nscen + strlen(nscen), sizeof(nscen) - strlen(nscen), " bhbagent.trace=%d", o.trace);
	snprintf(nscen + strlen(nscen), sizeof(nscen) - strlen(nscen), " bhbagent.seed=%d", o.seed);
	if (o.narrow)
		strncat(nscen, " bhbagent.narrow=1", sizeof(nscen) - strlen(nscen) - 1);
	snprintf(append, sizeof(append), "console=ttyS0,115200 panic=-1 tsc=reliable noirqdebug cryptomgr.notests=1 "
		 "rdinit=/init%s%s%s",
		 nscen, o.append[0] ? " " : "", o.append);
	snprintf(con, sizeof(con), "%s/console.log", dir);
	snprintf(chan, sizeof(chan), "%s/channel.bin", dir);
	snprintf(path, sizeof(path), "%s/qemu.log", dir);
	json_t *load_before = bhb_host_load();
	char label[300];

	snprintf(label, sizeof(label), "%s %s", rel, sc.name);

	bo = (struct boot_opts){ .kernel = vmlinuz, .initrd = initrd, .append = append, .accel = accel,
				 .cpus = o.cpus, .mem_mb = o.mem_mb, .timeout_s = o.timeout_s,
				 .hang_s = o.hang_s, .console_path = con, .chan_path = chan,
				 .qemu_log = path, .progress = 1, .expected = sc.expected_warnings,
				 .label = label };
	printf("bhbench: booting %s (%s, %d vCPUs), scenario %s\n", rel, accel, o.cpus, sc.name);
	fflush(stdout);
	int retried = 0;

	for (;;) {
		if (bhb_boot(&bo, &br)) {
			fprintf(stderr, "bhbench run: cannot start qemu-system-x86_64: %s\n", strerror(errno));
			return 1;
		}
		if (retried >= 1 || (strcmp(accel, "tcg") && strcmp(accel, "icount")) || !emulator_fault(con))
			break;
		/* keep the evidence, then boot again once */
		char old[PATH_MAX + 16];

		snprintf(old, sizeof(old), "%s.emulator-fault", con);
		rename(con, old);
		snprintf(old, sizeof(old), "%s.emulator-fault", chan);
		rename(chan, old);
		fprintf(stderr, "bhbench: the guest kernel hit an int3 in its own code patching (a known TCG "
			"problem, not bhbench's code; console kept as console.log.emulator-fault); booting again\n");
		retried++;
	}
	unlink(initrd);
	if (ck.image[0])
		unlink(ko);	/* built for this run only */

	env = bhb_host_env();
	json_object_set_new(env, "kernel", json_string(rel));
	json_object_set_new(env, "flavour", json_string(ck.image[0] ? "custom" : flavour_of(rel)));
	if (ck.image[0]) {
		json_object_set_new(env, "kernel_image", json_string(ck.image));
		json_object_set_new(env, "kernel_image_sha256", json_string(ck.sha256));
		json_object_set_new(env, "kernel_build", json_string(ck.build));
	}
	json_object_set_new(env, "accel", json_string(accel));
	if (!strcmp(accel, "icount"))
		json_object_set_new(env, "icount", json_pack("{s:i,s:i,s:s,s:s}", "shift", BHB_ICOUNT_SHIFT,
							     "ns_per_insn", 1 << BHB_ICOUNT_SHIFT,
							     "qemu_options", "-accel tcg,thread=single -icount "
							     BHB_ICOUNT_OPTS " -seed 1", "time",
							     "virtual time: " BHB_ICOUNT_MEANING));
	json_object_set_new(env, "vcpus", json_integer(o.cpus));
	json_object_set_new(env, "order_seed", json_integer(o.seed));
	json_object_set_new(env, "mem_mb", json_integer(o.mem_mb));
	json_object_set_new(env, "module_hash", json_string(hash));
	json_object_set_new(env, "kernel_cmdline", json_string(append));
	json_object_set_new(env, "scenario_file", json_string(scen_path));
	json_object_set_new(env, "quick", json_boolean(o.quick));
	json_object_set_new(env, "traced_runs", json_integer(o.trace));
	json_object_set_new(env, "run_id", json_string(o.run_id));
	json_object_set_new(env, "boot_wall_s", json_real(br.wall_s));
	json_object_set_new(env, "boots_after_emulator_fault", json_integer(retried));
	json_object_set_new(env, "host_loadavg_before", load_before);
	json_object_set_new(env, "host_loadavg_after", bhb_host_load());

	struct analysis_in ai = { .chan_path = chan, .run_dir = dir, .env = env, .sc = &sc,
				  .seed = 0x6268626568ull };
	ret = bhb_analyze(&ai, &results, why, sizeof(why));

	/* guest-level failures come first: they explain the rest */
	json_t *fails = json_array();

	if (br.interrupted)
		json_array_append_new(fails, json_sprintf("interrupted by signal %d; guest stopped", br.interrupted));
	if (br.timed_out)
		json_array_append_new(fails, json_sprintf("guest did not finish within %d s; killed", o.timeout_s));
	if (br.hung)
		json_array_append_new(fails, json_sprintf("guest hung: no output for %d s; killed", o.hang_s));
	for (int i = 0; i < br.nfail && i < 8; i++)
		json_array_append_new(fails, json_sprintf("guest kernel: %s", br.fail[i]));
	if (br.nfail > 8)
		json_array_append_new(fails, json_sprintf("guest kernel: %d more such lines", br.nfail - 8));
	if (br.exited && br.exit_status == 127) {
		char *ql = bhb_slurp(path, NULL);

		json_array_append_new(fails, json_sprintf("QEMU could not be started: %.*s", ql ? (int)strcspn(ql, "\n") : 0,
							  ql ? ql : ""));
		free(ql);
	} else if (br.exited && br.exit_status > 128 && !br.interrupted) {
		json_array_append_new(fails, json_sprintf("QEMU was killed by signal %d in the middle of the run",
							  br.exit_status - 128));
	} else if (br.exited && br.exit_status && !br.interrupted) {
		json_array_append_new(fails, json_sprintf("qemu exited with status %d (see qemu.log)", br.exit_status));
	}
	json_array_extend(fails, json_object_get(results, "failures"));
	if (br.nfound) {
		json_t *found = json_array();

		for (int i = 0; i < br.nfound && i < 8; i++)
			json_array_append_new(found, json_string(br.found[i]));
		json_object_set_new(results, "kernel_findings", found);
	}
	json_object_set_new(results, "failures", fails);
	if (json_array_size(fails)) {
		json_object_set_new(results, "status", json_string("failed"));
		ret = 1;
	}
	snprintf(path, sizeof(path), "%s/results.json", dir);
	if (bhb_json_write_atomic(path, results)) {
		fprintf(stderr, "bhbench run: cannot write %s: %s\n", path, strerror(errno));
		ret = 1;
	}
	if (rename(dir, final)) {
		fprintf(stderr, "bhbench run: cannot rename %s to %s: %s\n", dir, final, strerror(errno));
		snprintf(final, sizeof(final), "%s", dir);
		ret = 1;
	}
	if (json_array_size(fails)) {
		size_t i;
		json_t *f;

		json_array_foreach(fails, i, f)
			fprintf(stderr, "bhbench: %s\n", json_string_value(f));
		fail_line(json_string_value(json_array_get(fails, 0)), final);
		fprintf(stderr, "bhbench: results of the runs that finished are kept in %s (status: failed)\n", final);
		if (br.interrupted)
			ret = 130;
	} else {
		char *rargv[] = { "report", final, NULL };

		bhb_print_summary(stdout, results);
		if (!o.no_report && cmd_report(2, rargv))
			ret = 1;
		for (int i = 0; i < br.nfound && i < 8; i++)
			printf("%s kernel splat the scenario expects (a finding, see console.log): %s\n",
			       i ? "     " : "\nNOTE:", br.found[i]);
		printf("\nresults: %s\n", final);
	}
	json_decref(results);
	return ret;
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
	bhb_print_summary(stdout, res);
	json_decref(res);
	return 0;
}
