/* rq-testkeys: test stand-in for the IOC tool until raquet-sync exists.
 * Creates IOC and stick keys, signs files with the IOC key, seals records
 * as a stick would, and verifies + opens records as the IOC will, all
 * through the same lib/ code. Exit 0 on success, 1 when a check or an
 * operation fails, 2 on a usage error. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicio.h"
#include "escape.h"
#include "keys.h"
#include "payload.h"
#include "record.h"

static const char *prog = "rq-testkeys";

static void usage(const char *why)
{
	if (why)
		fprintf(stderr, "%s: %s\n", prog, why);
	fprintf(stderr,
		"usage: %s ioc DIR [-p PASSPHRASE]        IOC key pair: DIR/ioc.key, DIR/ioc.pub\n"
		"       %s stick DIR                      stick key pair: DIR/stick.key, "
		"DIR/stick.pub\n"
		"       %s sign IOCDIR FILE [-p PASS]     FILE's .sig by the IOC signing key\n"
		"       %s verify IOCPUB FILE             check FILE against its .sig\n"
		"       %s seal [--sample] STICKDIR OUTDIR FILE...\n"
		"                                         seal FILEs (members by base name) with\n"
		"                                         STICKDIR/stick.key + STICKDIR/ioc.pub\n"
		"       %s open -s STICKPUB [-p PASS] IOCDIR RECORD OUTDIR\n"
		"                                         verify, open, extract the members\n"
		"       %s info RECORD                    print the record header\n",
		prog, prog, prog, prog, prog, prog, prog);
	exit(2);
}

static int die(const rq_error *err)
{
	fprintf(stderr, "%s: %s\n", prog, err->msg);
	return 1;
}

/* Opens the directory holding path and returns its base name in *base
 * (storage in buf). */
static int open_parent(const char *path, char *buf, size_t bufsz, const char **base, rq_error *err)
{
	char tmp[4096];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp) ||
	    snprintf(buf, bufsz, "%s", path) >= (int)bufsz)
		return rq_fail(err, "path too long: %s", path);
	*base = basename(buf);
	fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rq_fail_errno(err, errno, "cannot open the directory of %s", path);
	return fd;
}

