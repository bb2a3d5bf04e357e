// The reclink executable's memory allocator. With RECLINK_JEMALLOC (the default where
// libjemalloc-dev is installed) it runs on jemalloc with transparent huge pages for its arenas:
// a run allocates a few hundred megabytes of columns, key arrays and pair buffers per million
// records, and on 4 KiB pages a fifth of an incremental night's samples and a tenth of a full
// run's were the kernel filling fresh pages (docs/performance.md, "Memory allocator"). jemalloc
// reads this string first; the MALLOC_CONF environment variable still overrides any option in it
// (MALLOC_CONF=thp:default turns the huge pages off again).
#include "allocator.h"

#if defined(RECLINK_WITH_JEMALLOC)
// jemalloc's documented hook for options compiled into the program (jemalloc(3), "TUNING").
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
#endif

namespace reclink {

const char* AllocatorDescription() {
#if defined(RECLINK_WITH_JEMALLOC)
  return "jemalloc, transparent huge pages";
#else
  return "system malloc";
#endif
}

}  // namespace reclink
