// SPDX-License-Identifier: GPL-2.0
/* A minimal "newc" cpio writer for the guest's initramfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>

#include "bhbench.h"

#define MAX_DIRS 256

struct cpio {
	FILE *f;
	unsigned int ino;
	size_t off;
	char *dirs[MAX_DIRS];
	int ndirs;
	int err;
};

struct cpio *cpio_open(const char *path)
{
	struct cpio *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->f = fopen(path, "wb");
	if (!c->f) {
		free(c);
		return NULL;
	}
	c->ino = 1;
	return c;
}

static void pad4(struct cpio *c)
{
	while (c->off % 4) {
		fputc(0, c->f);
		c->off++;
	}
}

static int entry(struct cpio *c, const char *name, unsigned int mode, const void *data,
		 size_t len, unsigned int rmaj, unsigned int rmin)
{
	char hdr[160];
	size_t nlen = strlen(name) + 1;

	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		 c->ino++, mode, 0u, 0u, 1u, 0u, len, 0u, 0u, rmaj, rmin, nlen, 0u);
	if (fwrite(hdr, 1, 110, c->f) != 110 || fwrite(name, 1, nlen, c->f) != nlen)
		c->err = errno ? errno : EIO;
	c->off += 110 + nlen;
	pad4(c);
	if (len && fwrite(data, 1, len, c->f) != len)
		c->err = errno ? errno : EIO;
	c->off += len;
	pad4(c);
	return c->err ? -1 : 0;
}

int cpio_dir(struct cpio *c, const char *name)
{
	for (int i = 0; i < c->ndirs; i++)
		if (!strcmp(c->dirs[i], name))
			return 0;
	if (c->ndirs < MAX_DIRS)
		c->dirs[c->ndirs++] = strdup(name);
	return entry(c, name, S_IFDIR | 0755, NULL, 0, 0, 0);
}

/* parents of name ("a/b/c" -> "a", "a/b") */
static int parents(struct cpio *c, const char *name)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", name);
	for (char *p = buf; (p = strchr(p, '/')); p++) {
		*p = 0;
		if (*buf && cpio_dir(c, buf))
			return -1;
		*p = '/';
	}
	return 0;
}

int cpio_data(struct cpio *c, const char *name, const void *data, size_t len, unsigned int mode)
{
	while (*name == '/')
		name++;
	if (parents(c, name))
		return -1;
	return entry(c, name, S_IFREG | mode, data, len, 0, 0);
}

int cpio_file(struct cpio *c, const char *name, const char *src, unsigned int mode)
{
	size_t len;
	char *buf = bhb_slurp(src, &len);
	int ret;

	if (!buf) {
		c->err = errno ? errno : ENOENT;
		return -1;
	}
	ret = cpio_data(c, name, buf, len, mode);
	free(buf);
	return ret;
}

int cpio_chardev(struct cpio *c, const char *name, unsigned int major, unsigned int minor)
{
	while (*name == '/')
		name++;
	if (parents(c, name))
		return -1;
	return entry(c, name, S_IFCHR | 0600, NULL, 0, major, minor);
}

int cpio_add_libs(struct cpio *c, const char *program)
{
	char out[8192], *save = NULL;
	const char *argv[] = { "ldd", program, NULL };

	if (bhb_capture(out, sizeof(out), argv) != 0)
		return -1;
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strstr(line, "=> "), path[512];

		p = p ? p + 3 : line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '/')
			continue;	/* linux-vdso and friends */
		snprintf(path, sizeof(path), "%s", p);
		path[strcspn(path, " ")] = 0;
		if (cpio_file(c, path, path, 0755))
			return -1;
	}
	return 0;
}

int cpio_manifest(struct cpio *c, const char *manifest)
{
	FILE *f = fopen(manifest, "r");
	char line[2 * PATH_MAX + 8], guest[PATH_MAX], host[PATH_MAX];
	int ret = 0;

	if (!f)
		return -1;
	while (!ret && fgets(line, sizeof(line), f))
		if (sscanf(line, "%4095s %4095s", guest, host) == 2)
			ret = cpio_file(c, guest, host, 0755);
	fclose(f);
	return ret;
}

int cpio_tree(struct cpio *c, const char *name, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return -1;
	while (!ret && (e = readdir(d))) {
		char g[PATH_MAX], h[PATH_MAX];

		if (e->d_name[0] == '.' || e->d_type != DT_REG)
			continue;
		snprintf(g, sizeof(g), "%s/%s", name, e->d_name);
		snprintf(h, sizeof(h), "%s/%s", dir, e->d_name);
		ret = cpio_file(c, g, h, 0644);
	}
	closedir(d);
	return ret;
}

int cpio_close(struct cpio *c)
{
	int err;

	entry(c, "TRAILER!!!", 0, NULL, 0, 0, 0);
	err = c->err;
	if (fclose(c->f) && !err)
		err = errno;
	for (int i = 0; i < c->ndirs; i++)
		free(c->dirs[i]);
	free(c);
	errno = err;
	return err ? -1 : 0;
}
