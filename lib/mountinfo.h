/* mountinfo: reading /proc/self/mountinfo, shared by the live system's disk
 * discovery (scanner/live) and the IOC's system-partition check (sync/). */
#ifndef RAQUET_MOUNTINFO_H
#define RAQUET_MOUNTINFO_H

/* Unescapes the octal escapes (\040) of a mountinfo field in place. */
void mountinfo_unescape(char *s);

#endif
