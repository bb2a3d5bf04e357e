// SpillArea: regions of unlinked files in the temp directory, mapped shared.
#include "reclink/spill.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace reclink {

namespace {

Status SpillError(const std::string& dir, const std::string& what, int err) {
  return Status::OutputError(dir + ": error: cannot " + what + " in the temp directory: " + std::strerror(err),
                         "give --temp-dir a writable directory with room for the record columns "
                         "(about the input's size), or raise --memory-limit");
}

// An unlinked file in dir: O_TMPFILE where the file system has it, else a named file removed
// at once. -1 with errno set on failure.
int UnlinkedFile(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return -1;
  std::string name = dir + "/reclink-spill-XXXXXX";
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return -1;
  ::unlink(name.c_str());
  return fd;
}

}  // namespace

Result<std::shared_ptr<SpillArea>> SpillArea::Open(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return SpillError(dir, "use " + dir, errno);
  if (!S_ISDIR(st.st_mode)) return SpillError(dir, "use " + dir, ENOTDIR);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return SpillError(dir, "write", errno);
  return std::shared_ptr<SpillArea>(new SpillArea(dir));
}

SpillArea::~SpillArea() {
  for (const Region& r : regions_) ::munmap(r.data, r.bytes);
}

Result<char*> SpillArea::Allocate(size_t bytes) {
  if (bytes == 0) bytes = 1;
  const int fd = UnlinkedFile(dir_);
  if (fd < 0) return SpillError(dir_, "create a file", errno);
  // Blocks reserved now: a full disk fails here, not as a SIGBUS on a later write to the map.
  if (const int err = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes)); err != 0) {
    ::close(fd);
    return SpillError(dir_, "reserve " + std::to_string(bytes) + " bytes", err);
  }
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int err = errno;
  ::close(fd);  // the mapping keeps the file
  if (p == MAP_FAILED) return SpillError(dir_, "map a file", err);
  std::lock_guard<std::mutex> lock(mu_);
  regions_.push_back(Region{static_cast<char*>(p), bytes});
  return static_cast<char*>(p);
}

void SpillArea::Evict() const {
  std::lock_guard<std::mutex> lock(mu_);
  // On a shared file mapping MADV_DONTNEED unmaps the pages; dirty ones stay in the page cache
  // and reach the file, so the next touch reads the same bytes.
  for (const Region& r : regions_) ::madvise(r.data, r.bytes, MADV_DONTNEED);
}

void SpillArea::AdviseRandomAccess() const {
  std::lock_guard<std::mutex> lock(mu_);
  // No read-ahead: a page read back at random brings that page alone, not the 128 KiB or more
  // after it, which under memory pressure would evict the pages still to be read.
  for (const Region& r : regions_) ::madvise(r.data, r.bytes, MADV_RANDOM);
}

size_t SpillArea::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const Region& r : regions_) n += r.bytes;
  return n;
}

}  // namespace reclink
