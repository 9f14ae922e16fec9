/* workers: worker processes sharing the compiled engine copy-on-write. One
 * SOCK_SEQPACKET socket pair per worker: the parent sends one message per
 * file (the path, NUL included, with the descriptor as SCM_RIGHTS), the
 * worker answers with one fixed-size verdict. A message boundary per file
 * means a short or missing answer is always noticed, never misread. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include "workers.h"

/* Longer paths are cut: libclamav uses the name only in its messages. */
#define WORKERS_PATH_MAX 16384

/* Once a stop was asked for, how long a worker may still take to answer on
 * its file before it is killed. libclamav gives up at its next nested file
 * (the pre-scan callback); a worker hung in one file (a pathological
 * pattern, a read from a dying disk) would hold the stop for up to
 * max-scantime, or for ever. */
#define STOP_GRACE_MS 3000
/* A wait for a verdict wakes this often (SO_RCVTIMEO) to look at the stop
 * flag, which the signal thread sets and cannot wake a blocked recv with. */
#define RECV_TICK_MS 100

struct slot {
	pid_t pid;             /* -1: none (could not be replaced) */
	int sock;              /* the parent's end, -1 with no worker */
	unsigned int inflight; /* requests sent, verdicts not yet received */
};

struct workers {
	unsigned int n;
	struct slot *slots;
	workers_scan_fn fn;
	void *ctx;
	atomic_int *stop; /* MAP_SHARED: seen by every worker */
	pid_t parent;     /* the process a worker must die with: the zygote */
	/* The zygote: a process forked while this one still had one thread,
	 * which forks every worker, the replacements too. A fork from the
	 * running scan, where other threads may hold a lock (the sanitizers'
	 * allocator does not survive that), could leave the new worker stuck
	 * on it for ever: seen as a hung scan that ignored SIGTERM. */
	pid_t zygote;
	int zsock; /* the parent's end of the zygote's socket */
	/* One request to the zygote at a time. */
	pthread_mutex_t spawn_lock;
	/* Test hook (RAQUET_TEST_WORKER_CRASH): a worker handed a path that
	 * contains this string kills itself with SIGKILL, as the OOM killer or
	 * a libclamav crash would, so the tests can prove a dead worker loses
	 * nothing but its file. */
	char *crash_on;
	/* Test hook (RAQUET_TEST_WORKER_HANG): a worker handed a path that
	 * contains this string never answers (it waits for SIGKILL), as one
	 * hung in libclamav or in a read would. */
	char *hang_on;
};

/* Everything but the worker's own socket is closed in a worker: it must hold
 * no sibling's socket, no scanned file but the one it is sent, no progress
 * pipe that a reader waits to see closed. */
static void close_inherited(int keep)
{
	if (keep > 3 && close_range(3, (unsigned int)keep - 1, 0) != 0)
		for (int fd = 3; fd < keep; fd++)
			close(fd);
	if (close_range((unsigned int)keep + 1, ~0u, 0) != 0)
		for (long fd = keep + 1, max = sysconf(_SC_OPEN_MAX); fd < max; fd++)
			close((int)fd);
}

/* Sends one message of len bytes, with fd as SCM_RIGHTS when fd >= 0. One
 * message per request or answer (SOCK_SEQPACKET): a short or missing one
 * is always noticed, never misread. */
