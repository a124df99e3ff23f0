/*
 * chan_cluster_custom.c - the cluster state's customs (osprey/cluster.h):
 * lookup by (type, name), the run of one type, insert/replace and removal.
 *
 * Customs live in one array of structs sorted by (type, name), so a type's
 * entries are contiguous (a GET of all templates is one binary search and
 * a slice) and the written state is deterministic. Counts are small (tens
 * to hundreds), so inserting shifts the array instead of keeping a tree.
 * The strings an entry points to are its own (malloc); clone and free are in
 * chan_cluster.c with the rest of the state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/cluster.h"

static int
custom_cmp(const osp_custom_t *c, const char *type, const char *name)
{
	int r = strcmp(c->type, type);

	return r != 0 ? r : strcmp(c->name, name);
}

/* Position of (type, name), or where it would go. */
static uint32_t
custom_find(const osp_cluster_t *cs, const char *type, const char *name, bool *found)
{
	uint32_t lo = 0, hi = cs->n_customs;

	*found = false;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = custom_cmp(&cs->customs[mid], type, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const osp_custom_t *
osp_cluster_custom(const osp_cluster_t *cs, const char *type, const char *name)
{
	bool found;
	uint32_t i;

	if (cs == NULL)
		return NULL;
	i = custom_find(cs, type, name, &found);
	return found ? &cs->customs[i] : NULL;
}

void
osp_cluster_customs(const osp_cluster_t *cs, const char *type, const osp_custom_t **first,
		    uint32_t *n)
{
	bool found;
	uint32_t i, j;

	*first = NULL;
	*n = 0;
	if (cs == NULL)
		return;
	/* "" sorts before every name, so this is the first entry of the type */
	i = custom_find(cs, type, "", &found);
	for (j = i; j < cs->n_customs && strcmp(cs->customs[j].type, type) == 0; j++)
		;
	if (j > i) {
		*first = &cs->customs[i];
		*n = j - i;
	}
}

int
osp_cluster_put_custom(osp_cluster_t *cs, const char *type, const char *name,
		       const char *body, size_t body_len, int64_t version)
{
	size_t tlen = strlen(type);
	bool found;
	uint32_t i;
	char *nm, *bd;

	if (tlen == 0 || tlen >= sizeof(((osp_custom_t *)0)->type) || name[0] == '\0')
		return -EINVAL;
	nm = strdup(name);
	bd = malloc(body_len + 1);
	if (nm == NULL || bd == NULL)
		goto nomem;
	memcpy(bd, body, body_len);
	bd[body_len] = '\0';
	i = custom_find(cs, type, name, &found);
	if (found) {
		free(cs->customs[i].name);
		free(cs->customs[i].body);
	} else {
		osp_custom_t *p = realloc(cs->customs, (cs->n_customs + 1) * sizeof(*p));

		if (p == NULL)
			goto nomem;
		cs->customs = p;
		memmove(p + i + 1, p + i, (cs->n_customs - i) * sizeof(*p));
		cs->n_customs++;
		memset(&p[i], 0, sizeof(p[i]));
		memcpy(p[i].type, type, tlen + 1);
	}
	cs->customs[i].name = nm;
	cs->customs[i].body = bd;
	cs->customs[i].body_len = body_len;
	cs->customs[i].version = version;
	return 0;
nomem:
	free(nm);
	free(bd);
	return -ENOMEM;
}

int
osp_cluster_remove_custom(osp_cluster_t *cs, const char *type, const char *name)
{
	bool found;
	uint32_t i = custom_find(cs, type, name, &found);

	if (!found)
		return -ENOENT;
	free(cs->customs[i].name);
	free(cs->customs[i].body);
	memmove(cs->customs + i, cs->customs + i + 1,
		(cs->n_customs - i - 1) * sizeof(*cs->customs));
	cs->n_customs--;
	return 0;
}
