// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bhbench.h"

/* The repository root: $BHBENCH_ROOT, else two levels above the binary. */
const char *bhb_root(void)
{
	static char root[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	if (root[0])
		return root;
	if (getenv("BHBENCH_ROOT")) {
		snprintf(root, sizeof(root), "%s", getenv("BHBENCH_ROOT"));
		return root;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		/* <root>/harness/build/bhbench */
		snprintf(root, sizeof(root), "%s", dirname(dirname(dirname(exe))));
	} else {
		snprintf(root, sizeof(root), ".");
	}
	return root;
}

const char *bhb_cache(void)
{
	static char cache[PATH_MAX];

	if (cache[0])
		return cache;
	if (getenv("BHBENCH_CACHE"))
		snprintf(cache, sizeof(cache), "%s", getenv("BHBENCH_CACHE"));
	else if (getenv("XDG_CACHE_HOME"))
		snprintf(cache, sizeof(cache), "%s/bhbench", getenv("XDG_CACHE_HOME"));
	else
		snprintf(cache, sizeof(cache), "%s/.cache/bhbench", getenv("HOME") ? getenv("HOME") : "/tmp");
	return cache;
}

int bhb_mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

char *bhb_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 1 << 20);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);

		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* write to path.tmp, fsync, rename: a reader never sees half a file */
int bhb_write_atomic(const char *path, const void *buf, size_t len)
{
	char tmp[PATH_MAX];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd)) {
		int e = errno ? errno : EIO;

		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (close(fd) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int bhb_json_write_atomic(const char *path, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
	int ret;

	if (!s)
		return -1;
	ret = bhb_write_atomic(path, s, strlen(s));
	free(s);
	return ret;
}

int bhb_capture(char *out, size_t len, const char *const argv[])
{
	int pfd[2], status;
	size_t n = 0;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "bhbench: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char sink[4096];
		ssize_t r = read(pfd[0], n + 1 < len ? out + n : sink,
				 n + 1 < len ? len - n - 1 : sizeof(sink));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n + 1 < len)
			n += (size_t)r;
	}
	close(pfd[0]);
	if (len)
		out[n] = 0;
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double bhb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
