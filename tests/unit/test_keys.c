/* Unit tests for lib/keys: key files, passphrases, signatures, signed
 * files, and every way a key file can be wrong. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicio.h"
#include "keys.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/rq-test-keys.XXXXXX";
static int dfd;

/* Writes a key file of our text form with arbitrary binary content. */
static void put_keyfile(const char *name, const char *comment, const unsigned char *bin, size_t len)
{
	char b64[1024], text[1200];

	sodium_bin2base64(b64, sizeof(b64), bin, len, sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof(text), "%s\n%s\n", comment, b64);
	atomic_write(dfd, name, text, strlen(text), 0644, false, NULL);
}

static void put_text(const char *name, const char *text)
{
	atomic_write(dfd, name, text, strlen(text), 0644, false, NULL);
}

/* Decodes a key file's base64 line. */
static size_t get_keyfile(const char *name, unsigned char *bin, size_t max)
{
	char *text, *nl;
	size_t len, binlen = 0;

	if (read_file_bounded(dfd, name, 4096, &text, &len, NULL) != 0)
		return 0;
	nl = strchr(text, '\n');
	if (nl) {
		char *end = strchr(nl + 1, '\n');
		if (end)
			*end = '\0';
		sodium_base642bin(bin, max, nl + 1, strlen(nl + 1), NULL, &binlen, NULL,
				  sodium_base64_VARIANT_ORIGINAL);
	}
	free(text);
	return binlen;
}

static int contains(const rq_error *e, const char *s)
{
	return strstr(e->msg, s) != NULL;
}

