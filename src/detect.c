/* detect.c — scoring signature lines. Each family has lines no other family prints
 * (a WinSCP timestamped mark, "OpenSSH_9.2p1, OpenSSL", plink's "We claim version:",
 * a syslog "sshd[PID]:" tag); the highest score over the first lines wins. Prose around
 * a pasted log scores nothing, so it does not sway the decision. */
#include "detect.h"
#include "tokenize.h"
#include "util.h"

#include <string.h>
#include <strings.h>

static const char *const names[FMT_COUNT] = {
	"unknown", "winscp", "winscp-xml", "putty", "putty-log", "openssh", "sshd-syslog",
	"sshd-journal", "sshd",
};

const char *format_name(enum format f)
{
	return names[f];
}

int format_from_name(const char *s)
{
	for (int i = 1; i < FMT_COUNT; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

enum family format_text_family(enum format f)
{
	switch (f) {
	case FMT_WINSCP:
	case FMT_WINSCP_XML:
		return FAM_WINSCP;
	case FMT_PUTTY:
	case FMT_PUTTY_LOG:
		return FAM_PUTTY;
	case FMT_OPENSSH:
		return FAM_OPENSSH;
	case FMT_SSHD_SYSLOG:
	case FMT_SSHD_JOURNAL:
	case FMT_SSHD:
		return FAM_SSHD;
	default:
		return FAM_NONE;
	}
}

/* Where p occurs in s, or NULL. */
static const char *find(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	for (size_t i = 0; k <= n && i + k <= n; i++)
		if (s[i] == p[0] && memcmp(s + i, p, k) == 0)
			return s + i;
	return NULL;
}

static bool contains(const char *s, size_t n, const char *p)
{
	return find(s, n, p) != NULL;
}

struct sig {
	const char *text;
	bool anywhere;
	enum format fmt;
	int weight;
};

/* Lines only one family prints. Weights: 10 = decisive, 5 = strong, 2-3 = typical. */
static const struct sig sigs[] = {
	{ "WinSCP Version ", true, FMT_WINSCP, 10 },
	{ "NetBox Version ", true, FMT_WINSCP, 10 },
	{ "WinSCP.SessionRemoteException", true, FMT_WINSCP, 10 },
	{ "Exception calling \"Open\" with ", true, FMT_WINSCP, 10 },
	{ "WinSCP.SessionLocalException", true, FMT_WINSCP, 10 },
	/* the .NET assembly before any connection: not found, not loaded, options refused */
	{ "The winscp.exe executable was not found", true, FMT_WINSCP, 10 },
	{ "WinSCPnet.dll", true, FMT_WINSCP, 5 },
	{ "[WinSCP.", true, FMT_WINSCP, 5 },
	{ "New-Object WinSCP.", true, FMT_WINSCP, 5 },
	{ "SSH host key fingerprint \"", true, FMT_WINSCP, 5 },
	{ "TLS host certificate fingerprint \"", true, FMT_WINSCP, 5 },
	{ "Authentication log (see session log for details):", true, FMT_WINSCP, 5 },
	{ "http://winscp.net/schema/session/1.0", true, FMT_WINSCP_XML, 30 },
	{ "=~=~=~=~=~=~=~=~=~=~=~= PuTTY log ", false, FMT_PUTTY_LOG, 30 },
	{ "Event Log: ", false, FMT_PUTTY_LOG, 3 },
	{ "Looking up host \"", false, FMT_PUTTY, 5 },
	{ "We claim version: ", false, FMT_PUTTY, 5 },
	{ "Remote version: ", false, FMT_PUTTY, 3 },
	{ "Using username \"", false, FMT_PUTTY, 3 },
	{ "FATAL ERROR: ", false, FMT_PUTTY, 5 },
	{ "Server refused our key", false, FMT_PUTTY, 3 },
	{ "Access granted", false, FMT_PUTTY, 3 },
	{ "Access denied", false, FMT_PUTTY, 2 },
	{ "Unable to use key file \"", false, FMT_PUTTY, 5 },
	{ "Remote side unexpectedly closed network connection", false, FMT_PUTTY, 3 },
	{ "Host key fingerprint is:", false, FMT_PUTTY, 3 },
	{ "Unable to open connection:", false, FMT_PUTTY, 5 },
	{ "Cannot confirm a host key in batch mode", false, FMT_PUTTY, 5 },
	{ "Cannot answer interactive prompts in batch mode", false, FMT_PUTTY, 5 },
	{ "The host key is not cached for this server", false, FMT_PUTTY, 5 },
	{ "WARNING - POTENTIAL SECURITY BREACH!", false, FMT_PUTTY, 5 },
	{ "Password authentication failed", false, FMT_PUTTY, 3 },
	{ "psftp: ", false, FMT_PUTTY, 3 },
	{ "pscp: ", false, FMT_PUTTY, 3 },
	{ "plink: ", false, FMT_PUTTY, 3 },
	{ "Usage: plink [options]", false, FMT_PUTTY, 5 },
	/* cmd's echo of a batch file's command line that runs a client by its path */
	{ "\\plink.exe ", true, FMT_PUTTY, 3 },
	{ "\\psftp.exe ", true, FMT_PUTTY, 3 },
	{ "\\pscp.exe ", true, FMT_PUTTY, 3 },
	{ "\\WinSCP.com ", true, FMT_WINSCP, 3 },
	{ "Usage: pscp [options]", false, FMT_PUTTY, 5 },
	{ "unable to identify ", false, FMT_PUTTY, 3 }, /* pscp: a remote source it cannot stat */
	{ "Remote working directory is ", false, FMT_PUTTY, 3 }, /* psftp's first words */
	{ "unable to set file times: ", false, FMT_PUTTY, 3 },   /* pscp -p over a file it does not own */
	{ " kB/s | ETA: ", true, FMT_PUTTY, 3 },            /* pscp's progress line */
	{ "Offered public key", false, FMT_PUTTY, 3 },
	{ "Initialised ", false, FMT_PUTTY, 2 },
	{ "OpenSSH_", false, FMT_OPENSSH, 4 },
	{ "debug1: OpenSSH_", false, FMT_OPENSSH, 10 },
	{ "debug1: Reading configuration data", false, FMT_OPENSSH, 5 },
	{ "debug1: Connecting to ", false, FMT_OPENSSH, 5 },
	{ "debug1: Authenticating to ", false, FMT_OPENSSH, 5 },
	{ "debug1: ", false, FMT_OPENSSH, 1 },
	{ "ssh: ", false, FMT_OPENSSH, 5 },
	{ "Permission denied (", true, FMT_OPENSSH, 5 },
	{ "Host key verification failed.", false, FMT_OPENSSH, 5 },
	{ "kex_exchange_identification: ", false, FMT_OPENSSH, 5 },
	{ "ssh_exchange_identification: ", false, FMT_OPENSSH, 5 },
	{ "Unable to negotiate with ", false, FMT_OPENSSH, 3 },
	{ "Load key \"", false, FMT_OPENSSH, 5 },
	/* messages ssh prints before or without -v, often all a user pastes */
	{ "Bad owner or permissions on ", false, FMT_OPENSSH, 5 },
	{ "WARNING: UNPROTECTED PRIVATE KEY FILE!", true, FMT_OPENSSH, 5 },
	{ "no such identity: ", false, FMT_OPENSSH, 5 },
	{ "Enter passphrase for key '", false, FMT_OPENSSH, 3 },
	{ "Connection timed out during banner exchange", false, FMT_OPENSSH, 5 },
	{ "ssh_askpass: ", false, FMT_OPENSSH, 5 },
	{ "client_loop: ", false, FMT_OPENSSH, 5 },
	{ "ssh_dispatch_run_fatal: Connection to ", false, FMT_OPENSSH, 5 }, /* sshd's says "from" */
	{ "Bad server host key: ", false, FMT_OPENSSH, 5 },
	{ "load pubkey \"", false, FMT_OPENSSH, 5 },
	{ "CreateProcessW failed error:", false, FMT_OPENSSH, 5 }, /* OpenSSH for Windows starting a program */
	{ "Couldn't read packet: ", false, FMT_OPENSSH, 3 },  /* sftp */
	{ "sftp> ", false, FMT_OPENSSH, 3 },  /* sftp -b's echo of each command (psftp's prompt is "psftp> ") */
	{ "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@", false, FMT_OPENSSH, 3 },
	{ "Warning: Permanently added", false, FMT_OPENSSH, 5 },
	{ "Warning: Identity file ", false, FMT_OPENSSH, 5 },
	{ "scp: ", false, FMT_OPENSSH, 3 },
	{ "Connection closed by ", false, FMT_OPENSSH, 1 },
	{ "Connection reset by ", false, FMT_OPENSSH, 1 },
	{ "subsystem request failed on channel", false, FMT_OPENSSH, 5 },
	{ "shell request failed on channel", false, FMT_OPENSSH, 5 },
	{ "exec request failed on channel", false, FMT_OPENSSH, 5 },
	{ "hostname contains invalid characters", false, FMT_OPENSSH, 5 },
	{ "remote username contains invalid characters", false, FMT_OPENSSH, 5 },
	/* a command line ssh, sftp or scp refused before connecting (often the whole log) */
	{ "usage: ssh [", false, FMT_OPENSSH, 5 },
	{ "usage: sftp [", false, FMT_OPENSSH, 5 },
	{ "usage: scp [", false, FMT_OPENSSH, 5 },
	{ "Bad port '", false, FMT_OPENSSH, 5 },
	{ "Bad port \"", false, FMT_OPENSSH, 5 },
	{ "Unknown cipher type '", false, FMT_OPENSSH, 5 },
	{ "Unknown mac type '", false, FMT_OPENSSH, 5 },
	{ " forwarding specification '", true, FMT_OPENSSH, 5 },
	{ "Can't open user config file ", false, FMT_OPENSSH, 5 },
	{ "ControlPath too long (", false, FMT_OPENSSH, 5 },
	{ "jumphost loop via ", false, FMT_OPENSSH, 5 },
	{ "Could not open a connection to your authentication agent.", false, FMT_OPENSSH, 5 }, /* ssh-add */
	{ "Error connecting to agent: ", false, FMT_OPENSSH, 5 },
	{ "Server listening on ", false, FMT_SSHD, 5 },
	{ "debug1: sshd version ", false, FMT_SSHD, 20 },
	{ "Failed password for ", false, FMT_SSHD, 5 },
	{ "Failed publickey for ", false, FMT_SSHD, 5 },
	{ "Accepted publickey for ", false, FMT_SSHD, 5 },
	{ "Accepted password for ", false, FMT_SSHD, 5 },
	{ "Invalid user ", false, FMT_SSHD, 3 },
	{ " [preauth]", true, FMT_SSHD, 5 },
	{ "Connection from ", false, FMT_SSHD, 3 },
	{ "drop connection #", false, FMT_SSHD, 5 },
	{ "beginning MaxStartups throttling", true, FMT_SSHD, 5 },
	{ "User child is on pid ", false, FMT_SSHD, 5 },
	{ "Authentication refused: ", false, FMT_SSHD, 5 },
	{ "pam_unix(sshd:", true, FMT_SSHD, 5 },
	{ "Starting session: ", false, FMT_SSHD, 5 },
	{ "debug1: userauth-request for user", false, FMT_SSHD, 10 },
	/* sshd that does not start, as `sshd -t` or `sshd -D -e` print it (its host-key warning
	 * block is the client's, so the decisive line outweighs three of them) */
	{ "sshd: no hostkeys available -- exiting.", false, FMT_SSHD, 30 },
	{ "Unable to load host key", false, FMT_SSHD, 10 },
	{ "Missing privilege separation directory: ", false, FMT_SSHD, 10 },
	{ " must be owned by root and not group or world-writable.", true, FMT_SSHD, 10 },
	{ "Cannot bind any address.", false, FMT_SSHD, 10 },
	{ "Bind to port ", false, FMT_SSHD, 3 },
	{ "bad addr or host: ", false, FMT_SSHD, 10 },
	/* systemctl status ssh: the service's processes, before any journal line */
	{ " ExecStartPre=/usr/sbin/sshd -t ", true, FMT_SSHD, 10 },
	{ " ExecStart=/usr/sbin/sshd ", true, FMT_SSHD, 10 },
	{ "sshd_config", true, FMT_SSHD, 10 },
};

/* The format of the client a program name (as typed: a path, ".exe", any case) names. */
static enum format client_format(const char *s, size_t n)
{
	static const struct { const char *name; enum format fmt; } clients[] = {
		{ "ssh", FMT_OPENSSH }, { "sftp", FMT_OPENSSH }, { "scp", FMT_OPENSSH },
		{ "plink", FMT_PUTTY }, { "psftp", FMT_PUTTY }, { "pscp", FMT_PUTTY }, { "putty", FMT_PUTTY },
		{ "winscp", FMT_WINSCP },
	};
	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == '/' || s[i - 1] == '\\') {
			s += i;
			n -= i;
			break;
		}
	if (n > 4 && (strncasecmp(s + n - 4, ".exe", 4) == 0 || strncasecmp(s + n - 4, ".com", 4) == 0))
		n -= 4;
	for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++)
		if (strlen(clients[i].name) == n && strncasecmp(s, clients[i].name, n) == 0)
			return clients[i].fmt;
	return FMT_UNKNOWN;
}

