/* keys: key files, detached signatures and signed files (see keys.h and
 * docs/record-format.md for the formats). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicio.h"
#include "keys.h"
#include "le.h"

#define COMMENT_PREFIX "untrusted comment: "
/* Key and signature files are a few hundred bytes; anything bigger is not
 * one of ours and is not read into memory. */
#define KEYFILE_MAX 4096
#define BIN_MAX     512

/* Two-byte algorithm tags (the first bytes of every struct). */
#define TAG_ED       "Ed" /* Ed25519: stick keys, signatures */
#define TAG_EX       "EX" /* Ed25519 signing + X25519 sealing: the IOC */
#define KDF_NONE     "\0\0"
#define KDF_ARGON2ID "A2" /* Argon2id v1.3 + XChaCha20-Poly1305 */

/* Public key and signature files: tag, key id, then the keys or the
 * signature. */
#define PUB_OFF_ID    2
#define PUB_OFF_BODY  10
#define STICK_PUB_LEN (PUB_OFF_BODY + crypto_sign_PUBLICKEYBYTES)
#define IOC_PUB_LEN   (PUB_OFF_BODY + crypto_sign_PUBLICKEYBYTES + crypto_box_PUBLICKEYBYTES)
#define SIG_FILE_LEN  (PUB_OFF_BODY + crypto_sign_BYTES)

/* Secret key files: tag, kdf tag, key id, salt, opslimit, memlimit, nonce
 * (the SK_HDR bytes, also the AEAD's additional data), the secret
 * (encrypted or not), then a 16-byte check: the AEAD tag, or BLAKE2b-128
 * of all before it when there is no passphrase. */
#define SK_OFF_KDF   2
#define SK_OFF_ID    4
#define SK_OFF_SALT  12
#define SK_OFF_OPS   (SK_OFF_SALT + crypto_pwhash_SALTBYTES)
#define SK_OFF_MEM   (SK_OFF_OPS + 8)
#define SK_OFF_NONCE (SK_OFF_MEM + 8)
#define SK_HDR       (SK_OFF_NONCE + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
#define SK_CHK       16
#define STICK_SECRET crypto_sign_SECRETKEYBYTES
#define IOC_SECRET   (crypto_sign_SECRETKEYBYTES + crypto_box_SECRETKEYBYTES)

/* Domain separation for signed files: what is signed is this string, a NUL,
 * the file's base name, a NUL, then its bytes. */
#define SIGNED_FILE_CONTEXT "raquet-signed-file/1"

int rq_crypto_init(rq_error *err)
{
	if (sodium_init() < 0)
		return rq_fail(err, "cannot initialise libsodium");
	return 0;
}

void keys_id_hex(uint64_t id, char out[KEYS_ID_HEX_LEN + 1])
{
	snprintf(out, KEYS_ID_HEX_LEN + 1, "%016llx", (unsigned long long)id);
}

int keys_id_parse(const char *hex, uint64_t *id)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < KEYS_ID_HEX_LEN; i++) {
		char c = hex[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = (v << 4) | (uint64_t)d;
	}
	if (hex[i] != '\0')
		return -1;
	*id = v;
	return 0;
}

/* A random, non-zero key id: zero is kept free to mean "none". */
static uint64_t random_id(void)
{
	unsigned char b[8];
	uint64_t id;

	do {
		randombytes_buf(b, sizeof(b));
		id = load_le64(b);
	} while (id == 0);
	return id;
}

/* Memory for secrets (sodium_malloc, after initialising libsodium); NULL
 * with err filled. */
static void *secure_alloc(size_t size, const char *what, rq_error *err)
{
	void *p;

	if (rq_crypto_init(err) != 0)
		return NULL;
	p = sodium_malloc(size);
	if (p == NULL)
		rq_fail(err, "cannot allocate secure memory for %s", what);
	return p;
}

int keys_ioc_generate(keys_ioc_secret **skp, keys_ioc_public *pk, rq_error *err)
{
	keys_ioc_secret *sk = secure_alloc(sizeof(*sk), "the IOC key", err);

	if (sk == NULL)
		return -1;
	sk->id = random_id();
	if (crypto_sign_keypair(pk->sign_pk, sk->sign_sk) != 0 ||
	    crypto_box_keypair(sk->box_pk, sk->box_sk) != 0) {
		sodium_free(sk);
		return rq_fail(err, "cannot generate the IOC key pairs");
	}
	keys_ioc_public_of(sk, pk);
	*skp = sk;
	return 0;
}

