/* image: the system part of a raquet disk — what boots, as opposed to the
 * data partition — its digest list, and the IOC's key stamped into a
 * released image (docs/stick-layout.md, "The pinned IOC key" and "System
 * partitions"; docs/office-guide.md).
 *
 * The system part is the MBR's boot code (legacy BIOS), the BIOS boot
 * partition (GRUB's core.img) and every file of the EFI system partition
 * RAQUETBOOT (shim, GRUB, grub.cfg, kernel, initrd, the squashfs layers and
 * the pinned key live/ioc.pub). The ESP is read with mtools, in an image
 * file at its offset or on a stick through its partition device.
 *
 * The IOC keeps what it issued in IOC/image/:
 *   issued.img       the last image it stamped (0644; `update --image`
 *                    writes its system part onto a stick)
 *   issued.list      that image's digest list (0644)
 *   KEY.list         every digest list it ever stamped, KEY the first 16
 *                    hex digits of the list's SHA-256 (a stick made from
 *                    an earlier release is "as issued", not modified) */
#ifndef RAQUET_SYNC_IMAGE_H
#define RAQUET_SYNC_IMAGE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "ioc.h"
#include "rqerror.h"

#define IMAGE_ESP_LABEL "RAQUETBOOT"
#define IMAGE_PIN_FILE  "live/ioc.pub" /* on the ESP */
#define IMAGE_DIR       "image"
#define IMAGE_ISSUED    "issued.img"
#define IMAGE_LIST      "issued.list"
#define IMAGE_NAME_MAX  512  /* a digest list entry's name, "esp:/..." */
#define IMAGE_FILES_MAX 4096 /* files on an ESP: the image has ~300 */

/* Where the system part of a disk (an image file or a block device) is. */
struct image_layout {
	char path[PATH_MAX];          /* the image file or the whole disk device */
	int is_device;                /* path is a block device */
	uint64_t esp_off, esp_size;   /* bytes; the ESP is found by its GPT
					 name or FAT label RAQUETBOOT */
	uint64_t bios_off, bios_size; /* the BIOS boot partition; 0 if none */
	/* On a device, the partitions' own devices (/dev/loop0p2): written
	 * with O_EXCL, so a mounted ESP is never overwritten. */
	char esp_dev[PATH_MAX], bios_dev[PATH_MAX];
};

struct image_digest {
	char name[IMAGE_NAME_MAX]; /* "mbr", "bios-boot", "esp:/EFI/BOOT/BOOTX64.EFI" */
	uint64_t size;
	unsigned char sha256[32];
};

/* Sorted by name (bytewise). */
struct image_list {
	struct image_digest *v;
	size_t n;
};

/* The layout of path's partition table. Returns 0, or -1 when there is no
 * RAQUETBOOT partition (or the table cannot be read). */
int image_layout(const char *path, struct image_layout *l, rq_error *err);

/* The digest list of a disk's system part. Hostile input on a stick: names
 * and counts are bounded. */
int image_digest(const struct image_layout *l, struct image_list *out, rq_error *err);
void image_list_free(struct image_list *list);

/* The text form (docs/stick-layout.md): "raquet.sysimage/1", then one
 * "SHA256 SIZE NAME" line per entry. */
int image_list_format(const struct image_list *list, char **text, size_t *len, rq_error *err);
int image_list_read(int dirfd, const char *name, struct image_list *list, rq_error *err);

/* Calls diff(name, what) for each entry that differs ("changed",
 * "missing", "added"); returns the number of differences. */
size_t image_list_compare(const struct image_list *issued, const struct image_list *found,
			  void (*diff)(const char *name, const char *what, void *ctx), void *ctx);

struct image_stamp_result {
	char list_key[17]; /* the digest list's key (KEY.list) */
	size_t nfiles;     /* files on the ESP */
};

/* raquet-sync image: a copy of the released image from with the IOC's
 * ioc.pub as its pinned key, kept as IOC/image/issued.img with its digest
 * list, and copied to out. from NULL: IOC/image/issued.img. */
int image_stamp(struct ioc *ioc, const char *from, const char *out, struct image_stamp_result *r,
		rq_error *err);

/* Copies n bytes from (in, in_off) to (out, out_off), keeping holes where
 * the source reads as zeros (the data partition of an image is mostly
 * zeros). */
int image_copy_range(int in, uint64_t in_off, int out, uint64_t out_off, uint64_t n, rq_error *err);

#endif
