// The group of processes a command runs in: under mpirun (in a build with -DRECLINK_MPI=ON) the
// MPI job, else this process alone. Also how errors are reported and agreed on in a group
// (docs/distributed.md): every rank ends with the same exit code, and the message is printed
// once, by rank 0.
#pragma once

#include <string>

#include "reclink/collective.h"
#include "reclink/status.h"

namespace reclink::cli {

// Joins the MPI job when launched by mpirun and this build has MPI; otherwise a group of one.
// Call once, before any command runs.
void StartProcessGroup(int* argc, char*** argv);
// The group (a LocalCollective before StartProcessGroup or without MPI).
Collective& ProcessGroup();
// True under mpirun (even with -np 1): dedupe and link then run split across the ranks.
bool InMpiJob();

// The usage error for what a run under mpirun cannot do yet; Ok otherwise.
Status CheckDistributable(const std::string& command, bool state, bool incremental, bool report);

// In a job, a rank other than 0 keeps an error's text for the agreement instead of printing it
// (rank 0 prints it, once); returns true when it kept it.
bool DeferErrorText(const std::string& text);

// The point after which every rank runs collective calls: all ranks agree whether any failed
// before it. Returns 0 when none did; else the exit code of the lowest failing rank (rank 0 has
// printed its message), and the group counts as settled.
int ProcessGroupCheckpoint();

// Ends the group: agrees on the exit code (unless a checkpoint already did), leaves the MPI job,
// and returns the code this process should exit with.
int FinishProcessGroup(int code);

// An error no other rank knows of, while they may be in a collective call (an exception): ends
// the whole job with `code`. Returns only in a group of one.
void AbortProcessGroup(int code);

}  // namespace reclink::cli