static void test_ioc_keys(void)
{
	keys_ioc_secret *sk = NULL, *sk2 = NULL;
	keys_ioc_public pk, pk2, pk3;
	rq_error err = {{0}};
	struct stat st;
	bool prot = true;

	ok(keys_ioc_generate(&sk, &pk, &err) == 0, "IOC keys generate");
	ok(pk.id != 0 && pk.id == sk->id, "IOC key id set and shared");
	ok(keys_ioc_write_public(dfd, "ioc.pub", &pk, &err) == 0, "ioc.pub written");
	ok(keys_ioc_read_public(dfd, "ioc.pub", &pk2, &err) == 0, "ioc.pub read back");
	ok(memcmp(&pk, &pk2, sizeof(pk)) == 0, "ioc.pub round trip equal");
	ok(keys_ioc_write_secret(dfd, "ioc.key", sk, NULL, &err) == 0, "ioc.key written");
	ok(fstatat(dfd, "ioc.key", &st, 0) == 0 && (st.st_mode & 0777) == 0600,
	   "ioc.key has mode 0600");
	ok(keys_ioc_write_secret(dfd, "ioc.key", sk, NULL, &err) != 0 &&
	       contains(&err, "already exists"),
	   "an existing ioc.key is never replaced (%s)", err.msg);
	ok(keys_secret_is_protected(dfd, "ioc.key", &prot, &err) == 0 && !prot,
	   "unprotected key says so");
	ok(keys_ioc_read_secret(dfd, "ioc.key", NULL, &sk2, &err) == 0, "ioc.key read back");
	ok(sk2 && memcmp(sk, sk2, sizeof(*sk)) == 0, "ioc.key round trip equal");
	keys_ioc_public_of(sk2, &pk3);
	ok(memcmp(&pk, &pk3, sizeof(pk)) == 0, "public half of read secret matches ioc.pub");
	keys_ioc_free(sk2);
	sk2 = NULL;

	/* Passphrase. */
	ok(keys_ioc_write_secret(dfd, "ioc-pw.key", sk, "đúng mật khẩu", &err) == 0,
	   "protected ioc.key written");
	ok(keys_secret_is_protected(dfd, "ioc-pw.key", &prot, &err) == 0 && prot,
	   "protected key says so");
	ok(keys_ioc_read_secret(dfd, "ioc-pw.key", "đúng mật khẩu", &sk2, &err) == 0,
	   "right passphrase opens it");
	ok(sk2 && memcmp(sk, sk2, sizeof(*sk)) == 0, "protected round trip equal");
	keys_ioc_free(sk2);
	sk2 = NULL;
	ok(keys_ioc_read_secret(dfd, "ioc-pw.key", "sai mật khẩu", &sk2, &err) != 0 &&
	       contains(&err, "wrong passphrase") && sk2 == NULL,
	   "wrong passphrase refused (%s)", err.msg);
	ok(keys_ioc_read_secret(dfd, "ioc-pw.key", NULL, &sk2, &err) != 0 &&
	       contains(&err, "protected by a passphrase"),
	   "missing passphrase refused (%s)", err.msg);

	/* Damage to the protected file: limits, ciphertext. */
	{
		unsigned char bin[512];
		size_t n = get_keyfile("ioc-pw.key", bin, sizeof(bin));

		ok(n == 180, "protected IOC secret is 180 bytes");
		bin[28] = 0xff; /* opslimit */
		bin[35] = 0xff;
		put_keyfile("ioc-ops.key", "untrusted comment: x", bin, n);
		ok(keys_ioc_read_secret(dfd, "ioc-ops.key", "x", &sk2, &err) != 0 &&
		       contains(&err, "out of range"),
		   "absurd KDF limits refused before hashing (%s)", err.msg);
	}
	{
		unsigned char bin[512];
		size_t n = get_keyfile("ioc.key", bin, sizeof(bin));

		bin[100] ^= 1;
		put_keyfile("ioc-bad.key", "untrusted comment: x", bin, n);
		ok(keys_ioc_read_secret(dfd, "ioc-bad.key", NULL, &sk2, &err) != 0 &&
		       contains(&err, "checksum"),
		   "damaged unprotected key refused (%s)", err.msg);
	}

	/* Signed files. */
	{
		const char *roster = "{\"units\":[\"001\"]}\n";
		char *got = NULL;
		size_t gotlen;
		keys_ioc_secret *other;
		keys_ioc_public opk;

		ok(keys_signed_file_write(dfd, "roster.json", roster, strlen(roster), sk, &err) ==
		       0,
		   "roster.json + roster.sig written");
		ok(faccessat(dfd, "roster.sig", F_OK, 0) == 0, "signature is roster.sig");
		ok(keys_signed_file_read(dfd, "roster.json", 65536, &pk, &got, &gotlen, &err) == 0,
		   "roster verifies (%s)", err.msg);
		ok(got && gotlen == strlen(roster) && memcmp(got, roster, gotlen) == 0,
		   "roster content returned");
		free(got);
		got = NULL;
		put_text("roster.json", "{\"units\":[\"001\",\"666\"]}\n");
		ok(keys_signed_file_read(dfd, "roster.json", 65536, &pk, &got, &gotlen, &err) !=
			   0 &&
		       contains(&err, "bad signature") && got == NULL,
		   "changed roster refused (%s)", err.msg);
		/* A valid signature of another file does not carry over. */
		ok(keys_signed_file_write(dfd, "stick.json", roster, strlen(roster), sk, &err) == 0,
		   "stick.json signed");
		renameat(dfd, "stick.sig", dfd, "roster.sig");
		put_text("roster.json", roster);
		ok(keys_signed_file_read(dfd, "roster.json", 65536, &pk, &got, &gotlen, &err) != 0,
		   "stick.json's signature does not pass for roster.json (%s)", err.msg);
		ok(keys_signed_file_sign(dfd, "roster.json", 65536, sk, &err) == 0 &&
		       keys_signed_file_read(dfd, "roster.json", 65536, &pk, &got, &gotlen, &err) ==
			   0,
		   "re-signing an existing file");
		free(got);
		got = NULL;
		ok(keys_signed_file_write(dfd, "odd\nname.json", "{}", 2, sk, &err) == 0 &&
		       keys_signed_file_read(dfd, "odd\nname.json", 64, &pk, &got, &gotlen, &err) ==
			   0,
		   "a newline in a signed file's name cannot break the .sig format (%s)", err.msg);
		free(got);
		got = NULL;
		ok(keys_ioc_generate(&other, &opk, &err) == 0, "another IOC");
		ok(keys_signed_file_read(dfd, "roster.json", 65536, &opk, &got, &gotlen, &err) !=
			   0 &&
		       contains(&err, "signed by key"),
		   "other IOC's key refused by key id (%s)", err.msg);
		opk.id = pk.id;
		ok(keys_signed_file_read(dfd, "roster.json", 65536, &opk, &got, &gotlen, &err) !=
			   0 &&
		       contains(&err, "bad signature"),
		   "other IOC's key with a forged id refused (%s)", err.msg);
		keys_ioc_free(other);
		unlinkat(dfd, "roster.sig", 0);
		ok(keys_signed_file_read(dfd, "roster.json", 65536, &pk, &got, &gotlen, &err) !=
			   0 &&
		       contains(&err, "roster.sig"),
		   "missing signature refused (%s)", err.msg);
	}
	keys_ioc_free(sk);
}

