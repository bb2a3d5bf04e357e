// OutputSet: staging directory, probe, carry-over of the user's entries, atomic directory swap,
// and the per-file fallback. See output_set.h for the guarantees.
#include "reclink/output_set.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "reclink/atomic_file.h"
#include "reclink/signal_cleanup.h"

namespace reclink {
namespace fs = std::filesystem;

struct OutputSet::State {
  std::string dir;      // as given
  fs::path real;        // absolute, symbolic links resolved; may not exist yet
  fs::path parent;      // real's parent
  std::set<std::string> names;
  bool existed = false;
  bool atomic = true;
  fs::path staging;
  int staging_slot = -1;
  std::vector<std::pair<std::string, int>> files;  // written names and their cleanup slots
  bool finished = false;

  void Abandon() {
    if (finished) return;
    finished = true;
    for (const auto& [name, slot] : files) {
      ::unlink((staging / name).c_str());
      UnregisterCleanup(slot);
    }
    ::rmdir(staging.c_str());
    UnregisterCleanup(staging_slot);
  }
  void ForgetCleanup() {
    for (const auto& f : files) UnregisterCleanup(f.second);
    UnregisterCleanup(staging_slot);
  }
};

namespace {

std::vector<std::string> ListDirectory(const fs::path& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
  }
  return out;
}

// Removes staging directories named PREFIX<pid>-XXXXXX in dir whose process no longer exists
// (left by a run that was killed with SIGKILL).
void RemoveDeadStaging(const fs::path& dir, const std::string& prefix) {
  for (const std::string& n : ListDirectory(dir)) {
    if (n.rfind(prefix, 0) != 0) continue;
    const long pid = std::strtol(n.c_str() + prefix.size(), nullptr, 10);
    if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) {
      std::error_code ec;
      fs::remove_all(dir / n, ec);
    }
  }
}

bool IsInside(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

// Whether the swap of real cannot work or would lose something: a mount point, the current
// directory inside it, a subdirectory in it, or the file system root.
bool NeedsPerFile(const fs::path& real, const fs::path& parent, const std::set<std::string>& names) {
  if (real == parent) return true;
  struct stat a, b;
  if (::stat(real.c_str(), &a) != 0 || ::stat(parent.c_str(), &b) != 0 || a.st_dev != b.st_dev) return true;
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (!ec && IsInside(cwd, real)) return true;
  for (const std::string& n : ListDirectory(real)) {
    if (names.count(n)) continue;
    struct stat s;
    if (::lstat((real / n).c_str(), &s) != 0 || !(S_ISREG(s.st_mode) || S_ISLNK(s.st_mode))) return true;
  }
  return false;
}

Status Probe(const fs::path& staging, const std::string& dir) {
  const fs::path probe = staging / ".probe";
  // Registered before it exists: a signal while it is written (its fsync may take a while on a
  // busy disk) must remove it, or the staging directory could not be removed either.
  const int slot = RegisterCleanup(probe.string(), false);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    UnregisterCleanup(slot);
    return OutputError(dir, "cannot write in the output directory", err);
  }
  FileWriter w(fd, dir);
  w.Write(std::string(64 * 1024, '\0'));  // a full disk refuses this much, not only an inode
  Status st = w.Finish(true);
  ::unlink(probe.c_str());
  UnregisterCleanup(slot);
  return st;
}

}  // namespace

