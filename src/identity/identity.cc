// AssignIdentities: names this run's clusters after the previous run's identities (see
// reclink/identity.h for the rule) and says what happened to each identity.
#include "reclink/identity.h"

#include <algorithm>
#include <iterator>
#include <numeric>
#include <tuple>

#include "reclink/hash.h"
#include "reclink/parallel.h"
#include "reclink/radix_sort.h"

namespace reclink {
namespace {

constexpr char kBase32[] = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford's, lower case
constexpr uint32_t kNone = ~uint32_t{0};

struct Candidate {
  uint32_t cluster;
  uint32_t previous;  // index into previous.ids
  uint64_t shared;    // records in both
};

}  // namespace

IdentityState NewIdentityState(uint64_t salt) {
  IdentityState s;
  s.salt = salt;
  return s;
}

std::string MintIdentityId(uint64_t salt, uint64_t serial) {
  // Mix64 is a bijection, so distinct serials give distinct values, and the values look random.
  uint64_t v = Mix64(serial ^ Mix64(salt));
  std::string id(13, '0');
  for (int i = 12; i >= 0; --i) {
    id[i] = kBase32[v & 31];
    v >>= 5;
  }
  return id;
}

std::string_view IdentityChangeName(IdentityChangeKind kind) {
  switch (kind) {
    case IdentityChangeKind::kNew: return "new";
    case IdentityChangeKind::kGrew: return "grew";
    case IdentityChangeKind::kShrank: return "shrank";
    case IdentityChangeKind::kChanged: return "changed";
    case IdentityChangeKind::kMergedInto: return "merged_into";
    case IdentityChangeKind::kSplitFrom: return "split_from";
    case IdentityChangeKind::kRetired: return "retired";
  }
  return "?";
}

namespace {

// What the rows of one cluster have in common, gathered in one pass over the rows.
struct ClusterScan {
  uint32_t size = 0;
  uint32_t min_rank = kNone;         // rank of its smallest key (kNone: no row yet)
  uint32_t common = kNoIdentity;     // the previous identity all its rows had, kNoIdentity, or kMixed
};
constexpr uint32_t kMixed = kNone - 1;  // rows of different previous identities (or of none and one)

// Rows, identities and clusters are walked in chunks of this many on every thread; what a chunk
// finds is joined in chunk order, so every list comes out as one walk in order would make it.
constexpr size_t kChunk = size_t{1} << 15;

size_t Chunks(size_t n) { return (n + kChunk - 1) / kChunk; }

// The lists each chunk made, joined in chunk order.
template <class T>
std::vector<T> Joined(std::vector<std::vector<T>>& parts) {
  size_t total = 0;
  for (const std::vector<T>& p : parts) total += p.size();
  std::vector<T> out;
  out.reserve(total);
  for (std::vector<T>& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// The assignment, given the rows in key order (by_key), each row's previous identity (prev_of: an
// index into previous.ids, or kNoIdentity) and the next state's keys (in key order).
//
// A cluster whose rows all had one previous identity p, and all of p's (its size is p's), is
// settled: it is p's only candidate and p is its only one, so it keeps p's id whatever the order of
// the others, and is unchanged. Only the other clusters (touched: a record added, changed, deleted
// or moved, or a link added or dropped, made them differ from an identity) and the identities
// they hold rows of go through the candidates below; on a night where few records changed that is
// a few thousand of the clusters, and a quiet night has none. Their candidates involve no settled
// cluster nor its identity, so they are taken exactly as among every candidate.
//
// The records whose id changed (record_changes) come from the same facts: rows of touched clusters
// whose cluster took another id than their previous identity's (or that had none), and the
// previous records no row holds (gone: indices of previous.keys, ascending), which the callers
// know from their merges of the keys.
IdentityAssignment Assign(const IdentityState& previous, std::vector<uint32_t> by_key,
                          const std::vector<uint32_t>& prev_of,
                          std::vector<std::string_view> next_keys,
                          std::shared_ptr<const void> key_backing,
                          const std::vector<uint32_t>& labels, uint64_t clusters,
                          bool with_cluster_ids, const std::vector<uint32_t>& gone) {
  const size_t n = by_key.size();
  const size_t n_prev = previous.ids.size();
  // The clusters' sizes, smallest keys (rank in key order) and common previous identities. (On
  // every thread, with each field updated atomically, this walk cost more time than it saved.)
  std::vector<ClusterScan> scan(clusters);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t r = by_key[i];
    ClusterScan& cs = scan[labels[r]];
    if (cs.size++ == 0) {
      cs.min_rank = static_cast<uint32_t>(i);
      cs.common = prev_of[r];
    } else if (cs.common != prev_of[r]) {
      cs.common = kMixed;
    }
  }
  std::vector<uint32_t> prev_size(n_prev, 0);
  for (uint32_t p : previous.identity_of) ++prev_size[p];

  IdentityAssignment out;
  out.next = NewIdentityState(previous.salt);
  out.next.next_serial = previous.next_serial;
  out.next.runs = previous.runs + 1;
  std::vector<uint32_t> inherited(clusters, kNone);     // cluster -> previous identity
  std::vector<uint32_t> heir(n_prev, kNone);            // previous identity -> cluster
  std::vector<uint32_t> touched;                        // the clusters not settled, ascending
  uint64_t unchanged = 0;
  {
    // A settled cluster holds all of its identity's rows, so no two settled clusters share one:
    // the chunks write disjoint entries of heir.
    std::vector<std::vector<uint32_t>> touched_in(Chunks(clusters));
    ParallelFor(size_t{0}, touched_in.size(), [&](size_t chunk) {
      for (size_t c = chunk * kChunk, end = std::min<size_t>(clusters, (chunk + 1) * kChunk);
           c < end; ++c) {
        const uint32_t p = scan[c].common;
        if (p < n_prev && scan[c].size == prev_size[p]) {
          inherited[c] = p;
          heir[p] = static_cast<uint32_t>(c);
        } else {
          touched_in[chunk].push_back(static_cast<uint32_t>(c));
        }
      }
    });
    touched = Joined(touched_in);
    unchanged = clusters - touched.size();
  }

  // Candidates among the touched clusters: (cluster, previous identity, records shared).
  // Walked in key order, which also lists the touched clusters' rows (positions in key order) for
  // record_changes below. (An incremental night's rows are in key order already.)
  std::vector<std::pair<uint32_t, uint32_t>> links;
  std::vector<uint32_t> touched_rows;
  if (!touched.empty()) {
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>> links_in(Chunks(n));
    std::vector<std::vector<uint32_t>> rows_in(links_in.size());
    ParallelFor(size_t{0}, links_in.size(), [&](size_t chunk) {
      for (size_t i = chunk * kChunk, end = std::min(n, (chunk + 1) * kChunk); i < end; ++i) {
        const uint32_t r = by_key[i], c = labels[r];
        if (inherited[c] != kNone) continue;
        rows_in[chunk].push_back(static_cast<uint32_t>(i));
        if (prev_of[r] != kNoIdentity) links_in[chunk].emplace_back(c, prev_of[r]);
      }
    });
    touched_rows = Joined(rows_in);
    links = Joined(links_in);
  }
  RadixSortByKey(&links, [](const std::pair<uint32_t, uint32_t>& l) { return uint64_t{l.first} << 32 | l.second; });
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < links.size();) {
    size_t j = i;
    while (j < links.size() && links[j] == links[i]) ++j;
    candidates.push_back({links[i].first, links[i].second, j - i});
    i = j;
  }
  // previous ids are sorted, so a smaller index is a smaller id.
  auto before = [&](const Candidate& x, const Candidate& y) {
    return std::make_tuple(-static_cast<int64_t>(x.shared), -static_cast<int64_t>(prev_size[x.previous]), x.previous,
                           scan[x.cluster].min_rank) <
           std::make_tuple(-static_cast<int64_t>(y.shared), -static_cast<int64_t>(prev_size[y.previous]), y.previous,
                           scan[y.cluster].min_rank);
  };
  // The touched clusters and identities, numbered in order (a binary search finds a number): the
  // tables below are as long as they are.
  std::vector<uint32_t> touched_prev;
  touched_prev.reserve(candidates.size());
  for (const Candidate& c : candidates) touched_prev.push_back(c.previous);
  std::sort(touched_prev.begin(), touched_prev.end());
  touched_prev.erase(std::unique(touched_prev.begin(), touched_prev.end()), touched_prev.end());
  auto cluster_no = [&](uint32_t c) {
    return static_cast<size_t>(std::lower_bound(touched.begin(), touched.end(), c) - touched.begin());
  };
  auto prev_no = [&](uint32_t p) {
    return static_cast<size_t>(std::lower_bound(touched_prev.begin(), touched_prev.end(), p) - touched_prev.begin());
  };
  // A candidate whose cluster and identity are in no other candidate is taken whatever the order
  // (nothing else can claim either): only the contested ones are sorted.
  {
    std::vector<uint32_t> per_cluster(touched.size(), 0), per_previous(touched_prev.size(), 0);
    for (const Candidate& c : candidates) {
      ++per_cluster[cluster_no(c.cluster)];
      ++per_previous[prev_no(c.previous)];
    }
    const auto contested = std::stable_partition(candidates.begin(), candidates.end(), [&](const Candidate& c) {
      return per_cluster[cluster_no(c.cluster)] == 1 && per_previous[prev_no(c.previous)] == 1;
    });
    ParallelSort(contested, candidates.end(), before);
  }

  std::vector<uint64_t> shared_with_heir(touched.size(), 0);
  std::vector<uint32_t> largest_source(touched.size(), kNone);      // first (best) candidate per cluster
  std::vector<uint32_t> largest_target(touched_prev.size(), kNone);  // first candidate per identity
  for (const Candidate& cand : candidates) {
    const size_t tc = cluster_no(cand.cluster), tp = prev_no(cand.previous);
    if (largest_source[tc] == kNone) largest_source[tc] = cand.previous;
    if (largest_target[tp] == kNone) largest_target[tp] = cand.cluster;
    if (inherited[cand.cluster] != kNone || heir[cand.previous] != kNone) continue;
    inherited[cand.cluster] = cand.previous;
    heir[cand.previous] = cand.cluster;
    shared_with_heir[tc] = cand.shared;
  }
  // Clusters left without an id get fresh ones, in order of their smallest key.
  std::vector<uint32_t> fresh;
  for (uint32_t c : touched) {
    if (inherited[c] == kNone) fresh.push_back(c);
  }
  std::sort(fresh.begin(), fresh.end(), [&](uint32_t x, uint32_t y) { return scan[x].min_rank < scan[y].min_rank; });
  auto fresh_ids = std::make_shared<std::vector<std::string>>();
  fresh_ids->reserve(fresh.size());
  for (size_t f = 0; f < fresh.size(); ++f) fresh_ids->push_back(MintIdentityId(previous.salt, out.next.next_serial++));

  // The next state: keys in order, ids sorted. The inherited ids come in order by walking the
  // previous (sorted) ids, read in sequence, and stay views of what the previous state's hold; the
  // fresh ones are sorted in their table of their own, then the two lists are merged (an id is
  // never reused, so no fresh id equals an inherited one). cluster_index: per cluster, its id's
  // index in the next state's ids.
  std::vector<uint32_t>& id_index = out.cluster_index;
  id_index.resize(clusters);
  std::vector<std::string_view> next_ids;
  {
    std::vector<uint32_t> order(fresh.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return (*fresh_ids)[x] < (*fresh_ids)[y]; });
    std::vector<std::string> sorted_ids;
    std::vector<uint32_t> sorted_clusters;
    sorted_ids.reserve(fresh.size());
    for (uint32_t o : order) {
      sorted_ids.push_back(std::move((*fresh_ids)[o]));
      sorted_clusters.push_back(fresh[o]);
    }
    *fresh_ids = std::move(sorted_ids);  // not changed after this: the views below stay valid
    // The merge in chunks of the previous ids, on every thread: chunk k takes the fresh ids from
    // the first not below its first previous id (the first chunk from the start, the last to the
    // end), and writes at the number of kept ids and fresh ids before it.
    const size_t chunks = Chunks(n_prev);
    std::vector<size_t> fresh_from(chunks + 1, fresh_ids->size()), kept_before(chunks + 1, 0);
    if (chunks > 0) fresh_from[0] = 0;
    ParallelFor(size_t{0}, chunks, [&](size_t chunk) {
      const size_t begin = chunk * kChunk, end = std::min<size_t>(n_prev, begin + kChunk);
      if (chunk > 0) {
        fresh_from[chunk] = static_cast<size_t>(
            std::lower_bound(fresh_ids->begin(), fresh_ids->end(), previous.ids[begin],
                             [](const std::string& f, std::string_view id) {
                               return std::string_view(f) < id;
                             }) -
            fresh_ids->begin());
      }
      size_t kept = 0;
      for (size_t p = begin; p < end; ++p) kept += heir[p] != kNone;
      kept_before[chunk + 1] = kept;
    });
    for (size_t chunk = 0; chunk < chunks; ++chunk) kept_before[chunk + 1] += kept_before[chunk];
    next_ids.resize(kept_before[chunks] + fresh_ids->size());
    auto place_fresh = [&](size_t f, size_t at) {
      id_index[sorted_clusters[f]] = static_cast<uint32_t>(at);
      next_ids[at] = (*fresh_ids)[f];
    };
    ParallelFor(size_t{0}, chunks, [&](size_t chunk) {
      const size_t begin = chunk * kChunk, end = std::min<size_t>(n_prev, begin + kChunk);
      size_t f = fresh_from[chunk], at = kept_before[chunk] + f;
      const size_t f_end = fresh_from[chunk + 1];
      for (size_t p = begin; p < end; ++p) {
        if (heir[p] == kNone) continue;
        const std::string_view id = previous.ids[p];
        for (; f < f_end && std::string_view((*fresh_ids)[f]) < id; ++f) place_fresh(f, at++);
        id_index[heir[p]] = static_cast<uint32_t>(at);
        next_ids[at++] = id;
      }
      for (; f < f_end; ++f) place_fresh(f, at++);
    });
    if (chunks == 0) {
      for (size_t f = 0; f < fresh_ids->size(); ++f) place_fresh(f, f);
    }
    out.next.ids = std::move(next_ids);
    out.next.id_backing = std::make_shared<const std::pair<std::shared_ptr<const void>, std::shared_ptr<const void>>>(
        previous.id_backing, std::move(fresh_ids));
  }
  auto id_of = [&](uint32_t c) { return out.next.ids[id_index[c]]; };

