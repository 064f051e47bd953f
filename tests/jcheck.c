/* jcheck — checks the assertions of a golden .expect file against loglens's JSON output.
 * usage: jcheck EXPECT JSON EXIT-CODE
 * Prints one "FAIL <expect>:<line>: …" line per failed assertion; exit 0 if all hold, 1 if not,
 * 2 on unusable input. Format: tests/README.md. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* The text of a scalar as an assertion compares it. */
static void scalar_text(const cJSON *v, char *out, size_t n)
{
	if (cJSON_IsString(v))
		snprintf(out, n, "%s", v->valuestring);
	else if (cJSON_IsNumber(v))
		snprintf(out, n, "%.17g", v->valuedouble);
	else if (cJSON_IsBool(v))
		snprintf(out, n, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNull(v))
		snprintf(out, n, "null");
	else {
		char *p = cJSON_PrintUnformatted(v);
		snprintf(out, n, "%s", p ? p : "");
		free(p);
	}
}

/* Collect every value the path reaches ([*] fans out). */
static void walk(const cJSON *v, const char *path, const cJSON **out, int *n, int max, int *length_of)
{
	if (!v || *n >= max)
		return;
	if (*path == '\0') {
		out[(*n)++] = v;
		return;
	}
	if (*path == '#' && path[1] == '\0') {
		*length_of = 1;
		out[(*n)++] = v;
		return;
	}
	if (*path == '.')
		path++;
	if (*path == '[') {
		const char *close = strchr(path, ']');
		if (!close)
			return;
		if (path[1] == '*') {
			const cJSON *e;
			cJSON_ArrayForEach(e, v) walk(e, close + 1, out, n, max, length_of);
		} else {
			walk(cJSON_GetArrayItem(v, atoi(path + 1)), close + 1, out, n, max, length_of);
		}
		return;
	}
	size_t k = strcspn(path, ".[#");
	char key[256];
	snprintf(key, sizeof key, "%.*s", (int)k, path);
	walk(cJSON_GetObjectItemCaseSensitive(v, key), path + k, out, n, max, length_of);
}

static int check(const cJSON *doc, int exit_code, char *line, const char *file, int lineno)
{
	static const char *const ops[] = { " !~ ", " != ", " ~ ", " = " };
	char *op = NULL;
	int which = -1;
	for (int i = 0; i < 4 && !op; i++)
		if ((op = strstr(line, ops[i])))
			which = i;
	if (!op) {
		printf("FAIL %s:%d: not an assertion: %s\n", file, lineno, line);
		return 1;
	}
	*op = '\0';
	const char *path = line;
	const char *want = op + strlen(ops[which]);
	const cJSON *vals[4096];
	int n = 0, length_of = 0;
	char buf[8192];
	cJSON *exitv = NULL;
	if (strcmp(path, "exit") == 0) {
		exitv = cJSON_CreateNumber(exit_code);
		vals[n++] = exitv;
	} else {
		walk(doc, path, vals, &n, 4096, &length_of);
	}
	bool any = false, all = true;
	for (int i = 0; i < n; i++) {
		if (length_of)
			snprintf(buf, sizeof buf, "%d", cJSON_GetArraySize(vals[i]));
		else
			scalar_text(vals[i], buf, sizeof buf);
		bool eq = which == 3 || which == 1 ? strcmp(buf, want) == 0 : strstr(buf, want) != NULL;
		any |= eq;
		all &= !eq;
	}
	cJSON_Delete(exitv);
	bool ok = which == 2 || which == 3 ? any : all;
	if (which == 1 && strcmp(want, "null") != 0 && n == 0)
		ok = true; /* nothing there is not equal to anything */
	if (!ok) {
		if (n == 1 && !length_of)
			scalar_text(vals[0], buf, sizeof buf);
		else if (n == 1)
			snprintf(buf, sizeof buf, "%d", cJSON_GetArraySize(vals[0]));
		else
			snprintf(buf, sizeof buf, "%d values", n);
		printf("FAIL %s:%d: %s%s%s (got: %s)\n", file, lineno, path, ops[which], want, n ? buf : "nothing");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fputs("usage: jcheck EXPECT JSON EXIT-CODE\n", stderr);
		return 2;
	}
	char *expect = slurp(argv[1]), *json = slurp(argv[2]);
	if (!expect || !json) {
		printf("FAIL %s: cannot read %s\n", argv[1], expect ? argv[2] : argv[1]);
		return 2;
	}
	cJSON *doc = cJSON_Parse(json);
	if (!doc) {
		printf("FAIL %s: loglens printed invalid JSON\n", argv[1]);
		return 1;
	}
	int failures = 0, lineno = 0, assertions = 0;
	for (char *l = expect; l && *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		size_t len = strlen(l);
		while (len && (l[len - 1] == '\r' || l[len - 1] == ' '))
			l[--len] = '\0';
		if (len && l[0] != '#' && strncmp(l, "args:", 5) != 0 && strncmp(l, "inputs:", 7) != 0) {
			assertions++;
			failures += check(doc, atoi(argv[3]), l, argv[1], lineno);
		}
		l = nl ? nl + 1 : NULL;
	}
	if (assertions == 0) {
		printf("FAIL %s: no assertions\n", argv[1]);
		failures++;
	}
	cJSON_Delete(doc);
	free(expect);
	free(json);
	return failures ? 1 : 0;
}
