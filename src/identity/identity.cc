// AssignIdentities: names this run's clusters after the previous run's identities (see
// reclink/identity.h for the rule) and says what happened to each identity.
#include "reclink/identity.h"

#include <algorithm>
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

// The assignment, given the rows in key order (by_key), each row's previous identity (prev_of: an
// index into previous.ids, or kNoIdentity) and the next state's keys (in key order).
IdentityAssignment Assign(const IdentityState& previous, std::vector<uint32_t> by_key,
                          const std::vector<uint32_t>& prev_of, std::vector<std::string_view> next_keys,
                          std::shared_ptr<const void> key_backing, const std::vector<uint32_t>& labels,
                          uint64_t clusters) {
  const size_t n = by_key.size();
  // The clusters' sizes and smallest keys (rank in key order).
  std::vector<uint64_t> size(clusters, 0);
  std::vector<uint32_t> min_rank(clusters, kNone);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t c = labels[by_key[i]];
    ++size[c];
    if (min_rank[c] == kNone) min_rank[c] = static_cast<uint32_t>(i);
  }
  std::vector<uint64_t> prev_size(previous.ids.size(), 0);
  for (uint32_t p : previous.identity_of) ++prev_size[p];

  // Candidates: (cluster, previous identity, records shared).
  std::vector<std::pair<uint32_t, uint32_t>> links;
  links.reserve(n);
  for (size_t r = 0; r < n; ++r) {
    if (prev_of[r] != kNone) links.emplace_back(labels[r], prev_of[r]);
  }
  RadixSortByKey(&links, [](const std::pair<uint32_t, uint32_t>& l) { return uint64_t{l.first} << 32 | l.second; });
  std::vector<Candidate> candidates;
  candidates.reserve(std::min<size_t>(links.size(), clusters + previous.ids.size()));
  for (size_t i = 0; i < links.size();) {
    size_t j = i;
    while (j < links.size() && links[j] == links[i]) ++j;
    candidates.push_back({links[i].first, links[i].second, j - i});
    i = j;
  }
  // previous ids are sorted, so a smaller index is a smaller id.
  auto before = [&](const Candidate& x, const Candidate& y) {
    return std::make_tuple(-static_cast<int64_t>(x.shared), -static_cast<int64_t>(prev_size[x.previous]), x.previous,
                           min_rank[x.cluster]) <
           std::make_tuple(-static_cast<int64_t>(y.shared), -static_cast<int64_t>(prev_size[y.previous]), y.previous,
                           min_rank[y.cluster]);
  };
  // A candidate whose cluster and identity are in no other candidate is taken whatever the order
  // (nothing else can claim either): only the contested ones are sorted. On a night where most
  // identities did not change, that is most of them.
  {
    std::vector<uint32_t> per_cluster(clusters, 0), per_previous(previous.ids.size(), 0);
    for (const Candidate& c : candidates) {
      ++per_cluster[c.cluster];
      ++per_previous[c.previous];
    }
    const auto contested = std::stable_partition(candidates.begin(), candidates.end(), [&](const Candidate& c) {
      return per_cluster[c.cluster] == 1 && per_previous[c.previous] == 1;
    });
    ParallelSort(contested, candidates.end(), before);
  }

  IdentityAssignment out;
  std::vector<uint32_t> inherited(clusters, kNone);          // cluster -> previous identity
  std::vector<uint32_t> heir(previous.ids.size(), kNone);    // previous identity -> cluster
  std::vector<uint64_t> shared_with_heir(clusters, 0);
  std::vector<uint32_t> largest_source(clusters, kNone);     // first (best) candidate per cluster
  std::vector<uint32_t> largest_target(previous.ids.size(), kNone);  // first candidate per identity
  for (const Candidate& cand : candidates) {
    if (largest_source[cand.cluster] == kNone) largest_source[cand.cluster] = cand.previous;
    if (largest_target[cand.previous] == kNone) largest_target[cand.previous] = cand.cluster;
    if (inherited[cand.cluster] != kNone || heir[cand.previous] != kNone) continue;
    inherited[cand.cluster] = cand.previous;
    heir[cand.previous] = cand.cluster;
    shared_with_heir[cand.cluster] = cand.shared;
  }
  // Each cluster's id made once in place (an inherited one copied, a fresh one's assigned below),
  // rather than every string made empty first and assigned after.
  std::vector<uint32_t> fresh;
  out.cluster_ids.reserve(clusters);
  for (uint32_t c = 0; c < clusters; ++c) {
    if (inherited[c] != kNone) {
      out.cluster_ids.emplace_back(previous.ids[inherited[c]]);
    } else {
      out.cluster_ids.emplace_back();
      fresh.push_back(c);
    }
  }
  std::sort(fresh.begin(), fresh.end(), [&](uint32_t x, uint32_t y) { return min_rank[x] < min_rank[y]; });
  out.next = NewIdentityState(previous.salt);
  out.next.next_serial = previous.next_serial;
  out.next.runs = previous.runs + 1;
  for (uint32_t c : fresh) out.cluster_ids[c] = MintIdentityId(previous.salt, out.next.next_serial++);

  // What happened to each identity.
  constexpr int kKinds = static_cast<int>(IdentityChangeKind::kRetired) + 1;
  uint64_t per_kind[kKinds] = {};
  uint64_t unchanged = 0;
  auto add = [&](IdentityChange change) {
    ++per_kind[static_cast<int>(change.kind)];
    out.changes.push_back(std::move(change));
  };
  for (uint32_t c = 0; c < clusters; ++c) {
    // Most clusters of a night are unchanged and listed nowhere: they are counted before any
    // IdentityChange (three strings) is made for them.
    if (inherited[c] != kNone && size[c] == shared_with_heir[c] && prev_size[inherited[c]] == shared_with_heir[c]) {
      ++unchanged;
      continue;
    }
    IdentityChange ch;
    ch.id = out.cluster_ids[c];
    ch.records_after = size[c];
    if (inherited[c] != kNone) {
      ch.records_before = prev_size[inherited[c]];
      ch.records_added = size[c] - shared_with_heir[c];
      ch.records_removed = ch.records_before - shared_with_heir[c];
      ch.kind = ch.records_removed == 0 ? IdentityChangeKind::kGrew
                : ch.records_added == 0 ? IdentityChangeKind::kShrank
                                        : IdentityChangeKind::kChanged;
    } else {
      ch.records_added = size[c];
      if (largest_source[c] != kNone) {
        ch.kind = IdentityChangeKind::kSplitFrom;
        ch.other = previous.ids[largest_source[c]];
      }
    }
    add(std::move(ch));
  }
  for (uint32_t p = 0; p < previous.ids.size(); ++p) {
    if (heir[p] != kNone) continue;
    IdentityChange ch;
    ch.id = previous.ids[p];
    ch.records_before = ch.records_removed = prev_size[p];
    if (largest_target[p] != kNone) {
      ch.kind = IdentityChangeKind::kMergedInto;
      ch.other = out.cluster_ids[largest_target[p]];
    } else {
      ch.kind = IdentityChangeKind::kRetired;
    }
    add(std::move(ch));
  }
  ParallelSort(out.changes.begin(), out.changes.end(),
               [](const IdentityChange& x, const IdentityChange& y) { return x.id < y.id; });
  for (int k = 0; k < kKinds; ++k) out.counts[std::string(IdentityChangeName(static_cast<IdentityChangeKind>(k)))] = per_kind[k];
  out.counts["unchanged"] = unchanged;

  // The next state: keys in order, ids sorted. The inherited ids come in order by walking the
  // previous (sorted) ids, read in sequence, and stay views of what the previous state's hold; the
  // fresh ones are copied into a table of their own and sorted, then the two lists are merged (an
  // id is never reused, so no fresh id equals an inherited one).
  std::vector<uint32_t> id_index(clusters);
  out.next.ids.reserve(clusters);
  {
    std::sort(fresh.begin(), fresh.end(),
              [&](uint32_t x, uint32_t y) { return out.cluster_ids[x] < out.cluster_ids[y]; });
    auto fresh_ids = std::make_shared<std::vector<std::string>>();
    fresh_ids->reserve(fresh.size());
    for (uint32_t c : fresh) fresh_ids->push_back(out.cluster_ids[c]);
    size_t f = 0;
    auto take_fresh_before = [&](const std::string_view* id) {
      for (; f < fresh.size() && (id == nullptr || std::string_view((*fresh_ids)[f]) < *id); ++f) {
        id_index[fresh[f]] = static_cast<uint32_t>(out.next.ids.size());
        out.next.ids.push_back((*fresh_ids)[f]);
      }
    };
    for (uint32_t p = 0; p < previous.ids.size(); ++p) {
      if (heir[p] == kNone) continue;
      take_fresh_before(&previous.ids[p]);
      id_index[heir[p]] = static_cast<uint32_t>(out.next.ids.size());
      out.next.ids.push_back(previous.ids[p]);
    }
    take_fresh_before(nullptr);
    out.next.id_backing = std::make_shared<const std::pair<std::shared_ptr<const void>, std::shared_ptr<const void>>>(
        previous.id_backing, std::move(fresh_ids));
  }
  out.next.keys = std::move(next_keys);
  out.next.key_backing = std::move(key_backing);
  out.next.identity_of.reserve(n);
  for (uint32_t r : by_key) out.next.identity_of.push_back(id_index[labels[r]]);
  out.rows_by_key = std::move(by_key);
  return out;
}

}  // namespace

