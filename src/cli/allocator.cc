// The reclink executable's memory allocator. With RECLINK_JEMALLOC (the default where
// libjemalloc-dev is installed) it runs on jemalloc: a run allocates a few hundred megabytes of
// columns, key arrays and pair buffers per million records, and jemalloc keeps and reuses what a
// stage frees (docs/performance.md, "Memory allocator"). Its arenas do not ask for transparent
// huge pages, and the process turns them off at its start (SmallPagesForThisProcess): on a VM
// whose host backs a fresh huge page on first touch, that first touch costs about five times its
// 512 small pages, and a run touches most of its memory once. Measured cold, as a nightly job
// starts: the 1% incremental night at 1M records 0.60 of its time on huge pages, the full 1M run
// 0.89-0.91, the 10M run 0.98-0.99 (docs/performance.md, "Huge pages and the incremental night",
// "Small pages for every run"). (The arenas asked for huge pages, `thp:always`, until the
// twenty-sixth session; after main() turned them off that advice was void, but before it the
// extents jemalloc mapped while the libraries started took a huge page, whose first touch cost
// 7-15 ms of every run.) MALLOC_CONF naming a `thp` option keeps the user's choice
// (MALLOC_CONF=thp:always gives the heap huge pages); RECLINK_HUGE_PAGES=1 keeps them on for the
// record table's own arrays (AdviseHugePages).
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
const char* malloc_conf = "metadata_thp:disabled";  // and thp:default: no advice
}
#endif

namespace reclink {

namespace {

bool TurnHugePagesOff() {
#if defined(__linux__) && defined(PR_SET_THP_DISABLE)
  const char* conf = std::getenv("MALLOC_CONF");
  if (conf != nullptr && std::strstr(conf, "thp") != nullptr) return false;
  // RECLINK_HUGE_PAGES=1 forces the record table's huge pages (AdviseHugePages): it keeps them on.
  const char* forced = std::getenv("RECLINK_HUGE_PAGES");
  if (forced != nullptr && std::strcmp(forced, "1") == 0) return false;
  return prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0;
#else
  return false;
#endif
}

}  // namespace

const char* AllocatorDescription() {
  const bool small = SmallPagesForThisProcess();
#if defined(RECLINK_WITH_JEMALLOC)
  return small ? "jemalloc, small pages" : "jemalloc, pages as MALLOC_CONF says";
#else
  return small ? "system malloc, small pages" : "system malloc";
#endif
}

bool SmallPagesForThisProcess() {
  static const bool off = TurnHugePagesOff();
  return off;
}

}  // namespace reclink
