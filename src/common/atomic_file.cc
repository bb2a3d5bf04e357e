// AtomicFile: temporary file beside the target, fsync, rename, fsync of the directory.
#include "reclink/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <utility>
#include <vector>

#include "reclink/signal_cleanup.h"

namespace reclink {
namespace fs = std::filesystem;

namespace {

bool UnderSpecialTree(const std::string& path) {
  return path.rfind("/dev/", 0) == 0 || path.rfind("/proc/", 0) == 0;
}

mode_t DefaultFileMode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return OutputError(dir, "cannot open the directory to sync it", errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL) return OutputError(dir, "cannot sync the directory", err);
  return Status::Ok();
}

Result<AtomicFile> AtomicFile::Create(const std::string& path) {
  if (path.empty()) return Status::Usage("error: an output path is empty");
  struct stat st;
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) return OutputError(path, "cannot write the file", EISDIR);
  if ((exists && !S_ISREG(st.st_mode)) || (UnderSpecialTree(path) && !(exists && S_ISREG(st.st_mode)))) {
    // A device, FIFO or socket: written in place, as `> /dev/stdout` would.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return OutputError(path, "cannot open for writing", errno);
    return AtomicFile(FileWriter(fd, path), path, "", -1);
  }
  std::string target = path;
  struct stat lst;
  if (::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
    // Write through the link: replace the file it names, keep the link.
    std::error_code ec;
    const fs::path resolved = fs::weakly_canonical(path, ec);
    if (ec) return OutputError(path, "cannot resolve the symbolic link", ec.value());
    target = resolved.string();
  }
  const fs::path target_path(target);
  const std::string dir = target_path.has_parent_path() ? target_path.parent_path().string() : ".";
  std::string pattern = (fs::path(dir) / ("." + target_path.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = -1, slot = -1;
  {
    // Created and registered for cleanup as one step: a signal between the two would leave it.
    DeferSignals defer;
    fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) return OutputError(target, "cannot create a file in " + dir, errno);
    slot = RegisterCleanup(name.data(), false);
  }
  const std::string temp(name.data());
  // mkostemp creates 0600; an output gets what a plain create would give (or the old file's mode).
  ::fchmod(fd, exists ? (st.st_mode & 07777) : DefaultFileMode());
  return AtomicFile(FileWriter(fd, target), target, temp, slot);
}

AtomicFile::AtomicFile(FileWriter writer, std::string target, std::string temp, int cleanup_slot)
    : writer_(std::move(writer)), target_(std::move(target)), temp_(std::move(temp)), cleanup_slot_(cleanup_slot) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : writer_(std::move(other.writer_)),
      target_(std::move(other.target_)),
      temp_(std::move(other.temp_)),
      cleanup_slot_(std::exchange(other.cleanup_slot_, -1)),
      done_(std::exchange(other.done_, true)) {}

AtomicFile::~AtomicFile() { Abandon(); }

void AtomicFile::Abandon() {
  if (done_) return;
  done_ = true;
  (void)writer_.Finish(false);
  if (!temp_.empty()) ::unlink(temp_.c_str());
  UnregisterCleanup(cleanup_slot_);
}

Status AtomicFile::Commit() {
  if (done_) return Status::Internal("AtomicFile::Commit called twice for " + target_);
  Status st = writer_.Finish(true);
  if (!st.ok() || temp_.empty()) {
    if (!st.ok()) Abandon();
    done_ = true;
    return st;
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    const int err = errno;
    Abandon();
    return OutputError(target_, "cannot replace the file", err);
  }
  done_ = true;
  UnregisterCleanup(cleanup_slot_);
  const fs::path t(target_);
  return SyncDirectory(t.has_parent_path() ? t.parent_path().string() : ".");
}

Status WriteFileAtomically(const std::string& path, std::string_view text) {
  Result<AtomicFile> f = AtomicFile::Create(path);
  if (!f.ok()) return f.status();
  f->Write(text);
  return f->Commit();
}

}  // namespace reclink
