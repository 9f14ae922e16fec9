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
	return done_testing();
}