static void test_stick_keys(void)
{
	keys_stick_secret *sk = NULL, *sk2 = NULL;
	keys_stick_public pk, pk2;
	keys_ioc_public ipk;
	rq_error err = {{0}};
	unsigned char sig[KEYS_SIG_BYTES];
	const char msg[] = "stick.json";

	ok(keys_stick_generate(&sk, &pk, &err) == 0, "stick keys generate");
	ok(keys_stick_write_public(dfd, "stick.pub", &pk, &err) == 0 &&
	       keys_stick_read_public(dfd, "stick.pub", &pk2, &err) == 0 &&
	       memcmp(&pk, &pk2, sizeof(pk)) == 0,
	   "stick.pub round trip");
	ok(keys_stick_write_secret(dfd, "stick.key", sk, &err) == 0 &&
	       keys_stick_read_secret(dfd, "stick.key", &sk2, &err) == 0 &&
	       memcmp(sk, sk2, sizeof(*sk)) == 0,
	   "stick.key round trip");
	keys_stick_free(sk2);
	ok(keys_ioc_read_public(dfd, "stick.pub", &ipk, &err) != 0 &&
	       contains(&err, "algorithm tag"),
	   "stick.pub is not an ioc.pub (%s)", err.msg);
	ok(keys_ioc_read_secret(dfd, "stick.key", NULL, (keys_ioc_secret **)&sk2, &err) != 0,
	   "stick.key is not an ioc.key (%s)", err.msg);
	ok(keys_sign(sk->sign_sk, msg, sizeof(msg), sig, &err) == 0, "detached sign");
	ok(keys_verify(pk.sign_pk, msg, sizeof(msg), sig, &err) == 0, "detached verify");
	sig[10] ^= 4;
	ok(keys_verify(pk.sign_pk, msg, sizeof(msg), sig, &err) != 0 &&
	       contains(&err, "bad signature"),
	   "flipped signature refused");
	keys_stick_free(sk);
}

