// SPDX-License-Identifier: GPL-2.0
/*
 * The dm-verity kind in the guest: a real subsystem that went through the
 * conversion.  dm-verity verifies each data block it reads against a hash
 * tree; with try_verify_in_tasklet it does so from the bio's completion (a
 * tasklet up to 6.8, BH work from 6.9), else in its kverityd workqueue.
 *
 * Setup (once a boot): the kernel's own modules (brd, dm-verity and what
 * they need, packed by the host from the same Debian package), two brd
 * ramdisks (data, hash), the data written from a seeded generator, the
 * hash tree made by Debian's veritysetup, one dm device per mode with
 * dmsetup over the same two disks, each read once whole (its data
 * compared with the generator: what dm-verity hands out is right; and
 * dm-bufio's cache of hash blocks is hot, as in the 2022 measurement).
 *
 * Runs: Debian's fio, a fixed load per run, the modes and loads of every
 * repetition in an order drawn from the run's seed.  Around each run: what
 * the kernel accounts (acct.c), the dm device's own I/O counters, and
 * where verification ran: a kprobe on dm-verity's verification function
 * with an in-kernel histogram keyed by task and context (softirq or not),
 * read back after the run.  One "dmverity" frame a run, with fio's JSON.
 *
 * Last, the corruption check: one data byte changed under the devices; an
 * O_DIRECT read of that block must fail with EIO through every mode, its
 * neighbour must read right, and the block must read right once restored.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/stats.h"
#include "agent.h"

#define UL		"/ul"			/* the tools' tree (provision.sh userland) */
#define UL_LOADER	UL "/lib64/ld-linux-x86-64.so.2"
#define KMOD_DIR	"/kmod"			/* the kernel's modules, and their order */
#define TR		"/sys/kernel/tracing"
#define BLOCK		4096
#define SALT		"62686263656e63682d646d2d766572697479"	/* fixed: the same tree every boot */
#define DATA_DEV	"/dev/ram0"
#define HASH_DEV	"/dev/ram1"

struct dmv_dev {
	int mode;			/* BHB_DMV_* */
	char name[32], node[64];	/* dm name, its block device */
	char table[512];
	unsigned int major, minor;
};

struct dmv {
	struct bhb_agent *a;
	const struct bhb_scenario *s;
	struct bhb_acct_src src;
	struct dmv_dev dev[BHB_NR_DMV_MODES];
	int ndev;
	uint64_t nblocks;
	char root[160];
	char probe[64];			/* the kprobed function, "" if none */
	char probe_why[160];
	char bh_bytes_default[128];	/* use_bh_bytes as the kernel set it; "" if it has none */
	char out[65536], err[8192];	/* the last tool's stdout and stderr */
	json_t *setup;
	int failed;
};

/* ---- the tools of /ul ---- */

/* the directories of /ul that hold libraries, as --library-path wants them */
static const char *ul_libpath(void)
{
	static char path[2048];
	char *nl;

	if (!path[0] && !bhb_read_text(UL "/ld.path", path, sizeof(path)))
		while ((nl = strchr(path, '\n')))
			*nl = nl[1] ? ':' : 0;
	return path;
}

