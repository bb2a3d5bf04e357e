// The process group of a command (process_group.h): MPI when built with it and launched by
// mpirun, else this process alone. The only place in the CLI that knows whether MPI is built.
#include "process_group.h"

#include <cstdio>
#include <memory>

#ifdef RECLINK_WITH_MPI
#include "reclink/mpi_collective.h"
#endif

namespace reclink::cli {
namespace {

struct GroupState {
  std::unique_ptr<Collective> group = std::make_unique<LocalCollective>();
  bool mpi = false;
  bool settled = false;        // the exit code was agreed (a failed checkpoint)
  std::string deferred_error;  // a rank other than 0: its error text, for the agreement
};
GroupState& State() {
  static GroupState state;
  return state;
}

// Rank 0 prints the failing rank's message when another rank failed (its own it printed at once).
void ReportAgreement(const Collective::Agreement& a) {
  if (a.code != 0 && a.rank > 0 && ProcessGroup().is_root()) {
    std::fprintf(stderr, "reclink: rank %d of %d: %s", a.rank, ProcessGroup().size(), a.message.c_str());
  }
}

}  // namespace

void StartProcessGroup(int* argc, char*** argv) {
#ifdef RECLINK_WITH_MPI
  if (LaunchedByMpirun()) {
    State().group = StartMpi(argc, argv);
    State().mpi = true;
  }
#else
  (void)argc;
  (void)argv;
#endif
}

Collective& ProcessGroup() { return *State().group; }
bool InMpiJob() { return State().mpi; }

Status CheckDistributable(const std::string& command, bool state, bool incremental, bool report) {
  const std::string hint = "run it without mpirun (docs/distributed.md lists what runs distributed)";
  if (command != "dedupe" && command != "link") {
    return Status::Usage("error: `reclink " + command + "` does not run under mpirun yet; only dedupe and link do", hint);
  }
  // A full run with --state runs distributed: every rank reads the state (its model), rank 0
  // alone writes the next one. An incremental night works on the changed records only and runs
  // in one process.
  (void)state;
  if (incremental) {
    return Status::Usage("error: --incremental does not run under mpirun; an incremental night runs in one process",
                         "run it without mpirun (docs/distributed.md lists what runs distributed)");
  }
  if (report) return Status::Usage("error: --report does not run under mpirun yet", hint);
  return Status::Ok();
}

bool DeferErrorText(const std::string& text) {
  if (!InMpiJob() || ProcessGroup().is_root()) return false;
  State().deferred_error += text;
  return true;
}

int ProcessGroupCheckpoint() {
  if (!InMpiJob()) return 0;
  const Collective::Agreement a = ProcessGroup().Agree(0, {});
  if (a.code == 0) return 0;
  State().settled = true;
  ReportAgreement(a);
  return a.code;
}

int FinishProcessGroup(int code) {
  GroupState& s = State();
  if (!s.mpi) return code;
  if (!s.settled) {
    const Collective::Agreement a = ProcessGroup().Agree(code, s.deferred_error);
    ReportAgreement(a);
    code = a.code;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  s.group.reset();  // MPI_Finalize
  s.group = std::make_unique<LocalCollective>();
  return code;
}

void AbortProcessGroup(int code) {
  if (InMpiJob() && ProcessGroup().size() > 1) ProcessGroup().Abort(code);
}

}  // namespace reclink::cli
