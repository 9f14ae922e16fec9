/* precheck: one record file checked and opened without ioc.db (see
 * precheck.h). Runs in worker threads: it reads only c and writes only p. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "db.h"
#include "jsonbound.h"
#include "precheck.h"
#include "sticklayout.h"

static int cmp_sha(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

int precheck_seen_load(sqlite3 *db, const char *stick_hex, struct precheck_seen *s, rq_error *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT sha256 FROM records WHERE stick = ?1", err);
	size_t cap = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	if (st == NULL || db_bind(db, st, err, "t", stick_hex) != 0) {
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = db_row(db, st, err)) == 1) {
		const char *hex = (const char *)sqlite3_column_text(st, 0);
		size_t got = 0;
		if (s->n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			void *n = realloc(s->sha, ncap * sizeof(*s->sha));
			if (n == NULL) {
				rc = rq_fail(err, "out of memory");
				break;
			}
			s->sha = n;
			cap = ncap;
		}
		/* Anything but 64 hex digits cannot match a file's sha256. */
		if (hex &&
		    sodium_hex2bin(s->sha[s->n], 32, hex, strlen(hex), NULL, &got, NULL) == 0 &&
		    got == 32 && strlen(hex) == 64)
			s->n++;
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		precheck_seen_free(s);
		return -1;
	}
	if (s->n > 1)
		qsort(s->sha, s->n, sizeof(*s->sha), cmp_sha);
	return 0;
}

void precheck_seen_free(struct precheck_seen *s)
{
	free(s->sha);
	memset(s, 0, sizeof(*s));
}

/* Checks that need no key: the reason in why, or "" when it passes. */
static void check_header(const struct precheck_ctx *c, struct precheck *p)
{
	char a[KEYS_ID_HEX_LEN + 1];
	unsigned want =
	    strcmp(c->sub, STICK_RESULTS) == 0 ? RECORD_TYPE_RESULT : RECORD_TYPE_SAMPLE;
	rq_error e;

	*p->why = '\0';
	if (!p->parsed) {
		snprintf(p->why, sizeof(p->why), "not a record file name (<stick id>-<seq>.%s)",
			 want == RECORD_TYPE_RESULT ? "rqr" : "rqs");
	} else if (p->ntype != want) {
		snprintf(p->why, sizeof(p->why), "a %s record in %s/", record_type_name(p->ntype),
			 c->sub);
	} else if (record_read_header(p->buf, p->len, &p->h, &e) != 0) {
		snprintf(p->why, sizeof(p->why), "%s", e.msg);
	} else if (p->h.stick_id != c->stick_id) {
		keys_id_hex(p->h.stick_id, a);
		snprintf(p->why, sizeof(p->why),
			 "record moved from another stick's folder: it was made by stick %s, "
			 "this is stick %s",
			 a, c->stick_hex);
	} else if (p->h.stick_id != p->nstick || p->h.seq != p->nseq || p->h.type != p->ntype) {
		snprintf(p->why, sizeof(p->why),
			 "the file name does not match the record, which is %s %llu of its stick",
			 record_type_name(p->h.type), (unsigned long long)p->h.seq);
	} else if (!c->known) {
		snprintf(p->why, sizeof(p->why), "unknown stick %s (not provisioned by this IOC)",
			 c->stick_hex);
	} else if (c->revoked) {
		snprintf(p->why, sizeof(p->why), "stick %s was revoked on %s", c->stick_hex,
			 c->revoked_on);
	}
}

/* What a payload may expand to at the IOC, per type of record: a result's
 * result.json (jsonbound_result.max_bytes) with its scan log; a sample's
 * bytes (raquet-scan copies at most 60 MiB, STICK_SAMPLE_LIMIT) with its
 * meta.json (jsonbound_meta.max_bytes). */
#define RESULT_EXPANDED_MAX ((size_t)96 * 1024 * 1024)
#define SAMPLE_EXPANDED_MAX ((size_t)61 * 1024 * 1024)

