// SPDX-License-Identifier: GPL-2.0
#include "names.h"

#include <string.h>

#define NAME(id, name) name,
const char *const bhb_mech_names[BHB_NR_MECHS] = { BHB_MECHS(NAME) };
const char *const bhb_producer_names[BHB_NR_PRODUCERS] = { BHB_PRODUCERS(NAME) };
const char *const bhb_ctx_names[BHB_NR_CTX] = { BHB_CONTEXTS(NAME) };
#undef NAME

int bhb_name_lookup(const char *const *table, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(table[i], name))
			return i;
	return -1;
}
