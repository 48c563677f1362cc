// SPDX-License-Identifier: GPL-2.0
/*
 * tests/native.sh's guest: its PID 1, linked statically into a small
 * initramfs.  It loads the kernel's 9p modules (/kmod/order, dependencies
 * first), mounts a Debian root over 9p read-only (the bookworm build root,
 * which holds the kernel's headers and compiler), tmpfs where a system
 * writes, the project (read-only) at /srv and the host's output directory
 * at /mnt, and runs /srv/tests/native-guest.sh there as root: a machine
 * with that kernel, its build tree and the project, as a user's would be.
 * Powers the guest off when the script ends.  Not as PID 1, it is the
 * script's mount tool (below).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define P9 "trans=virtio,version=9p2000.L,msize=262144"

static void off(const char *why)
{
	if (why)
		fprintf(stderr, "native-init: %s: %s\n", why, strerror(errno));
	sync();
	reboot(RB_POWER_OFF);
	_exit(1);
}

static void load_modules(void)
{
	FILE *f = fopen("/kmod/order", "r");
	char name[256], path[300];

	if (!f)
		off("/kmod/order");
	while (fgets(name, sizeof(name), f)) {
		int fd;

		name[strcspn(name, "\n")] = 0;
		if (!name[0])
			continue;
		snprintf(path, sizeof(path), "/kmod/%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST))
			off(path);
		close(fd);
	}
	fclose(f);
}

static void must_mount(const char *src, const char *dst, const char *type, unsigned long flags, const char *opts)
{
	if (mount(src, dst, type, flags, opts)) {
		char why[256];

		snprintf(why, sizeof(why), "mount %s on %s (%s)", src, dst, type);
		off(why);
	}
}

/*
 * The guest's root has no mount(8): "native_init tmpfs DIR" and
 * "native_init umount DIR" are the script's (an empty directory over the
 * kernel's build tree, and back).
 */
static int tool(int argc, char **argv)
{
	int ret = -1;

	if (argc == 3 && !strcmp(argv[1], "tmpfs"))
		ret = mount("none", argv[2], "tmpfs", 0, "mode=0755");
	else if (argc == 3 && !strcmp(argv[1], "umount"))
		ret = umount2(argv[2], 0);
	else
		errno = EINVAL;
	if (ret)
		fprintf(stderr, "native_init %s: %s\n", argc > 1 ? argv[1] : "", strerror(errno));
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const char *const tmp[] = { "/newroot/tmp", "/newroot/run", "/newroot/root", "/newroot/var/tmp" };
	char *const args[] = { "bash", "/srv/tests/native-guest.sh", NULL };
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8", NULL };
	pid_t pid;

	if (getpid() != 1)
		return tool(argc, argv);
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mkdir("/newroot", 0755);
	must_mount("proc", "/proc", "proc", 0, NULL);
	must_mount("sysfs", "/sys", "sysfs", 0, NULL);
	must_mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	load_modules();
	must_mount("root", "/newroot", "9p", MS_RDONLY, P9 ",cache=loose");
	for (size_t i = 0; i < sizeof(tmp) / sizeof(tmp[0]); i++)
		must_mount("tmpfs", tmp[i], "tmpfs", 0, "mode=1777");
	must_mount("proc", "/newroot/proc", "proc", 0, NULL);
	must_mount("sysfs", "/newroot/sys", "sysfs", 0, NULL);
	must_mount("devtmpfs", "/newroot/dev", "devtmpfs", 0, NULL);
	must_mount("debugfs", "/newroot/sys/kernel/debug", "debugfs", 0, NULL);
	must_mount("tracefs", "/newroot/sys/kernel/tracing", "tracefs", 0, NULL);
	/* where a machine reads (and raises) its lockdown */
	must_mount("securityfs", "/newroot/sys/kernel/security", "securityfs", 0, NULL);
	must_mount("project", "/newroot/srv", "9p", MS_RDONLY, P9 ",cache=loose");
	must_mount("out", "/newroot/mnt", "9p", 0, P9);
	if (chroot("/newroot") || chdir("/"))
		off("chroot /newroot");
	pid = fork();
	if (pid == 0) {
		execve("/bin/bash", args, envp);
		off("/bin/bash");
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	off(NULL);
	return 0;
}
