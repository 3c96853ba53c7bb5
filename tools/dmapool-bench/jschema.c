// SPDX-License-Identifier: GPL-2.0
/*
 * A JSON Schema subset (jschema.h): one recursive walk of document and
 * schema together, stopping at the first problem with its JSON path.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "jschema.h"
#include "main.h"

#define JSCHEMA_MAX_DEPTH	64	/* schema and document nesting together */
#define JSCHEMA_PATH_LEN	256

struct ctx {
	struct json_object *root;	/* the schema document, for $ref */
	char path[JSCHEMA_PATH_LEN];
	size_t plen;
	char *err;
	size_t len;
};

static __printf(2, 3)
int fail(struct ctx *c, const char *fmt, ...)
{
	char msg[JSCHEMA_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->len, "%s: %s", c->plen ? c->path : ".", msg);
	return -EINVAL;
}

/* Append ".key" (or ["key"] when it is not a plain name) to the path. */
static size_t push_key(struct ctx *c, const char *key)
{
	size_t old = c->plen, room = sizeof(c->path) - c->plen;
	const char *k;
	bool plain = *key;

	for (k = key; *k; k++)
		plain &= isalnum((unsigned char)*k) || *k == '_';
	if (plain) {
		snprintf(c->path + c->plen, room, ".%.64s", key);
	} else {
		char esc[70];
		size_t n = 0;

		for (k = key; *k && n < 64; k++)
			n += snprintf(esc + n, sizeof(esc) - n,
				      isprint((unsigned char)*k) && *k != '"' &&
				      *k != '\\' ? "%c" : "\\x%02x",
				      (unsigned char)*k);
		snprintf(c->path + c->plen, room, "[\"%s\"]", esc);
	}
	c->plen += strlen(c->path + c->plen);
	return old;
}

static size_t push_idx(struct ctx *c, size_t i)
{
	size_t old = c->plen;

	snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%zu]", i);
	c->plen += strlen(c->path + c->plen);
	return old;
}

static void pop(struct ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* The value as short JSON text, for messages. */
static const char *shown(struct json_object *v, char *buf, size_t len)
{
	const char *s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	char *p;

	snprintf(buf, len, "%s", s);
	if (strlen(s) >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	for (p = buf; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	return buf;
}

static const char *type_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "?";
}

static bool has_type(struct json_object *v, const char *t)
{
	enum json_type jt = json_object_get_type(v);

	if (!strcmp(t, "integer"))
		return jt == json_type_int;
	if (!strcmp(t, "number"))
		return jt == json_type_int || (jt == json_type_double &&
					       isfinite(json_object_get_double(v)));
	if (!strcmp(t, "string"))
		return jt == json_type_string;
	if (!strcmp(t, "object"))
		return jt == json_type_object;
	if (!strcmp(t, "array"))
		return jt == json_type_array;
	if (!strcmp(t, "boolean"))
		return jt == json_type_boolean;
	if (!strcmp(t, "null"))
		return jt == json_type_null;
	return false;
}

/* Numbers compared exactly: long double holds every int64 and uint64. */
static long double num(struct json_object *v)
{
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v) < 0 ? (long double)json_object_get_int64(v) :
		       (long double)json_object_get_uint64(v);
	return json_object_get_double(v);
}

static bool is_num(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) ||
	       json_object_is_type(v, json_type_double);
}

struct json_object *jschema_resolve(struct json_object *schema, const char *ptr)
{
	struct json_object *o = schema;
	char tok[128];
	size_t n;

	if (strncmp(ptr, "#", 1))
		return NULL;
	for (ptr++; *ptr == '/'; ptr += n) {
		ptr++;
		n = strcspn(ptr, "/");
		if (n >= sizeof(tok))
			return NULL;
		memcpy(tok, ptr, n);
		tok[n] = '\0';
		if (!json_object_object_get_ex(o, tok, &o))
			return NULL;
	}
	return *ptr ? NULL : o;
}

/* A compiled pattern, cached by the schema string it came from. */
static regex_t *pattern(const char *re)
{
	static struct {
		const char *src;
		regex_t rx;
	} cache[16];
	static int n;
	int i;

	for (i = 0; i < n; i++)
		if (cache[i].src == re)
			return &cache[i].rx;
	if (n == 16 || regcomp(&cache[n].rx, re, REG_EXTENDED | REG_NOSUB))
		return NULL;
	cache[n].src = re;
	return &cache[n++].rx;
}