int keys_stick_generate(keys_stick_secret **skp, keys_stick_public *pk, rq_error *err)
{
	keys_stick_secret *sk = secure_alloc(sizeof(*sk), "the stick key", err);

	if (sk == NULL)
		return -1;
	sk->id = random_id();
	if (crypto_sign_keypair(pk->sign_pk, sk->sign_sk) != 0) {
		sodium_free(sk);
		return rq_fail(err, "cannot generate the stick key pair");
	}
	keys_stick_public_of(sk, pk);
	*skp = sk;
	return 0;
}

void keys_ioc_free(keys_ioc_secret *sk)
{
	if (sk != NULL)
		sodium_free(sk); /* wipes before unmapping */
}

void keys_stick_free(keys_stick_secret *sk)
{
	if (sk != NULL)
		sodium_free(sk);
}

void keys_ioc_public_of(const keys_ioc_secret *sk, keys_ioc_public *pk)
{
	pk->id = sk->id;
	/* An Ed25519 secret key carries its public key in its second half. */
	crypto_sign_ed25519_sk_to_pk(pk->sign_pk, sk->sign_sk);
	memcpy(pk->box_pk, sk->box_pk, sizeof(pk->box_pk));
}

void keys_stick_public_of(const keys_stick_secret *sk, keys_stick_public *pk)
{
	pk->id = sk->id;
	crypto_sign_ed25519_sk_to_pk(pk->sign_pk, sk->sign_sk);
}

/* --- the text form: comment line + base64 line ---------------------------- */

/* Writes "untrusted comment: <comment>\n<base64>\n". Secret files go
 * through sodium_malloc so that their base64 never lingers in the heap. */