/* start a tool of /ul through /ul's loader: argv[0] its path in /ul; stdout and stderr to files; its pid or -1 */
static pid_t ul_spawn(const char *const *argv)
{
	const char *args[48];
	int n = 0, fo, fe;
	pid_t pid = -1;

	args[n++] = UL_LOADER;
	args[n++] = "--library-path";
	args[n++] = ul_libpath();
	for (int i = 0; argv[i] && n < 47; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	fo = open("/tmp/ul.out", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fe = open("/tmp/ul.err", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fo >= 0 && fe >= 0)
		pid = fork();
	if (pid == 0) {
		dup2(fo, 1);
		dup2(fe, 2);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	if (fo >= 0)
		close(fo);
	if (fe >= 0)
		close(fe);
	return pid;
}

/* wait for it: its stdout into d->out, stderr into d->err; its exit status, or -1 if it did not run */
static int ul_wait(struct dmv *d, pid_t pid)
{
	int st;

	d->out[0] = d->err[0] = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	bhb_read_text("/tmp/ul.out", d->out, sizeof(d->out));
	bhb_read_text("/tmp/ul.err", d->err, sizeof(d->err));
	if (!WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st) == 127 && !d->out[0] ? -1 : WEXITSTATUS(st);
}

/* pid has not exited yet (it is left to ul_wait to reap) */
static int running(pid_t pid)
{
	siginfo_t si = { 0 };

	return !waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == 0;
}

static int ul_run(struct dmv *d, const char *const *argv)
{
	return ul_wait(d, ul_spawn(argv));
}

/* the first line of d->err (or out), for a message */
static const char *first_line(struct dmv *d)
{
	static char line[200];
	const char *s = d->err[0] ? d->err : d->out;

	snprintf(line, sizeof(line), "%.*s", (int)strcspn(s, "\n"), s);
	return line;
}

static int fail(struct dmv *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct dmv *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	send_error(d->a, msg);
	d->failed++;
	return -1;
}

/* each tool answers --version: its first line into versions[name] */
static int check_tools(struct dmv *d, json_t *versions)
{
	static const struct {
		const char *name, *path;
	} tools[] = {
		{ "fio", UL "/usr/bin/fio" },
		{ "veritysetup", UL "/usr/sbin/veritysetup" },
		{ "dmsetup", UL "/usr/sbin/dmsetup" },
	};

	if (access(UL_LOADER, X_OK))
		return fail(d, "dm-verity: the guest has no userland at " UL " (the host packs it: provision.sh userland)");
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		const char *argv[] = { tools[i].path, "--version", NULL };
		int rc = ul_run(d, argv);

		if (rc) {
			return fail(d, "dm-verity: %s does not run in the guest (%s): %s", tools[i].name,
				    rc < 0 ? "not started" : "exit status", first_line(d));
		}
		json_object_set_new(versions, tools[i].name, json_stringn(d->out, strcspn(d->out, "\n")));
	}
	return 0;
}

/* ---- the kernel side ---- */

static int load_ko(const char *name, const char *params)
{
	char path[256];
	int fd, err = 0;

	snprintf(path, sizeof(path), KMOD_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0) && errno != EEXIST)
		err = -errno;
	close(fd);
	return err;
}

/* the modules in the host's order (dependencies first); brd with two disks of data_mb */
static int load_kmods(struct dmv *d, json_t *loaded)
{
	char order[4096], params[96], *save = NULL;

	if (bhb_read_text(KMOD_DIR "/order-dmverity", order, sizeof(order)))
		return fail(d, "dm-verity: the kernel's modules are not in the guest (" KMOD_DIR "/order-dmverity)");
	snprintf(params, sizeof(params), "rd_nr=2 rd_size=%u max_part=0", d->s->data_mb * 1024);
	for (char *m = strtok_r(order, "\n", &save); m; m = strtok_r(NULL, "\n", &save)) {
		int err = load_ko(m, strcmp(m, "brd.ko") ? "" : params);

		if (err)
			return fail(d, "dm-verity: cannot load the kernel's %s: %s", m, strerror(-err));
		json_array_append_new(loaded, json_string(m));
	}
	if (access("/sys/module/dm_verity", F_OK))
		return fail(d, "dm-verity: this kernel has no dm-verity (CONFIG_DM_VERITY): nothing to measure");
	if (access(DATA_DEV, F_OK) || access(HASH_DEV, F_OK))
		return fail(d, "dm-verity: no brd ramdisks " DATA_DEV " and " HASH_DEV " (CONFIG_BLK_DEV_RAM)");
	return 0;
}

/* the highest-priority sha256 of /proc/crypto: the code that hashes */
static json_t *sha256_driver(struct dmv *d)
{
	char *t = d->out, *p;
	char best[64] = "";
	long bestprio = -1;

	if (bhb_read_text("/proc/crypto", t, sizeof(d->out)))
		return json_null();
	for (p = strstr(t, "\nname         : sha256\n"); p; p = strstr(p + 1, "\nname         : sha256\n")) {
		char drv[64] = "";
		long prio = -1;
		char *q = strstr(p + 1, "\ndriver       : ");
		char *r = strstr(p + 1, "\npriority     : ");

		if (!q || !r || sscanf(q, "\ndriver       : %63s", drv) != 1 || sscanf(r, "\npriority     : %ld", &prio) != 1)
			continue;
		if (prio > bestprio) {
			bestprio = prio;
			snprintf(best, sizeof(best), "%s", drv);
		}
	}
	return best[0] ? json_string(best) : json_null();
}

/* ---- the data: block i is bytes from a generator seeded by i ---- */

static void fill_block(uint64_t i, unsigned char *buf)
{
	uint64_t st = 0x9e3779b97f4a7c15ull ^ (i * 0xbf58476d1ce4e5b9ull);

	for (int k = 0; k < BLOCK; k += 8) {
		uint64_t v = bhb_rand(&st);

		memcpy(buf + k, &v, 8);
	}
}

static int write_data(struct dmv *d)
{
	unsigned char *buf = malloc(256 * BLOCK);
	int fd = open(DATA_DEV, O_WRONLY | O_CLOEXEC), err = 0;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return fail(d, "dm-verity: cannot write " DATA_DEV ": %s", strerror(errno));
	}
	for (uint64_t b = 0; b < d->nblocks && !err; b += 256) {
		uint64_t n = d->nblocks - b < 256 ? d->nblocks - b : 256;

		for (uint64_t k = 0; k < n; k++)
			fill_block(b + k, buf + k * BLOCK);
		if (pwrite(fd, buf, n * BLOCK, (off_t)(b * BLOCK)) != (ssize_t)(n * BLOCK))
			err = errno ? errno : EIO;
	}
	if (!err && fsync(fd))
		err = errno;
	close(fd);
	free(buf);
	return err ? fail(d, "dm-verity: writing " DATA_DEV ": %s", strerror(err)) : 0;
}