  // What happened to each identity: the settled clusters are unchanged (counted above); the
  // touched ones and the identities no cluster inherited are listed.
  constexpr int kKinds = static_cast<int>(IdentityChangeKind::kRetired) + 1;
  uint64_t per_kind[kKinds] = {};
  auto add = [&](IdentityChange change) {
    ++per_kind[static_cast<int>(change.kind)];
    out.changes.push_back(std::move(change));
  };
  for (size_t tc = 0; tc < touched.size(); ++tc) {
    const uint32_t c = touched[tc];
    // Not settled, so not unchanged: had it inherited an identity whose records are exactly its
    // own, all its rows would have had that identity and it would have been settled.
    const uint64_t size = scan[c].size;
    IdentityChange ch;
    ch.id = id_of(c);
    ch.records_after = size;
    if (inherited[c] != kNone) {
      ch.records_before = prev_size[inherited[c]];
      ch.records_added = size - shared_with_heir[tc];
      ch.records_removed = ch.records_before - shared_with_heir[tc];
      ch.kind = ch.records_removed == 0 ? IdentityChangeKind::kGrew
                : ch.records_added == 0 ? IdentityChangeKind::kShrank
                                        : IdentityChangeKind::kChanged;
    } else {
      ch.records_added = size;
      if (largest_source[tc] != kNone) {
        ch.kind = IdentityChangeKind::kSplitFrom;
        ch.other = previous.ids[largest_source[tc]];
      }
    }
    add(std::move(ch));
  }
  std::vector<std::vector<uint32_t>> unclaimed_in(Chunks(n_prev));  // identities no cluster took
  ParallelFor(size_t{0}, unclaimed_in.size(), [&](size_t chunk) {
    for (size_t p = chunk * kChunk, end = std::min<size_t>(n_prev, (chunk + 1) * kChunk); p < end;
         ++p)
      if (heir[p] == kNone) unclaimed_in[chunk].push_back(static_cast<uint32_t>(p));
  });
  for (const uint32_t p : Joined(unclaimed_in)) {
    IdentityChange ch;
    ch.id = previous.ids[p];
    ch.records_before = ch.records_removed = prev_size[p];
    const size_t tp = prev_no(p);
    if (tp < touched_prev.size() && touched_prev[tp] == p && largest_target[tp] != kNone) {
      ch.kind = IdentityChangeKind::kMergedInto;
      ch.other = id_of(largest_target[tp]);
    } else {
      ch.kind = IdentityChangeKind::kRetired;
    }
    add(std::move(ch));
  }
  ParallelSort(out.changes.begin(), out.changes.end(),
               [](const IdentityChange& x, const IdentityChange& y) { return x.id < y.id; });
  for (int k = 0; k < kKinds; ++k) out.counts[std::string(IdentityChangeName(static_cast<IdentityChangeKind>(k)))] = per_kind[k];
  out.counts["unchanged"] = unchanged;

