// Which memory allocator the reclink executable runs on (allocator.cc), for --version.
#pragma once

namespace reclink {

const char* AllocatorDescription();

// The first call asks the kernel not to back this process's memory with transparent huge pages
// (prctl PR_SET_THP_DISABLE); main() makes it before anything is allocated. Left alone when
// MALLOC_CONF names a `thp` option (the user's choice stands) and where the kernel has no such
// control. Returns whether huge pages are off (every call the same answer). docs/performance.md,
// "Huge pages and the incremental night" and "Small pages for every run".
bool SmallPagesForThisProcess();

}  // namespace reclink