/* Decompresses the payload within its type's bound, then bounds the JSON
 * member the merge will build (docs/record-format.md, "Bounded work"). */
static int open_payload(const record_header *h, const unsigned char *pl, size_t pllen,
			payload_list *out, rq_error *err)
{
	bool result = h->type == RECORD_TYPE_RESULT;
	const char *doc = result ? "result.json" : "meta.json";
	const payload_member *m;

	if (payload_read_max(pl, pllen, result ? RESULT_EXPANDED_MAX : SAMPLE_EXPANDED_MAX, out,
			     err) != 0)
		return -1;
	/* A missing document is the merge's to name. */
	if ((m = payload_get(out, doc)) != NULL &&
	    jsonbound_check((const char *)m->data, m->len,
			    result ? &jsonbound_result : &jsonbound_meta, doc, err) != 0) {
		payload_free(out);
		return -1;
	}
	return 0;
}

void precheck_finish(const struct precheck_ctx *c, struct precheck *p)
{
	unsigned char *pl = NULL;
	record_header h2;
	size_t pllen = 0;
	rq_error e;

	p->deferred = false;
	check_header(c, p);
	if (*p->why == '\0' && record_verify(p->buf, p->len, c->pk, &h2, &e) != 0)
		snprintf(p->why, sizeof(p->why), "%s", e.msg);
	if (*p->why == '\0' && p->h.ioc_key_id != c->ioc_pub->id) {
		char a[KEYS_ID_HEX_LEN + 1];
		keys_id_hex(p->h.ioc_key_id, a);
		snprintf(p->why, sizeof(p->why),
			 "wrong IOC key: the record is sealed to key %s, this IOC is %s", a,
			 c->ioc_hex);
	}
	/* Opened now even if ioc.db then finds (stick, type, seq) taken: the
	 * import asks that first and drops the payload. Once the import's
	 * budget for this stick is spent, nothing more is decompressed (the
	 * import gives the reason). */
	if (*p->why == '\0' && c->over && atomic_load(c->over))
		snprintf(p->open_why, sizeof(p->open_why), "%s", "not opened: over budget");
	else if (*p->why == '\0' && record_open(p->buf, p->len, c->sk, &pl, &pllen, &e) != 0)
		snprintf(p->open_why, sizeof(p->open_why), "%s", e.msg);
	/* The sealed bytes are done with: a worker holds at most the opened
	 * payload and what it expands to. */
	free(p->buf);
	p->buf = NULL;
	if (pl != NULL && open_payload(&p->h, pl, pllen, &p->payload, &e) != 0)
		snprintf(p->open_why, sizeof(p->open_why), "%s", e.msg);
	free(pl);
	p->cost = 0;
	for (size_t i = 0; i < p->payload.n; i++)
		p->cost += p->payload.members[i].len;
}

void precheck_run(const struct precheck_ctx *c, const char *name, struct precheck *p)
{
	unsigned char md[crypto_hash_sha256_BYTES];
	rq_error e;

	memset(p, 0, sizeof(*p));
	p->name = name;
	if (record_load(c->dirfd, name, &p->buf, &p->len, &e) != 0) {
		p->load_failed = true;
		snprintf(p->why, sizeof(p->why), "%s", e.msg);
		return;
	}
	crypto_hash_sha256(md, p->buf, p->len);
	sodium_bin2hex(p->sha, sizeof(p->sha), md, sizeof(md));
	p->parsed = record_parse_name(name, &p->nstick, &p->nseq, &p->ntype) == 0;
	if (c->seen->n && bsearch(md, c->seen->sha, c->seen->n, sizeof(*c->seen->sha), cmp_sha)) {
		p->deferred = true;
		p->cost = p->len;
		return;
	}
	precheck_finish(c, p);
}

void precheck_clear(struct precheck *p)
{
	free(p->buf);
	payload_free(&p->payload);
	memset(p, 0, sizeof(*p));
}
