/*
 * osprey/settings.h - node settings, Elasticsearch style.
 *
 * Settings are flat dotted keys ("http.port") with string values, read from
 * config/osprey.yml (nested YAML maps are flattened: http: {port: 9200} ->
 * http.port) and overridden by `-E key=value` arguments. Every key must be
 * registered in the table in settings.c with a type and a default; an unknown
 * key or a value that does not parse fails at start with one line naming it.
 * The launcher hands its resolved settings to the control and dataplane
 * processes as -E arguments, so all three share one parser.
 * A settings object is built once at start and read-only afterwards.
 */
#ifndef OSPREY_SETTINGS_H
#define OSPREY_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct osp_settings osp_settings_t;

/* Types a registered setting can have. */
typedef enum osp_setting_type {
	OSP_SET_STRING,
	OSP_SET_INT,      /* decimal integer within [min, max] */
	OSP_SET_BOOL,     /* true | false */
	OSP_SET_TIME,     /* "500ms", "1s", "5m", "-1" (disabled); read in ms */
	OSP_SET_BYTES,    /* "100mb", "1gb", "512kb", "123b"; read in bytes */
	OSP_SET_ENUM,     /* one of a '|'-separated list */
} osp_setting_type_t;

/* Create an empty settings object (defaults apply to unset keys). */
osp_settings_t *osp_settings_new(void);
void osp_settings_free(osp_settings_t *s);

/* Load a YAML file. A missing file is fine when optional is true.
 * On error returns -EINVAL and writes one line to err. */
int osp_settings_load_yaml(osp_settings_t *s, const char *path, bool optional,
			   char *err, size_t errlen);

/* Set one "key=value" (as given to -E). Validates key and value. */
int osp_settings_set_kv(osp_settings_t *s, const char *kv, char *err, size_t errlen);
int osp_settings_set(osp_settings_t *s, const char *key, const char *value,
		     char *err, size_t errlen);

/* Parse argv for -E key=value / -Ekey=value pairs; other arguments are left
 * for the caller: *argc/argv are compacted to the unconsumed ones. */
int osp_settings_parse_args(osp_settings_t *s, int *argc, char **argv,
			    char *err, size_t errlen);

/* Typed reads; a registered key always yields its default when unset. */
const char *osp_settings_str(const osp_settings_t *s, const char *key);
int64_t osp_settings_int(const osp_settings_t *s, const char *key);
bool osp_settings_bool(const osp_settings_t *s, const char *key);
int64_t osp_settings_time_ms(const osp_settings_t *s, const char *key);
int64_t osp_settings_bytes(const osp_settings_t *s, const char *key);
/* True when the key was set explicitly (file or -E). */
bool osp_settings_is_set(const osp_settings_t *s, const char *key);

/* Iterate the explicitly set keys (for passing on to child processes). */
size_t osp_settings_count(const osp_settings_t *s);
const char *osp_settings_key_at(const osp_settings_t *s, size_t i);
const char *osp_settings_value_at(const osp_settings_t *s, size_t i);

/* Parse helpers shared with index settings ("1s", "100mb"). 0 or -EINVAL. */
int osp_parse_time_ms(const char *v, int64_t *out);
int osp_parse_bytes(const char *v, int64_t *out);

/* Print the registered settings with types and defaults (for --help). */
void osp_settings_print_help(void *file /* FILE* */);

#endif
