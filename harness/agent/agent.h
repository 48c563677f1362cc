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
void send_error(const char *what);
uint64_t now_ns(void);

/* the hotplug drain scenario; returns the number of failed cycles */
int run_hotplug(void);
/* "/init hp ...": the steps hyperfine runs as separate processes */
int hp_tool(int argc, char **argv);
/* hostile requests, lifecycle and slab checks; returns failed checks */
int run_fuzz(const char *module_path, const char *params);

#endif