  if (with_cluster_ids) {
    out.cluster_ids.reserve(clusters);
    for (uint32_t c = 0; c < clusters; ++c) out.cluster_ids.emplace_back(id_of(c));
  }
  out.next.keys = std::move(next_keys);
  out.next.key_backing = std::move(key_backing);
  {
    std::vector<uint32_t> identity_of(n);
    ParallelFor(tbb::blocked_range<size_t>(0, n, 16384),
                [&](const tbb::blocked_range<size_t>& range) {
                  for (size_t i = range.begin(); i != range.end(); ++i)
                    identity_of[i] = id_index[labels[by_key[i]]];
                });
    out.next.identity_of = std::move(identity_of);
  }
  // The rows whose id is not their previous identity's (no previous identity, or a cluster that
  // inherited another one or got a fresh id): all in touched clusters, in key order.
  std::vector<RecordIdentityChange> moved;
  for (const uint32_t i : touched_rows) {
    const uint32_t r = by_key[i], c = labels[r];
    if (prev_of[r] == kNoIdentity) {
      moved.push_back({out.next.keys[i], id_of(c), {}});
    } else if (inherited[c] != prev_of[r]) {
      moved.push_back({out.next.keys[i], id_of(c), previous.ids[prev_of[r]]});
    }
  }
  // The previous records no row holds now (deleted), as the caller found them; then both lists
  // (each in key order) merged.
  std::vector<RecordIdentityChange> deleted;
  deleted.reserve(gone.size());
  for (const uint32_t j : gone)
    deleted.push_back({previous.keys[j], {}, previous.ids[previous.identity_of[j]]});
  out.record_changes.reserve(moved.size() + deleted.size());
  std::merge(
      moved.begin(), moved.end(), deleted.begin(), deleted.end(),
      std::back_inserter(out.record_changes),
      [](const RecordIdentityChange& x, const RecordIdentityChange& y) { return x.key < y.key; });
  out.rows_by_key = std::move(by_key);
  return out;
}

}  // namespace

