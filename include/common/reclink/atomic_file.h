// AtomicFile: one output file that appears whole or not at all. It is written to a uniquely
// named temporary file beside the target, fsynced, renamed over the target, and the directory
// fsynced; a failure, a destroyed uncommitted AtomicFile, or SIGINT/SIGTERM/SIGHUP (see
// signal_cleanup.h) removes the temporary file.
//
// Targets that are not regular files are never replaced:
// - a symbolic link is written through: the file it points to is replaced atomically;
// - a character device, FIFO or socket (and any path under /dev/ or /proc/, e.g. /dev/stdout)
//   is written in place, not atomically (there is nothing to rename over);
// - a directory is an error.
#pragma once

#include <string>
#include <string_view>

#include "reclink/file_writer.h"
#include "reclink/status.h"

namespace reclink {

class AtomicFile {
 public:
  // Opens the temporary file for path. Errors (kOutputError): the target is a directory, its
  // directory does not exist or is not writable; the message carries the OS reason.
  static Result<AtomicFile> Create(const std::string& path);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  void Write(std::string_view bytes) { writer_.Write(bytes); }
  // Makes the file appear under its name. On failure the target is untouched and the temporary
  // file removed.
  Status Commit();

  // The path the content will have (a symbolic link's target).
  const std::string& target() const { return target_; }

 private:
  AtomicFile(FileWriter writer, std::string target, std::string temp, int cleanup_slot);
  void Abandon();

  FileWriter writer_;
  std::string target_;
  std::string temp_;  // empty when writing in place
  int cleanup_slot_ = -1;
  bool done_ = false;
};

// Writes text to path atomically (AtomicFile::Create, Write, Commit).
Status WriteFileAtomically(const std::string& path, std::string_view text);

// fsyncs a directory so a rename inside it is durable; errors other than EINVAL are returned.
Status SyncDirectory(const std::string& dir);

}  // namespace reclink
