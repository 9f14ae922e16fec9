/* test_stick: RAQUET/config's one parser (lib/sticklayout.h): good text,
 * each kind of bad line with its number, the limits. */
#include <stdlib.h>
#include <string.h>

#include "sticklayout.h"
#include "tap.h"

static int parse(const char *text, struct stick_config *c, rq_error *err)
{
	stick_config_defaults(c);
	return stick_config_parse(text, strlen(text), "config", c, err);
}

static void refused(const char *text, const char *msg, const char *what)
{
	struct stick_config c;
	rq_error err = {{0}};

	stick_config_defaults(&c);
	c.quick = true; /* a marker: a refused text leaves *c alone */
	ok(stick_config_parse(text, strlen(text), "config", &c, &err) == -1 && c.quick &&
	       c.action == RESULTDOC_REPORT,
	   "%s: refused, config untouched", what);
	is_str(err.msg, msg, "  ... %s", msg);
}

int main(void)
{
	struct stick_config c;
	rq_error err;
	char big[STICK_CONFIG_MAX + 2], unit[STICK_UNIT_MAX + 16];

	ok(parse("", &c, &err) == 0 && c.action == RESULTDOC_REPORT && !c.quick && !c.unattended &&
	       !c.poweroff && c.unit[0] == '\0' && c.sample_max == STICK_SAMPLE_MAX,
	   "empty: the defaults");
	ok(parse("# c\n\n  action\t=\tquarantine \r\nscan = quick\nunattended = yes\n"
		 "poweroff = yes\nunit = 000.01.20.H57\nsample_max_bytes = 1024\nnewer = x\n",
		 &c, &err) == 0,
	   "every key, CRLF, blanks, comments, an unknown key");
	ok(c.action == RESULTDOC_QUARANTINE && c.quick && c.unattended && c.poweroff &&
	       strcmp(c.unit, "000.01.20.H57") == 0 && c.sample_max == 1024,
	   "  ... all taken");
	ok(parse("action = delete\nscan = full\nunattended = no\npoweroff = no", &c, &err) == 0 &&
	       c.action == RESULTDOC_DELETE && !c.quick && !c.unattended && !c.poweroff,
	   "the other values, no final newline");
	ok(parse("action = report\naction = delete\n", &c, &err) == 0 &&
	       c.action == RESULTDOC_DELETE,
	   "a later line wins");

	refused("action = explode\n", "config: line 1: bad value for action", "unknown action");
	refused("action = Report\n", "config: line 1: bad value for action", "action in capitals");
	refused("\n\n# x\nscan = fast\n", "config: line 4: bad value for scan",
		"bad scan after blank lines");
	refused("unattended = true\n", "config: line 1: bad value for unattended", "yes/no");
	refused("poweroff =\n", "config: line 1: bad value for poweroff", "empty yes/no");
	refused("unit = \n", "config: line 1: bad value for unit", "empty unit");
	refused("action report\n", "config: line 1: expected key = value", "no =");
	refused("sample_max_bytes = 62914561\n", "config: line 1: bad value for sample_max_bytes",
		"sample cap over the limit");
	refused("sample_max_bytes = -1\n", "config: line 1: bad value for sample_max_bytes",
		"negative sample cap");
	refused("sample_max_bytes = +5\n", "config: line 1: bad value for sample_max_bytes",
		"signed sample cap");
	refused("sample_max_bytes = 99999999999999999999999\n",
		"config: line 1: bad value for sample_max_bytes", "sample cap beyond 64 bits");
	refused("sample_max_bytes = \n", "config: line 1: bad value for sample_max_bytes",
		"empty sample cap");

	ok(parse("", &c, &err) == 0 && !c.station && c.station_idle == 0,
	   "mode and station_idle: a PC scan that never idles out by default");
	ok(parse("mode = station\nstation_idle = 600\n", &c, &err) == 0 && c.station &&
	       c.station_idle == 600,
	   "mode = station with station_idle");
	ok(parse("mode = station\nmode = pc\nstation_idle = 86400\n", &c, &err) == 0 &&
	       !c.station && c.station_idle == STICK_IDLE_MAX,
	   "mode = pc; station_idle at its limit");
	refused("mode = usb\n", "config: line 1: bad value for mode", "unknown mode");
	refused("mode = Station\n", "config: line 1: bad value for mode", "mode in capitals");
	refused("mode =\n", "config: line 1: bad value for mode", "empty mode");
	refused("station_idle = 86401\n", "config: line 1: bad value for station_idle",
		"station_idle over a day");
	refused("station_idle = -1\n", "config: line 1: bad value for station_idle",
		"negative station_idle");
	refused("station_idle = 10s\n", "config: line 1: bad value for station_idle",
		"station_idle with a unit");
	refused("station_idle = \n", "config: line 1: bad value for station_idle",
		"empty station_idle");
	refused("station_idle = 99999999999999999999999\n",
		"config: line 1: bad value for station_idle", "station_idle beyond 64 bits");

	ok(parse("sample_max_bytes = 62914560\n", &c, &err) == 0 &&
	       c.sample_max == STICK_SAMPLE_LIMIT,
	   "the sample cap at its limit");
	memset(unit, 'u', sizeof(unit));
	memcpy(unit, "unit = ", 7);
	unit[7 + STICK_UNIT_MAX - 1] = '\0';
	ok(parse(unit, &c, &err) == 0 && strlen(c.unit) == STICK_UNIT_MAX - 1, "a unit of %d bytes",
	   STICK_UNIT_MAX - 1);
	unit[7 + STICK_UNIT_MAX - 1] = 'u';
	unit[7 + STICK_UNIT_MAX] = '\0';
	refused(unit, "config: line 1: bad value for unit", "a unit one byte too long");

	ok(stick_config_parse("a = b\nx\0y\n", 10, "config", &c, &err) == -1 &&
	       strcmp(err.msg, "config: line 2: a NUL byte") == 0,
	   "a NUL byte is refused with its line");
	memset(big, '#', sizeof(big));
	ok(stick_config_parse(big, STICK_CONFIG_MAX, "config", &c, &err) == 0,
	   "%d bytes of comment: accepted", STICK_CONFIG_MAX);
	ok(stick_config_parse(big, STICK_CONFIG_MAX + 1, "config", &c, &err) == -1 &&
	       strstr(err.msg, "too large") != NULL,
	   "one byte more: too large");
	return done_testing();
}