static int open_dir(const char *path, bool create, rq_error *err)
{
	int fd;

	if (create && mkdir(path, 0755) != 0 && errno != EEXIST)
		return rq_fail_errno(err, errno, "cannot create %s", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rq_fail_errno(err, errno, "cannot open %s", path);
	return fd;
}

static int cmd_ioc(const char *dir, const char *pass)
{
	keys_ioc_secret *sk;
	keys_ioc_public pk;
	char hex[KEYS_ID_HEX_LEN + 1];
	rq_error err;
	int fd = open_dir(dir, true, &err), rc = 1;

	if (fd < 0)
		return die(&err);
	if (keys_ioc_generate(&sk, &pk, &err) != 0) {
		close(fd);
		return die(&err);
	}
	if (keys_ioc_write_secret(fd, "ioc.key", sk, pass, &err) == 0 &&
	    keys_ioc_write_public(fd, "ioc.pub", &pk, &err) == 0) {
		keys_id_hex(pk.id, hex);
		printf("%s\n", hex);
		rc = 0;
	} else {
		die(&err);
	}
	keys_ioc_free(sk);
	close(fd);
	return rc;
}

static int cmd_stick(const char *dir)
{
	keys_stick_secret *sk;
	keys_stick_public pk;
	char hex[KEYS_ID_HEX_LEN + 1];
	rq_error err;
	int fd = open_dir(dir, true, &err), rc = 1;

	if (fd < 0)
		return die(&err);
	if (keys_stick_generate(&sk, &pk, &err) != 0) {
		close(fd);
		return die(&err);
	}
	if (keys_stick_write_secret(fd, "stick.key", sk, &err) == 0 &&
	    keys_stick_write_public(fd, "stick.pub", &pk, &err) == 0) {
		keys_id_hex(pk.id, hex);
		printf("%s\n", hex);
		rc = 0;
	} else {
		die(&err);
	}
	keys_stick_free(sk);
	close(fd);
	return rc;
}

static int cmd_sign(const char *iocdir, const char *file, const char *pass)
{
	keys_ioc_secret *sk;
	char buf[4096];
	const char *base;
	rq_error err;
	int ifd = open_dir(iocdir, false, &err), fd, rc = 0;

	if (ifd < 0)
		return die(&err);
	if (keys_ioc_read_secret(ifd, "ioc.key", pass, &sk, &err) != 0) {
		close(ifd);
		return die(&err);
	}
	close(ifd);
	fd = open_parent(file, buf, sizeof(buf), &base, &err);
	if (fd < 0 || keys_signed_file_sign(fd, base, 64u << 20, sk, &err) != 0)
		rc = die(&err);
	if (fd >= 0)
		close(fd);
	keys_ioc_free(sk);
	return rc;
}

static int cmd_verify(const char *iocpub, const char *file)
{
	keys_ioc_public pk;
	char buf[4096], *content;
	const char *base;
	size_t len;
	rq_error err;
	int fd = open_parent(iocpub, buf, sizeof(buf), &base, &err), rc = 0;

	if (fd < 0 || keys_ioc_read_public(fd, base, &pk, &err) != 0)
		return die(&err);
	close(fd);
	fd = open_parent(file, buf, sizeof(buf), &base, &err);
	if (fd < 0)
		return die(&err);
	if (keys_signed_file_read(fd, base, 64u << 20, &pk, &content, &len, &err) != 0)
		rc = die(&err);
	else
		free(content);
	close(fd);
	return rc;
}

static int cmd_seal(unsigned type, const char *stickdir, const char *outdir, char **files,
		    int nfiles)
{
	payload_member m[PAYLOAD_MAX_MEMBERS];
	keys_stick_secret *sk = NULL;
	keys_ioc_public ioc;
	record_header h = {0};
	unsigned char *pl = NULL;
	char name[RECORD_NAME_MAX], bufs[PAYLOAD_MAX_MEMBERS][4096];
	size_t pllen;
	uint64_t seq;
	rq_error err;
	struct tm tm;
	int sfd, ofd = -1, rc = 1, n = 0;

	if (nfiles < 1 || nfiles > PAYLOAD_MAX_MEMBERS)
		usage("seal needs 1 to 16 files");
	sfd = open_dir(stickdir, false, &err);
	if (sfd < 0)
		return die(&err);
	if (keys_stick_read_secret(sfd, "stick.key", &sk, &err) != 0 ||
	    keys_ioc_read_public(sfd, "ioc.pub", &ioc, &err) != 0)
		goto out;
	for (n = 0; n < nfiles; n++) {
		const char *base;
		char *data;
		int fd = open_parent(files[n], bufs[n], sizeof(bufs[n]), &base, &err);

		if (fd < 0)
			goto out;
		if (read_file_bounded(fd, base, PAYLOAD_MAX_EXPANDED, &data, &m[n].len, &err) !=
		    0) {
			close(fd);
			goto out;
		}
		close(fd);
		m[n].name = (char *)base;
		m[n].data = (unsigned char *)data;
	}
	if (payload_build(m, (size_t)n, &pl, &pllen, &err) != 0)
		goto out;
	ofd = open_dir(outdir, true, &err);
	if (ofd < 0)
		goto out;
	h.type = type;
	h.created = time(NULL);
	if (localtime_r(&h.created, &tm) != NULL)
		h.tz_minutes = (int)(tm.tm_gmtoff / 60);
	if (record_write_next(ofd, &h, sk, &ioc, pl, pllen, &seq, &err) != 0)
		goto out;
	record_name(sk->id, seq, type, name, sizeof(name));
	printf("%s\n", name);
	rc = 0;
out:
	if (rc != 0)
		die(&err);
	for (int i = 0; i < n; i++)
		free(m[i].data);
	free(pl);
	keys_stick_free(sk);
	close(sfd);
	if (ofd >= 0)
		close(ofd);
	return rc;
}

static int cmd_open(const char *stickpub, const char *iocdir, const char *recpath,
		    const char *outdir, const char *pass)
{
	keys_stick_public spk;
	keys_ioc_secret *sk = NULL;
	record_header h;
	payload_list p = {0};
	unsigned char *rec = NULL, *pl = NULL;
	char buf[4096];
	const char *base;
	size_t len, pllen;
	rq_error err;
	int fd, ifd = -1, ofd = -1, rc = 1;

	fd = open_parent(stickpub, buf, sizeof(buf), &base, &err);
	if (fd < 0 || keys_stick_read_public(fd, base, &spk, &err) != 0)
		return die(&err);
	close(fd);
	fd = open_parent(recpath, buf, sizeof(buf), &base, &err);
	if (fd < 0)
		return die(&err);
	if (record_load(fd, base, &rec, &len, &err) != 0 ||
	    record_verify(rec, len, &spk, &h, &err) != 0)
		goto out;
	ifd = open_dir(iocdir, false, &err);
	if (ifd < 0 || keys_ioc_read_secret(ifd, "ioc.key", pass, &sk, &err) != 0 ||
	    record_open(rec, len, sk, &pl, &pllen, &err) != 0 ||
	    payload_read(pl, pllen, &p, &err) != 0)
		goto out;
	ofd = open_dir(outdir, true, &err);
	if (ofd < 0)
		goto out;
	for (size_t i = 0; i < p.n; i++)
		if (atomic_write(ofd, p.members[i].name, p.members[i].data, p.members[i].len, 0644,
				 false, &err) != 0)
			goto out;
	rc = 0;
out:
	if (rc != 0)
		die(&err);
	payload_free(&p);
	free(pl);
	free(rec);
	keys_ioc_free(sk);
	close(fd);
	if (ifd >= 0)
		close(ifd);
	if (ofd >= 0)
		close(ofd);
	return rc;
}

static int cmd_info(const char *recpath)
{
	record_header h;
	unsigned char *rec;
	char buf[4096], sh[KEYS_ID_HEX_LEN + 1], ih[KEYS_ID_HEX_LEN + 1];
	const char *base;
	size_t len;
	rq_error err;
	int fd = open_parent(recpath, buf, sizeof(buf), &base, &err), rc = 0;

	if (fd < 0)
		return die(&err);
	if (record_load(fd, base, &rec, &len, &err) != 0) {
		close(fd);
		return die(&err);
	}
	close(fd);
	if (record_read_header(rec, len, &h, &err) != 0) {
		rc = die(&err);
	} else {
		keys_id_hex(h.stick_id, sh);
		keys_id_hex(h.ioc_key_id, ih);
		printf("version %u\ntype %s\nstick %s\nseq %llu\ncreated %lld\ntz %d\nioc %s\n"
		       "payload %llu\nsize %zu\n",
		       h.version, record_type_name(h.type), sh, (unsigned long long)h.seq,
		       (long long)h.created, h.tz_minutes, ih, (unsigned long long)h.payload_len,
		       len);
	}
	free(rec);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"passphrase", required_argument, NULL, 'p'},
	    {"stick-pub", required_argument, NULL, 's'},
	    {"sample", no_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *pass = NULL, *stickpub = NULL, *cmd;
	unsigned type = RECORD_TYPE_RESULT;
	rq_error err;
	int c, n;

	while ((c = getopt_long(argc, argv, "+p:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pass = optarg;
			break;
		case 's':
			stickpub = optarg;
			break;
		case 'S':
			type = RECORD_TYPE_SAMPLE;
			break;
		case 'h':
			usage(NULL);
			break;
		default:
			usage("unknown option");
		}
	}
	if (optind >= argc)
		usage("no command");
	cmd = argv[optind++];
	/* Options may also follow the command. */
	while ((c = getopt_long(argc, argv, "+p:s:h", opts, NULL)) != -1) {
		if (c == 'p')
			pass = optarg;
		else if (c == 's')
			stickpub = optarg;
		else if (c == 'S')
			type = RECORD_TYPE_SAMPLE;
		else
			usage("unknown option");
	}
	n = argc - optind;
	argv += optind;
	if (rq_crypto_init(&err) != 0)
		return die(&err);
	if (strcmp(cmd, "ioc") == 0 && n == 1)
		return cmd_ioc(argv[0], pass);
	if (strcmp(cmd, "stick") == 0 && n == 1)
		return cmd_stick(argv[0]);
	if (strcmp(cmd, "sign") == 0 && n == 2)
		return cmd_sign(argv[0], argv[1], pass);
	if (strcmp(cmd, "verify") == 0 && n == 2)
		return cmd_verify(argv[0], argv[1]);
	if (strcmp(cmd, "seal") == 0 && n >= 3)
		return cmd_seal(type, argv[0], argv[1], argv + 2, n - 2);
	if (strcmp(cmd, "open") == 0 && n == 3) {
		if (stickpub == NULL)
			usage("open needs -s STICKPUB to verify the record");
		return cmd_open(stickpub, argv[0], argv[1], argv[2], pass);
	}
	if (strcmp(cmd, "info") == 0 && n == 1)
		return cmd_info(argv[0]);
	usage("unknown command or wrong number of arguments");
	return 2;
}
