/* event.c — names of families and marks, shared by the rules and the reporters. */
#include "event.h"

#include <string.h>

static const char *const fam_names[FAM_COUNT] = { "none", "winscp", "putty", "openssh", "sshd" };
static const char *const mark_names[MARK_COUNT] = {
	"", ".", "<", ">", "!", "*", "debug1", "debug2", "debug3", "plain", "event",
};

const char *family_name(enum family f)
{
	return f < FAM_COUNT ? fam_names[f] : "none";
}

enum family family_from_name(const char *s)
{
	for (int i = 1; i < FAM_COUNT; i++)
		if (strcmp(s, fam_names[i]) == 0)
			return (enum family)i;
	return FAM_NONE;
}

const char *mark_name(enum mark m)
{
	return m < MARK_COUNT ? mark_names[m] : "";
}

enum mark mark_from_name(const char *s)
{
	for (int i = 1; i < MARK_COUNT; i++)
		if (strcmp(s, mark_names[i]) == 0)
			return (enum mark)i;
	return MARK_NONE;
}
