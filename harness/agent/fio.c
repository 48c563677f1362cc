// SPDX-License-Identifier: GPL-2.0
/*
 * What the real-subsystem kinds (dm-verity, usb-storage) share: Debian's
 * tools under /ul run through /ul's own loader, the kernel's own modules of
 * /kmod in the host's order (natively: the machine's own tools and
 * modprobe, and what a run loaded unloaded after it), one fio run of a
 * block device with what the kernel accounts around it and the device's
 * own counters, and where the subsystem's work ran (a kprobe with an
 * in-kernel histogram by task and context).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/machine.h"
#include "agent.h"

#define TR		"/sys/kernel/tracing"

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

/* the names in /proc/modules, newest first, "\nA\nB\n", into buf; 0, or -1 if it is not all there */
static int module_names(char *buf, size_t len)
{
	FILE *f = fopen("/proc/modules", "r");
	char line[512];
	size_t used = 0;
	int ret = f ? 0 : -1;

	buf[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		int n = snprintf(buf + used, len - used, "\n%.*s\n", (int)strcspn(line, " "), line);

		if (n < 0 || (size_t)n >= len - used) {
			ret = -1;
			break;
		}
		used += (size_t)n - 1;	/* the closing newline opens the next name */
	}
	if (f)
		fclose(f);
	return ret;
}

void bhb_rs_init(struct bhb_rs *r, struct bhb_agent *a, const struct bhb_boot_args *b)
{
	r->a = a;
	r->native = b->native;
	snprintf(r->tmp, sizeof(r->tmp), "%s", b->native && b->dir ? b->dir : "/tmp");
	/* natively: what is not in this list at the end came with the run (an incomplete list: nothing) */
	r->modules_known = r->native && !module_names(r->modules_before, sizeof(r->modules_before));
	bhb_acct_init(&r->src);
}

/*
 * start a tool, argv[0] its path in /ul: in a guest through /ul's loader,
 * natively the machine's own program of that name; stdout and stderr to
 * files; its pid or -1
 */
