// Reading inputs split across the ranks of a job (docs/distributed.md): each rank parses a share
// of the input bytes, then every rank receives every share, so each holds the table one process
// would have read.
#pragma once

#include <string>
#include <vector>

#include "reclink/collective.h"
#include "reclink/reader.h"

namespace reclink {

// One input to read: as ReadInput's arguments.
struct InputRead {
  std::string path;
  std::string source_name;
  ReadOptions options;
};

// What ReadInput returns for one input, on every rank.
struct InputReadResult {
  Status status;      // ReadInput's error; Ok when table holds the input
  RecordTable table;  // (empty on error)
  ReadReport report;
};

// Reads inputs with the ranks of group; collective (every rank passes the same list). A plain
// (uncompressed, regular) file in UTF-8 that is CSV quoted with '"' is split into contiguous byte
// ranges, JSON Lines likewise by lines; each rank parses the records whose first byte lies in its
// range (io::ParseCsv, io::ParseJsonLines). Any other input (compressed, the standard input, a
// JSON array, Latin-1, another CSV quote) is read whole by one rank: such inputs are dealt
// round-robin, the standard input to rank 0 (the one mpirun feeds). Then one AllGatherConcat
// sends every rank's shares and whole inputs to every rank, which joins them in rank order.
// Every rank returns, per input in order, what ReadInput returns in one process: the same table
// (columns, rows, values, lines), report and rejects, or the same error. Ranks must see the same
// bytes at each path; different file sizes are an error (InvalidInput), other differences are
// not detected. With a group of one this is ReadInput per input.
std::vector<InputReadResult> ReadInputsShared(const std::vector<InputRead>& inputs, Collective& group);

}  // namespace reclink
