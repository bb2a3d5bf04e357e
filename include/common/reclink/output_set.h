// OutputSet: a run's output files (clusters.csv, model.json, summary.json, ...) appear in the
// output directory together or not at all.
//
// How: Begin() makes a private staging directory beside DIR (".DIR.reclink-PID-XXXXXX" in DIR's
// parent) before any data is read, and probes that it can write there, so an unwritable,
// read-only or full disk is reported at once. Files are written and fsynced in the staging
// directory. Commit() carries over the entries of DIR that are not reclink outputs (hard links
// for files, copies of symbolic links), fsyncs, and swaps the staging directory with DIR in one
// atomic renameat2(RENAME_EXCHANGE) (or renames it to DIR when DIR did not exist); the previous
// outputs then sit in the staging path and are removed. A kill at any moment leaves DIR with the
// previous run's whole set or the new one's, never a mix; an output of an earlier run that this
// run does not write (pairs.csv without --pairs) is gone after the commit, so the set is one run's.
//
// Per-file fallback: when the swap is impossible (DIR is a mount point, the current directory is
// DIR or inside it, DIR holds a subdirectory, or the file system refuses RENAME_EXCHANGE), the
// staging directory is made inside DIR and each file is renamed into place, summary.json last;
// each file is still whole, but a kill in the middle of the commit can leave a mix. summary.json
// records which commit was used ("output_commit": "atomic" or "per_file").
//
// Staging directories are removed on failure, on destruction without Commit, on SIGINT/SIGTERM/
// SIGHUP, and (after a SIGKILL) by the next Begin() for the same DIR, which removes those whose
// process is gone.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "reclink/file_writer.h"
#include "reclink/status.h"

namespace reclink {

class OutputSet {
 public:
  // output_names: every file name reclink may write into DIR (its own outputs; entries of DIR
  // with other names are the user's and are kept). Creates DIR's parent directories if needed.
  static Result<OutputSet> Begin(const std::string& dir, std::set<std::string> output_names);

  OutputSet(OutputSet&& other) noexcept;
  OutputSet& operator=(OutputSet&&) = delete;
  ~OutputSet();  // abandons an uncommitted set

  // Creates NAME (one of output_names) in the staging directory. The writer must be finished
  // (FileWriter::Finish) before Commit.
  Result<FileWriter> Open(const std::string& name);
  // Writes a whole file.
  Status WriteFile(const std::string& name, std::string_view text);
  // Makes NAME (one of output_names) in the staging directory a hard link to the existing file
  // `from`, which must never change afterwards (an immutable file of the previous set): nothing
  // is copied or synced. Where a hard link is refused (another file system, no links), the file
  // is copied and synced instead.
  Status Link(const std::string& name, const std::string& from);

  // Publishes every file opened so far. On failure before the swap DIR is untouched.
  Status Commit();

  bool atomic() const;                 // whether Commit swaps the whole set at once
  const std::string& dir() const;      // DIR as given
  // The path a committed output will have, e.g. for messages: DIR/NAME.
  std::string FinalPath(const std::string& name) const;

  struct State;

 private:
  explicit OutputSet(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace reclink
