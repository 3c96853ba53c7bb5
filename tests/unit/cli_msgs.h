/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CLI's message printers for unit tests of its pure parts: p_err keeps
 * the last message in last_err for the test to check, p_info drops it.
 */
#ifndef _DMAPOOL_CLI_MSGS_H
#define _DMAPOOL_CLI_MSGS_H

#include <stdarg.h>
#include <stdio.h>

static char last_err[512];

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
}

void p_info(const char *fmt, ...)
{
	(void)fmt;
}

#endif
