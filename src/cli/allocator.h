// Which memory allocator the reclink executable runs on (allocator.cc), for --version.
#pragma once

namespace reclink {

const char* AllocatorDescription();

// Asks the kernel not to back this process's memory with transparent huge pages from now on
// (prctl PR_SET_THP_DISABLE), for a run that touches most of its memory once: an incremental
// night. Left alone when MALLOC_CONF names a `thp` option (the user's choice stands) and where the
// kernel has no such control. Returns whether huge pages are now off. docs/performance.md, "Huge
// pages and the incremental night".
bool SmallPagesForThisRun();

}  // namespace reclink