/* veritysetup format: the hash tree on HASH_DEV, the root hash into d->root */
static int format_tree(struct dmv *d)
{
	char blocks[32];
	const char *argv[] = { UL "/usr/sbin/veritysetup", "format", "--no-superblock", "--hash=sha256",
			       "--data-block-size=4096", "--hash-block-size=4096", "--salt=" SALT,
			       "--data-blocks", blocks, DATA_DEV, HASH_DEV, NULL };
	uint64_t t0 = now_ns();

	snprintf(blocks, sizeof(blocks), "%llu", (unsigned long long)d->nblocks);
	if (ul_run(d, argv))
		return fail(d, "dm-verity: veritysetup format failed: %s", first_line(d));
	if (bhb_verity_root_hash(d->out, d->root, sizeof(d->root)))
		return fail(d, "dm-verity: no root hash in veritysetup's output: %.100s", d->out);
	json_object_set_new(d->setup, "format_ms", json_integer((json_int_t)((now_ns() - t0) / 1000000)));
	return 0;
}

static int dev_numbers(struct dmv_dev *v)
{
	char path[96], buf[32];

	snprintf(path, sizeof(path), "/sys/block/%s/dev", v->node + 5);
	return bhb_read_text(path, buf, sizeof(buf)) || sscanf(buf, "%u:%u", &v->major, &v->minor) != 2 ? -1 : 0;
}

