/* runscan: raquet-scan as a child. Its progress comes as JSON lines on a
 * pipe (--progress-fd 3); its stdout and stderr go to files in a private
 * temporary directory, so a scan with many detections can never block on a
 * pipe nobody reads; the result document (--json) and the "Record saved"
 * line make the summary. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicio.h"
#include "escape.h"
#include "launcher.h"

#define RESULT_MAX  (64 * 1024 * 1024)
#define ARGV_MAX    64
#define PROGRESS_FD 3

static const char *const tmp_files[] = {"result.json", "stdout", "stderr"};

const char *launcher_action_arg(enum resultdoc_action a)
{
	return resultdoc_action_name(a);
}

static int build_argv(const struct scan_request *req, const char *json, char idle[16],
		      const char **argv, size_t max)
{
	const struct choice *c = &req->choice;
	size_t n = 0;

#define ADD(x)                                                                                     \
	do {                                                                                       \
		if (n + 1 >= max)                                                                  \
			return -1;                                                                 \
		argv[n++] = (x);                                                                   \
	} while (0)
#define ADD2(x, y)                                                                                 \
	do {                                                                                       \
		ADD(x);                                                                            \
		ADD(y);                                                                            \
	} while (0)
	ADD(req->scanner);
	if (c->station)
		ADD("--station"); /* the PC's disks are not scanned: no paths, no --device */
	else if (req->paths == NULL || req->npaths == 0)
		ADD("--auto");
	for (size_t i = 0; !c->station && i < req->ndevices; i++) {
		ADD("--device");
		ADD(req->devices[i]);
	}
	ADD2("--stick", req->stick_dir);
	ADD2("--unit", c->unit->code_raw);
	if (c->technician[0])
		ADD2("--technician", c->technician);
	ADD2("--action", launcher_action_arg(c->action));
	if (c->quick && !c->station)
		ADD("--quick");
	if (c->station && c->station_idle > 0) {
		snprintf(idle, 16, "%u", c->station_idle);
		ADD2("--station-idle", idle);
	}
	if (req->identity_root)
		ADD2("--identity-root", req->identity_root);
	ADD2("--json", json);
	ADD2("--progress-fd", "3");
	ADD2("--no-progress", "--no-summary");
	if (req->paths && req->npaths > 0 && !c->station) {
		ADD("--");
		for (size_t i = 0; i < req->npaths; i++)
			ADD(req->paths[i]);
	}
	argv[n] = NULL;
	return 0;
#undef ADD
#undef ADD2
}

/* In the child: only async-signal-safe calls until exec. */
static void child_exec(const char *tmpdir, int progress_w, const char **argv)
{
	char out[300], errp[300];
	int fd;

	snprintf(out, sizeof(out), "%s/stdout", tmpdir);
	snprintf(errp, sizeof(errp), "%s/stderr", tmpdir);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if ((fd = open("/dev/null", O_RDONLY)) < 0 || dup2(fd, 0) < 0)
		_exit(127);
	if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 || dup2(fd, 1) < 0)
		_exit(127);
	if ((fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 || dup2(fd, 2) < 0)
		_exit(127);
	if (progress_w == PROGRESS_FD) {
		if (fcntl(PROGRESS_FD, F_SETFD, 0) < 0)
			_exit(127);
	} else if (dup2(progress_w, PROGRESS_FD) < 0) {
		_exit(127);
	}
	execvp(argv[0], (char *const *)argv);
	{
		static const char msg[] = "raquet-launcher: cannot run the scanner: ";
		const char *why = strerror(errno);
		if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, argv[0], strlen(argv[0])) < 0 ||
		    write(2, ": ", 2) < 0 || write(2, why, strlen(why)) < 0 ||
		    write(2, "\n", 1) < 0)
			_exit(127);
	}
	_exit(127);
}