std::map<std::string_view, uint64_t> RecordChangeCounts(
    const std::vector<RecordIdentityChange>& changes) {
  std::map<std::string_view, uint64_t> counts = {{"new", 0}, {"moved", 0}, {"deleted", 0}};
  for (const RecordIdentityChange& c : changes) ++counts[c.kind()];
  return counts;
}

std::vector<std::string> ClusterIdStrings(const IdentityAssignment& assignment) {
  if (!assignment.cluster_ids.empty() || assignment.cluster_index.empty()) return assignment.cluster_ids;
  std::vector<std::string> ids;
  ids.reserve(assignment.cluster_index.size());
  for (uint32_t c = 0; c < assignment.cluster_index.size(); ++c) ids.emplace_back(assignment.cluster_id(c));
  return ids;
}

namespace {

// The rows in the order of their keys (memcmp order, as std::string's <), as a comparison sort
// of the keys would give them, without one: the keys' common prefix is skipped, the next 8 bytes
// (big-endian, zero-padded) radix-sorted with the row, and only rows whose 8 bytes tie are
// compared in full. (A parallel comparison sort of a million keys took 0.19 s of a full night;
// the whole naming stage now takes 0.18 s, docs/performance.md, sixteenth session.)
std::vector<uint32_t> RowsInKeyOrder(const std::vector<std::string>& keys) {
  const size_t n = keys.size();
  std::vector<uint32_t> by_key(n);
  std::iota(by_key.begin(), by_key.end(), 0u);
  if (n < 2) return by_key;
  // Keys given in order need no sort.
  bool sorted = true;
  for (size_t i = 1; i < n && sorted; ++i) sorted = keys[i - 1] < keys[i];
  if (sorted) return by_key;
  size_t common = keys[0].size();
  for (size_t i = 1; i < n && common > 0; ++i) {
    const std::string& k = keys[i];
    const size_t m = std::min(common, k.size());
    size_t j = 0;
    while (j < m && k[j] == keys[0][j]) ++j;
    common = j;
  }
  struct Entry {
    uint64_t prefix;
    uint32_t row;
  };
  std::vector<Entry> entries(n);
  ParallelFor(size_t{0}, n, [&](size_t r) {
    const std::string& k = keys[r];
    uint64_t p = 0;
    for (size_t j = 0; j < 8; ++j) {
      const size_t at = common + j;
      p = p << 8 | (at < k.size() ? static_cast<unsigned char>(k[at]) : 0u);
    }
    entries[r] = {p, static_cast<uint32_t>(r)};
  });
  RadixSortByKey(&entries, [](const Entry& e) { return e.prefix; });
  for (size_t i = 0; i < n; ++i) by_key[i] = entries[i].row;
  // Runs of one prefix: the keys compared after the bytes they share.
  const size_t skip = common + 8;
  std::vector<std::pair<size_t, size_t>> ties;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && entries[j].prefix == entries[i].prefix) ++j;
    if (j - i > 1) ties.emplace_back(i, j);
    i = j;
  }
  auto tail = [&](uint32_t r) {
    const std::string& k = keys[r];
    return k.size() > skip ? std::string_view(k).substr(skip) : std::string_view();
  };
  ParallelFor(size_t{0}, ties.size(), [&](size_t t) {
    // Equal 8 bytes after the common prefix: a key that ends inside them (zero padding) and one
    // with zero bytes there tie on the prefix, so the lengths decide among those.
    std::sort(by_key.begin() + ties[t].first, by_key.begin() + ties[t].second, [&](uint32_t x, uint32_t y) {
      const std::string_view a = tail(x), b = tail(y);
      if (a != b) return a < b;
      return keys[x].size() < keys[y].size();
    });
  });
  return by_key;
}

}  // namespace

