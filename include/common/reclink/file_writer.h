// FileWriter: buffered writes to one open file descriptor, with the first OS error kept and
// reported with the file's name and the OS's reason. The building block of AtomicFile and
// OutputSet; it never prints and never throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "reclink/status.h"

namespace reclink {

class FileWriter {
 public:
  // Takes ownership of fd (closed by Finish or the destructor). path names the file in messages.
  FileWriter(int fd, std::string path);
  FileWriter(FileWriter&& other) noexcept;
  FileWriter& operator=(FileWriter&& other) noexcept;
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  ~FileWriter();

  // Appends bytes (buffered; flushed in blocks of 1 MiB; a piece of 1 MiB or more is written
  // from where it is, after what is buffered). After a failure further writes are ignored and
  // Finish returns the first error.
  void Write(std::string_view bytes);
  // Flushes, fsyncs when sync is true (fsync of a pipe or a terminal is not an error), and
  // closes. Returns kOutputError naming the file and the OS reason on any failure so far.
  Status Finish(bool sync = true);

  const std::string& path() const { return path_; }
  bool failed() const { return errno_ != 0; }

 private:
  void Flush();
  void WriteAll(std::string_view bytes);  // every byte, or the first error in errno_

  int fd_ = -1;
  std::string path_;
  std::string buffer_;
  uint64_t written_ = 0;  // bytes written to fd_ so far
  int errno_ = 0;
};

// The kOutputError status for a failed operation on path: "PATH: error: WHAT: OS REASON".
Status OutputError(const std::string& path, const std::string& what, int error_number);

}  // namespace reclink
