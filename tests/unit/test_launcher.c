/* Unit tests for the launcher's pure logic (boot/): text cut to console
 * columns, matching unit names without diacritics, the --progress-fd line
 * and "Record saved" parsers, and the summary built from a result document. */
#include <locale.h>
#include <stdlib.h>

#include "launcher.h"
#include "tap.h"

static void text_tests(void)
{
	char out[256];

	ok(text_width("Sở Y tế") == 7, "width counts characters, not bytes");
	ok(text_width("a\xff") == 2, "an invalid byte counts one column");
	text_cell("UBND huyện Phú Vang", 10, false, out, sizeof(out));
	is_str(out, "UBND huyệ…", "cut to 10 columns with an ellipsis");
	ok(text_width(out) == 10, "  ... exactly 10 columns");
	text_cell("Sở", 5, true, out, sizeof(out));
	is_str(out, "Sở   ", "padded by columns");
	text_cell("a\x1b[31mb\n", 20, false, out, sizeof(out));
	is_str(out, "a?[31mb?", "control characters never reach the terminal");
	text_cell("ab\xff", 20, false, out, sizeof(out));
	is_str(out, "ab?", "invalid UTF-8 shown as ?");
	text_cell("abcdef", 3, false, out, 4);
	ok(strlen(out) <= 3, "never overflows the output");
	text_tail("/mnt/pc/Users/an/Downloads/eicar.com", 16, out, sizeof(out));
	is_str(out, "…loads/eicar.com", "a long path keeps its end");
	ok(text_width(out) <= 16, "  ... within the columns");
	text_tail("short", 16, out, sizeof(out));
	is_str(out, "short", "a short path is left alone");
	text_middle("/mnt/sda2/Users/an/Tài liệu/báo cáo.doc", 20, out, sizeof(out));
	is_str(out, "/mnt/sda2…áo cáo.doc", "the file shown loses its middle, not its ends");
	ok(text_width(out) <= 20, "  ... within the columns");
	text_middle("short", 20, out, sizeof(out));
	is_str(out, "short", "  ... a short one is left alone");

	ok(text_match("UBND huyện Phú Vang", "phu vang"), "typed without accents finds the unit");
	ok(text_match("Sở Y tế", "SỞ Y"), "case-insensitive with accents");
	ok(text_match("Sở Tài chính", "so tai"), "ở and à fold to o and a");
	ok(text_match("Đắk Lắk", "dak lak"), "đ folds to d");
	ok(!text_match("Sở Y tế", "tài"), "no false match");
	ok(text_match("000.00.12.H57 Sở Y tế", "12.h57"), "codes match too");
	ok(text_match("anything", ""), "an empty search matches all");

	text_duration(75, out, sizeof(out));
	is_str(out, "01:15", "mm:ss");
	text_duration(3 * 3600 + 61, out, sizeof(out));
	is_str(out, "3:01:01", "h:mm:ss past an hour");
}