/* Every malformed key file gets its own message. */
static void test_bad_files(void)
{
	keys_stick_public pk;
	keys_ioc_public ipk;
	rq_error err = {{0}};
	unsigned char bin[256] = "Ed";
	char big[5000];

	put_text("empty.pub", "");
	ok(keys_stick_read_public(dfd, "empty.pub", &pk, &err) != 0 && contains(&err, "empty"),
	   "empty file (%s)", err.msg);
	put_text("nocomment.pub", "RWQ=\n");
	ok(keys_stick_read_public(dfd, "nocomment.pub", &pk, &err) != 0 &&
	       contains(&err, "untrusted comment"),
	   "no comment line (%s)", err.msg);
	put_text("oneline.pub", "untrusted comment: x");
	ok(keys_stick_read_public(dfd, "oneline.pub", &pk, &err) != 0 &&
	       contains(&err, "truncated"),
	   "no key line (%s)", err.msg);
	put_text("b64.pub", "untrusted comment: x\nnot*base64!\n");
	ok(keys_stick_read_public(dfd, "b64.pub", &pk, &err) != 0 && contains(&err, "base64"),
	   "bad base64 (%s)", err.msg);
	put_text("extra.pub", "untrusted comment: x\nRWQ=\nmore\n");
	ok(keys_stick_read_public(dfd, "extra.pub", &pk, &err) != 0 && contains(&err, "after"),
	   "text after key line (%s)", err.msg);
	put_keyfile("short.pub", "untrusted comment: x", bin, 30);
	ok(keys_stick_read_public(dfd, "short.pub", &pk, &err) != 0 &&
	       contains(&err, "wrong length"),
	   "short key (%s)", err.msg);
	put_keyfile("long.pub", "untrusted comment: x", bin, 43);
	ok(keys_stick_read_public(dfd, "long.pub", &pk, &err) != 0 &&
	       contains(&err, "wrong length"),
	   "long key (%s)", err.msg);
	memcpy(bin, "Zz", 2);
	put_keyfile("tag.pub", "untrusted comment: x", bin, 42);
	ok(keys_stick_read_public(dfd, "tag.pub", &pk, &err) != 0 &&
	       contains(&err, "algorithm tag"),
	   "unknown tag (%s)", err.msg);
	memcpy(bin, "Ed", 2);
	{
		char b64[128], text[256];

		sodium_bin2base64(b64, sizeof(b64), bin, 42, sodium_base64_VARIANT_ORIGINAL);
		snprintf(text, sizeof(text), "untrusted comment: x\r\n%s\r\n", b64);
		put_text("crlf.pub", text);
	}
	ok(keys_stick_read_public(dfd, "crlf.pub", &pk, &err) == 0, "CRLF line ends accepted (%s)",
	   err.msg);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put_text("big.pub", big);
	ok(keys_stick_read_public(dfd, "big.pub", &pk, &err) != 0 && contains(&err, "too large"),
	   "oversize key file (%s)", err.msg);
	ok(keys_ioc_read_public(dfd, "missing.pub", &ipk, &err) != 0 &&
	       contains(&err, "missing.pub"),
	   "missing file (%s)", err.msg);
	ok(symlinkat("stick.pub", dfd, "link.pub") == 0 &&
	       keys_stick_read_public(dfd, "link.pub", &pk, &err) != 0,
	   "symlinked key file refused (%s)", err.msg);
	ok(keys_stick_write_public(dfd, "x.pub", &pk, &err) == 0, "public key overwrite allowed");
}

static void test_ids(void)
{
	char hex[KEYS_ID_HEX_LEN + 1], name[64];
	uint64_t id = 0;

	keys_id_hex(0x0123456789abcdefULL, hex);
	is_str(hex, "0123456789abcdef", "key id hex");
	ok(keys_id_parse("0123456789ABCDEF", &id) == 0 && id == 0x0123456789abcdefULL,
	   "key id parse, upper case");
	ok(keys_id_parse("0123456789abcde", &id) != 0, "short id refused");
	ok(keys_id_parse("0123456789abcdefa", &id) != 0, "long id refused");
	ok(keys_id_parse("0123456789abcdeg", &id) != 0, "non-hex id refused");
	keys_sig_name("roster.json", name, sizeof(name));
	is_str(name, "roster.sig", "X.json -> X.sig");
	keys_sig_name("db/MANIFEST", name, sizeof(name));
	is_str(name, "db/MANIFEST.sig", "MANIFEST -> MANIFEST.sig");
	keys_sig_name("a.b/c", name, sizeof(name));
	is_str(name, "a.b/c.sig", "dot in directory ignored");
}

int main(void)
{
	if (mkdtemp(dir) == NULL || (dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0) {
		perror("mkdtemp");
		return 1;
	}
	test_ids();
	test_ioc_keys();
	test_stick_keys();
	test_bad_files();
	remove_tree(dir);
	return done_testing();
}