/* The client a "no such program" message names, often the whole log of a run that never
 * started: a shell's ("bash: ssh: command not found", "./up.sh: 3: sftp: not found", "zsh:
 * command not found: ssh"), cmd's ("'ssh' is not recognized as an internal or external
 * command,", "'ssh' は、内部コマンドまたは外部コマンド、") or PowerShell's ("The term 'ssh' is
 * not recognized as …", "用語 'ssh' は、コマンドレット、…"). FMT_UNKNOWN for other lines. */
static enum format missing_client(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	const char *q = find(s, n, "' is not recognized as ");
	if (!q)
		q = find(s, n, "' \xe3\x81\xaf\xe3\x80\x81"); /* "' は、" */
	if (q) {
		const char *open = q;
		while (open > s && open[-1] != '\'')
			open--;
		return open > s ? client_format(open, (size_t)(q - open)) : FMT_UNKNOWN;
	}
	static const char zsh[] = "zsh: command not found: ";
	if (n > sizeof zsh - 1 && memcmp(s, zsh, sizeof zsh - 1) == 0)
		return client_format(s + sizeof zsh - 1, n - (sizeof zsh - 1));
	static const char *const tails[] = { ": command not found", ": not found" };
	for (size_t t = 0; t < 2; t++) {
		size_t k = strlen(tails[t]);
		if (n <= k || memcmp(s + n - k, tails[t], k) != 0)
			continue;
		size_t end = n - k, start = end;
		while (start > 0 && !(start >= 2 && s[start - 2] == ':' && s[start - 1] == ' '))
			start--;
		return client_format(s + start, end - start);
	}
	return FMT_UNKNOWN;
}