static int send_msg(int sock, const void *msg, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {(void *)msg, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	ssize_t n;

	if (fd >= 0) {
		memset(u.buf, 0, sizeof(u.buf));
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	}
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/* Receives one message of at most cap bytes: returns its length, *fd the
 * descriptor it carried or -1; -1 at EOF, on an error or on a message cut
 * short (the descriptor, if any, closed). */
static ssize_t recv_msg(int sock, void *msg, size_t cap, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {msg, cap};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(c), sizeof(*fd));
	if (n <= 0 || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -1;
	}
	return n;
}

/* Receives one request: returns the descriptor, or -1 at EOF or on a
 * malformed message (the worker then ends). */
static int receive(int sock, char *path)
{
	int fd;
	ssize_t n = recv_msg(sock, path, WORKERS_PATH_MAX, &fd);

	if (n <= 0 || fd < 0 || path[n - 1] != '\0') {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void worker_main(struct workers *p, int sock)
{
	static char path[WORKERS_PATH_MAX];
	struct workers_verdict v;
	int fd;

	/* A worker must not outlive its parent (killed at the second ^C). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != p->parent)
		_exit(0);
	close_inherited(sock);
	/* libclamav names its temporary files from rand(): each worker a
	 * sequence of its own, not the one copied from the parent. */
	srand((unsigned int)getpid() ^ (unsigned int)time(NULL));
	while ((fd = receive(sock, path)) >= 0) {
		if (p->crash_on && strstr(path, p->crash_on))
			raise(SIGKILL);
		while (p->hang_on && strstr(path, p->hang_on))
			pause(); /* SIGINT and SIGTERM are blocked here */
		memset(&v, 0, sizeof(v));
		p->fn(fd, path, &v, p->ctx);
		close(fd);
		v.virname[sizeof(v.virname) - 1] = '\0';
		if (send(sock, &v, sizeof(v), MSG_NOSIGNAL) != (ssize_t)sizeof(v))
			break;
	}
	/* _exit: the parent's stdio buffers and atexit handlers are not ours. */
	_exit(0);
}

/* What the zygote is asked: a new worker, after reaping `reap` (> 0). */
struct zreq {
	pid_t reap;
};

/* What it answers, with the new worker's socket as SCM_RIGHTS. */
struct zrep {
	pid_t pid;  /* the new worker, -1 if none could be started */
	int err;    /* errno of that failure */
	int status; /* wait status of `reap`, -1 if none */
};

/* The zygote's loop: one worker per request, until the parent closes its
 * end; then it waits for every worker to end (they end when the parent
 * closes theirs) and exits. It has one thread: a fork here is safe. */
static void zygote_main(struct workers *p, int zs)
{
	struct zreq q;
	struct zrep a;
	int fd, sv[2];

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != p->parent)
		_exit(0);
	close_inherited(zs);
	p->parent = getpid(); /* the workers die with the zygote */
	while (recv_msg(zs, &q, sizeof(q), &fd) == (ssize_t)sizeof(q)) {
		int sock = -1;

		a = (struct zrep){.pid = -1, .status = -1};
		if (fd >= 0)
			close(fd);
		if (q.reap > 0)
			while (waitpid(q.reap, &a.status, 0) < 0 && errno == EINTR)
				;
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
			a.err = errno;
		} else {
			a.pid = fork();
			if (a.pid == 0)
				worker_main(p, sv[1]);
			a.err = a.pid < 0 ? errno : 0;
			close(sv[1]);
			sock = sv[0];
		}
		if (send_msg(zs, &a, sizeof(a), a.pid > 0 ? sock : -1) != 0 && a.pid > 0)
			kill(a.pid, SIGKILL);
		if (sock >= 0)
			close(sock);
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	_exit(0);
}

/* Asks the zygote for the worker of slot s, after reaping `reap` (> 0):
 * *status its wait status. Called with spawn_lock held. */
static int spawn(struct workers *p, unsigned int s, pid_t reap, int *status)
{
	struct zreq q = {.reap = reap};
	struct zrep a;
	int fd = -1; /* stays -1 when the request cannot even be sent */

	if (send_msg(p->zsock, &q, sizeof(q), -1) != 0 ||
	    recv_msg(p->zsock, &a, sizeof(a), &fd) != (ssize_t)sizeof(a)) {
		if (fd >= 0)
			close(fd);
		errno = EPIPE; /* the zygote is gone */
		return -1;
	}
	if (status)
		*status = a.status;
	if (a.pid <= 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		errno = a.err ? a.err : EPROTO;
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO,
		       &(struct timeval){.tv_usec = RECV_TICK_MS * 1000},
		       sizeof(struct timeval)) != 0) {
		int e = errno;
		close(fd);
		kill(a.pid, SIGKILL); /* the zygote reaps it at the end */
		errno = e;
		return -1;
	}
	p->slots[s].pid = a.pid;
	p->slots[s].sock = fd;
	return 0;
}

/* Forks the zygote; called while this process has one thread. */
static int start_zygote(struct workers *p)
{
	int zs[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, zs) != 0)
		return -1;
	fflush(NULL);
	p->zygote = fork();
	if (p->zygote < 0) {
		int e = errno;
		close(zs[0]);
		close(zs[1]);
		errno = e;
		return -1;
	}
	if (p->zygote == 0)
		zygote_main(p, zs[1]);
	close(zs[1]);
	p->zsock = zs[0];
	return 0;
}