Result<IdentityAssignment> AssignIdentities(const IdentityState& previous, const std::vector<std::string>& keys,
                                            const std::vector<uint32_t>& labels, uint64_t clusters) {
  const size_t n = keys.size();
  // Rows in key order: the order everything below depends on (never the input's row order).
  std::vector<uint32_t> by_key(n);
  std::iota(by_key.begin(), by_key.end(), 0u);
  // Keys given in order need no sort.
  bool sorted = true;
  for (size_t i = 1; i < n && sorted; ++i) sorted = keys[i - 1] < keys[i];
  if (!sorted) ParallelSort(by_key.begin(), by_key.end(), [&](uint32_t x, uint32_t y) { return keys[x] < keys[y]; });
  for (size_t i = 1; i < n; ++i) {
    if (keys[by_key[i]] == keys[by_key[i - 1]]) {
      return Status::InvalidInput("error: record key '" + keys[by_key[i]] + "' appears more than once",
                                  "identities are kept per record key (the id in dedupe, SOURCE:ID in link "
                                  "mode), so keys must be unique across the inputs");
    }
  }
  // Each row's previous identity: a merge of two sorted lists.
  // The next state's keys: copies (keys is the caller's), viewed.
  std::vector<uint32_t> prev_of(n, kNoIdentity);
  auto owned = std::make_shared<std::vector<std::string>>();
  owned->reserve(n);
  std::vector<std::string_view> next_keys;
  next_keys.reserve(n);
  for (size_t i = 0, j = 0; i < n; ++i) {
    const std::string& k = keys[by_key[i]];
    while (j < previous.keys.size() && previous.keys[j] < k) ++j;
    if (j < previous.keys.size() && previous.keys[j] == k) prev_of[by_key[i]] = previous.identity_of[j];
    owned->push_back(k);
  }
  for (const std::string& k : *owned) next_keys.push_back(k);
  return Assign(previous, std::move(by_key), prev_of, std::move(next_keys), std::move(owned), labels, clusters);
}

IdentityAssignment AssignIdentitiesInKeyOrder(const IdentityState& previous, std::vector<std::string_view> keys,
                                              std::shared_ptr<const void> key_backing,
                                              const std::vector<uint32_t>& previous_of,
                                              const std::vector<uint32_t>& labels, uint64_t clusters) {
  std::vector<uint32_t> by_key(keys.size());
  std::iota(by_key.begin(), by_key.end(), 0u);
  return Assign(previous, std::move(by_key), previous_of, std::move(keys), std::move(key_backing), labels, clusters);
}

}  // namespace reclink
