/* keys: the key files of the IOC (an X25519 sealing pair and an Ed25519
 * signing pair) and of a stick (an Ed25519 signing pair), detached Ed25519
 * signatures, and signed files (X.json next to X.sig).
 *
 * File formats (docs/record-format.md has them byte by byte): as minisign,
 * an "untrusted comment: ..." line, then one line of base64 (original
 * variant) of a packed little-endian struct that starts with a two-byte
 * algorithm tag and an eight-byte key id. Unknown tags and wrong lengths are
 * refused. Secrets live in sodium_malloc memory and are released with the
 * matching *_free function. */
#ifndef RAQUET_KEYS_H
#define RAQUET_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "rqerror.h"

#define KEYS_SIG_BYTES  crypto_sign_BYTES
#define KEYS_ID_HEX_LEN 16

/* The IOC's public keys, as in ioc.pub: a stick seals records to box_pk and
 * checks the IOC's signatures (roster, stick.json, MANIFEST) with sign_pk. */
typedef struct keys_ioc_public {
	uint64_t id;
	unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char box_pk[crypto_box_PUBLICKEYBYTES];
} keys_ioc_public;

/* The IOC's secret keys (ioc.key); only ever in sodium_malloc memory. */
typedef struct keys_ioc_secret {
	uint64_t id;
	unsigned char sign_sk[crypto_sign_SECRETKEYBYTES];
	unsigned char box_pk[crypto_box_PUBLICKEYBYTES];
	unsigned char box_sk[crypto_box_SECRETKEYBYTES];
} keys_ioc_secret;

/* A stick's public key (stick.pub); its id is the stick id. */
typedef struct keys_stick_public {
	uint64_t id;
	unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES];
} keys_stick_public;

/* A stick's secret key (stick.key); only ever in sodium_malloc memory. */
typedef struct keys_stick_secret {
	uint64_t id;
	unsigned char sign_sk[crypto_sign_SECRETKEYBYTES];
} keys_stick_secret;

/* Initialises libsodium; idempotent and thread-safe. Every keys_, record_
 * and payload_ entry point that needs it calls it, so callers need not. */
int rq_crypto_init(rq_error *err);

/* Writes id as 16 lower-case hex digits (the form used in file names). */
void keys_id_hex(uint64_t id, char out[KEYS_ID_HEX_LEN + 1]);
/* Parses exactly 16 hex digits (either case); -1 on anything else. */
int keys_id_parse(const char *hex, uint64_t *id);

/* Generation: a fresh random key id and key pairs. The secret is allocated
 * with sodium_malloc; release it with keys_*_free. */
int keys_ioc_generate(keys_ioc_secret **sk, keys_ioc_public *pk, rq_error *err);
int keys_stick_generate(keys_stick_secret **sk, keys_stick_public *pk, rq_error *err);
void keys_ioc_free(keys_ioc_secret *sk);
void keys_stick_free(keys_stick_secret *sk);

/* The public half of a secret key (to check a .pub matches its .key). */
void keys_ioc_public_of(const keys_ioc_secret *sk, keys_ioc_public *pk);
void keys_stick_public_of(const keys_stick_secret *sk, keys_stick_public *pk);

/* Public key files, replaced atomically (mode 0644). */
int keys_ioc_write_public(int dirfd, const char *name, const keys_ioc_public *pk, rq_error *err);
int keys_ioc_read_public(int dirfd, const char *name, keys_ioc_public *pk, rq_error *err);
int keys_stick_write_public(int dirfd, const char *name, const keys_stick_public *pk,
			    rq_error *err);
int keys_stick_read_public(int dirfd, const char *name, keys_stick_public *pk, rq_error *err);

/* Secret key files: created O_EXCL|O_NOFOLLOW with mode 0600 and never
 * replaced (an existing file is an error). A non-NULL passphrase encrypts
 * the IOC secret with a key from Argon2id (crypto_pwhash, interactive
 * limits) and XChaCha20-Poly1305. Stick keys have no passphrase: a stick
 * signs unattended. */
int keys_ioc_write_secret(int dirfd, const char *name, const keys_ioc_secret *sk,
			  const char *passphrase, rq_error *err);
/* passphrase may be NULL for an unprotected file; a protected file then
 * fails with a message saying a passphrase is needed. */
int keys_ioc_read_secret(int dirfd, const char *name, const char *passphrase, keys_ioc_secret **sk,
			 rq_error *err);
int keys_stick_write_secret(int dirfd, const char *name, const keys_stick_secret *sk,
			    rq_error *err);
int keys_stick_read_secret(int dirfd, const char *name, keys_stick_secret **sk, rq_error *err);
/* Tells whether a secret key file is passphrase-protected (to decide
 * whether to prompt). */
int keys_secret_is_protected(int dirfd, const char *name, bool *is_protected, rq_error *err);

/* Detached Ed25519 signatures over a buffer, by a raw secret key (sign_sk of
 * either secret struct) and checked against a raw public key. */
int keys_sign(const unsigned char sign_sk[crypto_sign_SECRETKEYBYTES], const void *buf, size_t len,
	      unsigned char sig[KEYS_SIG_BYTES], rq_error *err);
int keys_verify(const unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES], const void *buf,
		size_t len, const unsigned char sig[KEYS_SIG_BYTES], rq_error *err);

/* Signed files: "X.json" is signed in "X.sig" ("MANIFEST" in
 * "MANIFEST.sig"). The signature covers the file's name as well as its
 * bytes, so a signed roster cannot pass for a signed stick.json. */
int keys_sig_name(const char *name, char *out, size_t outsz);
/* Writes name (atomically, replacing) with buf and its .sig, signed by the
 * IOC's signing key. */
int keys_signed_file_write(int dirfd, const char *name, const void *buf, size_t len,
			   const keys_ioc_secret *sk, rq_error *err);
/* Writes only the .sig for an existing file name (at most max bytes). */
int keys_signed_file_sign(int dirfd, const char *name, size_t max, const keys_ioc_secret *sk,
			  rq_error *err);
/* Reads name (at most max bytes) and checks its .sig against the IOC's
 * public signing key. On success *out is a malloc'd, NUL-terminated copy. */
int keys_signed_file_read(int dirfd, const char *name, size_t max, const keys_ioc_public *pk,
			  char **out, size_t *outlen, rq_error *err);

#endif
