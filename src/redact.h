/* redact.h — keeping secrets out of reports. Passwords are always masked; with --redact,
 * hosts, addresses, users, paths, fingerprints and e-mail addresses become stable pseudonyms
 * (the same value always the same pseudonym within a run, so the story still reads). */
#ifndef LOGLENS_REDACT_H
#define LOGLENS_REDACT_H

#include <stdbool.h>

#include "util.h"

struct redactor;

enum pseudo_kind { PK_HOST, PK_IP, PK_USER, PK_PATH, PK_FP, PK_EMAIL, PK_COUNT };

struct redactor *redactor_new(void);
void redactor_free(struct redactor *r);
/* Teach it a value known to be of a kind (from session facts), so plain mentions are caught. */
void redactor_learn(struct redactor *r, enum pseudo_kind k, const char *value);
/* A user name that is a password typed at the user-name prompt (PuTTY's "login as:"): one a
 * user name never is, with a sign like ! # % & * ? and a digit or capital besides letters. */
bool looks_like_password(const char *s, size_t n);
/* A password found where a user name stood (looks_like_password): from now on it is masked
 * wherever it appears, in any text of any thread (up to SECRETS_MAX of them). */
void redact_secret_add(const char *s, size_t n);
/* Secrets shorter than this are masked where their form stands ("-pw X") but not learned:
 * masked everywhere, a password of a few letters would eat them from every word. */
#define SECRET_MIN 4
/* Learn the passwords a line holds in one of the secret forms ("-pw X", "sshpass -p X",
 * "scheme://user:X@", …) so that every other place they appear is masked too: a line no rule
 * reads (PowerShell's echo of the command line) teaches what a later line repeats. */
void redact_learn_secrets(const char *s, size_t n);
/* Append text with passwords masked and, if r is not NULL, pseudonyms applied. */
void redact_text(struct redactor *r, struct sbuf *out, const char *text, size_t n);

#endif
