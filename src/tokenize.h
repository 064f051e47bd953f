/* tokenize.h — one tokenizer per log family: a physical line in, an event out.
 * Tokenizers know line shapes only, nothing of rules or sessions. */
#ifndef LOGLENS_TOKENIZE_H
#define LOGLENS_TOKENIZE_H

#include "event.h"

/* Each fills ev->fam, famask, mark, ts, body, channel, is_error, noise from s[0..n).
 * Returns false if the line does not have the family's shape (ev is then untouched). */
bool tok_winscp(const char *s, size_t n, struct event *ev);
bool tok_winscp_xml(const char *s, size_t n, struct event *ev);
bool tok_putty(const char *s, size_t n, struct event *ev);
void putty_interactor(struct event *ev, bool *proxy_asks);
/* PuTTY's Event Log window, copied: the length of an event's "YYYY-MM-DD HH:MM:SS<TAB>", or 0. */
size_t putty_window_stamp(const char *s, size_t n);
bool tok_openssh(const char *s, size_t n, struct event *ev);
bool tok_sshd(const char *s, size_t n, struct event *ev);
/* sshd lines without a syslog prefix (sshd -E, sshd -d, -D -e). */
void tok_sshd_bare(const char *s, size_t n, struct event *ev);
/* OpenSSH for Windows' event log, as pasted: the offset of an event's message in s, or 0 (for
 * a line that is no event); *ours is false for a program other than sshd's. */
size_t winevent_message(const char *s, size_t n, bool *ours);
/* The time such a line gives its event: the date as written, and the time of day in seconds. */
bool winevent_time(const char *s, size_t n, const char **date, size_t *datelen, long *secs);
/* The same for a syslog line's time stamp (classic or ISO). */
bool syslog_time(const char *s, size_t n, const char **date, size_t *datelen, long *secs);

/* What a log collector writes before a line: docker compose's "service-1  | ", kubectl's
 * "[pod/NAME/CONTAINER] ", then a time stamp "2026-11-24T03:25:45.123456789Z " (docker logs
 * -t, kubectl logs --timestamps, CI job logs); its length with the space, 0 if none
 * (tok_collector.c). */
size_t collector_stamp(const char *s, size_t n);
/* A quote's "> " (repeated), VS Code Remote-SSH's "[HH:MM:SS.mmm] > ": the length before the
 * line itself (tok_collector.c). */
size_t quote_prefix(const char *s, size_t n);
/* An exception's type that a program wrapping plink puts before its line ("X.YException: ",
 * " ---> System.Exception: "): its length, 0 if none (tok_collector.c). */
size_t exception_prefix(const char *s, size_t n);

/* Windows PowerShell 5.1's wrapping of a redirected native stderr (tok_powershell.c): the
 * length of a "ssh : " / "plink.exe : " prefix (0 if none), the error record's position line
 * ("At line:1 char:1") and the lines of the block that follows it. */
size_t powershell_prefix(const char *s, size_t n);
bool powershell_position(const char *s, size_t n);
bool powershell_block_line(const char *s, size_t n);

/* Cheap shape tests used by detection. */
bool winscp_shape(const char *s, size_t n);
/* Does the text name the sshd service: its unit (Debian's ssh.service, RHEL's sshd.service) or
 * their descriptions? */
bool names_sshd_unit(const char *b, size_t n);
/* Is this systemd[1] line about the sshd service (its start failing)? */
bool systemd_on_sshd(const char *prog, size_t proglen, const char *body, size_t n);
bool syslog_prefix(const char *s, size_t n, size_t *msg_off, const char **prog, size_t *proglen,
		   const char **pid, size_t *pidlen);

#endif