/* one dm-verity device over the two disks: the table says where verification runs */
static int create_dev(struct dmv *d, int mode)
{
	struct dmv_dev *v = &d->dev[d->ndev];
	const char *create[] = { UL "/usr/sbin/dmsetup", "create", v->name, "--readonly", "--noudevsync",
				 "--table", v->table, NULL };
	const char *info[] = { UL "/usr/sbin/dmsetup", "info", "-c", "--noheadings", "-o", "minor", v->name, NULL };
	unsigned int minor;

	v->mode = mode;
	snprintf(v->name, sizeof(v->name), "bhbv-%s", bhb_dmv_mode_names[mode]);
	snprintf(v->table, sizeof(v->table), "0 %llu verity 1 " DATA_DEV " " HASH_DEV " 4096 4096 %llu 0 sha256 %s %s%s",
		 (unsigned long long)(d->nblocks * (BLOCK / 512)), (unsigned long long)d->nblocks, d->root, SALT,
		 mode == BHB_DMV_WQ ? "" : " 1 try_verify_in_tasklet");
	if (ul_run(d, create))
		return fail(d, "dm-verity: dmsetup create %s failed: %s", v->name, first_line(d));
	if (ul_run(d, info) || sscanf(d->out, " %u", &minor) != 1)
		return fail(d, "dm-verity: dmsetup info %s: %s", v->name, first_line(d));
	snprintf(v->node, sizeof(v->node), "/dev/dm-%u", minor);
	if (dev_numbers(v))
		return fail(d, "dm-verity: %s (%s) has no block device", v->name, v->node);
	d->ndev++;
	return 0;
}

/* the table the kernel holds for v (what dmsetup table prints) */
static json_t *kernel_table(struct dmv *d, const struct dmv_dev *v)
{
	const char *argv[] = { UL "/usr/sbin/dmsetup", "table", v->name, NULL };

	if (ul_run(d, argv))
		return json_null();
	return json_stringn(d->out, strcspn(d->out, "\n"));
}

/* dmsetup status: the verity target's last word, V (verified) or C (corruption seen) */
static char verity_status(struct dmv *d, const struct dmv_dev *v)
{
	const char *argv[] = { UL "/usr/sbin/dmsetup", "status", v->name, NULL };
	size_t n;

	if (ul_run(d, argv))
		return '?';
	n = strcspn(d->out, "\n");
	while (n && d->out[n - 1] == ' ')
		n--;
	return n ? d->out[n - 1] : '?';
}

/*
 * read v whole with O_DIRECT, each block compared with the generator:
 * dm-verity hands out the data written (and its hash blocks are cached)
 */
static int read_whole(struct dmv *d, const struct dmv_dev *v, json_t *warm)
{
	unsigned char *buf = NULL, *want = malloc(BLOCK);
	int fd = open(v->node, O_RDONLY | O_DIRECT | O_CLOEXEC);
	uint64_t bad = 0, ioerr = 0, t0 = now_ns();

	if (fd < 0 || !want || posix_memalign((void **)&buf, BLOCK, 256 * BLOCK)) {
		if (fd >= 0)
			close(fd);
		free(want);
		return fail(d, "dm-verity: cannot read %s: %s", v->node, strerror(errno));
	}
	for (uint64_t b = 0; b < d->nblocks; b += 256) {
		uint64_t n = d->nblocks - b < 256 ? d->nblocks - b : 256;

		if (pread(fd, buf, n * BLOCK, (off_t)(b * BLOCK)) != (ssize_t)(n * BLOCK)) {
			ioerr++;
			continue;
		}
		for (uint64_t k = 0; k < n; k++) {
			fill_block(b + k, want);
			bad += memcmp(want, buf + k * BLOCK, BLOCK) != 0;
		}
	}
	close(fd);
	free(buf);
	free(want);
	json_object_set_new(warm, bhb_dmv_mode_names[v->mode],
			    json_pack("{s:I,s:I,s:I,s:I}", "ms", (json_int_t)((now_ns() - t0) / 1000000),
				      "blocks", (json_int_t)d->nblocks, "wrong", (json_int_t)bad,
				      "read_errors", (json_int_t)ioerr));
	if (bad || ioerr)
		return fail(d, "dm-verity: reading %s whole: %llu blocks differ from what was written, %llu reads failed",
			    v->name, (unsigned long long)bad, (unsigned long long)ioerr);
	return 0;
}

