/* Unit tests for lib/escape: names from infected disks printed safely. */
#include <stdlib.h>

#include "escape.h"
#include "tap.h"

static void check(const char *in, const char *want, const char *what)
{
	char *got = escape_name(in);
	is_str(got, want, "%s", what);
	ok(escape_is_clean(in) == (strcmp(in, want) == 0), "%s: is_clean agrees", what);
	free(got);
}

int main(void)
{
	check("plain/name.exe", "plain/name.exe", "ASCII passes");
	check("Sở Y tế/Đơn vị ưu tiên.doc", "Sở Y tế/Đơn vị ưu tiên.doc", "Vietnamese passes");
	check("a\nb", "a\\x0ab", "newline escaped");
	check("a\x1b[31mred", "a\\x1b[31mred", "terminal escape neutralised");
	check("bad\xff\xfe", "bad\\xff\\xfe", "invalid bytes escaped");
	check("over\xc0\xaflong", "over\\xc0\\xaflong", "overlong UTF-8 escaped");
	check("sur\xed\xa0\x80", "sur\\xed\\xa0\\x80", "UTF-16 surrogate escaped");
	check("cut\xe1\xbb", "cut\\xe1\\xbb", "truncated sequence escaped");
	check("back\\slash", "back\\\\slash", "backslash doubled");
	check("del\x7f", "del\\x7f", "DEL escaped");
	/* C1 controls: U+009B is CSI on the Linux console (ESC [ in one). */
	check("csi\xc2\x9b"
	      "2Jgone",
	      "csi\\xc2\\x9b2Jgone", "U+009B (CSI) escaped");
	check("a\xc2\x80z", "a\\xc2\\x80z", "U+0080, first C1, escaped");
	check("a\xc2\x9fz", "a\\xc2\\x9fz", "U+009F, last C1, escaped");
	check("nbsp\xc2\xa0ok", "nbsp\xc2\xa0ok", "U+00A0, just after C1, passes");
	check("\xc2\x85\xc2\x8d", "\\xc2\\x85\\xc2\\x8d", "NEL and RI escaped");
	check("raw\x9b"
	      "2J",
	      "raw\\x9b2J", "raw byte 0x9b (not UTF-8) escaped");
	check("raw\x80\x9f", "raw\\x80\\x9f", "raw bytes 0x80 and 0x9f escaped");
	check("\xc2", "\\xc2", "lone C2 lead byte at the end escaped");
	return done_testing();
}