Result<OutputSet> OutputSet::Begin(const std::string& dir, std::set<std::string> output_names) {
  if (dir.empty()) return Status::Usage("error: --out is empty", "name an output directory, e.g. --out out/");
  auto s = std::make_unique<State>();
  s->dir = dir;
  s->names = std::move(output_names);
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec).lexically_normal();
  if (ec) return OutputError(dir, "cannot resolve the output directory", ec.value());
  if (!abs.has_filename() && abs.has_parent_path() && abs != abs.root_path()) abs = abs.parent_path();
  struct stat st;
  if (::stat(abs.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return OutputError(dir, "cannot use as the output directory", ENOTDIR);
    s->existed = true;
    s->real = fs::canonical(abs, ec);
    if (ec) return OutputError(dir, "cannot resolve the output directory", ec.value());
    s->parent = s->real.has_parent_path() ? s->real.parent_path() : s->real;
    s->atomic = !NeedsPerFile(s->real, s->parent, s->names);
  } else {
    fs::create_directories(abs.parent_path(), ec);
    if (ec) return OutputError(abs.parent_path().string(), "cannot create the directory", ec.value());
    s->parent = fs::canonical(abs.parent_path(), ec);
    if (ec) return OutputError(dir, "cannot resolve the output directory", ec.value());
    s->real = s->parent / abs.filename();
  }
  const std::string base = s->real.filename().string();
  const fs::path where = s->atomic ? s->parent : s->real;
  const std::string prefix = s->atomic ? "." + base + ".reclink-" : ".reclink-staging-";
  RemoveDeadStaging(where, prefix);
  std::string pattern = (where / (prefix + std::to_string(::getpid()) + "-XXXXXX")).string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  {
    // Created and registered for cleanup as one step: a signal between the two would leave it.
    DeferSignals defer;
    if (::mkdtemp(buf.data()) == nullptr) {
      const int err = errno;
      return s->existed ? OutputError(dir, "cannot write in the output directory's parent " + where.string(), err)
                        : OutputError(dir, "cannot create the output directory", err);
    }
    s->staging = buf.data();
    s->staging_slot = RegisterCleanup(s->staging.string(), true);
  }
  // mkdtemp makes 0700; the directory that replaces DIR gets DIR's mode, or a plain mkdir's.
  struct stat old_mode;
  if (s->existed && ::stat(s->real.c_str(), &old_mode) == 0) {
    ::chmod(s->staging.c_str(), old_mode.st_mode & 07777);
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::chmod(s->staging.c_str(), 0777 & ~mask);
  }
  Status probe = Probe(s->staging, dir);
  if (!probe.ok()) {
    s->Abandon();
    return probe;
  }
  return OutputSet(std::move(s));
}

OutputSet::OutputSet(std::unique_ptr<State> state) : state_(std::move(state)) {}
OutputSet::OutputSet(OutputSet&& other) noexcept = default;
OutputSet::~OutputSet() {
  if (state_) state_->Abandon();
}

bool OutputSet::atomic() const { return state_->atomic; }
const std::string& OutputSet::dir() const { return state_->dir; }
std::string OutputSet::FinalPath(const std::string& name) const { return (fs::path(state_->dir) / name).string(); }

Result<FileWriter> OutputSet::Open(const std::string& name) {
  State& s = *state_;
  if (s.finished || !s.names.count(name)) return Status::Internal("OutputSet::Open: unexpected output " + name);
  const fs::path path = s.staging / name;
  // Registered before it exists (a signal right after the open must remove it too).
  const int slot = RegisterCleanup(path.string(), false);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    const int err = errno;
    UnregisterCleanup(slot);
    return OutputError(FinalPath(name), "cannot create", err);
  }
  s.files.emplace_back(name, slot);
  return FileWriter(fd, FinalPath(name));
}

Status OutputSet::WriteFile(const std::string& name, std::string_view text) {
  Result<FileWriter> w = Open(name);
  if (!w.ok()) return w.status();
  w->Write(text);
  return w->Finish(true);
}

Status OutputSet::Link(const std::string& name, const std::string& from) {
  State& s = *state_;
  if (s.finished || !s.names.count(name)) return Status::Internal("OutputSet::Link: unexpected output " + name);
  const fs::path path = s.staging / name;
  const int slot = RegisterCleanup(path.string(), false);
  if (::link(from.c_str(), path.c_str()) == 0) {
    s.files.emplace_back(name, slot);
    return Status::Ok();
  }
  UnregisterCleanup(slot);
  std::ifstream in(from, std::ios::binary);
  if (!in) return OutputError(FinalPath(name), "cannot read " + from + " to copy it", errno);
  Result<FileWriter> w = Open(name);
  if (!w.ok()) return w.status();
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) w->Write(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return OutputError(FinalPath(name), "cannot read " + from + " to copy it", EIO);
  return w->Finish(true);
}

