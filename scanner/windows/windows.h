/* windows: what an offline Windows installation says about itself, read
 * from its registry hives with hivex (hives are hostile input: a truncated or
 * corrupt hive is recorded, never fatal). What is read and from where:
 * docs/windows-identity.md. */
#ifndef RAQUET_WINDOWS_H
#define RAQUET_WINDOWS_H

#include <json-c/json.h>

#include "rqerror.h"

/* Looks for Windows/System32/config/{SYSTEM,SOFTWARE} (case-insensitively,
 * never through a symlink) under root (a mounted volume). Returns 1 and sets
 * *out to {"computer_name", "product_name", "display_version", "build",
 *  "install_date", "errors": [...]} (absent values left out; "errors" always
 * there, empty when all went well) when a Windows installation is there, 0
 * when there is none (*out NULL), -1 when root cannot be opened or memory
 * runs out. A hive that cannot be read is listed in "errors". */
int windows_identity(const char *root, json_object **out, rq_error *err);

#endif
