/* gensmall DIR COUNT: writes COUNT files of 1 to 8 KiB under DIR/dNNN/,
 * 100 per folder, for the "many small files" corpus of make bench. A
 * fixed-seed xorshift64* makes the same files on every machine. Half are
 * text (words and lines, as documents and scripts are), half binary, so
 * that libclamav's text normalisers and its binary path both run. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dull;
}

static void fill(unsigned char *buf, size_t len, int text)
{
	static const char *const words[] = {
	    "báo",     "cáo",   "the",  "scan",   "file",   "report", "campaign", "unit",
	    "machine", "virus", "data", "office", "system", "window", "12345",    "2026"};
	size_t i = 0;

	if (!text) {
		for (; i < len; i++)
			buf[i] = (unsigned char)rnd();
		return;
	}
	while (i < len) {
		const char *w = words[rnd() % (sizeof(words) / sizeof(words[0]))];
		size_t n = strlen(w);
		for (size_t k = 0; k < n && i < len; k++)
			buf[i++] = (unsigned char)w[k];
		if (i < len)
			buf[i++] = rnd() % 12 == 0 ? '\n' : ' ';
	}
}

int main(int argc, char **argv)
{
	static unsigned char buf[8192];
	char path[4096];
	long count;

	if (argc != 3 || (count = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: gensmall DIR COUNT\n");
		return 2;
	}
	for (long i = 0; i < count; i++) {
		size_t len = 1024 + (size_t)(rnd() % (8192 - 1024 + 1));
		FILE *f;

		if (i % 100 == 0) {
			snprintf(path, sizeof(path), "%s/d%03ld", argv[1], i / 100);
			if (mkdir(path, 0755) != 0 && errno != EEXIST) {
				perror(path);
				return 2;
			}
		}
		snprintf(path, sizeof(path), "%s/d%03ld/f%05ld.%s", argv[1], i / 100, i,
			 i % 2 ? "txt" : "bin");
		fill(buf, len, (int)(i % 2));
		if ((f = fopen(path, "wb")) == NULL || fwrite(buf, 1, len, f) != len ||
		    fclose(f) != 0) {
			perror(path);
			return 2;
		}
	}
	return 0;
}
