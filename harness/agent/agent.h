/* SPDX-License-Identifier: GPL-2.0 */
/* bhbench guest agent: what its parts share. */
#ifndef BHB_AGENT_H
#define BHB_AGENT_H

#include <jansson.h>
#include <stdint.h>

#include "../common/names.h"
#include "../common/scenario.h"

extern int devfd;
extern struct bhb_info info;
extern struct bhb_scenario sc;

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void send_json(const char *type, json_t *j);
void send_raw(const char *type, const char *payload, size_t len);
void send_error(const char *what);
uint64_t now_ns(void);

/*
 * the latency scenarios among s[0..n) (suite: labels are scenario/case);
 * returns the number of failed runs
 */
int run_latency(const struct bhb_scenario *s, int n, int suite);
/* the hotplug drain scenario; returns the number of failed cycles */
int run_hotplug(void);
/* "/init hp ...": the steps hyperfine runs as separate processes */
int hp_tool(int argc, char **argv);
/* hostile requests, lifecycle and slab checks; returns failed checks */
int run_fuzz(const char *module_path, const char *params);
/*
 * control operations (cancel, flush, disable/enable, self-freeing work,
 * coalescing) of scenario s; sends "control" frames; returns failed checks
 */
int run_control(const struct bhb_scenario *s);

#endif
