// Temporary paths removed when the process is stopped by SIGINT, SIGTERM or SIGHUP, so an
// interrupted run leaves no temporary file behind. (SIGKILL cannot be caught: OutputSet removes
// the staging directories of dead runs on the next run into the same --out.)
//
// This is process-wide by nature: signals are delivered to the process. The registry is a fixed
// table written only by the thread that registers and read by the handler with async-signal-safe
// calls (unlink, rmdir); paths longer than 4095 bytes are not registered.
#pragma once

#include <string>

namespace reclink {

// Installs the handlers (idempotent). Each handler removes every registered path (files first,
// then directories, newest first), restores the default action and re-raises the signal, so the
// exit status still says which signal stopped the process.
void InstallSignalCleanup();

// Registers a path to remove on a signal; returns a slot for UnregisterCleanup, or -1 when the
// table (64 entries) is full or the path too long (the path is then simply not cleaned).
int RegisterCleanup(const std::string& path, bool is_directory);
void UnregisterCleanup(int slot);

// Defers SIGINT, SIGTERM and SIGHUP for its lifetime, so a commit that must not be cut in half
// finishes first: a signal that arrives meanwhile (on any thread) is recorded, and handled (clean
// up, then die of it) when the last DeferSignals ends.
class DeferSignals {
 public:
  DeferSignals();
  ~DeferSignals();
  DeferSignals(const DeferSignals&) = delete;
  DeferSignals& operator=(const DeferSignals&) = delete;

 private:
  unsigned long long saved_[16];  // the previous sigset_t, opaque here
};

}  // namespace reclink