Status OutputSet::Commit() {
  State& s = *state_;
  if (s.finished) return Status::Internal("OutputSet::Commit called twice");
  DeferSignals defer;
  auto fail = [&](const std::string& what, int err) {
    s.Abandon();
    return OutputError(s.dir, what, err);
  };

  if (s.atomic) {
    // The output directory may have appeared, or gained a subdirectory, since Begin.
    struct stat st;
    if (!s.existed && ::stat(s.real.c_str(), &st) == 0) s.existed = true;
    bool per_file = s.existed && NeedsPerFile(s.real, s.parent, s.names);
    std::vector<std::string> carried;
    if (!per_file && s.existed) {
      for (const std::string& n : ListDirectory(s.real)) {
        if (s.names.count(n)) continue;
        const fs::path from = s.real / n, to = s.staging / n;
        struct stat e;
        bool ok = ::lstat(from.c_str(), &e) == 0;
        if (ok && S_ISLNK(e.st_mode)) {
          std::error_code ec;
          const fs::path target = fs::read_symlink(from, ec);
          ok = !ec && ::symlink(target.c_str(), to.c_str()) == 0;
        } else if (ok) {
          ok = S_ISREG(e.st_mode) && ::link(from.c_str(), to.c_str()) == 0;
        }
        if (!ok) {
          per_file = true;
          break;
        }
        carried.push_back(n);
      }
    }
    if (!per_file) {
      Status synced = SyncDirectory(s.staging.string());
      if (!synced.ok()) {
        for (const std::string& n : carried) ::unlink((s.staging / n).c_str());
        s.Abandon();
        return synced;
      }
      int rc;
      if (s.existed) {
        rc = ::renameat2(AT_FDCWD, s.staging.c_str(), AT_FDCWD, s.real.c_str(), RENAME_EXCHANGE);
      } else {
        rc = ::rename(s.staging.c_str(), s.real.c_str());
      }
      if (rc == 0) {
        s.finished = true;
        s.ForgetCleanup();
        (void)SyncDirectory(s.parent.string());
        if (s.existed) {
          // The staging path now holds the previous outputs: remove them and the carried links;
          // anything else was created in the directory during the run and goes back.
          std::set<std::string> ours(carried.begin(), carried.end());
          for (const std::string& n : ListDirectory(s.staging)) {
            const fs::path old = s.staging / n;
            if (s.names.count(n) || ours.count(n)) {
              ::unlink(old.c_str());
            } else if (::access((s.real / n).c_str(), F_OK) != 0) {
              ::rename(old.c_str(), (s.real / n).c_str());
            }
          }
          ::rmdir(s.staging.c_str());
        }
        return Status::Ok();
      }
      const int err = errno;
      for (const std::string& n : carried) ::unlink((s.staging / n).c_str());
      if (err != EINVAL && err != ENOSYS && err != ENOTSUP && err != EXDEV && err != EBUSY) {
        return fail("cannot move the new outputs into place", err);
      }
    }
    s.atomic = false;  // fall through: rename file by file from the staging directory
    if (!s.existed) {
      std::error_code ec;
      fs::create_directory(s.real, ec);
      if (ec) return fail("cannot create the output directory", ec.value());
    }
  }

  // Per file: every output but summary.json, then stale outputs of earlier runs removed, then
  // summary.json, which names this run, last.
  std::set<std::string> written;
  for (const auto& f : s.files) written.insert(f.first);
  auto move = [&](const std::string& n) -> Status {
    if (::rename((s.staging / n).c_str(), (s.real / n).c_str()) != 0) return fail("cannot move " + n + " into place", errno);
    // A hard link (Link) to the file already in place: rename leaves both names; drop the staged one.
    ::unlink((s.staging / n).c_str());
    return Status::Ok();
  };
  for (const std::string& n : written) {
    if (n != "summary.json") RECLINK_RETURN_IF_ERROR(move(n));
  }
  for (const std::string& n : s.names) {
    if (!written.count(n)) ::unlink((s.real / n).c_str());
  }
  if (written.count("summary.json")) RECLINK_RETURN_IF_ERROR(move("summary.json"));
  s.finished = true;
  s.ForgetCleanup();
  ::rmdir(s.staging.c_str());
  return SyncDirectory(s.real.string());
}

}  // namespace reclink
