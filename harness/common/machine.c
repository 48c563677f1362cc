// SPDX-License-Identifier: GPL-2.0
/* bhbench run --native: the machine's own tools (machine.h) */
#include <stdio.h>
#include <unistd.h>

#include "machine.h"

const char *bhb_machine_tool(const char *name, char *buf, size_t len)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin",
					    "/bin" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, len, "%s/%s", dirs[i], name);
		if (!access(buf, X_OK))
			return buf;
	}
	return NULL;
}