static bool matches(const char *re, const char *s)
{
	regex_t *rx = pattern(re);

	return rx && !regexec(rx, s, 0, NULL, 0);
}

static int check(struct ctx *c, struct json_object *v, struct json_object *s,
		 int depth);

static int check_type(struct ctx *c, struct json_object *v,
		      struct json_object *t, struct json_object *s)
{
	struct json_object *d;
	char want[128] = "", buf[48];
	size_t i, n;

	if (json_object_is_type(t, json_type_string)) {
		if (has_type(v, json_object_get_string(t)))
			return 0;
		snprintf(want, sizeof(want), "%s", json_object_get_string(t));
	} else {
		n = json_object_array_length(t);
		for (i = 0; i < n; i++) {
			const char *name = json_object_get_string(json_object_array_get_idx(t, i));

			if (has_type(v, name))
				return 0;
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
				 i ? " or " : "", name);
		}
	}
	if (json_object_object_get_ex(s, "description", &d))
		return fail(c, "expected %s, got %s", json_object_get_string(d),
			    shown(v, buf, sizeof(buf)));
	return fail(c, "expected %s %s, got %s", !strcmp(want, "integer") ||
		    !strcmp(want, "array") || !strcmp(want, "object") ? "an" : "a",
		    want, json_object_is_type(v, json_type_null) ? "null" :
		    type_name(v));
}

static int check_enum(struct ctx *c, struct json_object *v, struct json_object *e)
{
	char want[192] = "", buf[48];
	size_t i, n = json_object_array_length(e);

	for (i = 0; i < n; i++)
		if (json_object_equal(v, json_object_array_get_idx(e, i)))
			return 0;
	for (i = 0; i < n; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
			 i ? ", " : "", json_object_to_json_string_ext(json_object_array_get_idx(e, i),
								       JSON_C_TO_STRING_NOSLASHESCAPE));
	return fail(c, "expected one of %s, got %s", want, shown(v, buf, sizeof(buf)));
}

static int check_object(struct ctx *c, struct json_object *v,
			struct json_object *s, int depth)
{
	struct json_object *req, *props, *pats, *add, *sub;
	size_t i, old;
	int err;

	if (json_object_object_get_ex(s, "required", &req)) {
		for (i = 0; i < json_object_array_length(req); i++) {
			const char *k = json_object_get_string(json_object_array_get_idx(req, i));

			if (!json_object_object_get_ex(v, k, NULL)) {
				old = push_key(c, k);
				err = fail(c, "missing");
				pop(c, old);
				return err;
			}
		}
	}
	if (!json_object_object_get_ex(s, "properties", &props))
		props = NULL;
	if (!json_object_object_get_ex(s, "patternProperties", &pats))
		pats = NULL;
	if (!json_object_object_get_ex(s, "additionalProperties", &add))
		add = NULL;
	json_object_object_foreach(v, key, val) {
		bool seen = false;

		old = push_key(c, key);
		if (props && json_object_object_get_ex(props, key, &sub)) {
			seen = true;
			err = check(c, val, sub, depth + 1);
			if (err)
				return err;
		}
		if (pats) {
			json_object_object_foreach(pats, re, psub) {
				if (!matches(re, key))
					continue;
				seen = true;
				err = check(c, val, psub, depth + 1);
				if (err)
					return err;
			}
		}
		if (!seen && add) {
			if (json_object_is_type(add, json_type_boolean)) {
				if (!json_object_get_boolean(add))
					return fail(c, "unexpected");
			} else {
				err = check(c, val, add, depth + 1);
				if (err)
					return err;
			}
		}
		pop(c, old);
	}
	return 0;
}

static int check_array(struct ctx *c, struct json_object *v,
		       struct json_object *s, int depth)
{
	struct json_object *lim, *prefix, *items, *sub;
	size_t i, n = json_object_array_length(v), np = 0, old;
	int err;

	if (json_object_object_get_ex(s, "minItems", &lim) &&
	    n < (size_t)json_object_get_int64(lim))
		return fail(c, "expected at least %lld item%s, got %zu",
			    (long long)json_object_get_int64(lim),
			    json_object_get_int64(lim) == 1 ? "" : "s", n);
	if (json_object_object_get_ex(s, "maxItems", &lim) &&
	    n > (size_t)json_object_get_int64(lim))
		return fail(c, "expected at most %lld item%s, got %zu",
			    (long long)json_object_get_int64(lim),
			    json_object_get_int64(lim) == 1 ? "" : "s", n);
	if (json_object_object_get_ex(s, "prefixItems", &prefix))
		np = json_object_array_length(prefix);
	if (!json_object_object_get_ex(s, "items", &items))
		items = NULL;
	for (i = 0; i < n; i++) {
		sub = i < np ? json_object_array_get_idx(prefix, i) : items;
		if (!sub)
			continue;
		old = push_idx(c, i);
		err = check(c, json_object_array_get_idx(v, i), sub, depth + 1);
		if (err)
			return err;
		pop(c, old);
	}
	return 0;
}

