// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench guest agent: its output sinks.  say() is progress and errors for
 * the console; send_*() frame records onto the result channel
 * (harness/common/frame.h).  Both write wherever the agent's context says,
 * so the host's unit tests can point them at a file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/frame.h"
#include "agent.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC: the clock ktime_get_ns() reads in the module */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void say(const struct bhb_agent *a, const char *fmt, ...)
{
	FILE *f = a && a->log ? a->log : stdout;
	va_list ap;

	fprintf(f, "bhbench-agent: ");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fprintf(f, "\n");
	fflush(f);
}

void send_raw(struct bhb_agent *a, const char *type, const char *payload, size_t len)
{
	if (bhb_frame_write(a->chan.f, type, a->chan.seq, payload, len))
		say(a, "error: cannot write to the result channel: %s", strerror(errno));
	a->chan.seq++;
}

void send_json(struct bhb_agent *a, const char *type, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	if (s) {
		send_raw(a, type, s, strlen(s));
		free(s);
	}
	json_decref(j);
}

void send_error(struct bhb_agent *a, const char *what)
{
	say(a, "error: %s", what);
	send_json(a, "error", json_pack("{s:s}", "error", what));
}

void send_end(struct bhb_agent *a, int status)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%u %d", a->chan.seq, status);

	send_raw(a, "end", buf, (size_t)n);
}