/* ssh's own last words when the server disconnected it, "Disconnected from HOST port N"
 * (sshpkt_fatal): sshd words the same event "Disconnected from [authenticating|invalid] user U
 * ADDR port N", or ends it with " [preauth]". */
static bool client_disconnected(const char *s, size_t n)
{
	static const char head[] = "Disconnected from ";
	if (!starts_with(s, n, head))
		return false;
	while (n > 0 && s[n - 1] == '\r')
		n--;
	size_t i = sizeof head - 1, host = i;
	while (i < n && s[i] != ' ')
		i++;
	if (i == host || !starts_with(s + i, n - i, " port "))
		return false;
	i += 6;
	size_t digits = i;
	while (i < n && is_digit(s[i]))
		i++;
	return i > digits && i == n;
}

void detect_line(struct detector *d, const char *s, size_t n)
{
	d->lines++;
	if (n == 0)
		return;
	if (winscp_shape(s, n)) {
		d->score[FMT_WINSCP] += 2;
		if (contains(s, n, "WinSCP Version ") || contains(s, n, "NetBox Version "))
			d->score[FMT_WINSCP] += 10;
		return;
	}
	size_t off;
	const char *prog, *pid;
	size_t pl, pidl;
	/* a collector's time stamp (docker logs -t, CI logs) before the program's own line; its
	 * "error:" or "debug1:" is no syslog tag */
	size_t st = collector_stamp(s, n);
	bool syslog = syslog_prefix(s, n, &off, &prog, &pl, &pid, &pidl);
	if (!syslog || (st && !(pl >= 4 && memcmp(prog, "sshd", 4) == 0))) {
		s += st;
		n -= st;
		syslog = st && syslog_prefix(s, n, &off, &prog, &pl, &pid, &pidl);
	}
	if (syslog) {
		d->syslog_lines++;
		if ((pl >= 4 && memcmp(prog, "sshd", 4) == 0) || systemd_on_sshd(prog, pl, s + off, n - off))
			d->score[FMT_SSHD_SYSLOG] += 5;
		return;
	}
	if (n == 0)
		return;
	if (s[0] == '{' && contains(s, n, "\"MESSAGE\"") &&
	    (contains(s, n, "\"sshd") || names_sshd_unit(s, n))) {
		d->score[FMT_SSHD_JOURNAL] += 5;
		return;
	}
	size_t pw = putty_window_stamp(s, n); /* PuTTY's Event Log window: its events are PuTTY's */
	if (pw) {
		d->score[FMT_PUTTY] += 2;
		s += pw;
		n -= pw;
	}
	bool ours;
	size_t m = winevent_message(s, n, &ours); /* OpenSSH for Windows' event log */
	if (m) {
		d->score[FMT_SSHD] += ours ? 5 : 1;
		s += m;
		n -= m;
	}
	size_t x = exception_prefix(s, n); /* a wrapping program's exception type */
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		const struct sig *g = &sigs[i];
		if (g->anywhere ? contains(s, n, g->text) : starts_with(s + x, n - x, g->text))
			d->score[g->fmt] += g->weight;
	}
	if (client_disconnected(s, n))
		d->score[FMT_OPENSSH] += 3;
	enum format missing = missing_client(s, n);
	if (missing != FMT_UNKNOWN)
		d->score[missing] += 5;
}

enum format detect_decide(const struct detector *d)
{
	/* The earlier format wins a tie (its signatures are the more specific ones). */
	enum format best = FMT_UNKNOWN;
	for (int f = 1; f < FMT_COUNT; f++)
		if (d->score[f] > d->score[best])
			best = (enum format)f;
	/* A whole system journal or syslog file begins with other programs' lines: nothing else
	 * said, mostly syslog lines are a syslog, and sshd's come later. */
	if (best == FMT_UNKNOWN && d->syslog_lines * 2 > d->lines)
		best = FMT_SSHD_SYSLOG;
	/* A PuTTY log file's event lines are PuTTY text. */
	if (best == FMT_PUTTY && d->score[FMT_PUTTY_LOG] >= 30)
		best = FMT_PUTTY_LOG;
	return best;
}
