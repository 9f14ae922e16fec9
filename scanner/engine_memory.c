/* engine_memory: fitting a signature set of the official one's size into a
 * PC with little RAM (docs/performance.md, "Memory with a signature set of
 * real size").
 *
 * About 8.7 M signatures take some 1.9 GiB in libclamav with its defaults;
 * a live system on a 2 GiB PC has about 1.8 GiB for everything, without
 * swap. Half of that memory is the Aho-Corasick trie of the body and
 * logical signatures: every node of depths 0 to 2 of each target type's
 * trie has a 256-pointer transition table (2 KiB), up to 65,536 such nodes
 * per target type at depth 2. With the trie stopping at depth 2 (the
 * patterns then hang in lists under depth-2 leaves; a pattern still needs
 * 2 static leading bytes, as with the default minimum depth), the same
 * signatures match the same files. On the synthetic full set it took
 * 0.5 GiB less for the logical signatures alone. The price is scan time
 * where many patterns share two leading bytes, so it is only taken where
 * the memory is short: below ENGINE_SMALL_RAM of RAM, or when asked. */
#include <stdlib.h>
#include <sys/sysinfo.h>

#include "engine.h"

#define ENGINE_SMALL_RAM   (3ULL << 30) /* "2 GB" PCs report about 1.9 GiB */
#define ENGINE_SMALL_DEPTH 2            /* libclamav's default is 3 */

/* The machine's RAM in bytes; RAQUET_TEST_MEMTOTAL_MIB stands in for it in
 * the tests (a test cannot change the RAM of the machine it runs on). */
static unsigned long long machine_ram(void)
{
	const char *t = getenv("RAQUET_TEST_MEMTOTAL_MIB");
	struct sysinfo si;

	if (t && *t) {
		char *end;
		unsigned long long mib = strtoull(t, &end, 10);
		if (*end == '\0' && mib > 0 && mib < (1ULL << 40))
			return mib << 20;
	}
	if (sysinfo(&si) != 0)
		return 0; /* unknown: keep libclamav's defaults */
	return (unsigned long long)si.totalram * si.mem_unit;
}

int engine_memory_apply(struct cl_engine *engine, enum engine_memory mode, bool *small,
			rq_error *err)
{
	cl_error_t rc;

	if (mode == ENGINE_MEMORY_AUTO) {
		unsigned long long ram = machine_ram();
		mode = ram > 0 && ram < ENGINE_SMALL_RAM ? ENGINE_MEMORY_SMALL : ENGINE_MEMORY_FULL;
	}
	*small = mode == ENGINE_MEMORY_SMALL;
	if (!*small)
		return 0;
	if ((rc = cl_engine_set_num(engine, CL_ENGINE_AC_MAXDEPTH, ENGINE_SMALL_DEPTH)) !=
	    CL_SUCCESS)
		return rq_fail(err, "cannot set libclamav's trie depth: %s", cl_strerror(rc));
	return 0;
}
