/* hashfd: sha256 of an open file's whole content, read with pread so the
 * file offset is left alone. */
#ifndef RAQUET_HASHFD_H
#define RAQUET_HASHFD_H

/* Fills hex (65 bytes) with the lowercase sha256 of fd's content. */
int hashfd_sha256(int fd, char hex[65]);

#endif