struct workers *workers_start(unsigned int n, workers_scan_fn fn, void *ctx, rq_error *err)
{
	struct workers *p = calloc(1, sizeof(*p));
	const char *crash = getenv("RAQUET_TEST_WORKER_CRASH");
	const char *hang = getenv("RAQUET_TEST_WORKER_HANG");

	if (p == NULL || (p->slots = calloc(n, sizeof(*p->slots))) == NULL) {
		free(p);
		rq_fail(err, "out of memory");
		return NULL;
	}
	p->stop =
	    mmap(NULL, sizeof(*p->stop), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->stop == MAP_FAILED || (crash && crash[0] && !(p->crash_on = strdup(crash))) ||
	    (hang && hang[0] && !(p->hang_on = strdup(hang)))) {
		rq_fail_errno(err, errno, "cannot set up the worker processes");
		if (p->stop != MAP_FAILED)
			munmap(p->stop, sizeof(*p->stop));
		free(p->crash_on);
		free(p->slots);
		free(p);
		return NULL;
	}
	atomic_init(p->stop, 0);
	p->n = n;
	p->fn = fn;
	p->ctx = ctx;
	p->parent = getpid();
	pthread_mutex_init(&p->spawn_lock, NULL);
	p->zygote = -1;
	p->zsock = -1;
	for (unsigned int i = 0; i < n; i++)
		p->slots[i] = (struct slot){.pid = -1, .sock = -1};
	if (start_zygote(p) != 0) {
		rq_fail_errno(err, errno, "cannot start the worker processes");
		workers_end(p);
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++)
		if (spawn(p, i, 0, NULL) != 0) {
			rq_fail_errno(err, errno, "cannot start worker process %u", i + 1);
			workers_end(p);
			return NULL;
		}
	return p;
}

static int send_request(int sock, int fd, const char *path)
{
	char cut[WORKERS_PATH_MAX];
	size_t len = strlen(path) + 1;

	if (len > WORKERS_PATH_MAX) {
		memcpy(cut, path, WORKERS_PATH_MAX - 1);
		cut[WORKERS_PATH_MAX - 1] = '\0';
		return send_msg(sock, cut, WORKERS_PATH_MAX, fd);
	}
	return send_msg(sock, path, len, fd);
}

