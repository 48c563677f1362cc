// SPDX-License-Identifier: GPL-2.0
/*
 * The dm-verity kind on the host: the guest's frames (agent/dmverity.c)
 * -> results.json "dmverity" (host/fio.c: groups per load and mode, the
 * ratio of each mode to kverityd's wq, the checks), the corruption check,
 * and the summary.  fio's reads must equal the dm device's (it is
 * bio-based), and the kprobe must count a verification per data block.
 */
#include <stdio.h>
#include <string.h>

#include "../common/scenario.h"
#include "rs.h"

const struct bhb_rs_desc bhb_rs_dmverity = {
	.kind = "dm-verity", .key = "dmverity", .setup = "dmverity_setup", .check = "dmverity_check",
	.modes = bhb_dmv_mode_names, .nmodes = BHB_NR_DMV_MODES, .exact_reads = 1, .per_block = 1,
};

static void dmv_take(struct bhb_analysis *a, void *st, const struct bhb_frame *f, json_t *j)
{
	(void)a;
	bhb_rs_take(&bhb_rs_dmverity, st, f, j);
}

static void dmv_finish(struct bhb_analysis *a, void *st)
{
	bhb_rs_finish(&bhb_rs_dmverity, a, st);
}

static int dmv_summary(FILE *f, json_t *res)
{
	json_t *d = json_object_get(res, "dmverity"), *s = json_object_get(d, "setup"), *g, *c;
	const char *name;

	if (!d)
		return 0;
	fprintf(f, "\ndm-verity: %lld MiB of data on brd, hash tree by veritysetup; fio %s; sha256 by %s; kprobe %s\n",
		(long long)bhb_jint(s, "data_mb"), bhb_jstr(json_object_get(s, "tools"), "fio"),
		json_is_string(json_object_get(s, "sha256_driver")) ? bhb_jstr(s, "sha256_driver") :
		"the SHA-256 library (no crypto API driver)", json_is_string(json_object_get(s, "probe")) ? bhb_jstr(s, "probe") :
		bhb_jstr(s, "probe_unavailable"));
	if (json_is_string(json_object_get(s, "use_bh_bytes")))
		fprintf(f, "use_bh_bytes (the kernel's): %s\n", bhb_jstr(s, "use_bh_bytes"));
	bhb_rs_table(f, d, "verification");
	c = json_object_get(d, "check");
	if (json_is_object(c)) {
		fprintf(f, "corruption check (data block %lld changed):", (long long)bhb_jint(c, "block"));
		json_object_foreach(json_object_get(c, "modes"), name, g)
			fprintf(f, " %s: %s, neighbour %s, restored %s;", name, bhb_jstr(g, "corrupt_read"),
				json_is_true(json_object_get(g, "neighbour_ok")) ? "ok" : "WRONG",
				json_is_true(json_object_get(g, "restored_ok")) ? "ok" : "WRONG");
		fprintf(f, "\n");
	}
	return 1;
}

static const char *const dmv_frames[] = { "dmverity_setup", "dmverity", "dmverity_check", NULL };

const struct bhb_kind bhb_kind_dmverity = {
	.name = "dm-verity",
	.frames = dmv_frames,
	.begin = bhb_rs_begin,
	.take = dmv_take,
	.finish = dmv_finish,
	.summary = dmv_summary,
};