Result<IdentityAssignment> AssignIdentities(const IdentityState& previous, std::vector<std::string> keys,
                                            const std::vector<uint32_t>& labels, uint64_t clusters) {
  const size_t n = keys.size();
  // Rows in key order: the order everything below depends on (never the input's row order).
  std::vector<uint32_t> by_key = RowsInKeyOrder(keys);
  // The first key in key order equal to the one before it, if any (found per chunk).
  constexpr size_t kChunk = 1 << 15;
  const size_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<size_t> first_repeat(chunks, n);
  ParallelFor(size_t{0}, chunks, [&](size_t c) {
    for (size_t i = std::max<size_t>(1, c * kChunk), to = std::min(n, (c + 1) * kChunk); i < to; ++i) {
      if (keys[by_key[i]] == keys[by_key[i - 1]]) {
        first_repeat[c] = i;
        break;
      }
    }
  });
  for (size_t i : first_repeat) {
    if (i < n) {
      return Status::InvalidInput("error: record key '" + keys[by_key[i]] + "' appears more than once",
                                  "identities are kept per record key (the id in dedupe, SOURCE:ID in link "
                                  "mode), so keys must be unique across the inputs");
    }
  }
  // The next state's keys: views of the keys, which the state keeps (moved, not copied).
  auto owned = std::make_shared<const std::vector<std::string>>(std::move(keys));
  std::vector<std::string_view> next_keys(n);
  ParallelFor(size_t{0}, n, [&](size_t i) { next_keys[i] = (*owned)[by_key[i]]; });
  // Each row's previous identity: a merge of two sorted lists, in chunks (each chunk's start in
  // the previous keys found by binary search; the first chunk from the start). A chunk walks the
  // previous keys up to the next chunk's start, so every previous key is passed by one chunk, and
  // those no row holds are the deleted records.
  std::vector<uint32_t> prev_of(n, kNoIdentity);
  const StringTable& before = previous.keys;
  std::vector<size_t> before_from(chunks + 1, before.size());
  if (chunks > 0) before_from[0] = 0;
  ParallelFor(size_t{1}, chunks, [&](size_t c) {
    before_from[c] = static_cast<size_t>(
        std::lower_bound(before.begin(), before.end(), next_keys[c * kChunk]) - before.begin());
  });
  std::vector<std::vector<uint32_t>> gone_in(chunks);
  ParallelFor(size_t{0}, chunks, [&](size_t c) {
    const size_t from = c * kChunk, to = std::min(n, from + kChunk);
    size_t j = before_from[c];
    const size_t j_end = before_from[c + 1];
    for (size_t i = from; i < to; ++i) {
      const std::string_view k = next_keys[i];
      for (; j < j_end && before[j] < k; ++j) gone_in[c].push_back(static_cast<uint32_t>(j));
      if (j < j_end && before[j] == k) prev_of[by_key[i]] = previous.identity_of[j++];
    }
    for (; j < j_end; ++j) gone_in[c].push_back(static_cast<uint32_t>(j));
  });
  std::vector<uint32_t> gone;
  for (const std::vector<uint32_t>& g : gone_in) gone.insert(gone.end(), g.begin(), g.end());
  if (chunks == 0) {  // no rows: every previous record is gone
    gone.resize(before.size());
    std::iota(gone.begin(), gone.end(), 0u);
  }
  return Assign(previous, std::move(by_key), prev_of, std::move(next_keys), std::move(owned),
                labels, clusters, /*with_cluster_ids=*/true, gone);
}

IdentityAssignment AssignIdentitiesInKeyOrder(
    const IdentityState& previous, std::vector<std::string_view> keys,
    std::shared_ptr<const void> key_backing, const std::vector<uint32_t>& previous_of,
    const std::vector<uint32_t>& labels, uint64_t clusters, const std::vector<uint32_t>& gone) {
  std::vector<uint32_t> by_key(keys.size());
  std::iota(by_key.begin(), by_key.end(), 0u);
  return Assign(previous, std::move(by_key), previous_of, std::move(keys), std::move(key_backing),
                labels, clusters,
                /*with_cluster_ids=*/false, gone);
}

}  // namespace reclink