int runscan_start(const struct scan_request *req, struct scan_job *job, rq_error *err)
{
	const char *tmp = getenv("TMPDIR");
	const char *argv[ARGV_MAX + 16];
	char json[300], idle[16];
	int p[2];

	memset(job, 0, sizeof(*job));
	job->pid = -1;
	job->progress_fd = -1;
	if (req->npaths > ARGV_MAX || req->ndevices > ARGV_MAX / 4)
		return rq_fail(err, "too many paths to scan");
	snprintf(job->tmpdir, sizeof(job->tmpdir), "%s/raquet-launcher.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp");
	if (mkdtemp(job->tmpdir) == NULL)
		return rq_fail_errno(err, errno, "cannot create a temporary directory");
	snprintf(json, sizeof(json), "%s/result.json", job->tmpdir);
	if (build_argv(req, json, idle, argv, sizeof(argv) / sizeof(argv[0])) != 0)
		return rq_fail(err, "too many arguments for the scanner");
	if (pipe2(p, O_CLOEXEC) != 0)
		return rq_fail_errno(err, errno, "cannot create a pipe");
	job->pid = fork();
	if (job->pid < 0) {
		close(p[0]), close(p[1]);
		return rq_fail_errno(err, errno, "cannot start the scanner");
	}
	if (job->pid == 0)
		child_exec(job->tmpdir, p[1], argv);
	close(p[1]);
	job->progress_fd = p[0];
	return 0;
}

int progress_line_parse(const char *line, struct progress_line *pl)
{
	json_object *o = json_tokener_parse(line), *v;
	const char *root, *file;

	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -1;
	}
	memset(pl, 0, sizeof(*pl));
	pl->eta = -1;
#define U64(name)                                                                                  \
	do {                                                                                       \
		if (json_object_object_get_ex(o, #name, &v) &&                                     \
		    json_object_is_type(v, json_type_int))                                         \
			pl->name = (uint64_t)json_object_get_int64(v);                             \
	} while (0)
	U64(files);
	U64(bytes);
	U64(files_total);
	U64(bytes_total);
	U64(detections);
	U64(root_index);
	U64(roots);
#undef U64
	if (json_object_object_get_ex(o, "total_known", &v))
		pl->total_known = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "done", &v))
		pl->done = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "seconds", &v))
		pl->seconds = json_object_get_double(v);
	if (json_object_object_get_ex(o, "root", &v) && (root = json_object_get_string(v)) != NULL)
		snprintf(pl->root, sizeof(pl->root), "%s", root);
	if (json_object_object_get_ex(o, "eta_seconds", &v) &&
	    (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) &&
	    json_object_get_double(v) >= 0)
		pl->eta = json_object_get_double(v);
	if (json_object_object_get_ex(o, "file", &v) && json_object_is_type(v, json_type_string) &&
	    (file = json_object_get_string(v)) != NULL)
		snprintf(pl->file, sizeof(pl->file), "%s", file);
	json_object_put(o);
	return 0;
}

/* Takes the last complete line out of the buffer, if any. */
static int last_line(struct scan_job *job, struct progress_line *pl)
{
	char *end = memrchr(job->buf, '\n', job->buflen), *start;
	int got = 0;

	if (end == NULL)
		return 0;
	*end = '\0';
	start = memrchr(job->buf, '\n', (size_t)(end - job->buf));
	start = start ? start + 1 : job->buf;
	if (progress_line_parse(start, pl) == 0)
		got = 1;
	job->buflen -= (size_t)(end + 1 - job->buf);
	memmove(job->buf, end + 1, job->buflen);
	return got;
}

int runscan_poll(struct scan_job *job, int timeout_ms, struct progress_line *pl)
{
	struct pollfd pfd = {.fd = job->progress_fd, .events = POLLIN};
	ssize_t n;

	if (job->eof)
		return -1;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	if (job->buflen == sizeof(job->buf)) /* a line longer than the buffer: drop it */
		job->buflen = 0;
	n = read(job->progress_fd, job->buf + job->buflen, sizeof(job->buf) - job->buflen);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : (job->eof = true, -1);
	if (n == 0) {
		job->eof = true;
		return last_line(job, pl) ? 1 : -1;
	}
	job->buflen += (size_t)n;
	return last_line(job, pl);
}

void runscan_stop(const struct scan_job *job)
{
	if (job->pid > 0)
		kill(job->pid, SIGTERM);
}

uint64_t runscan_record_seq(const char *line)
{
	static const char prefix[] = "Record saved: ";
	const char *p;
	char *end;
	unsigned long long v;

	if (strncmp(line, prefix, sizeof(prefix) - 1) != 0 || (p = strrchr(line, '#')) == NULL ||
	    p == line || p[-1] != '(')
		return 0;
	errno = 0;
	v = strtoull(p + 1, &end, 10);
	return errno == 0 && end != p + 1 && *end == ')' ? v : 0;
}

static char *str_or(json_object *o, const char *key, const char *dflt)
{
	json_object *v;
	const char *s =
	    json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		? json_object_get_string(v)
		: dflt;
	return s ? strdup(s) : NULL;
}

