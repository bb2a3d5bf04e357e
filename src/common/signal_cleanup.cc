// The signal-time cleanup table: temporary files and directories removed on SIGINT/TERM/HUP.
#include "reclink/signal_cleanup.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace reclink {
namespace {

constexpr int kSlots = 64;
constexpr size_t kMaxPath = 4096;

struct Slot {
  std::atomic<int> state{0};  // 0 free, 1 file, 2 directory
  char path[kMaxPath];
};
Slot g_slots[kSlots];
std::atomic<bool> g_installed{false};
// While a commit runs (DeferSignals), a signal on any thread is only recorded here; the commit
// re-raises it when done. Blocking the signals on the committing thread alone would not do:
// the kernel may deliver a process-directed signal to any worker thread.
std::atomic<int> g_deferring{0};
std::atomic<int> g_pending{0};
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

void CleanUpAndRaise(int sig) {
  // Files first, so the directories that held them are empty when their turn comes; newest
  // first within each kind.
  for (int pass = 1; pass <= 2; ++pass) {
    for (int i = kSlots - 1; i >= 0; --i) {
      if (g_slots[i].state.load(std::memory_order_acquire) != pass) continue;
      if (pass == 1) ::unlink(g_slots[i].path);
      else ::rmdir(g_slots[i].path);
    }
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void OnSignal(int sig) {
  if (g_deferring.load(std::memory_order_acquire) > 0) {
    g_pending.store(sig, std::memory_order_release);
    return;
  }
  CleanUpAndRaise(sig);
}

}  // namespace

void InstallSignalCleanup() {
  if (g_installed.exchange(true)) return;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int s : kSignals) sigaddset(&sa.sa_mask, s);
  for (int s : kSignals) {
    struct sigaction old;
    // A signal the parent told us to ignore (nohup, a shell's background job) stays ignored.
    if (::sigaction(s, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    ::sigaction(s, &sa, nullptr);
  }
}

int RegisterCleanup(const std::string& path, bool is_directory) {
  if (path.size() >= kMaxPath) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    // Claim with a value no pass matches, fill in the path, then publish the kind.
    if (g_slots[i].state.compare_exchange_strong(expected, 3, std::memory_order_acq_rel)) {
      std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
      g_slots[i].state.store(is_directory ? 2 : 1, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

void UnregisterCleanup(int slot) {
  if (slot >= 0 && slot < kSlots) g_slots[slot].state.store(0, std::memory_order_release);
}

DeferSignals::DeferSignals() {
  static_assert(sizeof(saved_) >= sizeof(sigset_t));
  g_deferring.fetch_add(1, std::memory_order_acq_rel);
  sigset_t block;
  sigemptyset(&block);
  for (int s : kSignals) sigaddset(&block, s);
  ::pthread_sigmask(SIG_BLOCK, &block, reinterpret_cast<sigset_t*>(saved_));
}

DeferSignals::~DeferSignals() {
  ::pthread_sigmask(SIG_SETMASK, reinterpret_cast<const sigset_t*>(saved_), nullptr);
  if (g_deferring.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    const int sig = g_pending.exchange(0, std::memory_order_acq_rel);
    if (sig != 0) CleanUpAndRaise(sig);
  }
}

}  // namespace reclink
