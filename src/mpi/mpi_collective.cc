// MpiCollective: Collective over MPI_COMM_WORLD. Variable-sized payloads travel as a count
// exchange (MPI_Allgather / MPI_Gather of one 64-bit size per rank) then MPI_Allgatherv /
// MPI_Gatherv of bytes; AllGatherConcat moves any total in rounds, the others refuse a payload
// over 2 GiB (MPI's int counts) by an abort, never truncate it.
#include "reclink/mpi_collective.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace reclink {
namespace {

class MpiCollective final : public Collective {
 public:
  MpiCollective() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    // RECLINK_MPI_MAX_MESSAGE_BYTES lowers AllGatherConcat's limit per call, so that a test can
    // take the rounds path without moving 2 GiB.
    if (const char* v = std::getenv("RECLINK_MPI_MAX_MESSAGE_BYTES")) {
      const long long n = std::atoll(v);
      if (n > 0 && n < INT_MAX) max_message_ = static_cast<uint64_t>(n);
    }
  }
  ~MpiCollective() override { MPI_Finalize(); }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::vector<std::string> AllGather(std::string_view bytes) override {
    std::vector<int> counts = ExchangeCounts(bytes.size(), /*all=*/true);
    std::vector<int> displs;
    std::string buffer = Buffer(counts, &displs);
    bytes_sent_ += bytes.size() + sizeof(uint64_t);
    MPI_Allgatherv(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, buffer.data(), counts.data(),
                   displs.data(), MPI_BYTE, MPI_COMM_WORLD);
    return Split(buffer, counts, displs);
  }

  // One MPI_Allgatherv straight into the result when the total fits MPI's int counts; beyond, in
  // rounds of at most INT_MAX / size() bytes per rank, through a buffer.
  std::string AllGatherConcat(std::string_view bytes, std::vector<uint64_t>* sizes) override {
    uint64_t mine = bytes.size();
    sizes->assign(size_, 0);
    MPI_Allgather(&mine, 1, MPI_UINT64_T, sizes->data(), 1, MPI_UINT64_T, MPI_COMM_WORLD);
    bytes_sent_ += bytes.size() + sizeof(uint64_t);
    std::vector<uint64_t> base(size_ + 1, 0);
    for (int r = 0; r < size_; ++r) base[r + 1] = base[r] + (*sizes)[r];
    std::string out(base[size_], '\0');
    std::vector<int> counts(size_), displs(size_);
    if (base[size_] <= max_message_) {
      for (int r = 0; r < size_; ++r) {
        counts[r] = static_cast<int>((*sizes)[r]);
        displs[r] = static_cast<int>(base[r]);
      }
      MPI_Allgatherv(bytes.data(), counts[rank_], MPI_BYTE, out.data(), counts.data(), displs.data(), MPI_BYTE,
                     MPI_COMM_WORLD);
      return out;
    }
    const uint64_t round = std::max<uint64_t>(1, max_message_ / static_cast<uint64_t>(size_));
    const uint64_t longest = *std::max_element(sizes->begin(), sizes->end());
    std::string buffer;
    for (uint64_t done = 0; done < longest; done += round) {
      int total = 0;
      for (int r = 0; r < size_; ++r) {
        const uint64_t left = (*sizes)[r] - std::min((*sizes)[r], done);
        counts[r] = static_cast<int>(std::min(round, left));
        displs[r] = total;
        total += counts[r];
      }
      buffer.resize(static_cast<size_t>(total));
      MPI_Allgatherv(bytes.data() + std::min<uint64_t>(done, mine), counts[rank_], MPI_BYTE, buffer.data(),
                     counts.data(), displs.data(), MPI_BYTE, MPI_COMM_WORLD);
      for (int r = 0; r < size_; ++r) {
        if (counts[r] > 0) std::memcpy(out.data() + base[r] + done, buffer.data() + displs[r], counts[r]);
      }
    }
    return out;
  }

  std::vector<std::string> Gather(std::string_view bytes) override {
    std::vector<int> counts = ExchangeCounts(bytes.size(), /*all=*/false);
    std::vector<int> displs;
    std::string buffer = rank_ == 0 ? Buffer(counts, &displs) : std::string();
    bytes_sent_ += bytes.size() + sizeof(uint64_t);
    MPI_Gatherv(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, buffer.data(), counts.data(),
                displs.data(), MPI_BYTE, 0, MPI_COMM_WORLD);
    if (rank_ != 0) return {};
    return Split(buffer, counts, displs);
  }

  void AllReduceSum(std::span<uint64_t> values) override {
    bytes_sent_ += values.size_bytes();
    MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_UINT64_T, MPI_SUM,
                  MPI_COMM_WORLD);
  }

  [[noreturn]] void Abort(int code) override {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; this keeps [[noreturn]] honest
  }

 private:
  // Every rank's payload size (on every rank, or on rank 0 only).
  std::vector<int> ExchangeCounts(size_t mine, bool all) {
    uint64_t size = mine;
    std::vector<uint64_t> sizes(size_);
    if (all) {
      MPI_Allgather(&size, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD);
    } else {
      MPI_Gather(&size, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    }
    std::vector<int> counts(size_, 0);
    if (!all && rank_ != 0) return counts;
    uint64_t total = 0;
    for (int r = 0; r < size_; ++r) {
      total += sizes[r];
      if (total > static_cast<uint64_t>(INT_MAX)) {
        std::fprintf(stderr, "reclink: error: rank %d: a message of more than 2 GiB to exchange between ranks\n"
                     "hint: run on fewer records per job, or with more memory per rank in a later version\n", rank_);
        Abort(1);
      }
      counts[r] = static_cast<int>(sizes[r]);
    }
    return counts;
  }
  static std::string Buffer(const std::vector<int>& counts, std::vector<int>* displs) {
    displs->assign(counts.size(), 0);
    size_t total = 0;
    for (size_t r = 0; r < counts.size(); ++r) {
      (*displs)[r] = static_cast<int>(total);
      total += counts[r];
    }
    return std::string(total, '\0');
  }
  static std::vector<std::string> Split(const std::string& buffer, const std::vector<int>& counts,
                                        const std::vector<int>& displs) {
    std::vector<std::string> out(counts.size());
    for (size_t r = 0; r < counts.size(); ++r) out[r] = buffer.substr(displs[r], counts[r]);
    return out;
  }

  int rank_ = 0;
  int size_ = 1;
  uint64_t max_message_ = INT_MAX;  // bytes per AllGatherConcat call: MPI's int counts
};

}  // namespace

bool LaunchedByMpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

std::unique_ptr<Collective> StartMpi(int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  // Errors end the job with a message rather than returning codes nobody checks.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
  return std::make_unique<MpiCollective>();
}

}  // namespace reclink
