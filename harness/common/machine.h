/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bhbench run --native: what the host and the agent both ask of the
 * machine itself.
 */
#ifndef BHB_MACHINE_H
#define BHB_MACHINE_H

#include <stddef.h>

/*
 * The machine's own program NAME (fio, veritysetup, dmsetup, modprobe),
 * from the directories a root shell searches: its path in buf, or NULL.
 */
const char *bhb_machine_tool(const char *name, char *buf, size_t len);

/* what drives a disk, found up its device's path in /sys */
struct bhb_disk_path {
	char sysfs[4096];	/* /sys/devices/...: the disk's device, "" if none */
	char storage[16];	/* usb-storage or uas; "" when the disk is not on USB */
	char hcd[64];		/* the USB host controller's driver (xhci_hcd, ehci-pci, ...) */
	char speed[32];		/* the USB device's speed, Mb/s as /sys says it ("5000") */
};

/*
 * The path of DISK (/dev/NAME, a whole disk): its storage driver, the host
 * controller's driver and the USB speed.  0, or -1 when /sys has no device
 * for it (p then empty).
 */
int bhb_disk_path(const char *disk, struct bhb_disk_path *p);

#endif
