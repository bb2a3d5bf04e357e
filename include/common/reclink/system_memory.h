// How much memory this process may use: the machine's physical memory, or less where a control
// group (cgroup v2 memory.max, cgroup v1 memory.limit_in_bytes) bounds the process, as in a
// container. --memory-limit auto takes half of it (docs/performance.md, "Memory limit").
#pragma once

#include <cstdint>
#include <string>

namespace reclink {

// The smallest memory limit of the control groups named in `proc_self_cgroup` (the text of
// /proc/self/cgroup), read under `cgroup_root` (/sys/fs/cgroup; v1 controllers in its `memory`
// folder). 0 when none sets one (absent files, "max", or v1's "unlimited" of about 2^63).
uint64_t CgroupMemoryLimit(const std::string& proc_self_cgroup, const std::string& cgroup_root);

// The physical memory, bounded by this process's control groups; 0 when unknown.
uint64_t AvailableMemoryBound();

// Hands the memory the allocator holds freed but unreturned back to the system now, rather than
// over the allocator's decay time (jemalloc keeps freed pages for about ten seconds, counted in
// the process's resident memory meanwhile). A run under a memory limit calls it between stages.
// No effect without jemalloc (the system allocator returns large blocks as they are freed).
void ReturnFreedMemory();

}  // namespace reclink
