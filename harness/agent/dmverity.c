// SPDX-License-Identifier: GPL-2.0
/*
 * The dm-verity kind in the guest: a real subsystem that went through the
 * conversion.  dm-verity verifies each data block it reads against a hash
 * tree; with try_verify_in_tasklet it does so from the bio's completion (a
 * tasklet up to 6.8, BH work from 6.9), else in its kverityd workqueue.
 *
 * Setup (once a boot): the kernel's own modules (brd, dm-verity and what
 * they need, packed by the host from the same Debian package; natively
 * the machine's, by modprobe, unloaded after the run), two brd
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
	struct bhb_rs rs;		/* the tools, the accounting, the probe (fio.c) */
	const struct bhb_scenario *s;
	struct dmv_dev dev[BHB_NR_DMV_MODES];
	int ndev;
	uint64_t nblocks;
	char root[160];
	char bh_bytes_default[128];	/* use_bh_bytes as the kernel set it; "" if it has none */
	json_t *setup;
};

static int check_tools(struct dmv *d, json_t *versions)
{
	static const char *const tools[] = { UL "/usr/bin/fio", UL "/usr/sbin/veritysetup", UL "/usr/sbin/dmsetup" };

	return bhb_ul_check(&d->rs, "dm-verity", tools, 3, versions);
}

#define fail(d, ...) bhb_rs_fail(&(d)->rs, __VA_ARGS__)

/* ---- the kernel side ---- */

/*
 * brd with two disks of data_mb, and dm-verity: in a guest the host's
 * modules in its order (dependencies first); natively the machine's own,
 * by modprobe (the host refused a machine where brd is already loaded)
 */