pid_t bhb_ul_spawn(const struct bhb_rs *r, const char *const *argv)
{
	const char *args[48];
	char po[1100], pe[1100], tool[256];
	int n = 0, fo, fe;
	pid_t pid = -1;

	if (r->native) {
		if (!bhb_machine_tool(strrchr(argv[0], '/') + 1, tool, sizeof(tool)))
			return -1;
		args[n++] = tool;
		argv++;
	} else {
		args[n++] = UL_LOADER;
		args[n++] = "--library-path";
		args[n++] = ul_libpath();
	}
	for (int i = 0; argv[i] && n < 47; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	snprintf(po, sizeof(po), "%s/ul.out", r->tmp);
	snprintf(pe, sizeof(pe), "%s/ul.err", r->tmp);
	fo = open(po, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	fe = open(pe, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
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

/* wait for it: its stdout into r->out, stderr into r->err; its exit status, or -1 if it did not run */
int bhb_ul_wait(struct bhb_rs *r, pid_t pid)
{
	char path[1100];
	int st;

	r->out[0] = r->err[0] = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	snprintf(path, sizeof(path), "%s/ul.out", r->tmp);
	bhb_read_text(path, r->out, sizeof(r->out));
	snprintf(path, sizeof(path), "%s/ul.err", r->tmp);
	bhb_read_text(path, r->err, sizeof(r->err));
	if (!WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st) == 127 && !r->out[0] ? -1 : WEXITSTATUS(st);
}

/* pid has not exited yet (it is left to ul_wait to reap) */
int bhb_running(pid_t pid)
{
	siginfo_t si = { 0 };

	return !waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == 0;
}

int bhb_ul_run(struct bhb_rs *r, const char *const *argv)
{
	return bhb_ul_wait(r, bhb_ul_spawn(r, argv));
}

/* the first line of r->err (or out), for a message */
const char *bhb_ul_first_line(struct bhb_rs *r)
{
	static char line[200];
	const char *s = r->err[0] ? r->err : r->out;

	snprintf(line, sizeof(line), "%.*s", (int)strcspn(s, "\n"), s);
	return line;
}

int bhb_rs_fail(struct bhb_rs *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	send_error(r->a, msg);
	r->failed++;
	return -1;
}


int bhb_load_ko(const char *name, const char *params)
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


/* the modules of set (KMOD_DIR/order-SET, dependencies first); params for the one named special */
int bhb_kmods_load(struct bhb_rs *r, const char *kind, const char *set, const char *special, const char *params,
		   json_t *loaded)
{
	char order[4096], path[64], *save = NULL;

	snprintf(path, sizeof(path), KMOD_DIR "/order-%s", set);
	if (bhb_read_text(path, order, sizeof(order)))
		return bhb_rs_fail(r, "%s: the kernel's modules are not in the guest (%s)", kind, path);
	for (char *m = strtok_r(order, "\n", &save); m; m = strtok_r(NULL, "\n", &save)) {
		int err = bhb_load_ko(m, special && !strcmp(m, special) ? params : "");

		if (err)
			return bhb_rs_fail(r, "%s: cannot load the kernel's %s: %s", kind, m, strerror(-err));
		json_array_append_new(loaded, json_string(m));
	}
	return 0;
}

/* each tool answers --version: its first line into versions[name]; 0, or -1 after saying which does not */
int bhb_ul_check(struct bhb_rs *r, const char *kind, const char *const *tools, int n, json_t *versions)
{
	char tool[256];

	if (!r->native && access(UL_LOADER, X_OK))
		return bhb_rs_fail(r, "%s: the guest has no userland at " UL " (the host packs it: provision.sh userland)",
				   kind);
	for (int i = 0; i < n; i++) {
		const char *argv[] = { tools[i], "--version", NULL };
		const char *name = strrchr(tools[i], '/') + 1;
		int rc;

		if (r->native && !bhb_machine_tool(name, tool, sizeof(tool)))
			return bhb_rs_fail(r, "%s: this machine has no %s", kind, name);
		rc = bhb_ul_run(r, argv);
		if (rc)
			return bhb_rs_fail(r, "%s: %s does not run %s (%s): %s", kind, name,
					   r->native ? "on this machine" : "in the guest",
					   rc < 0 ? "not started" : "exit status", bhb_ul_first_line(r));
		json_object_set_new(versions, name, json_stringn(r->out, strcspn(r->out, "\n")));
	}
	return 0;
}

int bhb_modprobe(struct bhb_rs *r, const char *kind, const char *name, const char *params, json_t *loaded)
{
	const char *argv[16] = { UL "/sbin/modprobe", name };
	char words[256], *save = NULL, key[80];
	int n = 2;

	snprintf(words, sizeof(words), "%s", params ? params : "");
	for (char *w = strtok_r(words, " ", &save); w && n < 15; w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	snprintf(key, sizeof(key), "\n%s\n", name);
	if (strstr(r->modules_before, key)) {
		json_array_append_new(loaded, json_sprintf("%s (loaded before the run)", name));
		return 0;
	}
	if (bhb_ul_run(r, argv))
		return bhb_rs_fail(r, "%s: modprobe %s failed: %s", kind, name, bhb_ul_first_line(r));
	json_array_append_new(loaded, json_string(name));
	return 0;
}

void bhb_rs_unload(struct bhb_rs *r)
{
	char now[sizeof(r->modules_before)], key[80], *save = NULL;

	if (!r->native)
		return;
	if (!r->modules_known || module_names(now, sizeof(now))) {
		say(r->a, "/proc/modules could not be read whole: what came with the run stays loaded");
		return;
	}
	/* newest first: a module before the ones it needs */
	for (char *m = strtok_r(now, "\n", &save); m; m = strtok_r(NULL, "\n", &save)) {
		int err = 0;

		snprintf(key, sizeof(key), "\n%s\n", m);
		if (strstr(r->modules_before, key))
			continue;
		/* a device just removed can hold its module for a moment */
		for (int tries = 0; tries < 50; tries++) {
			err = syscall(SYS_delete_module, m, O_NONBLOCK) ? errno : 0;
			if (err != EAGAIN && err != EBUSY)
				break;
			nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
		}
		if (err && err != ENOENT)
			say(r->a, "cannot unload %s, which came with this run: %s", m, strerror(err));
		else
			say(r->a, "unloaded %s, which came with this run", m);
	}
}

/* ---- where the subsystem's work ran: a kprobe and an in-kernel histogram ---- */

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
 * A kprobe event bhb_rs/work on the first of funcs the kernel can probe
 * (a static function may be inlined away); each run arms a histogram
 * trigger keyed by task and trace flags: counted in the kernel, nothing is
 * lost however many I/Os a run makes.
 */
void bhb_rs_probe(struct bhb_rs *r, const char *const *funcs, int nfuncs)
{
	char def[128];
	int err = -ENOENT;

	if (access(TR "/kprobe_events", F_OK) && mount("nodev", TR, "tracefs", 0, NULL) && errno != EBUSY) {
		snprintf(r->probe_why, sizeof(r->probe_why), "tracefs: %s", strerror(errno));
		return;
	}
	tr_write("kprobe_events", "-:bhb_rs/work", 1);
	for (int i = 0; i < nfuncs; i++) {
		snprintf(def, sizeof(def), "p:bhb_rs/work %s", funcs[i]);
		err = tr_write("kprobe_events", def, 1);
		if (!err) {
			snprintf(r->probe, sizeof(r->probe), "%s", funcs[i]);
			return;
		}
	}
	snprintf(r->probe_why, sizeof(r->probe_why), "none of %s can be probed: %s", funcs[0],
		 strerror(-err));
}

static int probe_arm(struct bhb_rs *r)
{
	if (!r->probe[0])
		return 0;
	if (tr_write("events/bhb_rs/work/trigger", "hist:keys=common_pid.execname,common_flags:size=256", 0) ||
	    tr_write("events/bhb_rs/work/enable", "1", 0))
		return -1;
	return 0;
}

/* the histogram into where (softirq, hardirq, kworker, ksoftirqd, submitter, other, events) */
static json_t *probe_read(struct bhb_rs *r)
{
	struct bhb_where w;
	json_t *j;

	if (!r->probe[0])
		return json_pack("{s:s}", "unavailable", r->probe_why);
	tr_write("events/bhb_rs/work/enable", "0", 0);
	if (bhb_read_text(TR "/events/bhb_rs/work/hist", r->out, sizeof(r->out)) ||
	    bhb_where_parse(r->out, &w))
		j = json_pack("{s:s}", "unavailable", "the histogram could not be read");
	else
		j = bhb_where_json(&w, r->probe);
	tr_write("events/bhb_rs/work/trigger", "!hist:keys=common_pid.execname,common_flags:size=256", 0);
	return j;
}


/* /sys/block/NAME/stat of node /dev/NAME: reads completed and sectors read */
static int blk_stat(const char *node, uint64_t *ios, uint64_t *sectors)
{
	char path[96], buf[256];
	unsigned long long r, rm, rs;

	snprintf(path, sizeof(path), "/sys/block/%s/stat", node + 5);
	if (bhb_read_text(path, buf, sizeof(buf)) || sscanf(buf, "%llu %llu %llu", &r, &rm, &rs) != 3)
		return -1;
	*ios = r;
	*sectors = rs;
	return 0;
}


/*
 * One fio run of node's first size_mb MiB: load 0 random 4 KiB reads, 1
 * sequential 512 KiB ones, O_DIRECT, psync, one job, read-only (fio's
 * --readonly: natively the disk may be a user's).  The CPU time is that of the reads only:
 * accounted from fio's first read (seen in the device's counter) to its
 * exit, not over fio's start (its loader and libraries take longer than a
 * short run).  Returns {acct, stat {reads, sectors, acct_reads}, where,
 * fio} or, when fio failed, "error" instead of "fio".
 */
json_t *bhb_fio_run(struct bhb_rs *r, const char *node, uint32_t size_mb, int load, uint32_t runtime_ms,
		    uint64_t seed)
{
	static const char *const rw[] = { "randread", "read" }, *const bs[] = { "4k", "512k" };
	char runtime[32], filename[80], rseed[32], rwo[32], bso[32], size[32], why[200];
	const char *argv[] = { UL "/usr/bin/fio", "--name=bhb", "--readonly", filename, size, rwo, bso, "--direct=1",
			       "--ioengine=psync", "--numjobs=1", "--thread", "--time_based", runtime, rseed,
			       "--percentile_list=50:99:99.9", "--output-format=json", NULL };
	struct bhb_acct *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	uint64_t ios0 = 0, sec0 = 0, ios1 = 0, sec1 = 0, iow, secw;
	json_t *job = NULL, *fr;
	pid_t pid;
	int rc;

	if (!before || !after) {
		free(before);
		free(after);
		return json_pack("{s:s}", "error", "out of memory");
	}
	snprintf(filename, sizeof(filename), "--filename=%s", node);
	snprintf(size, sizeof(size), "--size=%uM", size_mb);
	snprintf(rwo, sizeof(rwo), "--rw=%s", rw[load]);
	snprintf(bso, sizeof(bso), "--bs=%s", bs[load]);
	snprintf(runtime, sizeof(runtime), "--runtime=%ums", runtime_ms);
	snprintf(rseed, sizeof(rseed), "--randseed=%llu", (unsigned long long)(seed % 1000000007ull));
	if (probe_arm(r))
		snprintf(r->probe_why, sizeof(r->probe_why), "cannot arm the histogram on %s", r->probe);
	blk_stat(node, &ios0, &sec0);
	pid = bhb_ul_spawn(r, argv);
	iow = ios0;
	while (pid > 0 && iow == ios0 && !blk_stat(node, &iow, &secw) && bhb_running(pid))
		nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
	bhb_acct_snap(&r->src, before);
	blk_stat(node, &iow, &secw);
	rc = bhb_ul_wait(r, pid);
	bhb_acct_snap(&r->src, after);
	blk_stat(node, &ios1, &sec1);
	/* fio's output first: the histogram is read into the same buffer */
	if (rc)
		snprintf(why, sizeof(why), "failed: %s", bhb_ul_first_line(r));
	else
		job = bhb_fio_job(r->out, why, sizeof(why));
	fr = json_pack("{s:o,s:{s:I,s:I,s:I},s:o}", "acct", bhb_acct_delta(before, after), "stat", "reads",
		       (json_int_t)(ios1 - ios0), "sectors", (json_int_t)(sec1 - sec0), "acct_reads",
		       (json_int_t)(ios1 - iow), "where", probe_read(r));
	free(before);
	free(after);
	if (job)
		json_object_set_new(fr, "fio", job);
	else
		json_object_set_new(fr, "error", json_sprintf("fio: %s", why));
	return fr;
}

void bhb_rs_unprobe(struct bhb_rs *r)
{
	if (r->probe[0])
		tr_write("kprobe_events", "-:bhb_rs/work", 1);
	r->probe[0] = 0;
}
