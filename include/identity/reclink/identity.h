// Identities: ids for clusters that survive from one run to the next.
//
// A run clusters records; this stage names the clusters. Given the previous run's identities
// (which identity each record key belonged to) and this run's clusters, every cluster inherits
// the id of a previous identity it shares records with, or gets a fresh id:
//
//   1. Every (cluster, previous identity) pair that shares records is a candidate, weighted by
//      the number of records they share. Candidates are taken in decreasing order of that count
//      (ties: the previous identity with more records first, then the smaller identity id, then
//      the cluster whose smallest record key is smaller); a candidate whose cluster and identity
//      are both still free gives the cluster the identity's id. So a merge keeps the id of the
//      identity that brought the most records, a split leaves the id with the largest part, and
//      a cluster whose records are exactly a previous identity's keeps its id whatever else
//      changed.
//   2. Clusters left without an id get fresh ids, in order of their smallest record key. An id is
//      minted from a counter that only grows (kept in the state), so an id is never reused.
//
// A cluster whose records are exactly one previous identity's (every cluster a night did not touch:
// no record added, changed or deleted, no link added or dropped on its rows) is that identity's
// only candidate and keeps its id, unchanged; only the other clusters are matched as in 1 and 2,
// so their cost follows what changed (the rest is a pass over the rows and one over the ids).
//
// Everything here depends only on record keys, never on row order or the split of the input
// files. The stage owns no I/O beyond (de)serializing its state to bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "reclink/binary_io.h"
#include "reclink/status.h"
#include "reclink/string_table.h"

namespace reclink {

// The identities a run leaves for the next: per record key (sorted, unique), its identity id.
struct IdentityState {
  uint64_t salt = 0;         // fixed when the state is created; makes this state's ids its own
  uint64_t next_serial = 0;  // the next id to mint
  uint64_t runs = 0;         // runs that wrote this state
  // Identity ids, sorted: views of what id_backing holds (the mapped identities.bin a state was
  // read from, viewed in place; for a run's next state, the previous state's id_backing and the
  // run's fresh ids), valid while any copy of id_backing lives.
  StringTable ids;
  // Record keys, sorted: views of what key_backing holds (the mapped identities.bin a state was
  // read from, viewed in place, or copies of the keys a run was given), valid while any copy of
  // key_backing lives.
  StringTable keys;
  U32Table identity_of;  // per key: index into ids (viewed in place too; key_backing holds it)
  std::shared_ptr<const void> key_backing;
  std::shared_ptr<const void> id_backing;

  uint64_t records() const { return keys.size(); }
};

// A new, empty state whose ids are derived from salt (e.g. a hash of the rules).
IdentityState NewIdentityState(uint64_t salt);

// The id for serial number `serial` in a state with `salt`: 13 lower-case base32 characters
// (0-9, a-z without i, l, o, u), opaque and URL-safe; distinct serials give distinct ids.
std::string MintIdentityId(uint64_t salt, uint64_t serial);

// What happened to an identity since the previous run; one row of changes.csv.
enum class IdentityChangeKind {
  kNew,         // a fresh id for records that had none (new records only)
  kGrew,        // kept its id and gained records (none lost)
  kShrank,      // kept its id and lost records (none gained)
  kChanged,     // kept its id, gained and lost records
  kMergedInto,  // its records went into `other` (which kept its own id); this id is retired
  kSplitFrom,   // a fresh id for records taken from `other` (which kept its id or merged)
  kRetired,     // every record of it was deleted
};
std::string_view IdentityChangeName(IdentityChangeKind kind);

struct IdentityChange {
  std::string id;
  IdentityChangeKind kind = IdentityChangeKind::kNew;
  std::string other;            // merged_into / split_from: the other identity; else empty
  uint64_t records_before = 0;  // members in the previous run
  uint64_t records_after = 0;   // members now (0 for merged_into and retired)
  uint64_t records_added = 0;   // members now that were not in it before
  uint64_t records_removed = 0;  // members before that are not in it now
};

// A record whose identity id differs between two states: one row of clusters_changed.csv. Views
// of the states' keys and ids. identity is empty for a record the later state no longer holds
// (deleted), previous for one the earlier state did not hold (new); both are set for a record
// that moved to another identity (its own was merged, split, or it was relinked).
struct RecordIdentityChange {
  std::string_view key;
  std::string_view identity;
  std::string_view previous;

