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

#endif