static int load_kmods(struct dmv *d, json_t *loaded)
{
	char params[96];

	snprintf(params, sizeof(params), "rd_nr=2 rd_size=%u max_part=0", d->s->data_mb * 1024);
	if (d->rs.native) {
		if (bhb_modprobe(&d->rs, "dm-verity", "brd", params, loaded) ||
		    bhb_modprobe(&d->rs, "dm-verity", "dm_verity", NULL, loaded))
			return -1;
	} else if (bhb_kmods_load(&d->rs, "dm-verity", "dmverity", "brd.ko", params, loaded)) {
		return -1;
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
	char *t = d->rs.out, *p;
	char best[64] = "";
	long bestprio = -1;

	if (bhb_read_text("/proc/crypto", t, sizeof(d->rs.out)))
		return json_null();
	for (p = strstr(t, "name         : sha256\n"); p; p = strstr(p + 1, "name         : sha256\n")) {
		char drv[64] = "";
		long prio = -1;
		char *q = strstr(p, "\ndriver       : ");
		char *r = strstr(p, "\npriority     : ");

		if ((p != t && p[-1] != '\n') || !q || !r || sscanf(q, "\ndriver       : %63s", drv) != 1 ||
		    sscanf(r, "\npriority     : %ld", &prio) != 1)
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
	if (bhb_ul_run(&d->rs, argv))
		return fail(d, "dm-verity: veritysetup format failed: %s", bhb_ul_first_line(&d->rs));
	if (bhb_verity_root_hash(d->rs.out, d->root, sizeof(d->root)))
		return fail(d, "dm-verity: no root hash in veritysetup's output: %.100s", d->rs.out);
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
	if (bhb_ul_run(&d->rs, create))
		return fail(d, "dm-verity: dmsetup create %s failed: %s", v->name, bhb_ul_first_line(&d->rs));
	if (bhb_ul_run(&d->rs, info) || sscanf(d->rs.out, " %u", &minor) != 1)
		return fail(d, "dm-verity: dmsetup info %s: %s", v->name, bhb_ul_first_line(&d->rs));
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

	if (bhb_ul_run(&d->rs, argv))
		return json_null();
	return json_stringn(d->rs.out, strcspn(d->rs.out, "\n"));
}

/* dmsetup status: the verity target's last word, V (verified) or C (corruption seen) */
static char verity_status(struct dmv *d, const struct dmv_dev *v)
{
	const char *argv[] = { UL "/usr/sbin/dmsetup", "status", v->name, NULL };
	size_t n;

	if (bhb_ul_run(&d->rs, argv))
		return '?';
	n = strcspn(d->rs.out, "\n");
	while (n && d->rs.out[n - 1] == ' ')
		n--;
	return n ? d->rs.out[n - 1] : '?';
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

/* ---- a run ---- */

static int run_one(struct dmv *d, const struct dmv_dev *v, int load, int rep, uint64_t seed)
{
	json_t *fr;

	if (d->bh_bytes_default[0] &&
	    set_bh_bytes(v->mode == BHB_DMV_BH_BYTES ? "2147483647,2147483647,2147483647,2147483647" :
			 d->bh_bytes_default))
		return fail(d, "dm-verity: cannot set " BH_BYTES);
	fr = bhb_fio_run(&d->rs, v->node, d->s->data_mb, load, d->s->runtime_ms, seed);
	json_object_set_new(fr, "mode", json_string(bhb_dmv_mode_names[v->mode]));
	json_object_set_new(fr, "load", json_string(bhb_dmv_load_names[load]));
	json_object_set_new(fr, "rep", json_integer(rep));
	d->rs.failed += json_object_get(fr, "error") != NULL;
	send_json(d->rs.a, "dmverity", fr);
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
	send_json(d->rs.a, "dmverity_setup", json_incref(d->setup));
	for (int k = 0, done[BHB_NR_DMV_MODES * BHB_NR_DMV_LOADS] = { 0 }; k < total; k++) {
		int it = items[order[k]];

		say(d->rs.a, "dm-verity: run %d of %d: %s, %s", k + 1, total,
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
		buf = NULL;
		fail(d, "dm-verity: out of memory");
		goto out;
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
	send_json(d->rs.a, "dmverity_check", json_pack("{s:I,s:O,s:i}", "block", (json_int_t)blk, "modes", modes,
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
		const char *argv[] = { UL "/usr/sbin/dmsetup", "remove", "--retry", "--noudevsync", d->dev[i].name,
				       NULL };

		if (bhb_ul_run(&d->rs, argv))
			say(d->rs.a, "dm-verity: dmsetup remove %s: %s", d->dev[i].name, bhb_ul_first_line(&d->rs));
	}
	bhb_rs_unprobe(&d->rs);
	bhb_rs_unload(&d->rs);
}

static int setup(struct dmv *d)
{
	static const char *const probes[] = { BHB_DMV_PROBES };
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
	bhb_rs_probe(&d->rs, probes, sizeof(probes) / sizeof(probes[0]));
	json_object_set_new(d->setup, "probe", d->rs.probe[0] ? json_string(d->rs.probe) : json_null());
	if (!d->rs.probe[0])
		json_object_set_new(d->setup, "probe_unavailable", json_string(d->rs.probe_why));
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
	bhb_rs_init(&d->rs, a, b);
	for (int i = 0; i < b->nscens; i++)
		if (b->scens[i].type == BHB_SCEN_DMVERITY)
			d->s = &b->scens[i];
	d->setup = json_object();
	if (!setup(d)) {
		run_all_loads(d, strtoull(bhb_cmdline_get(b->cmdline, "bhbagent.seed", "1", val, sizeof(val)),
					  NULL, 10));
		if (d->s->corrupt_check)
			corruption_check(d);
	} else {
		send_json(a, "dmverity_setup", json_incref(d->setup));
	}
	teardown(d);
	failed = d->rs.failed;
	json_decref(d->setup);
	free(d);
	return failed;
}

const struct bhb_agent_kind bhb_agent_dmverity = {
	.name = "dm-verity",
	.type = BHB_SCEN_DMVERITY,
	.run = dmverity_kind,
};
