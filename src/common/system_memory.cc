// The memory bound of this process: physical memory and its control groups' limits.
#include "reclink/system_memory.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

// jemalloc's control interface (jemalloc(3), "MALLCTL NAMESPACE"), weak: null unless the
// executable runs on jemalloc (src/cli/allocator.cc).
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen) __attribute__((weak));

namespace reclink {

namespace {

// A limit file's value: bytes, or 0 for "max", a value past 2^60 (v1's unlimited), or no file.
uint64_t ReadLimit(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return 0;
  try {
    size_t used = 0;
    const unsigned long long v = std::stoull(text, &used);
    if (used != text.size() || v >= (uint64_t{1} << 60)) return 0;
    return static_cast<uint64_t>(v);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

uint64_t CgroupMemoryLimit(const std::string& proc_self_cgroup, const std::string& cgroup_root) {
  uint64_t bound = 0;
  auto take = [&](uint64_t limit) {
    if (limit != 0) bound = bound == 0 ? limit : std::min(bound, limit);
  };
  std::istringstream lines(proc_self_cgroup);
  std::string line;
  while (std::getline(lines, line)) {
    // "ID:CONTROLLERS:PATH"; v2's line is "0::PATH".
    const size_t a = line.find(':');
    const size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (path.empty() || path[0] != '/') continue;
    if (path == "/") path.clear();
    // The limits of the group and of every group above it bound the process.
    auto walk = [&](const std::string& base, const std::string& file) {
      for (std::string p = path;; p = p.substr(0, p.rfind('/'))) {
        take(ReadLimit(base + p + "/" + file));
        if (p.empty()) break;
      }
    };
    if (controllers.empty()) {
      walk(cgroup_root, "memory.max");
      continue;
    }
    std::istringstream names(controllers);
    std::string name;
    while (std::getline(names, name, ',')) {
      if (name == "memory") walk(cgroup_root + "/memory", "memory.limit_in_bytes");
    }
  }
  return bound;
}

uint64_t AvailableMemoryBound() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  uint64_t bound = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
  std::ifstream in("/proc/self/cgroup");
  std::stringstream text;
  text << in.rdbuf();
  const uint64_t group = CgroupMemoryLimit(text.str(), "/sys/fs/cgroup");
  if (group != 0) bound = bound == 0 ? group : std::min(bound, group);
  return bound;
}

void ReturnFreedMemory() {
  // Every arena (MALLCTL_ARENAS_ALL is 4096): its unused dirty pages go back to the system.
  if (mallctl != nullptr) mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
}

}  // namespace reclink