static uint64_t u64_of(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int)
		   ? (uint64_t)json_object_get_int64(v)
		   : 0;
}

/* Live mode names a volume by its device and label ("sda2 Windows"), which
 * the technician recognises; a folder scan by its path. */
static char *volume_name(json_object *o, const char *path)
{
	json_object *dev, *label;
	const char *d, *l = NULL;
	char *name, *esc;

	if (!json_object_object_get_ex(o, "device", &dev) ||
	    !json_object_is_type(dev, json_type_string))
		return strdup(path ? path : "?");
	d = json_object_get_string(dev);
	if (strncmp(d, "/dev/", 5) == 0)
		d += 5;
	if (json_object_object_get_ex(o, "label", &label) &&
	    json_object_is_type(label, json_type_string))
		l = json_object_get_string(label);
	if (asprintf(&name, "%s%s%s", d, l && *l ? " " : "", l ? l : "") < 0)
		return NULL;
	esc = escape_name(name); /* labels come from the PC's disks */
	free(name);
	return esc;
}

/* Which volume a detection belongs to: the longest path that prefixes it. */
static void count_per_volume(struct summary *sum)
{
	for (size_t d = 0; d < sum->ndets; d++) {
		size_t best = sum->nvols, bestlen = 0;
		for (size_t i = 0; i < sum->nvols; i++) {
			const char *vp = sum->vols[i].path;
			size_t l = strlen(vp);
			const char *dp = sum->dets[d].path;
			if (strncmp(dp, vp, l) == 0 &&
			    (dp[l] == '/' || dp[l] == '\0' || l == 0 || vp[l - 1] == '/') &&
			    l >= bestlen)
				best = i, bestlen = l;
		}
		if (best < sum->nvols)
			sum->vols[best].detections++;
	}
}

int summary_from_json(const char *text, struct summary *sum)
{
	json_object *doc = json_tokener_parse(text), *arr, *totals, *v;

	if (doc == NULL || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		return -1;
	}
	sum->status = str_or(doc, "status", resultdoc_status_name(RESULTDOC_INCOMPLETE));
	if (json_object_object_get_ex(doc, "totals", &totals)) {
		sum->files = u64_of(totals, "files");
		sum->bytes = u64_of(totals, "bytes");
		sum->errors = u64_of(totals, "errors");
	}
	if (json_object_object_get_ex(doc, "duration_seconds", &v))
		sum->seconds = json_object_get_double(v);
	if (json_object_object_get_ex(doc, "volumes", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		size_t n = json_object_array_length(arr);
		sum->vols = calloc(n ? n : 1, sizeof(*sum->vols));
		for (size_t i = 0; sum->vols && i < n; i++) {
			json_object *o = json_object_array_get_idx(arr, i);
			struct volume_summary *vs = &sum->vols[sum->nvols++];
			vs->path = str_or(o, "path", "?");
			vs->name = volume_name(o, vs->path);
			vs->state = str_or(o, "state", "?");
			vs->files = u64_of(o, "files");
			vs->errors = u64_of(o, "errors");
		}
	}
	if (json_object_object_get_ex(doc, "detections", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		size_t n = json_object_array_length(arr);
		sum->dets = calloc(n ? n : 1, sizeof(*sum->dets));
		for (size_t i = 0; sum->dets && i < n; i++) {
			json_object *o = json_object_array_get_idx(arr, i);
			struct detection_summary *ds = &sum->dets[sum->ndets++];
			ds->path = str_or(o, "path", "?");
			ds->signature = str_or(o, "signature", "?");
			ds->outcome = str_or(o, "outcome", "?");
			ds->detail = str_or(o, "detail", NULL);
		}
	}
	if (json_object_object_get_ex(doc, "repairs", &arr) &&
	    json_object_is_type(arr, json_type_array))
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *r = json_object_array_get_idx(arr, i), *ov;
			enum resultdoc_repair_outcome o = RESULTDOC_NOT_DONE;
			if (json_object_object_get_ex(r, "outcome", &ov))
				resultdoc_repair_outcome_parse(json_object_get_string(ov), &o);
			if (o == RESULTDOC_DONE)
				sum->repairs_done++;
			else if (o == RESULTDOC_PLANNED)
				sum->repairs_planned++;
			else
				sum->repairs_failed++;
		}
	json_object_put(doc);
	if (sum->status == NULL || (sum->nvols && !sum->vols) || (sum->ndets && !sum->dets))
		return -1;
	for (size_t i = 0; i < sum->nvols; i++)
		if (!sum->vols[i].path || !sum->vols[i].name || !sum->vols[i].state)
			return -1;
	for (size_t i = 0; i < sum->ndets; i++)
		if (!sum->dets[i].path || !sum->dets[i].signature || !sum->dets[i].outcome)
			return -1;
	count_per_volume(sum);
	return 0;
}

static FILE *open_tmp(const struct scan_job *job, const char *name)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/%s", job->tmpdir, name);
	return fopen(path, "re");
}