/* The worker of slot s is dead or broken: reap it, say why, replace it. */
static void replace(struct workers *p, unsigned int s, char *why, size_t whylen)
{
	struct slot *sl = &p->slots[s];
	pid_t dead = sl->pid;
	int st = -1, rc;

	kill(dead, SIGKILL); /* a broken but living one */
	close(sl->sock);
	sl->sock = -1;
	sl->pid = -1;
	sl->inflight = 0;
	/* The zygote reaps it (its child) and starts the next one. */
	pthread_mutex_lock(&p->spawn_lock);
	rc = spawn(p, s, dead, &st);
	pthread_mutex_unlock(&p->spawn_lock);
	if (st == -1)
		snprintf(why, whylen, "worker process lost (its status is not known)");
	else if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		snprintf(why, whylen, "worker process killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else if (WIFSIGNALED(st))
		snprintf(why, whylen, "worker process killed by signal %d (%s)", SIGKILL,
			 strsignal(SIGKILL));
	else
		snprintf(why, whylen, "worker process ended (status %d)",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if (rc != 0) {
		size_t n = strlen(why);
		snprintf(why + n, whylen - n, "; it could not be replaced: %s", strerror(errno));
	}
}

int workers_send(struct workers *p, unsigned int slot, int fd, const char *path, char *why,
		 size_t whylen)
{
	struct slot *sl = &p->slots[slot];

	if (sl->pid <= 0) {
		snprintf(why, whylen, "no worker process");
		return WORKERS_NONE;
	}
	if (send_request(sl->sock, fd, path) != 0) {
		/* With requests in flight the worker died on the oldest one:
		 * workers_recv says so, and the caller sends this one again. */
		if (sl->inflight > 0)
			return WORKERS_LATER;
		replace(p, slot, why, whylen);
		return WORKERS_NONE; /* not sent: the caller may try again */
	}
	sl->inflight++;
	return 0;
}

int workers_recv(struct workers *p, unsigned int slot, struct workers_verdict *v, char *why,
		 size_t whylen)
{
	struct slot *sl = &p->slots[slot];
	int ticks = 0; /* timeouts since a stop was seen */
	ssize_t n;

	if (sl->pid <= 0 || sl->inflight == 0) {
		snprintf(why, whylen, "no worker process");
		return WORKERS_NONE;
	}
	while ((n = recv(sl->sock, v, sizeof(*v), 0)) < 0 &&
	       (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
		if (errno == EINTR || !atomic_load(p->stop) ||
		    ++ticks * RECV_TICK_MS < STOP_GRACE_MS)
			continue;
		/* Stopping: the file is left unscanned, the worker is not
		 * replaced; the zygote reaps it. */
		kill(sl->pid, SIGKILL);
		close(sl->sock);
		*sl = (struct slot){.pid = -1, .sock = -1};
		snprintf(why, whylen,
			 "not scanned: the scan was stopped, and its worker process, still on it "
			 "after %d s, was killed",
			 STOP_GRACE_MS / 1000);
		return WORKERS_STOPPED;
	}
	if (n != (ssize_t)sizeof(*v)) {
		/* Requests queued behind the one it died on went with it. */
		sl->inflight = 0;
		replace(p, slot, why, whylen);
		return WORKERS_DIED;
	}
	sl->inflight--;
	v->virname[sizeof(v->virname) - 1] = '\0';
	return 0;
}

int workers_scan(struct workers *p, unsigned int slot, int fd, const char *path,
		 struct workers_verdict *v, char *why, size_t whylen)
{
	int rc = workers_send(p, slot, fd, path, why, whylen);

	return rc != 0 ? rc : workers_recv(p, slot, v, why, whylen);
}

void workers_stop(struct workers *p)
{
	if (p)
		atomic_store(p->stop, 1);
}

bool workers_stopping(const struct workers *p)
{
	return p && atomic_load(p->stop);
}

/* Waits for the zygote. After a stop, a worker killed in its file may still
 * be held by a read from a dying disk, which even SIGKILL waits for: the
 * zygote, waiting for it, is given STOP_GRACE_MS, then killed (the worker
 * is left to init). */
static void reap_zygote(struct workers *p)
{
	pid_t r;

	for (int i = 0; atomic_load(p->stop) && i < STOP_GRACE_MS / 10; i++) {
		r = waitpid(p->zygote, NULL, WNOHANG);
		if (r == p->zygote || (r < 0 && errno != EINTR))
			return;
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	}
	if (atomic_load(p->stop))
		kill(p->zygote, SIGKILL);
	while (waitpid(p->zygote, NULL, 0) < 0 && errno == EINTR)
		;
}

void workers_end(struct workers *p)
{
	if (p == NULL)
		return;
	/* Every caller of workers_scan has returned: EOF ends each worker. */
	for (unsigned int i = 0; i < p->n; i++)
		if (p->slots[i].sock >= 0)
			close(p->slots[i].sock);
	/* The zygote reaps them, then ends at EOF on its own socket. */
	if (p->zsock >= 0)
		close(p->zsock);
	if (p->zygote > 0)
		reap_zygote(p);
	pthread_mutex_destroy(&p->spawn_lock);
	munmap(p->stop, sizeof(*p->stop));
	free(p->crash_on);
	free(p->hang_on);
	free(p->slots);
	free(p);
}
