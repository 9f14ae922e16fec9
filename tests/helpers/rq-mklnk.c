/* rq-mklnk: writes a Windows shortcut (MS-SHLLINK, [MS-SHLLINK] 2.1-2.4)
 * for the tests, the way a shortcut worm's look: a LinkInfo with a local
 * base path (the target) and Unicode string data (relative path, working
 * directory, arguments). Test-only: strings are ASCII/UTF-8 made UTF-16LE
 * without surrogates. Check the output with lnkinfo.
 *   rq-mklnk OUT -t 'C:\Windows\System32\cmd.exe' -a '/c start x.vbs' [-r REL] [-w DIR] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char buf[1 << 16];
static size_t len;

static void put(const void *p, size_t n)
{
	if (len + n > sizeof(buf)) {
		fprintf(stderr, "rq-mklnk: too long\n");
		exit(2);
	}
	memcpy(buf + len, p, n);
	len += n;
}

static void u16(unsigned v)
{
	unsigned char b[2] = {v & 0xff, (v >> 8) & 0xff};
	put(b, 2);
}

static void u32(uint32_t v)
{
	unsigned char b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
	put(b, 4);
}

static void set32(size_t at, uint32_t v)
{
	buf[at] = v & 0xff;
	buf[at + 1] = (v >> 8) & 0xff;
	buf[at + 2] = (v >> 16) & 0xff;
	buf[at + 3] = v >> 24;
}

/* StringData: a count of UTF-16 code units, then the units. */
static void string_data(const char *s)
{
	uint16_t units[4096];
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)s;

	while (*p && n < 4096) {
		unsigned c = *p++;
		if (c >= 0xf0) {
			fprintf(stderr, "rq-mklnk: 4-byte UTF-8 not supported\n");
			exit(2);
		} else if (c >= 0xe0) {
			c = ((c & 0x0f) << 12) | ((p[0] & 0x3f) << 6) | (p[1] & 0x3f);
			p += 2;
		} else if (c >= 0xc0) {
			c = ((c & 0x1f) << 6) | (p[0] & 0x3f);
			p += 1;
		}
		units[n++] = (uint16_t)c;
	}
	u16((unsigned)n);
	for (size_t i = 0; i < n; i++)
		u16(units[i]);
}

int main(int argc, char **argv)
{
	const char *target = NULL, *args = NULL, *rel = NULL, *wd = NULL, *out;
	/* HasLinkInfo 0x2, HasRelativePath 0x8, HasWorkingDir 0x10,
	 * HasArguments 0x20, IsUnicode 0x80 */
	uint32_t flags = 0x80;
	static const unsigned char clsid[16] = {0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
						0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
	FILE *f;
	int c;

	if (argc < 2) {
		fprintf(stderr, "usage: rq-mklnk OUT -t TARGET [-a ARGS] [-r REL] [-w DIR]\n");
		return 2;
	}
	out = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "t:a:r:w:")) != -1) {
		switch (c) {
		case 't':
			target = optarg;
			flags |= 0x2;
			break;
		case 'a':
			args = optarg;
			flags |= 0x20;
			break;
		case 'r':
			rel = optarg;
			flags |= 0x8;
			break;
		case 'w':
			wd = optarg;
			flags |= 0x10;
			break;
		default:
			return 2;
		}
	}
	/* ShellLinkHeader */
	u32(0x4c);
	put(clsid, 16);
	u32(flags);
	u32(0x20);                  /* FileAttributes: archive */
	for (int i = 0; i < 6; i++) /* creation, access, write times */
		u32(0);
	u32(0); /* FileSize */
	u32(0); /* IconIndex */
	u32(1); /* ShowCommand: SW_SHOWNORMAL */
	u16(0); /* HotKey */
	u16(0); /* reserved */
	u32(0);
	u32(0);
	if (target) {
		size_t start = len, vol;
		u32(0);    /* LinkInfoSize, set below */
		u32(0x1c); /* LinkInfoHeaderSize */
		u32(1);    /* VolumeIDAndLocalBasePath */
		u32(0x1c); /* VolumeIDOffset */
		u32(0);    /* LocalBasePathOffset, set below */
		u32(0);    /* CommonNetworkRelativeLinkOffset */
		u32(0);    /* CommonPathSuffixOffset, set below */
		vol = len;
		u32(0x11);       /* VolumeIDSize */
		u32(3);          /* DRIVE_FIXED */
		u32(0x12345678); /* serial */
		u32(0x10);       /* VolumeLabelOffset */
		put("", 1);
		set32(start + 16, (uint32_t)(len - start));
		put(target, strlen(target) + 1);
		set32(start + 24, (uint32_t)(len - start));
		put("", 1);
		set32(start, (uint32_t)(len - start));
		(void)vol;
	}
	if (rel)
		string_data(rel);
	if (wd)
		string_data(wd);
	if (args)
		string_data(args);
	u32(0); /* TerminalBlock */
	f = fopen(out, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(out);
		return 2;
	}
	return 0;
}
