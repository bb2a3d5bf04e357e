// The reclink executable's memory allocator. With RECLINK_JEMALLOC (the default where
// libjemalloc-dev is installed) it runs on jemalloc with transparent huge pages for its arenas:
// a run allocates a few hundred megabytes of columns, key arrays and pair buffers per million
// records, and on 4 KiB pages a fifth of an incremental night's samples and a tenth of a full
// run's were the kernel filling fresh pages (docs/performance.md, "Memory allocator"). jemalloc
// reads this string first; the MALLOC_CONF environment variable still overrides any option in it
// (MALLOC_CONF=thp:default turns the huge pages off again). An incremental night turns them off
// for its process (SmallPagesForThisRun): it touches most of its memory once, and on a VM whose
// host backs a fresh huge page on first touch that costs about five times its small pages
// (docs/performance.md, "Huge pages and the incremental night").
#include "allocator.h"

#include <cstdlib>
#include <cstring>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

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

bool SmallPagesForThisRun() {
#if defined(__linux__) && defined(PR_SET_THP_DISABLE)
  const char* conf = std::getenv("MALLOC_CONF");
  if (conf != nullptr && std::strstr(conf, "thp") != nullptr) return false;
  return prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0;
#else
  return false;
#endif
}

}  // namespace reclink
