// Collective: the few operations a run split across processes needs (gather, all-gather,
// sum-reduce, agree on a status), behind one interface. LocalCollective is the single-process
// one; the MPI one (reclink/mpi_collective.h) is built only with -DRECLINK_MPI=ON.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace reclink {

// Every call is collective: all ranks make the same calls in the same order, from one thread
// each (the thread that created the Collective). Payloads are opaque bytes; the byte counters
// count what this rank handed to the transport (payload only, not the transport's own headers).
class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;  // 0 .. size() - 1
  virtual int size() const = 0;  // >= 1
  bool is_root() const { return rank() == 0; }

  // Every rank's bytes, in rank order, on every rank.
  virtual std::vector<std::string> AllGather(std::string_view bytes) = 0;
  // Every rank's bytes concatenated in rank order, on every rank, with each rank's byte count in
  // *sizes (resized to size()): one buffer rather than a string per rank, so that a large payload
  // (a share of an input table) is held once, and no limit on the total (MPI's 2 GiB of int
  // counts is passed in rounds). The default is AllGather's result joined.
  virtual std::string AllGatherConcat(std::string_view bytes, std::vector<uint64_t>* sizes);
  // Every rank's bytes, in rank order, on rank 0; an empty vector on the other ranks.
  virtual std::vector<std::string> Gather(std::string_view bytes) = 0;
  // Element-wise sum over ranks, in place, on every rank (integers: exact whatever the order).
  virtual void AllReduceSum(std::span<uint64_t> values) = 0;

  // The status every rank agrees on: each passes its exit code (0: fine) and, when nonzero, its
  // error message; every rank gets the code and message of the lowest rank that failed (code 0
  // and an empty message when none did).
  struct Agreement {
    int code = 0;
    int rank = -1;  // the failing rank, -1 when none
    std::string message;
  };
  Agreement Agree(int code, std::string_view message);

  // Ends every rank of the job at once with this exit code (an error no other rank knows of,
  // while they may be waiting in a collective call). Does not return.
  [[noreturn]] virtual void Abort(int code) = 0;

  // Payload bytes this rank has sent so far (for summary.json and bench/mpi.sh).
  uint64_t bytes_sent() const { return bytes_sent_; }

 protected:
  uint64_t bytes_sent_ = 0;
};

// One process: rank 0 of 1. Every call returns at once with this rank's own data.
class LocalCollective final : public Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::vector<std::string> AllGather(std::string_view bytes) override { return {std::string(bytes)}; }
  std::vector<std::string> Gather(std::string_view bytes) override { return {std::string(bytes)}; }
  std::string AllGatherConcat(std::string_view bytes, std::vector<uint64_t>* sizes) override {
    sizes->assign(1, bytes.size());
    return std::string(bytes);
  }
  void AllReduceSum(std::span<uint64_t>) override {}
  [[noreturn]] void Abort(int code) override;
};

// A byte buffer of fixed-width little-endian-as-the-host values, for what ranks exchange (all
// ranks of a job run the same binary on the same kind of machine).
class WireWriter {
 public:
  template <typename T>
  void Put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  // A length-prefixed byte string (WireReader::GetString or GetView reads it back).
  void PutString(std::string_view s) {
    Put<uint64_t>(s.size());
    bytes_.append(s);
  }
  // Room for n more bytes (a caller that knows its payload's size saves the regrowth).
  void Reserve(size_t n) { bytes_.reserve(bytes_.size() + n); }
  std::string Take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

// Reads what WireWriter wrote, in the same order. Reading past the end is a programmer error
// (the two sides are the same binary): it asserts.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  T Get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    Take(&v, sizeof v);
    return v;
  }
  std::string GetString() {
    const uint64_t n = Get<uint64_t>();
    std::string s(n, '\0');
    Take(s.data(), n);
    return s;
  }
  // What PutString wrote, as a view of the reader's bytes (no copy).
  std::string_view GetView() {
    const uint64_t n = Get<uint64_t>();
    const size_t at = pos_;
    Take(nullptr, n);
    return bytes_.substr(at, n);
  }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  void Take(void* out, size_t n);
  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace reclink
