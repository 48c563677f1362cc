/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Histograms in JSON: the sparse form every frame and results.json use,
 * [bucket, count, bucket, count, ...] over the non-empty buckets, in
 * bucket order (bench-module/bhb_hist.h: what a bucket is).
 */
#ifndef BHB_HISTJSON_H
#define BHB_HISTJSON_H

#include <stdint.h>
#include <jansson.h>

#include "stats.h"

/* the sparse form of BHB_HIST_NBUCKETS counts */
json_t *bhb_hist_sparse(const uint64_t *c);
/* a sparse array added into h (n recounted); -1, h unchanged in n, when malformed */
int bhb_hist_add_sparse(struct bhb_hist *h, json_t *a);

#endif
