// SPDX-License-Identifier: GPL-2.0
/* bhbench run --native: the machine's own tools and disks (machine.h) */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine.h"

const char *bhb_machine_tool(const char *name, char *buf, size_t len)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin",
					    "/bin" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, len, "%s/%s", dirs[i], name);
		if (!access(buf, X_OK))
			return buf;
	}
	return NULL;
}

/* the first line of a small /sys file; 0, or -1 */
static int sys_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int bhb_disk_path(const char *disk, struct bhb_disk_path *p)
{
	char path[PATH_MAX + 16], link[PATH_MAX], *dev;

	memset(p, 0, sizeof(*p));
	if (strncmp(disk, "/dev/", 5) || strchr(disk + 5, '/'))
		return -1;
	snprintf(path, sizeof(path), "/sys/block/%s/device", disk + 5);
	dev = realpath(path, NULL);
	if (!dev)
		return -1;
	snprintf(p->sysfs, sizeof(p->sysfs), "%s", dev);
	/* from the disk's device up: the storage driver, then the speed, then the controller */
	for (char *end = strrchr(dev, '/'); end && end != dev; end = strrchr(dev, '/')) {
		ssize_t n;

		snprintf(path, sizeof(path), "%s/driver", dev);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			const char *drv;

			link[n] = 0;
			drv = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
			if (!p->storage[0] && (!strcmp(drv, "usb-storage") || !strcmp(drv, "uas")))
				snprintf(p->storage, sizeof(p->storage), "%s", drv);
			else if (p->speed[0] && !p->hcd[0] && strcmp(drv, "usb") && strcmp(drv, "hub"))
				snprintf(p->hcd, sizeof(p->hcd), "%s", drv);
		}
		snprintf(path, sizeof(path), "%s/speed", dev);
		if (!p->speed[0])
			sys_line(path, p->speed, sizeof(p->speed));
		*end = 0;
	}
	free(dev);
	return 0;
}