/* stdout: one line per detection and outcome, then "Record saved". */
static void read_stdout(const struct scan_job *job, struct summary *sum)
{
	FILE *f = open_tmp(job, "stdout");
	char *line = NULL;
	size_t cap = 0;
	uint64_t seq;

	if (f == NULL)
		return;
	while (getline(&line, &cap, f) > 0)
		if ((seq = runscan_record_seq(line)) > 0)
			sum->saved = true, sum->seq = seq;
	free(line);
	fclose(f);
}

/* Keeps msg (taken over) among the last few messages. */
static void add_message(struct summary *sum, char *msg)
{
	const size_t max = sizeof(sum->messages) / sizeof(sum->messages[0]);

	if (sum->nmessages == max) {
		free(sum->messages[0]);
		memmove(sum->messages, sum->messages + 1, (max - 1) * sizeof(char *));
		sum->nmessages--;
	}
	sum->messages[sum->nmessages++] = msg;
}

/* stderr: the last few messages, escaped; they explain a failed run, and
 * a warning (a PC clock behind the IOC's dates) is shown after any run. */
static void read_stderr(const struct scan_job *job, struct summary *sum)
{
	static const char warning[] = "raquet-scan: warning:";
	FILE *f = open_tmp(job, "stderr");
	char *line = NULL, *esc;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		return;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (line[0] == '\0' || (esc = escape_name(line)) == NULL)
			continue;
		if (strncmp(esc, warning, sizeof(warning) - 1) == 0)
			sum->warned = true;
		add_message(sum, esc);
	}
	free(line);
	fclose(f);
}

/* A scanner killed by a signal wrote nothing that says so: without this
 * line the summary's "no record" would have nothing below it. */
static void note_signal(struct summary *sum, int sig)
{
	char *msg;

	if (asprintf(&msg, "raquet-scan was ended by signal %d (%s) before it finished", sig,
		     strsignal(sig)) >= 0)
		add_message(sum, msg);
}

static void remove_tmpdir(struct scan_job *job)
{
	int dfd = open(job->tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd >= 0) {
		for (size_t i = 0; i < sizeof(tmp_files) / sizeof(tmp_files[0]); i++)
			unlinkat(dfd, tmp_files[i], 0);
		close(dfd);
	}
	rmdir(job->tmpdir);
}

int runscan_finish(struct scan_job *job, struct summary *sum, rq_error *err)
{
	int status, dfd;
	char *text;
	size_t len;

	memset(sum, 0, sizeof(*sum));
	sum->exit_status = 2;
	if (job->progress_fd >= 0)
		close(job->progress_fd);
	job->progress_fd = -1;
	while (waitpid(job->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			remove_tmpdir(job);
			return rq_fail_errno(err, errno, "waiting for the scanner");
		}
	}
	if (WIFEXITED(status))
		sum->exit_status = WEXITSTATUS(status) > 2 ? 2 : WEXITSTATUS(status);
	read_stdout(job, sum);
	read_stderr(job, sum);
	if (WIFSIGNALED(status))
		note_signal(sum, WTERMSIG(status));
	dfd = open(job->tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0 && read_file_bounded(dfd, "result.json", RESULT_MAX, &text, &len, err) == 0) {
		sum->have_result = summary_from_json(text, sum) == 0;
		free(text);
	}
	if (dfd >= 0)
		close(dfd);
	remove_tmpdir(job);
	return 0;
}

void summary_free(struct summary *sum)
{
	for (size_t i = 0; i < sum->nvols; i++)
		free(sum->vols[i].path), free(sum->vols[i].name), free(sum->vols[i].state);
	for (size_t i = 0; i < sum->ndets; i++) {
		free(sum->dets[i].path), free(sum->dets[i].signature);
		free(sum->dets[i].outcome), free(sum->dets[i].detail);
	}
	for (size_t i = 0; i < sum->nmessages; i++)
		free(sum->messages[i]);
	free(sum->vols);
	free(sum->dets);
	free(sum->status);
	memset(sum, 0, sizeof(*sum));
}