/* ---- use_bh_bytes (6.15+): BH verification limited by I/O size ---- */

#define BH_BYTES "/sys/module/dm_verity/parameters/use_bh_bytes"

static int set_bh_bytes(const char *val)
{
	int fd = open(BH_BYTES, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/* ---- where verification ran: a kprobe and an in-kernel histogram ---- */

static int tr_write(const char *file, const char *val, int append)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), TR "/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return -errno;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	if (!ok) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

/*
 * A kprobe event bhb_dmv/verify on the first of these functions the
 * kernel can probe (a static function may be inlined away), with a
 * histogram trigger keyed by task and trace flags: counted in the kernel,
 * nothing is lost however many I/Os a run makes.
 */
static void probe_setup(struct dmv *d)
{
	static const char *const funcs[] = { BHB_DMV_PROBES };
	char def[128];
	int err = -ENOENT;

	if (access(TR "/kprobe_events", F_OK) && mount("nodev", TR, "tracefs", 0, NULL) && errno != EBUSY) {
		snprintf(d->probe_why, sizeof(d->probe_why), "tracefs: %s", strerror(errno));
		return;
	}
	tr_write("kprobe_events", "-:bhb_dmv/verify", 1);
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		snprintf(def, sizeof(def), "p:bhb_dmv/verify %s", funcs[i]);
		err = tr_write("kprobe_events", def, 1);
		if (!err) {
			snprintf(d->probe, sizeof(d->probe), "%s", funcs[i]);
			return;
		}
	}
	snprintf(d->probe_why, sizeof(d->probe_why), "none of the verification functions can be probed: %s",
		 strerror(-err));
}

static int probe_arm(struct dmv *d)
{
	if (!d->probe[0])
		return 0;
	if (tr_write("events/bhb_dmv/verify/trigger", "hist:keys=common_pid.execname,common_flags:size=256", 0) ||
	    tr_write("events/bhb_dmv/verify/enable", "1", 0))
		return -1;
	return 0;
}

/* the histogram into where (softirq, hardirq, kworker, ksoftirqd, submitter, other, events) */
static json_t *probe_read(struct dmv *d)
{
	struct bhb_where w;
	json_t *j;

	if (!d->probe[0])
		return json_pack("{s:s}", "unavailable", d->probe_why);
	tr_write("events/bhb_dmv/verify/enable", "0", 0);
	if (bhb_read_text(TR "/events/bhb_dmv/verify/hist", d->out, sizeof(d->out)) ||
	    bhb_where_parse(d->out, &w))
		j = json_pack("{s:s}", "unavailable", "the histogram could not be read");
	else
		j = bhb_where_json(&w, d->probe);
	tr_write("events/bhb_dmv/verify/trigger", "!hist:keys=common_pid.execname,common_flags:size=256", 0);
	return j;
}

/* ---- a run ---- */

/* /sys/block/dm-N/stat: reads completed and sectors read */
static int dm_stat(const struct dmv_dev *v, uint64_t *ios, uint64_t *sectors)
{
	char path[96], buf[256];
	unsigned long long r, rm, rs;

	snprintf(path, sizeof(path), "/sys/block/%s/stat", v->node + 5);
	if (bhb_read_text(path, buf, sizeof(buf)) || sscanf(buf, "%llu %llu %llu", &r, &rm, &rs) != 3)
		return -1;
	*ios = r;
	*sectors = rs;
	return 0;
}

