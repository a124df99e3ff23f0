/*
 * dp_rest_pretty.h - Elasticsearch's ?pretty layout for JSON bodies.
 *
 * Jackson's DefaultPrettyPrinter as Elasticsearch configures it: objects
 * and arrays indented by two spaces with one member per line, " : " between
 * a name and its value, empty containers as "{ }" and "[ ]", and a final
 * newline (XContentBuilder.lfAtEnd). Works on serialized JSON so any
 * producer (the JSON writer, a stored _source, an error) can be prettified.
 * Pure functions; any core.
 */
#ifndef DP_REST_PRETTY_H
#define DP_REST_PRETTY_H

#include <stddef.h>

#include "osprey/buf.h"

/* Append the pretty form of json[0..n) to out. -EINVAL when json is not
 * well-formed (out then holds a partial copy), -ENOMEM. */
int
dp_rest_pretty(osp_buf_t *out, const char *json, size_t n);

/* Replace b's contents with their pretty form; b is left unchanged on error. */
int
dp_rest_pretty_inplace(osp_buf_t *b);

#endif
