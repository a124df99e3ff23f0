/*
 * json_locate.c - line and column of a parsed JSON value in its source
 * text, for "[1:8] failed to parse field ..." error prefixes.
 *
 * The DOM keeps no positions (parsing stays lean on the hot path), so on
 * the error path the value's pre-order index is computed from the tree and
 * the text is re-scanned, counting value starts in the same order
 * (containers, strings in value position, numbers, literals). Columns are
 * 1-based byte columns, as Jackson reports them for byte input.
 */
#include <stdint.h>
#include <string.h>

#include "mapping_int.h"

static bool
preorder(const osp_json_t *v, const osp_json_t *target, uint32_t *idx)
{
	if (v == target)
		return true;
	(*idx)++;
	if (v->type == OSP_JSON_ARRAY || v->type == OSP_JSON_OBJECT)
		for (const osp_json_t *c = v->u.child; c; c = c->next)
			if (preorder(c, target, idx))
				return true;
	return false;
}

void
st_json_locate(const osp_json_t *root, const osp_json_t *target, const char *text,
	       size_t len, int32_t *line, int32_t *col)
{
	uint32_t want = 0, seen = 0;
	char stack[1024];          /* '{' or '[' per open container */
	int depth = 0;
	bool expect_key = false;
	size_t line_start = 0;
	int32_t ln = 1;

	*line = -1;
	*col = -1;
	if (root == NULL || target == NULL || !preorder(root, target, &want))
		return;
	for (size_t i = 0; i < len; i++) {
		char ch = text[i];

		switch (ch) {
		case '\n':
			ln++;
			line_start = i + 1;
			continue;
		case ' ': case '\t': case '\r': case ':':
			continue;
		case ',':
			expect_key = depth > 0 && stack[depth - 1] == '{';
			continue;
		case '}': case ']':
			if (depth > 0)
				depth--;
			expect_key = false;
			continue;
		default:
			break;
		}
		if (ch == '"' && expect_key) {
			for (i++; i < len && text[i] != '"'; i++)
				if (text[i] == '\\')
					i++;
			expect_key = false;
			continue;
		}
		/* a value starts here */
		if (seen == want) {
			*line = ln;
			*col = (int32_t)(i - line_start + 1);
			return;
		}
		seen++;
		if (ch == '{' || ch == '[') {
			if (depth == (int)sizeof(stack))
				return;
			stack[depth++] = ch;
			expect_key = ch == '{';
		} else if (ch == '"') {
			for (i++; i < len && text[i] != '"'; i++)
				if (text[i] == '\\')
					i++;
		} else {
			while (i + 1 < len && !strchr(" \t\r\n,:]}", text[i + 1]))
				i++;
		}
	}
}
