// SPDX-License-Identifier: GPL-2.0
/*
 * Boot a guest under QEMU and watch it: console and result channel go to
 * files, the console is scanned for oops/panic/WARNING/BUG as it arrives,
 * and a guest that stays silent too long or outlives the timeout is killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bhbench.h"

/* $BHBENCH_QEMU overrides the emulator (tests use it to make it missing) */
#define QEMU (getenv("BHBENCH_QEMU") ?: "qemu-system-x86_64")

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

int bhb_console_is_failure(const char *line)
{
	static const char *const pat[] = {
		"Kernel panic", "BUG:", "WARNING:", "Oops:", "general protection fault",
		"Call Trace:", "soft lockup", "hard LOCKUP", "rcu_sched self-detected stall",
		"rcu: INFO:", "blocked for more than", "UBSAN:", "KASAN:", "kernel BUG at",
		"Unable to handle kernel", "segfault at",
	};

	for (size_t i = 0; i < sizeof(pat) / sizeof(pat[0]); i++)
		if (strstr(line, pat[i]))
			return 1;
	return 0;
}

const char *bhb_qemu_version(void)
{
	static char v[128];
	const char *argv[] = { QEMU, "--version", NULL };

	if (!v[0]) {
		if (bhb_capture(v, sizeof(v), argv) != 0)
			snprintf(v, sizeof(v), "unknown");
		v[strcspn(v, "\n")] = 0;
	}
	return v;
}

/* does line name one of the comma-separated patterns in list? */
static int matches_any(const char *line, const char *list)
{
	char buf[256], *save = NULL;

	if (!list || !*list)
		return 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		if (strstr(line, t))
			return 1;
	return 0;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_size;
}

