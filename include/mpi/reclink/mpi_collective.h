// The Collective of a job launched by mpirun (Open MPI): MPI_Allgatherv, MPI_Gatherv,
// MPI_Allreduce and MPI_Abort on MPI_COMM_WORLD. Built only with -DRECLINK_MPI=ON.
#pragma once

#include <memory>

#include "reclink/collective.h"

namespace reclink {

// True when this process was started by an MPI launcher (mpirun sets OMPI_COMM_WORLD_SIZE, PMIx
// sets PMIX_RANK), so that a plain `reclink` never initializes MPI.
bool LaunchedByMpirun();

// Initializes MPI (MPI_Init_thread, funneled: only the calling thread makes MPI calls; TBB's
// workers never do) and returns the world communicator's Collective. Finalizes MPI when
// destroyed. Call at most once per process.
std::unique_ptr<Collective> StartMpi(int* argc, char*** argv);

}  // namespace reclink
