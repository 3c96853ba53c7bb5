/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The subset of JSON Schema (draft 2020-12) our schema files use, checked
 * in C over a schema embedded at build time: type, enum, const, required,
 * properties, patternProperties, additionalProperties, items, prefixItems,
 * minItems, maxItems, minimum, maximum, minLength, pattern (POSIX ERE) and
 * local $ref ("#/..."); "description" names the expected value in messages.
 * Any other keyword is an error, so the schema cannot silently say more
 * than this checks. Strings compare by their bytes (an embedded NUL counts).
 */
#ifndef DMAPOOL_BENCH_JSCHEMA_H
#define DMAPOOL_BENCH_JSCHEMA_H

#include <json-c/json.h>
#include <stddef.h>

/* Longest message: a JSON path and what is wrong there. */
#define JSCHEMA_ERR_LEN 512

/*
 * Check @doc against the subschema at @ptr ("#" or "#/$defs/NAME") of the
 * schema document @schema. 0 when valid; else -EINVAL with the first
 * problem in @err as "PATH: WHAT" (e.g. ".runs[0].n: expected an integer").
 */
int jschema_check(struct json_object *doc, struct json_object *schema,
		  const char *ptr, char *err, size_t len);

/* A subschema by its JSON pointer ("#/a/b"), or NULL. */
struct json_object *jschema_resolve(struct json_object *schema, const char *ptr);

#endif