static int run_one(struct dmv *d, const struct dmv_dev *v, int load, int rep, uint64_t seed)
{
	static const char *const rw[] = { "randread", "read" }, *const bs[] = { "4k", "512k" };
	char runtime[32], filename[80], rseed[32], rwo[32], bso[32];
	const char *argv[] = { UL "/usr/bin/fio", "--name=bhb", filename, rwo, bso, "--direct=1",
			       "--ioengine=psync", "--numjobs=1", "--thread", "--time_based", runtime, rseed,
			       "--percentile_list=50:99:99.9", "--output-format=json", NULL };
	struct bhb_acct before, after;
	uint64_t ios0, sec0, ios1, sec1, iow, secw;
	json_t *job, *fr;
	pid_t pid;
	char why[200];
	int rc;

	snprintf(filename, sizeof(filename), "--filename=%s", v->node);
	snprintf(rwo, sizeof(rwo), "--rw=%s", rw[load]);
	snprintf(bso, sizeof(bso), "--bs=%s", bs[load]);
	snprintf(runtime, sizeof(runtime), "--runtime=%ums", d->s->runtime_ms);
	snprintf(rseed, sizeof(rseed), "--randseed=%llu", (unsigned long long)(seed % 1000000007ull));
	if (d->bh_bytes_default[0] &&
	    set_bh_bytes(v->mode == BHB_DMV_BH_BYTES ? "2147483647,2147483647,2147483647,2147483647" :
			 d->bh_bytes_default))
		return fail(d, "dm-verity: cannot set " BH_BYTES);
	if (probe_arm(d))
		return fail(d, "dm-verity: cannot arm the kprobe histogram on %s", d->probe);
	if (dm_stat(v, &ios0, &sec0))
		return fail(d, "dm-verity: no I/O counters for %s", v->node);
	/*
	 * The CPU time is that of the reads only: accounted from fio's first
	 * read (seen in the device's counter) to its exit, not over fio's
	 * start (its loader and libraries take longer than a short run).
	 */
	pid = ul_spawn(argv);
	iow = ios0;
	while (pid > 0 && iow == ios0 && !dm_stat(v, &iow, &secw) && running(pid))
		nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
	bhb_acct_snap(&d->src, &before);
	dm_stat(v, &iow, &secw);
	rc = ul_wait(d, pid);
	bhb_acct_snap(&d->src, &after);
	dm_stat(v, &ios1, &sec1);
	/* fio's output first: the histogram is read into the same buffer */
	job = rc ? NULL : bhb_fio_job(d->out, why, sizeof(why));
	if (rc)
		snprintf(why, sizeof(why), "failed: %s", first_line(d));
	fr = json_pack("{s:s,s:s,s:i,s:o,s:{s:I,s:I,s:I},s:o}", "mode", bhb_dmv_mode_names[v->mode],
		       "load", bhb_dmv_load_names[load], "rep", rep, "acct", bhb_acct_delta(&before, &after),
		       "dm_stat", "reads", (json_int_t)(ios1 - ios0), "sectors", (json_int_t)(sec1 - sec0),
		       "acct_reads", (json_int_t)(ios1 - iow),
		       "where", probe_read(d));
	if (!job) {
		json_object_set_new(fr, "error", json_sprintf("fio: %s", why));
		send_json(d->a, "dmverity", fr);
		d->failed++;
		return -1;
	}
	json_object_set_new(fr, "fio", job);
	send_json(d->a, "dmverity", fr);
	return 0;
}

