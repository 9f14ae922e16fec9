/* ui_int: what the launcher's screens (ui.c) lend the summary screen
 * (summary.c): the looks a line can have, drawing a cell, the frame around
 * a screen, reading a key, and the name of the chosen scan mode. Private to
 * boot/ui.c and boot/summary.c; the interface is launcher.h. */
#ifndef RAQUET_UI_INT_H
#define RAQUET_UI_INT_H

#include <stddef.h>
#include <wchar.h>

struct choice;

enum look { LOOK_NORMAL, LOOK_BOLD, LOOK_GOOD, LOOK_BAD, LOOK_WARN, LOOK_HEAD };

/* Draws s at (y, x) in at most cols columns. */
void ui_put(int y, int x, size_t cols, enum look l, const char *s);
/* Clears the screen and draws the title bar and the keys' bottom line. */
void ui_frame(const char *title, const char *keys);
/* Reads a key: returns KEY_CODE_YES for function keys, OK for characters,
 * ERR on timeout. Exits when the terminal went away. */
int ui_read_key(wint_t *k);
/* "Quick scan", "Full scan" or "USB drives" (translated). */
const char *ui_mode_text(const struct choice *c);

#endif
