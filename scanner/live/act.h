/* act: cleaning in live mode, after a read-only scan. Each detection's file
 * is found again on the volume (now mounted read-write), opened component
 * by component without following a symlink, and acted on only if its
 * sha256 is still the one scanned. */
#ifndef RAQUET_LIVE_ACT_H
#define RAQUET_LIVE_ACT_H

#include <stdbool.h>
#include <stddef.h>

#include "scan.h"

/* True when path lies under the directory root. */
bool act_under(const char *root, const char *path);

/* Acts (sc->action, sc->quarantine_dir, sc->on_detection for samples) on
 * each detection of dets[0..n) under root, and sets its outcome and detail.
 * streams: root is NTFS through ntfs-3g's streams_interface=windows, where a
 * ':' in a name names a stream; a stream is removed (its host file stays),
 * never quarantined: see docs/live-mode.md. */
void act_volume(const struct scan_config *sc, const char *root, bool streams,
		struct detection *dets, size_t n);

/* Marks each detection under root as not acted on, with why. */
void act_refuse(const char *root, struct detection *dets, size_t n, const char *why);

#endif
