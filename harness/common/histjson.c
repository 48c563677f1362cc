// SPDX-License-Identifier: GPL-2.0
#include "histjson.h"

json_t *bhb_hist_sparse(const uint64_t *c)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < BHB_HIST_NBUCKETS; i++) {
		if (!c[i])
			continue;
		json_array_append_new(a, json_integer(i));
		json_array_append_new(a, json_integer((json_int_t)c[i]));
	}
	return a;
}

int bhb_hist_add_sparse(struct bhb_hist *h, json_t *a)
{
	size_t n = json_array_size(a);

	if (!json_is_array(a) || n % 2)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		json_int_t b = json_integer_value(json_array_get(a, i));
		json_int_t c = json_integer_value(json_array_get(a, i + 1));

		if (b < 0 || b >= BHB_HIST_NBUCKETS || c < 0)
			return -1;
		h->c[b] += (uint64_t)c;
	}
	bhb_hist_recount(h);
	return 0;
}