static void progress_tests(void)
{
	struct progress_line pl;

	ok(progress_line_parse("{\"files\":10,\"bytes\":5000000,\"files_total\":40,"
			       "\"bytes_total\":20000000,\"total_known\":true,\"detections\":2,"
			       "\"root\":\"\\/mnt\\/sda2\",\"root_index\":1,\"roots\":3,"
			       "\"seconds\":5.0,\"done\":false}",
			       &pl) == 0,
	   "a progress line parses");
	ok(pl.files == 10 && pl.files_total == 40 && pl.detections == 2 && pl.root_index == 1 &&
	       pl.roots == 3 && pl.total_known && !pl.done,
	   "  ... with its counters");
	is_str(pl.root, "/mnt/sda2", "  ... and its root");
	ok(text_eta(&pl) > 14.9 && text_eta(&pl) < 15.1, "ETA from the rate: 15 s left");
	ok(pl.eta < 0 && pl.file[0] == '\0', "  ... no estimate nor file from an older scanner");
	pl.total_known = false;
	ok(text_eta(&pl) < 0, "no ETA before the pre-count ends");
	ok(progress_line_parse("{\"files\":10,\"bytes\":5000000,\"files_total\":40,"
			       "\"bytes_total\":20000000,\"total_known\":true,"
			       "\"seconds\":5.0,\"eta_seconds\":42.5,"
			       "\"file\":\"/mnt/sda2/a\\\\x1bb.exe\"}",
			       &pl) == 0 &&
	       text_eta(&pl) == 42.5,
	   "the scanner's estimate is the ETA shown");
	is_str(pl.file, "/mnt/sda2/a\\x1bb.exe", "  ... and the file being scanned, as escaped");
	ok(progress_line_parse("{\"total_known\":true,\"eta_seconds\":-3,\"file\":7}", &pl) == 0 &&
	       pl.eta < 0 && pl.file[0] == '\0',
	   "a negative estimate or a file that is no string is ignored");
	ok(progress_line_parse("not json", &pl) != 0, "garbage is not a line");
	ok(progress_line_parse("[1,2]", &pl) != 0, "an array is not a line");
	ok(progress_line_parse("{\"files\":\"many\"}", &pl) == 0 && pl.files == 0,
	   "a field of the wrong type is ignored");

	ok(runscan_record_seq("Record saved: /s/RAQUET/results/24c5ef680a7f518f-12.rqr (#12)\n") ==
	       12,
	   "record number from the Record saved line");
	ok(runscan_record_seq("/pc/x (#3): Eicar FOUND\n") == 0,
	   "a detection line is not a record");
	ok(runscan_record_seq("Record saved: x (#12") == 0, "a cut line is not a record");
}

static void summary_tests(void)
{
	struct summary s = {0};
	const char *doc =
	    "{\"status\":\"cleaned\",\"totals\":{\"files\":9,\"bytes\":1000,\"errors\":1},"
	    "\"duration_seconds\":2.5,"
	    "\"volumes\":[{\"path\":\"/mnt/a\",\"state\":\"scanned\",\"files\":5,\"errors\":1},"
	    "{\"path\":\"/mnt/ab\",\"state\":\"read-only-hibernated\",\"files\":4,\"errors\":0,"
	    "\"device\":\"/dev/sda2\",\"label\":\"Windows\"}],"
	    "\"detections\":[{\"path\":\"/mnt/a/"
	    "x.exe\",\"signature\":\"S1\",\"outcome\":\"quarantined\"},"
	    "{\"path\":\"/mnt/ab/"
	    "y.exe\",\"signature\":\"S2\",\"outcome\":\"failed\",\"detail\":\"read-only\"},"
	    "{\"path\":\"/mnt/ab/z.exe\",\"signature\":\"S3\",\"outcome\":\"reported\"}],"
	    "\"repairs\":[{\"outcome\":\"done\"},{\"outcome\":\"done\"},"
	    "{\"outcome\":\"unsupported\"}]}";

	ok(summary_from_json(doc, &s) == 0, "a result document makes a summary");
	is_str(s.status, "cleaned", "  ... status");
	ok(s.files == 9 && s.bytes == 1000 && s.errors == 1, "  ... totals");
	ok(s.nvols == 2 && s.ndets == 3, "  ... two volumes, three detections");
	ok(s.vols[0].detections == 1 && s.vols[1].detections == 2,
	   "detections counted per volume (/mnt/a is not a prefix of /mnt/ab/...)");
	is_str(s.vols[1].name, "sda2 Windows", "a live volume is named by device and label");
	is_str(s.vols[0].name, "/mnt/a", "a folder by its path");
	is_str(s.dets[1].detail, "read-only", "why an action failed is kept");
	ok(s.repairs_done == 2 && s.repairs_failed == 1 && s.repairs_planned == 0,
	   "USB repairs counted by outcome");
	summary_free(&s);
	ok(summary_from_json("{\"volumes\":", &s) != 0, "a torn document is refused");
	summary_free(&s);

	ok(launcher_name_ok("Nguyễn Văn An"), "a Vietnamese name is a name");
	ok(!launcher_name_ok(""), "an empty name is not");
	ok(!launcher_name_ok("   "), "nor blanks");
	ok(!launcher_name_ok("a\nb"), "nor one with a newline");
}

int main(void)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		printf("1..0 # SKIP no C.UTF-8 locale\n");
		return 0;
	}
	text_tests();
	progress_tests();
	summary_tests();
	return done_testing();
}