static void kill_tree(pid_t pid)
{
	kill(pid, SIGTERM);
	for (int i = 0; i < 20; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* argv with its output into log (truncated first unless append) */
static pid_t spawn(const char *const argv[], const char *log, int append)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* appending: natively the kernel's log is appended to the same file */
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | (append ? 0 : O_TRUNC), 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		int nfd = open("/dev/null", O_RDONLY);

		if (nfd >= 0)
			dup2(nfd, 0);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/*
 * Progress: the agent prints "run X/Y <what> ..." and "hotplug: X/Y cycles".
 * On a terminal one status line is rewritten in place, with an estimate of
 * the time left; otherwise (CI) every line is logged as it comes.
 */
static void progress(const struct boot_opts *o, const char *msg, double start)
{
	static double first;
	unsigned int x = 0, y = 0;
	char what[96] = "";
	double now = bhb_now(), eta = -1;

	if ((sscanf(msg, "run %u/%u %95s", &x, &y, what) >= 2 || sscanf(msg, "hotplug: %u/%u", &x, &y) == 2) && y) {
		if (!first || x <= 1)
			first = now;
		if (x > 1)
			eta = (now - first) / (x - 1) * (y - x);
	}
	if (!isatty(1)) {
		printf("  guest: %s\n", msg);
		return;
	}
	if (y) {
		char e[32] = "estimating";

		if (eta >= 0)
			snprintf(e, sizeof(e), "%.0f s left", eta);
		printf("\r\033[K  %s: %s %u/%u %s  [%s, %.0f s elapsed]", o->label ? o->label : "",
		       what[0] ? "run" : "hotplug cycle", x, y, what, e, now - start);
	} else {
		printf("\r\033[K  guest: %s\n", msg);
	}
}

/* QEMU's command line for o: argv[] pointing into args */
struct qemu_args {
	char smp[16], mem[16], con[600], chn[600], accel[32];
	const char *argv[64];
};

static void qemu_argv(const struct boot_opts *o, struct qemu_args *q)
{
	const char **argv = q->argv;
	int n = 0;

	snprintf(q->smp, sizeof(q->smp), "%d", o->cpus);
	snprintf(q->mem, sizeof(q->mem), "%d", o->mem_mb);
	snprintf(q->con, sizeof(q->con), "file,id=con,path=%s", o->console_path);
	snprintf(q->chn, sizeof(q->chn), "file,id=chan,path=%s", o->chan_path);
	if (!strcmp(o->accel, "icount"))
		snprintf(q->accel, sizeof(q->accel), "tcg,thread=single");
	else
		snprintf(q->accel, sizeof(q->accel), "%s%s", o->accel, strcmp(o->accel, "tcg") ? "" : ",thread=multi");
	argv[n++] = QEMU;
	argv[n++] = "-accel";
	argv[n++] = q->accel;
	if (!strcmp(o->accel, "icount")) {
		argv[n++] = "-icount";
		argv[n++] = BHB_ICOUNT_OPTS;
		/* the guest's RDRAND/RDSEED (KASLR, the kernel's RNG) from a fixed seed */
		argv[n++] = "-seed";
		argv[n++] = "1";
	}
	argv[n++] = "-cpu";
	argv[n++] = strcmp(o->accel, "kvm") ? "max" : "host";
	argv[n++] = "-smp";
	argv[n++] = q->smp;
	argv[n++] = "-m";
	argv[n++] = q->mem;
	argv[n++] = "-kernel";
	argv[n++] = o->kernel;
	argv[n++] = "-initrd";
	argv[n++] = o->initrd;
	argv[n++] = "-append";
	argv[n++] = o->append;
	argv[n++] = "-chardev";
	argv[n++] = q->con;
	argv[n++] = "-serial";
	argv[n++] = "chardev:con";	/* ttyS0: console */
	argv[n++] = "-chardev";
	argv[n++] = q->chn;
	argv[n++] = "-serial";
	argv[n++] = "chardev:chan";	/* ttyS1: result channel */
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-monitor";
	argv[n++] = "none";
	argv[n++] = "-nodefaults";
	argv[n++] = "-no-reboot";
	for (int i = 0; o->devices && o->devices[i] && n < (int)(sizeof(q->argv) / sizeof(q->argv[0])) - 1; i++)
		argv[n++] = o->devices[i];
	argv[n] = NULL;
}

/* the console as it grows: complete lines, and whether a splat is inside an expected trace */
struct console {
	off_t off;
	char line[4096];
	size_t len;
	int in_expected;
};

/* one console line: a failure, an expected splat (a finding), or the agent's progress */
static void console_line(const struct boot_opts *o, struct boot_result *r, struct console *c, double start)
{
	const char *line = c->line;

	if (strstr(line, "---[ end trace"))
		c->in_expected = 0;
	if (bhb_console_is_failure(line)) {
		/* a trace only says more than its headline when alone */
		if (strstr(line, "Call Trace:") && (r->nfail || c->in_expected))
			return;
		if (matches_any(line, o->expected)) {
			c->in_expected = 1;
			if (r->nfound < 8)
				snprintf(r->found[r->nfound], sizeof(r->found[0]), "%s", line);
			r->nfound++;
			return;
		}
		if (r->nfail < 8)
			snprintf(r->fail[r->nfail], sizeof(r->fail[0]), "%s", line);
		r->nfail++;
	}
	if (o->progress && strstr(line, "bhbench-agent: "))
		progress(o, strstr(line, "bhbench-agent: ") + 15, start);
	fflush(stdout);
}

/* what the console gained since the last look, line by line */
static void console_read(const struct boot_opts *o, struct boot_result *r, struct console *c, double start)
{
	FILE *f = fopen(o->console_path, "r");
	int ch;

	if (f && !fseeko(f, c->off, SEEK_SET)) {
		while ((ch = fgetc(f)) != EOF) {
			c->off++;
			if (ch != '\n' && c->len + 1 < sizeof(c->line)) {
				if (ch != '\r')
					c->line[c->len++] = (char)ch;
				continue;
			}
			c->line[c->len] = 0;
			c->len = 0;
			console_line(o, r, c, start);
		}
	}
	if (f)
		fclose(f);
}

/* watch the guest until QEMU exits, a signal, the timeout or a hang */
static void watch(const struct boot_opts *o, struct boot_result *r, pid_t pid, double start)
{
	struct console c = { .off = 0 };
	double last = start;
	off_t chan_size = 0;
	int status;

	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		off_t cs = file_size(o->console_path), hs = file_size(o->chan_path);
		double now = bhb_now();

		if (cs > c.off) {
			console_read(o, r, &c, start);
			last = now;
		}
		if (hs > chan_size) {
			chan_size = hs;
			last = now;
		}
		if (w == pid) {
			r->exited = 1;
			r->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			break;
		}
		if (got_signal) {
			r->interrupted = got_signal;
			kill_tree(pid);
			break;
		}
		if (now - start > o->timeout_s) {
			r->timed_out = 1;
			kill_tree(pid);
			break;
		}
		if (now - last > o->hang_s) {
			r->hung = 1;
			kill_tree(pid);
			break;
		}
		usleep(100000);
	}
}

/* argv spawned with its output into log, watched as a guest is; 0, or -1 when it cannot start */
static int run_watched(const struct boot_opts *o, struct boot_result *r, const char *const argv[], const char *log,
		       int append, void (*started)(pid_t pid, void *user), void *user)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	double start;
	pid_t pid;

	got_signal = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	start = bhb_now();
	pid = spawn(argv, log, append);
	if (pid < 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		return -1;
	}
	if (started)
		started(pid, user);
	watch(o, r, pid, start);
	r->wall_s = bhb_now() - start;
	if (o->progress && isatty(1))
		printf("\r\033[K");
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return 0;
}

int bhb_boot(const struct boot_opts *o, struct boot_result *r)
{
	struct qemu_args q;

	memset(r, 0, sizeof(*r));
	qemu_argv(o, &q);
	unlink(o->console_path);
	unlink(o->chan_path);
	return run_watched(o, r, q.argv, o->qemu_log, 0, NULL, NULL);
}

