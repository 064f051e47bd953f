/* tmx.c — run a command N times and print, for each run, its wall-clock time (from
 * CLOCK_MONOTONIC, nanosecond resolution), user and system CPU time, peak RSS (wait4's ru_maxrss:
 * the largest of the command and the descendants it waited for) and how it ended.
 *
 *   tmx [-n RUNS] [-t TIMEOUT_S] [-i STDIN_FILE] [-o STDOUT_FILE] -- COMMAND [ARG]...
 *
 * One line per run: "wall_s user_s sys_s maxrss_kb status", status being the exit code,
 * "sigN" or "timeout" (the command's process group is killed after TIMEOUT_S seconds).
 * stdin defaults to /dev/null, stdout to /dev/null; stderr is left alone. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

int main(int argc, char **argv)
{
	int runs = 1, timeout = 0, opt;
	const char *in = "/dev/null", *out = "/dev/null";
	while ((opt = getopt(argc, argv, "+n:t:i:o:")) != -1) {
		switch (opt) {
		case 'n': runs = atoi(optarg); break;
		case 't': timeout = atoi(optarg); break;
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		default:
			fprintf(stderr, "usage: tmx [-n RUNS] [-t TIMEOUT_S] [-i IN] [-o OUT] -- COMMAND [ARG]...\n");
			return 2;
		}
	}
	if (optind >= argc || runs < 1) {
		fprintf(stderr, "tmx: no command\n");
		return 2;
	}
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		pid_t pid = fork();
		if (pid < 0) {
			perror("tmx: fork");
			return 1;
		}
		if (pid == 0) {
			setpgid(0, 0);
			int fi = open(in, O_RDONLY), fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fi < 0 || fo < 0) {
				perror("tmx: open");
				_exit(126);
			}
			dup2(fi, 0);
			dup2(fo, 1);
			close(fi);
			close(fo);
			execvp(argv[optind], argv + optind);
			perror(argv[optind]);
			_exit(127);
		}
		setpgid(pid, pid);
		alarmed = 0;
		if (timeout > 0)
			alarm((unsigned)timeout);
		int st;
		struct rusage ru;
		pid_t w;
		int timed_out = 0;
		while ((w = wait4(pid, &st, 0, &ru)) < 0 && errno == EINTR) {
			if (alarmed && !timed_out) {
				timed_out = 1;
				kill(-pid, SIGKILL);
			}
		}
		alarm(0);
		double t1 = now();
		if (w < 0) {
			perror("tmx: wait4");
			return 1;
		}
		char status[32];
		if (timed_out)
			snprintf(status, sizeof status, "timeout");
		else if (WIFSIGNALED(st))
			snprintf(status, sizeof status, "sig%d", WTERMSIG(st));
		else
			snprintf(status, sizeof status, "%d", WEXITSTATUS(st));
		printf("%.6f %.6f %.6f %ld %s\n", t1 - t0, (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
		       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss, status);
		fflush(stdout);
	}
	return 0;
}