/* every mode and load, reps times, in an order drawn from seed */
static void run_all_loads(struct dmv *d, uint64_t seed)
{
	unsigned int reps[BHB_NR_DMV_MODES * BHB_NR_DMV_LOADS];
	int items[BHB_NR_DMV_MODES * BHB_NR_DMV_LOADS], n = 0, total, *order;
	uint64_t rs = seed;

	for (int i = 0; i < d->ndev; i++)
		for (int l = 0; l < BHB_NR_DMV_LOADS; l++)
			if (d->s->dmv_loads & (1u << l)) {
				items[n] = i * BHB_NR_DMV_LOADS + l;
				reps[n++] = d->s->repetitions;
			}
	order = calloc((size_t)n * d->s->repetitions + 1, sizeof(*order));
	if (!order) {
		fail(d, "dm-verity: out of memory");
		return;
	}
	total = bhb_rep_order(reps, n, seed, order);
	json_object_set_new(d->setup, "runs", json_integer(total));
	send_json(d->a, "dmverity_setup", json_incref(d->setup));
	for (int k = 0, done[BHB_NR_DMV_MODES * BHB_NR_DMV_LOADS] = { 0 }; k < total; k++) {
		int it = items[order[k]];

		say(d->a, "dm-verity: run %d of %d: %s, %s", k + 1, total,
		    bhb_dmv_mode_names[d->dev[it / BHB_NR_DMV_LOADS].mode], bhb_dmv_load_names[it % BHB_NR_DMV_LOADS]);
		run_one(d, &d->dev[it / BHB_NR_DMV_LOADS], it % BHB_NR_DMV_LOADS, done[order[k]]++, bhb_rand(&rs));
	}
	free(order);
}

/* ---- the corruption check ---- */