int bhb_watch_process(const struct boot_opts *o, struct boot_result *r, const char *const argv[],
		      void (*started)(pid_t pid, void *user), void *user)
{
	const char *files[] = { o->console_path, o->chan_path };

	memset(r, 0, sizeof(*r));
	/* both there and empty before the process or the kernel's log writes a byte */
	for (int i = 0; i < 2; i++) {
		int fd = open(files[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0)
			return -1;
		close(fd);
	}
	return run_watched(o, r, argv, o->console_path, 1, started, user);
}

/*
 * /dev/kvm can exist and still be unable to run a guest (a software
 * hypervisor underneath fails in the decompressor).  Boot the kernel under
 * KVM without an initramfs and wait for its banner; anything else is TCG.
 */
static const char *probe_kvm(const char *kernel, char *why, size_t len);

/*
 * The answer holds until the host reboots or QEMU changes: cache it under
 * the host's boot id so that every run does not pay for the probe.
 */
const char *bhb_pick_accel(const char *kernel, char *why, size_t len)
{
	char path[512], key[256], *boot = bhb_slurp("/proc/sys/kernel/random/boot_id", NULL), *old;
	const char *acc;

	snprintf(key, sizeof(key), "%.40s %s\n", boot ? boot : "?", bhb_qemu_version());
	key[strcspn(key, "\n") + 1] = 0;
	free(boot);
	snprintf(path, sizeof(path), "%s/kvm-probe", bhb_cache());
	old = bhb_slurp(path, NULL);
	if (old && !strncmp(old, key, strlen(key))) {
		char *rest = old + strlen(key);

		acc = !strncmp(rest, "kvm", 3) ? "kvm" : "tcg";
		rest[strcspn(rest, "\n")] = 0;
		snprintf(why, len, "%s (probe cached for this host boot)", rest + 4);
		free(old);
		return acc;
	}
	free(old);
	acc = probe_kvm(kernel, why, len);
	/* what the probe boot found; not a /dev/kvm closed to us, nor a probe that could not start */
	if (!strstr(why, "not usable") && !strstr(why, "cannot create a probe directory")) {
		char buf[1024];
		int n = snprintf(buf, sizeof(buf), "%s%s %s\n", key, acc, why);

		bhb_mkdirs(bhb_cache());
		bhb_write_atomic(path, buf, (size_t)n);
	}
	return acc;
}

static const char *probe_kvm(const char *kernel, char *why, size_t len)
{
	char dir[] = "/tmp/bhbench-kvmprobe.XXXXXX", con[128], log[128], chardev[160];
	struct boot_result r;
	char *out;
	int fd = open("/dev/kvm", O_RDWR);

	if (fd < 0) {
		snprintf(why, len, "/dev/kvm not usable (%s)", strerror(errno));
		return "tcg";
	}
	close(fd);
	if (!mkdtemp(dir)) {
		snprintf(why, len, "cannot create a probe directory");
		return "tcg";
	}
	snprintf(con, sizeof(con), "%s/console", dir);
	snprintf(log, sizeof(log), "%s/qemu.log", dir);
	snprintf(chardev, sizeof(chardev), "file,id=con,path=%s", con);
	const char *argv[] = { QEMU, "-accel", "kvm", "-cpu", "host", "-m", "256", "-kernel", kernel,
			       "-append", "console=ttyS0 panic=-1 rdinit=/nonexistent root=/dev/null",
			       "-chardev", chardev, "-serial", "chardev:con", "-display", "none",
			       "-monitor", "none", "-nodefaults", "-no-reboot", NULL };
	pid_t pid = spawn(argv, log, 0);
	double start = bhb_now();
	int ok = 0;

	memset(&r, 0, sizeof(r));
	while (bhb_now() - start < 10) {
		int status;

		out = bhb_slurp(con, NULL);
		if (out && strstr(out, "Linux version"))
			ok = 1;
		free(out);
		if (ok || waitpid(pid, &status, WNOHANG) == pid) {
			if (ok)
				kill_tree(pid);
			pid = 0;
			break;
		}
		out = bhb_slurp(log, NULL);
		if (out && strstr(out, "KVM internal error")) {
			free(out);
			break;
		}
		free(out);
		usleep(100000);
	}
	if (pid) {
		kill_tree(pid);
		pid = -1;	/* killed by us, not exited by itself */
	}
	out = bhb_slurp(log, NULL);
	if (ok)
		snprintf(why, len, "KVM boots the guest kernel");
	else if (out && strstr(out, "KVM internal error"))
		snprintf(why, len, "/dev/kvm exists but cannot run this guest (KVM internal error: emulation failure), falling back to TCG");
	else if (!pid && out && *out)
		snprintf(why, len, "/dev/kvm exists but QEMU could not run the guest under KVM (%.*s), falling back to TCG",
			 (int)strcspn(out, "\n"), out);
	else
		snprintf(why, len, "/dev/kvm exists but the guest did not start under KVM within 10 s, falling back to TCG");
	free(out);
	unlink(con);
	unlink(log);
	rmdir(dir);
	return ok ? "kvm" : "tcg";
}