static const char * const known[] = {
	/* checked */
	"type", "enum", "const", "required", "properties", "patternProperties",
	"additionalProperties", "items", "prefixItems", "minItems", "maxItems",
	"minimum", "maximum", "minLength", "pattern", "$ref",
	/* annotations */
	"description", "title", "$schema", "$id", "$defs", "$comment",
};

static int check(struct ctx *c, struct json_object *v, struct json_object *s,
		 int depth)
{
	struct json_object *k;
	char buf[48];
	size_t i;
	int err;

	if (depth > JSCHEMA_MAX_DEPTH)
		return fail(c, "nested too deeply");
	if (json_object_is_type(s, json_type_boolean))
		return json_object_get_boolean(s) ? 0 : fail(c, "unexpected");
	json_object_object_foreach(s, kw, val) {
		for (i = 0; i < ARRAY_SIZE(known); i++)
			if (!strcmp(kw, known[i]))
				break;
		if (i == ARRAY_SIZE(known))
			return fail(c, "schema keyword '%s' is not supported", kw);
		(void)val;
	}
	if (json_object_object_get_ex(s, "$ref", &k)) {
		struct json_object *t = jschema_resolve(c->root, json_object_get_string(k));

		if (!t)
			return fail(c, "schema $ref '%s' not found", json_object_get_string(k));
		err = check(c, v, t, depth + 1);
		if (err)
			return err;
	}
	if (json_object_object_get_ex(s, "type", &k)) {
		err = check_type(c, v, k, s);
		if (err)
			return err;
	}
	if (json_object_object_get_ex(s, "const", &k) && !json_object_equal(v, k))
		return fail(c, "expected %s, got %s",
			    json_object_to_json_string_ext(k, JSON_C_TO_STRING_NOSLASHESCAPE),
			    shown(v, buf, sizeof(buf)));
	if (json_object_object_get_ex(s, "enum", &k)) {
		err = check_enum(c, v, k);
		if (err)
			return err;
	}
	if (is_num(v)) {
		if (json_object_is_type(v, json_type_double) &&
		    !isfinite(json_object_get_double(v)) &&
		    (json_object_object_get_ex(s, "minimum", NULL) ||
		     json_object_object_get_ex(s, "maximum", NULL)))
			return fail(c, "expected a finite number, got %s",
				    shown(v, buf, sizeof(buf)));
		if (json_object_object_get_ex(s, "minimum", &k) && num(v) < num(k))
			return fail(c, "%s is below the minimum %s",
				    shown(v, buf, sizeof(buf)), json_object_to_json_string(k));
		if (json_object_object_get_ex(s, "maximum", &k) && num(v) > num(k))
			return fail(c, "%s is above the maximum %s",
				    shown(v, buf, sizeof(buf)), json_object_to_json_string(k));
	}
	if (json_object_is_type(v, json_type_string)) {
		if (json_object_object_get_ex(s, "minLength", &k) &&
		    json_object_get_string_len(v) < json_object_get_int(k))
			return fail(c, "expected at least %d character%s", json_object_get_int(k),
				    json_object_get_int(k) == 1 ? "" : "s");
		if (json_object_object_get_ex(s, "pattern", &k) &&
		    (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v) ||
		     !matches(json_object_get_string(k), json_object_get_string(v))))
			return fail(c, "%s does not match %s", shown(v, buf, sizeof(buf)),
				    json_object_to_json_string_ext(k, JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	if (json_object_is_type(v, json_type_object))
		return check_object(c, v, s, depth);
	if (json_object_is_type(v, json_type_array))
		return check_array(c, v, s, depth);
	return 0;
}

int jschema_check(struct json_object *doc, struct json_object *schema,
		  const char *ptr, char *err, size_t len)
{
	struct ctx c = { .root = schema, .err = err, .len = len };
	struct json_object *s = jschema_resolve(schema, ptr);

	if (!s) {
		snprintf(err, len, "schema pointer '%s' not found", ptr);
		return -EINVAL;
	}
	return check(&c, doc, s, 0);
}