static int read_block(const char *node, uint64_t blk, unsigned char *buf)
{
	int fd = open(node, O_RDONLY | O_DIRECT | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (pread(fd, buf, BLOCK, (off_t)(blk * BLOCK)) != BLOCK)
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

/* one byte of DATA_DEV at offset off set to val (through the disk's own page cache, then to the disk) */
static int poke(uint64_t off, unsigned char val)
{
	int fd = open(DATA_DEV, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = pwrite(fd, &val, 1, (off_t)off) == 1 && !fsync(fd);
	close(fd);
	return ok ? 0 : -1;
}

static void corruption_check(struct dmv *d)
{
	uint64_t blk = d->nblocks / 2 + 1;
	unsigned char *buf = NULL, *want = malloc(BLOCK);
	json_t *modes = json_object();
	int bad = 0;

	if (!want || posix_memalign((void **)&buf, BLOCK, BLOCK)) {
		free(want);
		fail(d, "dm-verity: out of memory");
		return;
	}
	fill_block(blk, want);
	if (poke(blk * BLOCK + 100, want[100] ^ 0x5a)) {
		fail(d, "dm-verity: cannot change a byte of " DATA_DEV);
		goto out;
	}
	for (int i = 0; i < d->ndev; i++) {
		const struct dmv_dev *v = &d->dev[i];
		int corrupt = read_block(v->node, blk, buf), next;
		int next_ok;

		fill_block(blk + 1, want);
		next = read_block(v->node, blk + 1, buf);
		next_ok = !next && !memcmp(buf, want, BLOCK);
		json_object_set_new(modes, bhb_dmv_mode_names[v->mode],
				    json_pack("{s:s,s:b,s:s}", "corrupt_read", corrupt ? strerror(-corrupt) : "succeeded",
					      "neighbour_ok", next_ok, "status", (char[]){ verity_status(d, v), 0 }));
		bad += corrupt != -EIO || !next_ok;
	}
	fill_block(blk, want);
	if (poke(blk * BLOCK + 100, want[100])) {
		fail(d, "dm-verity: cannot restore the changed byte of " DATA_DEV);
		goto out;
	}
	for (int i = 0; i < d->ndev; i++) {
		int r = read_block(d->dev[i].node, blk, buf);
		json_t *m = json_object_get(modes, bhb_dmv_mode_names[d->dev[i].mode]);

		json_object_set_new(m, "restored_ok", json_boolean(!r && !memcmp(buf, want, BLOCK)));
		bad += r || memcmp(buf, want, BLOCK);
	}
	send_json(d->a, "dmverity_check", json_pack("{s:I,s:O,s:i}", "block", (json_int_t)blk, "modes", modes,
						   "failed", bad));
	if (bad)
		fail(d, "dm-verity: the corruption check failed (a changed block must read as EIO through every "
			"mode, its neighbour and the restored block right): %d wrong", bad);
out:
	json_decref(modes);
	free(buf);
	free(want);
}

/* ---- the kind ---- */

static void teardown(struct dmv *d)
{
	for (int i = 0; i < d->ndev; i++) {
		const char *argv[] = { UL "/usr/sbin/dmsetup", "remove", "--noudevsync", d->dev[i].name, NULL };

		if (ul_run(d, argv))
			say(d->a, "dm-verity: dmsetup remove %s: %s", d->dev[i].name, first_line(d));
	}
	if (d->probe[0])
		tr_write("kprobe_events", "-:bhb_dmv/verify", 1);
}

static int setup(struct dmv *d)
{
	json_t *versions = json_object(), *mods = json_array(), *tables = json_object(), *warm = json_object();

	json_object_set_new(d->setup, "tools", versions);
	json_object_set_new(d->setup, "modules", mods);
	json_object_set_new(d->setup, "tables", tables);
	json_object_set_new(d->setup, "warm", warm);
	if (check_tools(d, versions) || load_kmods(d, mods))
		return -1;
	d->nblocks = (uint64_t)d->s->data_mb * (1024 * 1024 / BLOCK);
	json_object_set_new(d->setup, "data_mb", json_integer(d->s->data_mb));
	json_object_set_new(d->setup, "sha256_driver", sha256_driver(d));
	if (!bhb_read_text(BH_BYTES, d->bh_bytes_default, sizeof(d->bh_bytes_default)))
		d->bh_bytes_default[strcspn(d->bh_bytes_default, "\n")] = 0;
	json_object_set_new(d->setup, "use_bh_bytes", d->bh_bytes_default[0] ?
			    json_string(d->bh_bytes_default) : json_null());
	if (write_data(d) || format_tree(d))
		return -1;
	json_object_set_new(d->setup, "root_hash", json_string(d->root));
	for (int m = 0; m < BHB_NR_DMV_MODES; m++) {
		if (!(d->s->dmv_modes & (1u << m)))
			continue;
		if (m == BHB_DMV_BH_BYTES && !d->bh_bytes_default[0]) {
			json_object_set_new(tables, bhb_dmv_mode_names[m],
					    json_string("n/a: this kernel has no use_bh_bytes (6.15+)"));
			continue;
		}
		if (create_dev(d, m))
			return -1;
		json_object_set_new(tables, bhb_dmv_mode_names[m], kernel_table(d, &d->dev[d->ndev - 1]));
		if (read_whole(d, &d->dev[d->ndev - 1], warm))
			return -1;
	}
	if (!d->ndev)
		return fail(d, "dm-verity: none of this scenario's modes exists on this kernel (bh_bytes needs 6.15+)");
	probe_setup(d);
	json_object_set_new(d->setup, "probe", d->probe[0] ? json_string(d->probe) : json_null());
	if (!d->probe[0])
		json_object_set_new(d->setup, "probe_unavailable", json_string(d->probe_why));
	return 0;
}

static int dmverity_kind(struct bhb_agent *a, const struct bhb_boot_args *b)
{
	struct dmv *d = calloc(1, sizeof(*d));
	char val[32];
	int failed;

	if (!d) {
		send_error(a, "out of memory");
		return 1;
	}
	d->a = a;
	for (int i = 0; i < b->nscens; i++)
		if (b->scens[i].type == BHB_SCEN_DMVERITY)
			d->s = &b->scens[i];
	d->setup = json_object();
	bhb_acct_init(&d->src);
	if (!setup(d)) {
		run_all_loads(d, strtoull(bhb_cmdline_get(b->cmdline, "bhbagent.seed", "1", val, sizeof(val)),
					  NULL, 10));
		if (d->s->corrupt_check)
			corruption_check(d);
	} else {
		send_json(a, "dmverity_setup", json_incref(d->setup));
	}
	teardown(d);
	failed = d->failed;
	json_decref(d->setup);
	free(d);
	return failed;
}

const struct bhb_agent_kind bhb_agent_dmverity = {
	.name = "dm-verity",
	.type = BHB_SCEN_DMVERITY,
	.run = dmverity_kind,
};
