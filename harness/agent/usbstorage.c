// SPDX-License-Identifier: GPL-2.0
/*
 * The usb-storage kind in the guest: the second real subsystem that went
 * through the conversion.  A USB host controller completes an URB through
 * usb_hcd_giveback_urb(): controllers with HCD_BH (xhci among them) defer
 * the completion to a tasklet up to 6.8 and to a BH work item
 * (system_bh_wq, or system_bh_highpri_wq for interrupt and isochronous
 * pipes) from 6.9.  There is no other path in the same kernel, so the
 * comparison is across releases: the same load, disk and tools on each.
 *
 * The disk: QEMU's qemu-xhci with a usb-storage (bulk-only) device over a
 * raw image of data_mb (the host makes it, sparse: reads are of zeros).
 * The kernel's own xhci, usb-storage and sd modules (the "usb" set), then
 * Debian's fio reads /dev/sda: the loads of the scenario, repetitions
 * interleaved in an order drawn from the seed.  Natively: the machine's
 * USB disk the user named (bhbench run --native --usb-disk), read only,
 * and the machine's fio.  Where the completions ran:
 * a kprobe on usb-storage's completion callback, by context.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/machine.h"
#include "../common/stats.h"
#include "agent.h"

#define GUEST_DISK "/dev/sda"

/*
 * The completion callback of usb-storage's command and status URBs (its
 * data goes through usb_sg_wait()'s sg_complete): static, but its address
 * is taken, so it is a symbol; usb_hcd_unmap_urb_for_dma(), called in the
 * same giveback, the fallback (and uas's path natively).
 */
#define BHB_USB_PROBES "usb_stor_blocking_completion", "usb_hcd_unmap_urb_for_dma"

/*
 * What drives the disk, from its sysfs device up: the storage driver
 * (usb-storage or uas), the USB device's speed, the host controller's
 * driver (xhci_hcd, ehci-pci, ...); null where /sys has none
 */
static void disk_path(const char *disk, json_t *setup)
{
	struct bhb_disk_path p;
	int ok = !bhb_disk_path(disk, &p);

	json_object_set_new(setup, "sysfs", ok ? json_string(p.sysfs) : json_null());
	if (p.storage[0])
		json_object_set_new(setup, "storage_driver", json_string(p.storage));
	if (p.hcd[0])
		json_object_set_new(setup, "hcd_driver", json_string(p.hcd));
	if (p.speed[0])
		json_object_set_new(setup, "speed", json_sprintf("%s Mb/s", p.speed));
}

static int setup(struct bhb_rs *r, const char *disk, json_t *setup)
{
	static const char *const tools[] = { UL "/usr/bin/fio" };
	static const char *const probes[] = { BHB_USB_PROBES };
	json_t *versions = json_object(), *mods = json_array();
	char sys[96];
	int waited = 0;

	json_object_set_new(setup, "tools", versions);
	json_object_set_new(setup, "modules", mods);
	json_object_set_new(setup, "disk", json_string(disk));
	if (bhb_ul_check(r, "usb-storage", tools, 1, versions) ||
	    (!r->native && bhb_kmods_load(r, "usb-storage", "usb", NULL, NULL, mods)))
		return -1;
	/* enumeration and the SCSI scan run asynchronously: up to 30 s (natively the disk is there) */
	snprintf(sys, sizeof(sys), "/sys/block/%s", disk + 5);
	while (access(sys, F_OK) && waited < 30000 && !r->native) {
		nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
		waited += 50;
	}
	if (access(disk, F_OK) || access(sys, F_OK))
		return bhb_rs_fail(r, r->native ? "usb-storage: %s is not a disk on this machine" :
				   "usb-storage: no USB disk (%s) appeared in 30 s (is the kernel's xhci and usb-storage "
				   "there? the console has the USB messages)", disk);
	json_object_set_new(setup, "disk_ms", json_integer(waited));
	disk_path(disk, setup);
	bhb_rs_probe(r, probes, sizeof(probes) / sizeof(probes[0]));
	json_object_set_new(setup, "probe", r->probe[0] ? json_string(r->probe) : json_null());
	if (!r->probe[0])
		json_object_set_new(setup, "probe_unavailable", json_string(r->probe_why));
	return 0;
}

/* every load, reps times, in an order drawn from seed */
static void run_loads(struct bhb_rs *r, const struct bhb_scenario *s, const char *disk, uint64_t seed,
		      json_t *setup)
{
	unsigned int reps[BHB_NR_DMV_LOADS];
	int loads[BHB_NR_DMV_LOADS], n = 0, total, *order, done[BHB_NR_DMV_LOADS] = { 0 };
	uint64_t rs = seed;

	for (int l = 0; l < BHB_NR_DMV_LOADS; l++)
		if (s->dmv_loads & (1u << l)) {
			loads[n] = l;
			reps[n++] = s->repetitions;
		}
	order = calloc((size_t)n * s->repetitions + 1, sizeof(*order));
	if (!order) {
		bhb_rs_fail(r, "usb-storage: out of memory");
		return;
	}
	total = bhb_rep_order(reps, n, seed, order);
	json_object_set_new(setup, "runs", json_integer(total));
	send_json(r->a, "usb_setup", json_incref(setup));
	for (int k = 0; k < total; k++) {
		int l = loads[order[k]];
		json_t *fr;

		say(r->a, "usb-storage: run %d of %d: %s", k + 1, total, bhb_dmv_load_names[l]);
		fr = bhb_fio_run(r, disk, s->data_mb, l, s->runtime_ms, bhb_rand(&rs));
		json_object_set_new(fr, "mode", json_string("giveback"));
		json_object_set_new(fr, "load", json_string(bhb_dmv_load_names[l]));
		json_object_set_new(fr, "rep", json_integer(done[order[k]]++));
		r->failed += json_object_get(fr, "error") != NULL;
		send_json(r->a, "usbstorage", fr);
	}
	free(order);
}

static int usb_kind(struct bhb_agent *a, const struct bhb_boot_args *b)
{
	struct bhb_rs *r = calloc(1, sizeof(*r));
	const struct bhb_scenario *s = NULL;
	json_t *st = json_object();
	char val[32], dbuf[80];
	const char *disk;
	int failed;

	if (!r) {
		send_error(a, "out of memory");
		return 1;
	}
	bhb_rs_init(r, a, b);
	for (int i = 0; i < b->nscens; i++)
		if (b->scens[i].type == BHB_SCEN_USB)
			s = &b->scens[i];
	/* natively the disk the user named (bhbench run --usb-disk), checked by the host to be on USB */
	disk = bhb_cmdline_get(b->cmdline, "bhbagent.usbdisk", GUEST_DISK, dbuf, sizeof(dbuf));
	if (!setup(r, disk, st))
		run_loads(r, s, disk,
			  strtoull(bhb_cmdline_get(b->cmdline, "bhbagent.seed", "1", val, sizeof(val)), NULL, 10), st);
	else
		send_json(a, "usb_setup", json_incref(st));
	bhb_rs_unprobe(r);
	bhb_rs_unload(r);
	failed = r->failed;
	json_decref(st);
	free(r);
	return failed;
}

const struct bhb_agent_kind bhb_agent_usb = {
	.name = "usb-storage",
	.type = BHB_SCEN_USB,
	.run = usb_kind,
};
