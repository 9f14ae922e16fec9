/* mount: mounting one volume under /run/raquet/vol/<name>, read-only to scan
 * and read-write only for the moment of acting. Kernel file systems go
 * through mount(2); NTFS, and FAT or exFAT where the kernel has no driver,
 * through their FUSE helpers (ntfs-3g, fusefat, exfat-fuse), run with
 * fork/exec and their exit status checked; BitLocker through dislocker.
 * Every mount is nosuid,nodev,noexec, enforced on the mount point whatever
 * the helper did with its options. Options and states: docs/live-mode.md. */
#ifndef RAQUET_LIVE_MOUNT_H
#define RAQUET_LIVE_MOUNT_H

#include <stdbool.h>
#include <sys/types.h>

#include "live/discover.h"
#include "rqerror.h"

#define MOUNT_BASE     "/run/raquet"
#define MOUNT_MAX_PIDS 8

struct mount_options {
	bool rw;
	bool remove_hiberfile;      /* ntfs-3g remove_hiberfile, rw only */
	const char *bitlocker_pass; /* dashed 48-digit recovery password, or NULL */
};

struct live_mount {
	char point[256];    /* MOUNT_BASE/vol/<name> */
	char dl_point[256]; /* MOUNT_BASE/bitlocker/<name> while unlocked, else "" */
	const char *driver; /* "vfat", "ntfs-3g", "exfat-fuse", ... */
	bool mounted, rw;
	bool dl_mounted;
	bool hibernated;               /* NTFS: Windows hibernated or Fast Startup */
	bool streams;                  /* NTFS through ntfs-3g: named streams reachable */
	pid_t pids[MOUNT_MAX_PIDS];    /* FUSE daemons serving it, waited for on release */
	pid_t dl_pids[MOUNT_MAX_PIDS]; /* dislocker's */
	size_t npids, ndl_pids;
};

/* True when mount_volume knows how to mount this file system type (blkid
 * names), BitLocker included. */
bool mount_supported(const char *fstype);

/* Mounts v at m->point (created) with opts. A volume already mounted
 * anywhere is refused. For NTFS, m->hibernated tells whether Windows left it
 * hibernated (rw was then refused: ntfs-3g falls back to read-only, and the
 * call fails unless remove_hiberfile was given). Returns 0, or -1 with err
 * (nothing left mounted). */
int mount_volume(const struct live_volume *v, const struct mount_options *opts,
		 struct live_mount *m, rq_error *err);

/* Unmounts m (and dislocker's layer under it), waits for its FUSE daemons
 * to finish writing and exit, and removes the mount point. Safe to call on
 * a volume that is not mounted. Returns 0, or -1 with err (the next
 * attempt may still succeed). */
int mount_release(struct live_mount *m, rq_error *err);

#endif
