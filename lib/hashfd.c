/* hashfd: streaming sha256 through libsodium. */
#include <sodium.h>
#include <unistd.h>

#include "atomicio.h"
#include "hashfd.h"

int hashfd_sha256(int fd, char hex[65])
{
	unsigned char buf[65536], out[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	off_t off = 0;

	if (sodium_init() < 0)
		return -1;
	crypto_hash_sha256_init(&st);
	for (;;) {
		ssize_t n = pread_full(fd, buf, sizeof(buf), off);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
		off += n;
	}
	crypto_hash_sha256_final(&st, out);
	sodium_bin2hex(hex, 65, out, sizeof(out));
	return 0;
}
