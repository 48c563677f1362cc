// SPDX-License-Identifier: GPL-2.0
/*
 * The usb-storage kind on the host: the guest's frames
 * (agent/usbstorage.c) -> results.json "usbstorage" (host/fio.c: one
 * group per load, mode "giveback", the checks) and the summary.  SCSI
 * splits a 512 KiB read into several requests, so the device counts at
 * least fio's reads, and its bytes exactly; the kprobe on usb-storage's
 * completion fires at least once per request.
 */
#include <stdio.h>

#include "rs.h"

static const char *const usb_modes[] = { "giveback" };

const struct bhb_rs_desc bhb_rs_usb = {
	.kind = "usb-storage", .key = "usbstorage", .setup = "usb_setup", .check = NULL,
	.modes = usb_modes, .nmodes = 1, .exact_reads = 0, .per_block = 0,
};

static void usb_take(struct bhb_analysis *a, void *st, const struct bhb_frame *f, json_t *j)
{
	(void)a;
	bhb_rs_take(&bhb_rs_usb, st, f, j);
}

static void usb_finish(struct bhb_analysis *a, void *st)
{
	bhb_rs_finish(&bhb_rs_usb, a, st);
}

static int usb_summary(FILE *f, json_t *res)
{
	json_t *d = json_object_get(res, "usbstorage"), *s = json_object_get(d, "setup");

	if (!d)
		return 0;
	/* the disk and what drives it, as the agent found them in /sys (older results: QEMU's /dev/sda) */
	fprintf(f, "\nusb-storage: %s (%s on %s) at %s, the kernel's URB giveback "
		"(a tasklet up to 6.8, BH work from 6.9); fio %s; kprobe %s\n",
		json_is_string(json_object_get(s, "disk")) ? bhb_jstr(s, "disk") : "/dev/sda",
		json_is_string(json_object_get(s, "storage_driver")) ? bhb_jstr(s, "storage_driver") : "usb-storage",
		json_is_string(json_object_get(s, "hcd_driver")) ? bhb_jstr(s, "hcd_driver") : "xhci",
		json_is_string(json_object_get(s, "speed")) ? bhb_jstr(s, "speed") : "an unknown speed",
		bhb_jstr(json_object_get(s, "tools"), "fio"), json_is_string(json_object_get(s, "probe")) ?
		bhb_jstr(s, "probe") : bhb_jstr(s, "probe_unavailable"));
	bhb_rs_table(f, d, "completion");
	return 1;
}

static const char *const usb_frames[] = { "usb_setup", "usbstorage", NULL };

const struct bhb_kind bhb_kind_usb = {
	.name = "usb-storage",
	.frames = usb_frames,
	.begin = bhb_rs_begin,
	.take = usb_take,
	.finish = usb_finish,
	.summary = usb_summary,
};