static int write_keyfile(int dirfd, const char *name, const char *comment, const unsigned char *bin,
			 size_t binlen, bool secret, rq_error *err)
{
	size_t b64len = sodium_base64_encoded_len(binlen, sodium_base64_VARIANT_ORIGINAL);
	size_t clen = strlen(COMMENT_PREFIX) + strlen(comment) + 1;
	size_t total = clen + b64len + 1;
	char *text;
	int rc;

	text = secret ? sodium_malloc(total) : malloc(total);
	if (text == NULL)
		return rq_fail(err, "out of memory writing %s", name);
	snprintf(text, clen + 1, "%s%s\n", COMMENT_PREFIX, comment);
	/* The comment may carry a file name; it must stay one line. */
	for (size_t i = strlen(COMMENT_PREFIX); i < clen - 1; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = '?';
	sodium_bin2base64(text + clen, b64len, bin, binlen, sodium_base64_VARIANT_ORIGINAL);
	text[total - 2] = '\n';
	text[total - 1] = '\0';
	/* Secrets: the temporary file is created O_EXCL|O_NOFOLLOW with mode
	 * 0600 and published without ever replacing an existing key. */
	rc = atomic_write(dirfd, name, text, total - 1, secret ? 0600 : 0644, secret, err);
	if (secret)
		sodium_free(text);
	else
		free(text);
	return rc;
}

/* Reads a key or signature file and decodes its base64 line into bin (at
 * most binmax bytes). Tolerates CRLF (files edited on Windows). */
static int read_keyfile(int dirfd, const char *name, unsigned char *bin, size_t binmax,
			size_t *binlen, rq_error *err)
{
	char *text, *line, *end, *nl;
	const char *b64_end;
	size_t textlen;
	int rc = -1;

	if (read_file_bounded(dirfd, name, KEYFILE_MAX, &text, &textlen, err) != 0)
		return -1;
	if (textlen == 0) {
		rq_fail(err, "%s is empty", name);
		goto out;
	}
	if (memchr(text, '\0', textlen) != NULL) {
		rq_fail(err, "%s is not a raquet key file (binary data)", name);
		goto out;
	}
	if (strncmp(text, COMMENT_PREFIX, strlen(COMMENT_PREFIX)) != 0) {
		rq_fail(err, "%s is not a raquet key file (no 'untrusted comment:' line)", name);
		goto out;
	}
	nl = strchr(text, '\n');
	if (nl == NULL) {
		rq_fail(err, "%s is truncated (no key line)", name);
		goto out;
	}
	line = nl + 1;
	end = strchr(line, '\n');
	if (end == NULL)
		end = line + strlen(line);
	/* Only blank lines may follow the key line. */
	for (const char *p = end; *p != '\0'; p++) {
		if (*p != '\n' && *p != '\r') {
			rq_fail(err, "%s has unexpected text after the key line", name);
			goto out;
		}
	}
	if (end > line && end[-1] == '\r')
		end--;
	if (end == line) {
		rq_fail(err, "%s is truncated (empty key line)", name);
		goto out;
	}
	if (sodium_base642bin(bin, binmax, line, (size_t)(end - line), NULL, binlen, &b64_end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    b64_end != end) {
		rq_fail(err, "%s: the key line is not valid base64 or is too long", name);
		goto out;
	}
	if (*binlen < 2) {
		rq_fail(err, "%s: key data too short", name);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(text, textlen);
	free(text);
	return rc;
}

/* Checks the algorithm tag and the exact length for that tag. */
static int check_tag(const char *name, const unsigned char *bin, size_t binlen, const char *tag,
		     size_t want, const char *what, rq_error *err)
{
	if (memcmp(bin, tag, 2) != 0)
		return rq_fail(err,
			       "%s: unknown or unexpected algorithm tag 0x%02x%02x (want '%s', %s)",
			       name, bin[0], bin[1], tag, what);
	if (binlen != want)
		return rq_fail(err, "%s: wrong length for %s (%zu bytes, want %zu)", name, what,
			       binlen, want);
	return 0;
}

/* Reads a key or signature file whose data must carry tag and be exactly
 * want bytes long; bin holds BIN_MAX bytes. */
static int read_tagged(int dirfd, const char *name, const char *tag, size_t want, const char *what,
		       unsigned char *bin, rq_error *err)
{
	size_t len;

	if (read_keyfile(dirfd, name, bin, BIN_MAX, &len, err) != 0 ||
	    check_tag(name, bin, len, tag, want, what, err) != 0)
		return -1;
	return 0;
}

/* The comment line of a key file: "raquet <what> <key id><suffix>". */
static void key_comment(char out[128], const char *what, uint64_t id, const char *suffix)
{
	char hex[KEYS_ID_HEX_LEN + 1];

	keys_id_hex(id, hex);
	snprintf(out, 128, "raquet %s %s%s", what, hex, suffix);
}

/* --- public keys -------------------------------------------------------- */

/* A public key file holds the signing key, then for the IOC the sealing
 * key (box_pk NULL for a stick key). */
static int write_public(int dirfd, const char *name, const char *tag, uint64_t id,
			const unsigned char *sign_pk, const unsigned char *box_pk, const char *what,
			rq_error *err)
{
	unsigned char bin[IOC_PUB_LEN];
	char comment[128];

	memcpy(bin, tag, 2);
	store_le64(bin + PUB_OFF_ID, id);
	memcpy(bin + PUB_OFF_BODY, sign_pk, crypto_sign_PUBLICKEYBYTES);
	if (box_pk != NULL)
		memcpy(bin + PUB_OFF_BODY + crypto_sign_PUBLICKEYBYTES, box_pk,
		       crypto_box_PUBLICKEYBYTES);
	key_comment(comment, what, id, "");
	return write_keyfile(dirfd, name, comment, bin, box_pk ? IOC_PUB_LEN : STICK_PUB_LEN, false,
			     err);
}

static int read_public(int dirfd, const char *name, const char *tag, const char *what, uint64_t *id,
		       unsigned char *sign_pk, unsigned char *box_pk, rq_error *err)
{
	unsigned char bin[BIN_MAX];

	if (read_tagged(dirfd, name, tag, box_pk ? IOC_PUB_LEN : STICK_PUB_LEN, what, bin, err) !=
	    0)
		return -1;
	*id = load_le64(bin + PUB_OFF_ID);
	memcpy(sign_pk, bin + PUB_OFF_BODY, crypto_sign_PUBLICKEYBYTES);
	if (box_pk != NULL)
		memcpy(box_pk, bin + PUB_OFF_BODY + crypto_sign_PUBLICKEYBYTES,
		       crypto_box_PUBLICKEYBYTES);
	return 0;
}

int keys_ioc_write_public(int dirfd, const char *name, const keys_ioc_public *pk, rq_error *err)
{
	return write_public(dirfd, name, TAG_EX, pk->id, pk->sign_pk, pk->box_pk, "IOC public keys",
			    err);
}

int keys_ioc_read_public(int dirfd, const char *name, keys_ioc_public *pk, rq_error *err)
{
	return read_public(dirfd, name, TAG_EX, "IOC public keys", &pk->id, pk->sign_pk, pk->box_pk,
			   err);
}

int keys_stick_write_public(int dirfd, const char *name, const keys_stick_public *pk, rq_error *err)
{
	return write_public(dirfd, name, TAG_ED, pk->id, pk->sign_pk, NULL, "stick public key",
			    err);
}

int keys_stick_read_public(int dirfd, const char *name, keys_stick_public *pk, rq_error *err)
{
	return read_public(dirfd, name, TAG_ED, "a stick public key", &pk->id, pk->sign_pk, NULL,
			   err);
}

/* --- secret keys -------------------------------------------------------- */

/* Derives the key that protects a secret key file from the passphrase into
 * *keyp (sodium memory; the caller frees it, also on failure). */
static int derive_key(const char *name, const char *passphrase, const unsigned char *salt,
		      unsigned long long ops, size_t mem, unsigned char **keyp, rq_error *err)
{
	*keyp = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	if (*keyp == NULL)
		return rq_fail(err, "cannot allocate secure memory for %s", name);
	if (crypto_pwhash(*keyp, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, passphrase,
			  strlen(passphrase), salt, ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return rq_fail(err, "cannot derive a key from the passphrase (out of memory?)");
	return 0;
}

static int write_secret(int dirfd, const char *name, const char *tag, const char *comment,
			uint64_t id, const unsigned char *secret, size_t slen,
			const char *passphrase, rq_error *err)
{
	size_t total = SK_HDR + slen + SK_CHK;
	unsigned char *bin, *key = NULL;
	int rc = -1;

	bin = secure_alloc(total, name, err);
	if (bin == NULL)
		return -1;
	memset(bin, 0, total);
	memcpy(bin, tag, 2);
	store_le64(bin + SK_OFF_ID, id);
	if (passphrase == NULL) {
		memcpy(bin + SK_OFF_KDF, KDF_NONE, 2);
		memcpy(bin + SK_HDR, secret, slen);
		/* Not a secret check, only one that catches a damaged file. */
		if (crypto_generichash(bin + SK_HDR + slen, SK_CHK, bin, SK_HDR + slen, NULL, 0) !=
		    0) {
			rq_fail(err, "cannot checksum %s", name);
			goto out;
		}
	} else {
		unsigned long long maclen;

		memcpy(bin + SK_OFF_KDF, KDF_ARGON2ID, 2);
		randombytes_buf(bin + SK_OFF_SALT, crypto_pwhash_SALTBYTES);
		store_le64(bin + SK_OFF_OPS, crypto_pwhash_OPSLIMIT_INTERACTIVE);
		store_le64(bin + SK_OFF_MEM, crypto_pwhash_MEMLIMIT_INTERACTIVE);
		randombytes_buf(bin + SK_OFF_NONCE, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
		if (derive_key(name, passphrase, bin + SK_OFF_SALT,
			       crypto_pwhash_OPSLIMIT_INTERACTIVE,
			       crypto_pwhash_MEMLIMIT_INTERACTIVE, &key, err) != 0)
			goto out;
		if (crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
			bin + SK_HDR, bin + SK_HDR + slen, &maclen, secret, slen, bin, SK_HDR, NULL,
			bin + SK_OFF_NONCE, key) != 0) {
			rq_fail(err, "cannot encrypt %s", name);
			goto out;
		}
	}
	rc = write_keyfile(dirfd, name, comment, bin, total, true, err);
out:
	if (key != NULL)
		sodium_free(key);
	sodium_free(bin);
	return rc;
}

/* Decodes a secret key file of the given tag into secret (slen bytes). */
static int read_secret(int dirfd, const char *name, const char *tag, const char *what,
		       const char *passphrase, unsigned char *secret, size_t slen, uint64_t *id,
		       rq_error *err)
{
	size_t total = SK_HDR + slen + SK_CHK;
	unsigned char *bin, *key = NULL;
	int rc = -1;

	bin = secure_alloc(BIN_MAX, name, err);
	if (bin == NULL)
		return -1;
	if (read_tagged(dirfd, name, tag, total, what, bin, err) != 0)
		goto out;
	if (memcmp(bin + SK_OFF_KDF, KDF_NONE, 2) == 0) {
		unsigned char chk[SK_CHK];

		if (!sodium_is_zero(bin + SK_OFF_SALT, SK_HDR - SK_OFF_SALT)) {
			rq_fail(err, "%s: malformed (KDF fields set in an unprotected key)", name);
			goto out;
		}
		if (crypto_generichash(chk, sizeof(chk), bin, SK_HDR + slen, NULL, 0) != 0 ||
		    sodium_memcmp(chk, bin + SK_HDR + slen, SK_CHK) != 0) {
			rq_fail(err, "%s: checksum mismatch, the key file is damaged", name);
			goto out;
		}
		memcpy(secret, bin + SK_HDR, slen);
	} else if (memcmp(bin + SK_OFF_KDF, KDF_ARGON2ID, 2) == 0) {
		uint64_t ops = load_le64(bin + SK_OFF_OPS), mem = load_le64(bin + SK_OFF_MEM);

		/* Untrusted limits: a crafted file must not make us spend
		 * more than the strongest standard setting. */
		if (ops < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
		    ops > crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE ||
		    mem < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
		    mem > crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE) {
			rq_fail(err, "%s: passphrase parameters out of range", name);
			goto out;
		}
		if (passphrase == NULL) {
			rq_fail(err, "%s is protected by a passphrase; none was given", name);
			goto out;
		}
		if (derive_key(name, passphrase, bin + SK_OFF_SALT, ops, (size_t)mem, &key, err) !=
		    0)
			goto out;
		if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
			secret, NULL, bin + SK_HDR, slen, bin + SK_HDR + slen, bin, SK_HDR,
			bin + SK_OFF_NONCE, key) != 0) {
			rq_fail(err, "%s: wrong passphrase (or the key file is damaged)", name);
			goto out;
		}
	} else {
		rq_fail(err, "%s: unknown key protection 0x%02x%02x", name, bin[SK_OFF_KDF],
			bin[SK_OFF_KDF + 1]);
		goto out;
	}
	*id = load_le64(bin + SK_OFF_ID);
	rc = 0;
out:
	if (key != NULL)
		sodium_free(key);
	sodium_free(bin);
	return rc;
}

/* Checks that an Ed25519 secret key's embedded public key is the one its
 * seed yields, so a damaged or spliced key is not used to sign. */
static int check_ed25519_sk(const char *name, const unsigned char *sk, rq_error *err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char *sk2 = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	int bad;

	if (sk2 == NULL)
		return rq_fail(err, "cannot allocate secure memory for %s", name);
	bad = crypto_sign_seed_keypair(pk, sk2, sk) != 0 ||
	      memcmp(pk, sk + crypto_sign_SECRETKEYBYTES - crypto_sign_PUBLICKEYBYTES,
		     sizeof(pk)) != 0;
	sodium_free(sk2);
	if (bad)
		return rq_fail(err, "%s: the signing key is inconsistent (damaged?)", name);
	return 0;
}

int keys_ioc_write_secret(int dirfd, const char *name, const keys_ioc_secret *sk,
			  const char *passphrase, rq_error *err)
{
	unsigned char *secret = sodium_malloc(IOC_SECRET);
	char comment[128];
	int rc;

	if (secret == NULL)
		return rq_fail(err, "cannot allocate secure memory for %s", name);
	memcpy(secret, sk->sign_sk, crypto_sign_SECRETKEYBYTES);
	memcpy(secret + crypto_sign_SECRETKEYBYTES, sk->box_sk, crypto_box_SECRETKEYBYTES);
	key_comment(comment, "IOC secret keys", sk->id,
		    passphrase ? " (passphrase-protected)" : "");
	rc =
	    write_secret(dirfd, name, TAG_EX, comment, sk->id, secret, IOC_SECRET, passphrase, err);
	sodium_free(secret);
	return rc;
}

int keys_ioc_read_secret(int dirfd, const char *name, const char *passphrase, keys_ioc_secret **skp,
			 rq_error *err)
{
	unsigned char *secret = sodium_malloc(IOC_SECRET);
	keys_ioc_secret *sk = sodium_malloc(sizeof(*sk));
	int rc = -1;

	if (secret == NULL || sk == NULL) {
		rq_fail(err, "cannot allocate secure memory for %s", name);
		goto out;
	}
	if (read_secret(dirfd, name, TAG_EX, "IOC secret keys", passphrase, secret, IOC_SECRET,
			&sk->id, err) != 0 ||
	    check_ed25519_sk(name, secret, err) != 0)
		goto out;
	memcpy(sk->sign_sk, secret, crypto_sign_SECRETKEYBYTES);
	memcpy(sk->box_sk, secret + crypto_sign_SECRETKEYBYTES, crypto_box_SECRETKEYBYTES);
	if (crypto_scalarmult_base(sk->box_pk, sk->box_sk) != 0) {
		rq_fail(err, "%s: the sealing key is invalid", name);
		goto out;
	}
	*skp = sk;
	sk = NULL;
	rc = 0;
out:
	if (secret != NULL)
		sodium_free(secret);
	if (sk != NULL)
		sodium_free(sk);
	return rc;
}

int keys_stick_write_secret(int dirfd, const char *name, const keys_stick_secret *sk, rq_error *err)
{
	char comment[128];

	key_comment(comment, "stick secret key", sk->id, "");
	return write_secret(dirfd, name, TAG_ED, comment, sk->id, sk->sign_sk,
			    crypto_sign_SECRETKEYBYTES, NULL, err);
}

int keys_stick_read_secret(int dirfd, const char *name, keys_stick_secret **skp, rq_error *err)
{
	keys_stick_secret *sk = sodium_malloc(sizeof(*sk));

	if (sk == NULL)
		return rq_fail(err, "cannot allocate secure memory for %s", name);
	if (read_secret(dirfd, name, TAG_ED, "a stick secret key", NULL, sk->sign_sk,
			crypto_sign_SECRETKEYBYTES, &sk->id, err) != 0 ||
	    check_ed25519_sk(name, sk->sign_sk, err) != 0) {
		sodium_free(sk);
		return -1;
	}
	*skp = sk;
	return 0;
}

int keys_secret_is_protected(int dirfd, const char *name, bool *is_protected, rq_error *err)
{
	unsigned char *bin;
	size_t len;
	int rc = -1;

	bin = secure_alloc(BIN_MAX, name, err);
	if (bin == NULL)
		return -1;
	if (read_keyfile(dirfd, name, bin, BIN_MAX, &len, err) != 0)
		goto out;
	if (len < SK_HDR || (memcmp(bin, TAG_ED, 2) != 0 && memcmp(bin, TAG_EX, 2) != 0)) {
		rq_fail(err, "%s is not a raquet secret key", name);
		goto out;
	}
	*is_protected = memcmp(bin + SK_OFF_KDF, KDF_NONE, 2) != 0;
	rc = 0;
out:
	sodium_free(bin);
	return rc;
}

/* --- signatures --------------------------------------------------------- */

int keys_sign(const unsigned char sign_sk[crypto_sign_SECRETKEYBYTES], const void *buf, size_t len,
	      unsigned char sig[KEYS_SIG_BYTES], rq_error *err)
{
	if (rq_crypto_init(err) != 0)
		return -1;
	if (crypto_sign_detached(sig, NULL, buf, len, sign_sk) != 0)
		return rq_fail(err, "cannot sign");
	return 0;
}

int keys_verify(const unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES], const void *buf,
		size_t len, const unsigned char sig[KEYS_SIG_BYTES], rq_error *err)
{
	if (rq_crypto_init(err) != 0)
		return -1;
	if (crypto_sign_verify_detached(sig, buf, len, sign_pk) != 0)
		return rq_fail(err, "bad signature");
	return 0;
}

int keys_sig_name(const char *name, char *out, size_t outsz)
{
	const char *base = strrchr(name, '/');
	const char *dot;
	size_t stem;

	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	stem = dot && dot != base ? (size_t)(dot - name) : strlen(name);
	if (snprintf(out, outsz, "%.*s.sig", (int)stem, name) >= (int)outsz)
		return -1;
	return 0;
}

static const char *base_name(const char *name)
{
	const char *s = strrchr(name, '/');

	return s ? s + 1 : name;
}

/* The message a signed file's signature covers (see SIGNED_FILE_CONTEXT). */
static unsigned char *signed_message(const char *name, const void *buf, size_t len, size_t *msglen)
{
	const char *base = base_name(name);
	size_t clen = sizeof(SIGNED_FILE_CONTEXT), blen = strlen(base) + 1;
	unsigned char *m;

	if (len > SIZE_MAX - clen - blen)
		return NULL;
	m = malloc(clen + blen + len);
	if (m == NULL)
		return NULL;
	memcpy(m, SIGNED_FILE_CONTEXT, clen);
	memcpy(m + clen, base, blen);
	if (len > 0)
		memcpy(m + clen + blen, buf, len);
	*msglen = clen + blen + len;
	return m;
}

static int write_sig(int dirfd, const char *name, const void *buf, size_t len,
		     const keys_ioc_secret *sk, rq_error *err)
{
	unsigned char bin[SIG_FILE_LEN], *msg;
	char signame[512], comment[600], hex[KEYS_ID_HEX_LEN + 1];
	size_t msglen;
	int rc;

	if (keys_sig_name(name, signame, sizeof(signame)) != 0)
		return rq_fail(err, "file name too long: %s", name);
	msg = signed_message(name, buf, len, &msglen);
	if (msg == NULL)
		return rq_fail(err, "out of memory signing %s", name);
	memcpy(bin, TAG_ED, 2);
	store_le64(bin + PUB_OFF_ID, sk->id);
	rc = keys_sign(sk->sign_sk, msg, msglen, bin + PUB_OFF_BODY, err);
	free(msg);
	if (rc != 0)
		return -1;
	keys_id_hex(sk->id, hex);
	snprintf(comment, sizeof(comment), "signature of %s by IOC key %s", base_name(name), hex);
	return write_keyfile(dirfd, signame, comment, bin, sizeof(bin), false, err);
}

int keys_signed_file_write(int dirfd, const char *name, const void *buf, size_t len,
			   const keys_ioc_secret *sk, rq_error *err)
{
	/* The .sig goes last: until it is there the new file fails to
	 * verify, never the other way round. */
	if (atomic_write(dirfd, name, buf, len, 0644, false, err) != 0)
		return -1;
	return write_sig(dirfd, name, buf, len, sk, err);
}

int keys_signed_file_sign(int dirfd, const char *name, size_t max, const keys_ioc_secret *sk,
			  rq_error *err)
{
	char *buf;
	size_t len;
	int rc;

	if (read_file_bounded(dirfd, name, max, &buf, &len, err) != 0)
		return -1;
	rc = write_sig(dirfd, name, buf, len, sk, err);
	free(buf);
	return rc;
}

int keys_signed_file_read(int dirfd, const char *name, size_t max, const keys_ioc_public *pk,
			  char **out, size_t *outlen, rq_error *err)
{
	unsigned char bin[BIN_MAX], *msg;
	char signame[512], hex[KEYS_ID_HEX_LEN + 1], want[KEYS_ID_HEX_LEN + 1];
	char *buf;
	size_t len, msglen;
	int rc;

	if (rq_crypto_init(err) != 0)
		return -1;
	if (keys_sig_name(name, signame, sizeof(signame)) != 0)
		return rq_fail(err, "file name too long: %s", name);
	if (read_tagged(dirfd, signame, TAG_ED, SIG_FILE_LEN, "an Ed25519 signature", bin, err) !=
	    0)
		return -1;
	if (load_le64(bin + PUB_OFF_ID) != pk->id) {
		keys_id_hex(load_le64(bin + PUB_OFF_ID), hex);
		keys_id_hex(pk->id, want);
		return rq_fail(err, "%s is signed by key %s, not by this IOC's key %s", name, hex,
			       want);
	}
	if (read_file_bounded(dirfd, name, max, &buf, &len, err) != 0)
		return -1;
	msg = signed_message(name, buf, len, &msglen);
	if (msg == NULL) {
		free(buf);
		return rq_fail(err, "out of memory checking %s", name);
	}
	rc = crypto_sign_verify_detached(bin + PUB_OFF_BODY, msg, msglen, pk->sign_pk);
	free(msg);
	if (rc != 0) {
		free(buf);
		return rq_fail(err, "%s: bad signature (the file or %s was changed)", name,
			       signame);
	}
	*out = buf;
	*outlen = len;
	return 0;
}
