// SPDX-License-Identifier: GPL-2.0
/*
 * tests/native.sh's initramfs, written with the harness's own cpio
 * writer: /init (native_init, static) and /kmod, the kernel's 9p modules
 * with their load order (a directory of NAME.ko files and "order").
 * usage: native_cpio OUT.cpio INIT KMOD_DIR
 */
#include <stdio.h>

#include "../host/bhbench.h"

int main(int argc, char **argv)
{
	struct cpio *c;

	if (argc != 4) {
		fprintf(stderr, "usage: native_cpio OUT.cpio INIT KMOD_DIR\n");
		return 2;
	}
	c = cpio_open(argv[1]);
	if (!c || cpio_dir(c, "dev") || cpio_chardev(c, "dev/console", 5, 1) || cpio_file(c, "init", argv[2], 0755) ||
	    cpio_tree(c, "kmod", argv[3]) || cpio_close(c)) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
