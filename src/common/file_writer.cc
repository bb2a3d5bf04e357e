// FileWriter: buffered, error-keeping writes to a file descriptor.
#include "reclink/file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace reclink {

namespace {
constexpr size_t kFlushBytes = size_t{1} << 20;
}  // namespace

Status OutputError(const std::string& path, const std::string& what, int error_number) {
  std::string hint;
  if (error_number == ENOSPC || error_number == EDQUOT) {
    hint = "free some space on that disk or choose another --out";
  } else if (error_number == EACCES || error_number == EPERM || error_number == EROFS) {
    hint = "choose an --out you can write to";
  }
  return Status::OutputError(path + ": error: " + what + ": " + std::strerror(error_number), hint);
}

FileWriter::FileWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

FileWriter::FileWriter(FileWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      buffer_(std::move(other.buffer_)),
      written_(other.written_),
      errno_(other.errno_) {}

FileWriter& FileWriter::operator=(FileWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    buffer_ = std::move(other.buffer_);
    written_ = other.written_;
    errno_ = other.errno_;
  }
  return *this;
}

FileWriter::~FileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void FileWriter::Write(std::string_view bytes) {
  if (errno_ != 0) return;
  if (bytes.size() >= kFlushBytes) {
    // A piece of a MiB or more (a table of the run state, a block of rows) goes to the file from
    // where it is, after what is buffered: copying it into the buffer first was a third of the
    // CPU time of writing the run state.
    Flush();
    WriteAll(bytes);
    return;
  }
  buffer_.append(bytes);
  if (buffer_.size() >= kFlushBytes) Flush();
}

void FileWriter::Flush() {
  WriteAll(buffer_);
  buffer_.clear();
}

void FileWriter::WriteAll(std::string_view bytes) {
  size_t done = 0;
  while (errno_ == 0 && done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      errno_ = errno;
    } else {
      done += static_cast<size_t>(n);
    }
  }
  // The block's write-back starts now, while the next one is made, rather than all of it in
  // Finish's fsync. Only a hint: pipes and terminals refuse it, and that changes nothing.
  if (errno_ == 0 && done > 0) (void)::sync_file_range(fd_, static_cast<off_t>(written_), static_cast<off_t>(done), SYNC_FILE_RANGE_WRITE);
  written_ += done;
}

Status FileWriter::Finish(bool sync) {
  if (fd_ < 0) return errno_ ? OutputError(path_, "cannot write", errno_) : Status::Ok();
  Flush();
  // fsync is refused (EINVAL) by pipes, terminals and some special files: they have nothing to
  // make durable, so that is not a failure.
  if (errno_ == 0 && sync && ::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) errno_ = errno;
  if (::close(fd_) != 0 && errno_ == 0 && errno != EINTR) errno_ = errno;
  fd_ = -1;
  return errno_ ? OutputError(path_, "cannot write", errno_) : Status::Ok();
}

}  // namespace reclink