  // "new", "moved" or "deleted": clusters_changed.csv's change column.
  std::string_view kind() const {
    return previous.empty() ? "new" : identity.empty() ? "deleted" : "moved";
  }
};

// The rows of clusters_changed.csv by kind: "new", "moved" and "deleted", each present (maybe 0).
std::map<std::string_view, uint64_t> RecordChangeCounts(
    const std::vector<RecordIdentityChange>& changes);

struct IdentityAssignment {
  // Per cluster index, its id: AssignIdentities fills it; AssignIdentitiesInKeyOrder leaves it
  // empty (cluster_id() names a cluster, ClusterIdStrings makes the table when one is needed).
  std::vector<std::string> cluster_ids;
  std::vector<uint32_t> cluster_index;   // per cluster index: its id's index in next.ids
  std::vector<IdentityChange> changes;   // sorted by id; unchanged identities are not listed
  std::map<std::string, uint64_t> counts;  // per kind name (every kind present, maybe 0), and "unchanged"
  IdentityState next;                    // the state for the next run
  std::vector<uint32_t> rows_by_key;     // rows in record-key order: next.keys[i] is keys[rows_by_key[i]]
  // The records whose identity id changed since the previous state, in key order (every other
  // record of either state is in both with the same id), found from what the naming knows: rows
  // of clusters that kept their identity are not looked at. clusters_changed.csv's rows. Views
  // of next's and the previous state's keys and ids: valid while both live.
  std::vector<RecordIdentityChange> record_changes;

  // Cluster c's id: a view of what next.id_backing holds, valid while next lives.
  std::string_view cluster_id(uint32_t c) const { return next.ids[cluster_index[c]]; }
};

// Every cluster's id, per cluster index (a copy: cluster_ids, made from cluster_index if empty).
std::vector<std::string> ClusterIdStrings(const IdentityAssignment& assignment);

// Names the clusters. keys: per row, the record's key (unique across rows); labels: per row,
// its cluster index in [0, clusters). Error (kInvalidInput) when a key repeats. The keys are
// kept by the next state (pass them with std::move when the caller has no more use for them).
Result<IdentityAssignment> AssignIdentities(const IdentityState& previous, std::vector<std::string> keys,
                                            const std::vector<uint32_t>& labels, uint64_t clusters);

// No previous identity (a record new to the state).
inline constexpr uint32_t kNoIdentity = ~uint32_t{0};

// AssignIdentities for rows already in key order (keys sorted and unique, which is not checked),
// whose previous identities the caller knows: previous_of, per row, an index into previous.ids or
// kNoIdentity. No key is compared; keys become the next state's, and key_backing, which must hold
// what they view, its key_backing. An incremental run, which merges its rows in key order from the
// state's, names its clusters so. cluster_ids is left empty (see IdentityAssignment). gone: the
// previous state's records that no row holds (indices of previous.keys, ascending; the night's
// deletions), which record_changes lists as deleted.
IdentityAssignment AssignIdentitiesInKeyOrder(const IdentityState& previous,
                                              std::vector<std::string_view> keys,
                                              std::shared_ptr<const void> key_backing,
                                              const std::vector<uint32_t>& previous_of,
                                              const std::vector<uint32_t>& labels,
                                              uint64_t clusters, const std::vector<uint32_t>& gone);

// The state as bytes (a versioned header, then the tables, then an XXH3-64 checksum of all that
// precedes it), and back. ParseIdentityState refuses anything it cannot read whole: a wrong
// magic, another version, a bad checksum, a truncated or inconsistent table (kInvalidInput,
// naming `name`). With backing (what holds bytes, e.g. a mapped file; bytes must then not change),
// the keys and ids are views of bytes and the state keeps backing alive; without, of a copy of bytes.
std::string SerializeIdentityState(const IdentityState& state);
// SerializeIdentityState's bytes less the checksum, handed to sink in pieces of about 1 MiB (so a
// large state is written without being held whole); the checksum that follows them is the
// XXH3-64 of all the pieces, little-endian.
void EmitIdentityStateBody(const IdentityState& state, const std::function<void(std::string_view)>& sink);
// trailer: kTrusted skips the checksum (the caller checked the whole file; binary_io.h).
Result<IdentityState> ParseIdentityState(std::string_view bytes, const std::string& name,
                                         std::shared_ptr<const void> backing = nullptr,
                                         TrailerCheck trailer = TrailerCheck::kVerify);

// Version 2: fixed-width tables (end offsets, identity indices) before the ids' and keys' bytes,
// viewed in place by a reader; version 1 (varint-prefixed entries) is still read.
inline constexpr uint32_t kIdentityStateVersion = 2;

}  // namespace reclink
