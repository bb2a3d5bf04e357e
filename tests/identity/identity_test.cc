// AssignIdentities: the inheritance rules of reclink/identity.h, each on a hand-made case, then
// properties over random nights (unchanged clusters keep their ids, the change feed agrees with
// the difference of the two runs' memberships, nothing depends on row order), and the state's
// bytes (round trip; every damaged byte and every truncation refused).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string_view>
#include <tuple>

#include <xxhash.h>

#include "reclink/identity.h"

namespace reclink {
namespace {

// A run as clusters of record keys.
using Clusters = std::vector<std::vector<std::string>>;

struct Night {
  IdentityAssignment a;
  std::map<std::string, std::string> id_of;  // record key -> identity id
};

Night RunNight(const IdentityState& previous, const Clusters& clusters, uint64_t shuffle_seed = 0) {
  std::vector<std::pair<std::string, uint32_t>> rows;
  for (uint32_t c = 0; c < clusters.size(); ++c) {
    for (const std::string& k : clusters[c]) rows.emplace_back(k, c);
  }
  if (shuffle_seed) std::shuffle(rows.begin(), rows.end(), std::mt19937_64(shuffle_seed));
  std::vector<std::string> keys;
  std::vector<uint32_t> labels;
  for (const auto& [k, c] : rows) {
    keys.push_back(k);
    labels.push_back(c);
  }
  Result<IdentityAssignment> a = AssignIdentities(previous, keys, labels, clusters.size());
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  Night n{std::move(a.value()), {}};
  for (const auto& [k, c] : rows) n.id_of[k] = n.a.cluster_ids[c];
  return n;
}

const IdentityChange* Change(const Night& n, const std::string& id) {
  for (const IdentityChange& c : n.a.changes) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

TEST(IdentityTest, FirstRunMintsDistinctOpaqueUrlSafeIds) {
  const Night n = RunNight(NewIdentityState(7), {{"a", "b"}, {"c"}, {"d", "e", "f"}});
  std::set<std::string> ids(n.a.cluster_ids.begin(), n.a.cluster_ids.end());
  EXPECT_EQ(ids.size(), 3u);
  for (const std::string& id : ids) {
    EXPECT_EQ(id.size(), 13u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdefghjkmnpqrstvwxyz"), std::string::npos) << id;
    EXPECT_EQ(Change(n, id)->kind, IdentityChangeKind::kNew);
  }
  EXPECT_EQ(n.a.counts.at("new"), 3u);
  EXPECT_EQ(n.a.next.next_serial, 3u);
  EXPECT_EQ(n.a.next.runs, 1u);
  // The same clusters in another row order: the same ids (fresh ids go by smallest key).
  EXPECT_EQ(RunNight(NewIdentityState(7), {{"d", "e", "f"}, {"c"}, {"b", "a"}}, 99).id_of, n.id_of);
  // Another salt: other ids.
  EXPECT_NE(RunNight(NewIdentityState(8), {{"a", "b"}, {"c"}, {"d", "e", "f"}}).id_of, n.id_of);
}

TEST(IdentityTest, MintedIdsAreDistinctOverManySerials) {
  std::set<std::string> ids;
  for (uint64_t s = 0; s < 100000; ++s) ids.insert(MintIdentityId(42, s));
  EXPECT_EQ(ids.size(), 100000u);
}

TEST(IdentityTest, AnUnchangedClusterKeepsItsIdWhateverElseChanges) {
  const Night n1 = RunNight(NewIdentityState(1), {{"a", "b"}, {"c", "d", "e"}, {"f"}});
  // c,d,e unchanged; a,b merged with f and a new record; input reordered.
  const Night n2 = RunNight(n1.a.next, {{"e", "c", "d"}, {"f", "a", "b", "g"}}, 5);
  EXPECT_EQ(n2.id_of.at("c"), n1.id_of.at("c"));
  EXPECT_EQ(n2.a.counts.at("unchanged"), 1u);
  EXPECT_EQ(Change(n2, n1.id_of.at("c")), nullptr);
}

TEST(IdentityTest, AMergeKeepsTheIdOfTheIdentityWithMoreRecords) {
  const Night n1 = RunNight(NewIdentityState(1), {{"a", "b", "c"}, {"x", "y"}});
  const Night n2 = RunNight(n1.a.next, {{"a", "b", "c", "x", "y"}});
  const std::string big = n1.id_of.at("a"), small = n1.id_of.at("x");
  EXPECT_EQ(n2.id_of.at("x"), big);
  const IdentityChange* grew = Change(n2, big);
  ASSERT_NE(grew, nullptr);
  EXPECT_EQ(grew->kind, IdentityChangeKind::kGrew);
  EXPECT_EQ(grew->records_before, 3u);
  EXPECT_EQ(grew->records_after, 5u);
  EXPECT_EQ(grew->records_added, 2u);
  const IdentityChange* merged = Change(n2, small);
  ASSERT_NE(merged, nullptr);
  EXPECT_EQ(merged->kind, IdentityChangeKind::kMergedInto);
  EXPECT_EQ(merged->other, big);
  EXPECT_EQ(merged->records_before, 2u);
  EXPECT_EQ(merged->records_after, 0u);
  EXPECT_EQ(n2.a.next.ids, std::vector<std::string_view>{big});
}

TEST(IdentityTest, ASplitLeavesTheIdWithTheLargestPart) {
  const Night n1 = RunNight(NewIdentityState(1), {{"a", "b", "c", "d", "e"}});
  const std::string id = n1.id_of.at("a");
  const Night n2 = RunNight(n1.a.next, {{"a", "b"}, {"c", "d", "e"}});
  EXPECT_EQ(n2.id_of.at("c"), id);
  EXPECT_NE(n2.id_of.at("a"), id);
  EXPECT_EQ(Change(n2, id)->kind, IdentityChangeKind::kShrank);
  EXPECT_EQ(Change(n2, id)->records_removed, 2u);
  const IdentityChange* split = Change(n2, n2.id_of.at("a"));
  ASSERT_NE(split, nullptr);
  EXPECT_EQ(split->kind, IdentityChangeKind::kSplitFrom);
  EXPECT_EQ(split->other, id);
  EXPECT_EQ(split->records_after, 2u);
}

TEST(IdentityTest, TiesAreBrokenByIdsAndKeysNotByRowOrder) {
  // Two identities of two records merge: the smaller id keeps its id, in every row order.
  const Night n1 = RunNight(NewIdentityState(3), {{"a", "b"}, {"c", "d"}});
  const std::string keeper = std::min(n1.id_of.at("a"), n1.id_of.at("c"));
  for (uint64_t seed = 1; seed < 20; ++seed) {
    const Night n2 = RunNight(n1.a.next, {{"a", "b", "c", "d"}}, seed);
    EXPECT_EQ(n2.id_of.at("a"), keeper);
  }
  // One identity splits in two equal parts: the part with the smaller key keeps the id.
  const Night m1 = RunNight(NewIdentityState(3), {{"p", "q", "r", "s"}});
  for (uint64_t seed = 1; seed < 20; ++seed) {
    const Night m2 = RunNight(m1.a.next, {{"r", "s"}, {"q", "p"}}, seed);
    EXPECT_EQ(m2.id_of.at("p"), m1.id_of.at("p"));
    EXPECT_NE(m2.id_of.at("r"), m1.id_of.at("p"));
  }
}

TEST(IdentityTest, DeletedIdentitiesRetireAndIdsAreNeverReused) {
  const Night n1 = RunNight(NewIdentityState(1), {{"a"}, {"b", "c"}});
  const Night n2 = RunNight(n1.a.next, {{"b", "c"}});
  const IdentityChange* retired = Change(n2, n1.id_of.at("a"));
  ASSERT_NE(retired, nullptr);
  EXPECT_EQ(retired->kind, IdentityChangeKind::kRetired);
  // "a" comes back: a fresh id, not the retired one.
  const Night n3 = RunNight(n2.a.next, {{"b", "c"}, {"a"}});
  EXPECT_NE(n3.id_of.at("a"), n1.id_of.at("a"));
  EXPECT_EQ(Change(n3, n3.id_of.at("a"))->kind, IdentityChangeKind::kNew);
  EXPECT_EQ(n3.a.next.next_serial, 3u);
}

TEST(IdentityTest, GainedAndLostRecordsAtOnceIsChanged) {
  const Night n1 = RunNight(NewIdentityState(1), {{"a", "b", "c"}});
  const Night n2 = RunNight(n1.a.next, {{"a", "b", "z"}, {"c"}});
  const IdentityChange* ch = Change(n2, n1.id_of.at("a"));
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->kind, IdentityChangeKind::kChanged);
  EXPECT_EQ(ch->records_added, 1u);
  EXPECT_EQ(ch->records_removed, 1u);
}

TEST(IdentityTest, ARepeatedKeyIsAnError) {
  Result<IdentityAssignment> a = AssignIdentities(NewIdentityState(1), {"a", "b", "a"}, {0, 1, 1}, 2);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("'a' appears more than once"), std::string::npos);
}

// The rows come in the keys' byte order (as std::string's <) whatever the keys look like: long
// common prefixes, keys that end inside the eight bytes the sort looks at first, zero bytes, bytes
// above 0x7f, and keys that tie on those eight bytes; and a repeat is found wherever it sorts.
TEST(IdentityTest, RowsComeInKeyOrderWhateverTheKeys) {
  std::mt19937 rng(11);
  const std::string alphabet("ab\0\x7f\x80\xff", 6);
  for (const std::string prefix : {std::string(), std::string("customer-"), std::string("x")}) {
    std::set<std::string> unique;
    while (unique.size() < 20000) {
      std::string k = prefix;
      const size_t len = rng() % 14;
      for (size_t i = 0; i < len; ++i) k.push_back(alphabet[rng() % alphabet.size()]);
      unique.insert(k);
    }
    std::vector<std::string> keys(unique.begin(), unique.end());
    std::shuffle(keys.begin(), keys.end(), rng);
    std::vector<uint32_t> labels(keys.size());
    for (uint32_t i = 0; i < labels.size(); ++i) labels[i] = i;
    Result<IdentityAssignment> a = AssignIdentities(NewIdentityState(1), keys, labels, labels.size());
    ASSERT_TRUE(a.ok()) << a.status().message();
    std::vector<uint32_t> expected(keys.size());
    for (uint32_t i = 0; i < expected.size(); ++i) expected[i] = i;
    std::sort(expected.begin(), expected.end(), [&](uint32_t x, uint32_t y) { return keys[x] < keys[y]; });
    ASSERT_EQ(a->rows_by_key, expected) << "prefix '" << prefix << "'";
    for (size_t i = 0; i < keys.size(); ++i) ASSERT_EQ(a->next.keys[i], keys[expected[i]]);
    // A repeat of one key, anywhere: refused, naming it.
    const std::string twice = keys[rng() % keys.size()];
    keys.push_back(twice);
    labels.push_back(static_cast<uint32_t>(labels.size()));
    Result<IdentityAssignment> b = AssignIdentities(NewIdentityState(1), keys, labels, labels.size());
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.status().message().find("'" + twice + "' appears more than once"), std::string::npos);
  }
}

// Random nights: records come and go, clusters merge and split. Checks every promise of the
// header against a brute-force reading of the two memberships.
TEST(IdentityTest, RandomNightsKeepEveryPromise) {
  std::mt19937_64 rng(2026);
  IdentityState state = NewIdentityState(11);
  std::map<std::string, std::string> prev_id_of;  // key -> id
  Clusters clusters;
  for (int k = 0; k < 300; ++k) clusters.push_back({"r" + std::to_string(k)});
  int next_key = 300;
  std::set<std::string> ever;
  for (int night = 0; night < 12; ++night) {
    // Perturb: merge some pairs of clusters, split some, delete and insert records.
    Clusters next;
    for (size_t c = 0; c < clusters.size(); ++c) {
      std::vector<std::string> members;
      for (const std::string& k : clusters[c]) {
        if (rng() % 40 != 0) members.push_back(k);  // about 2.5% deleted
      }
      if (members.size() > 1 && rng() % 10 == 0) {  // split
        const size_t cut = 1 + rng() % (members.size() - 1);
        next.emplace_back(members.begin(), members.begin() + cut);
        next.emplace_back(members.begin() + cut, members.end());
      } else if (!members.empty()) {
        next.push_back(members);
      }
    }
    for (int i = 0; i < 15; ++i) {  // merges
      if (next.size() < 2) break;
      const size_t x = rng() % next.size(), y = rng() % next.size();
      if (x == y) continue;
      next[x].insert(next[x].end(), next[y].begin(), next[y].end());
      next.erase(next.begin() + y);
    }
    for (int i = 0; i < 20; ++i) {  // inserts: into an existing cluster or alone
      const std::string k = "r" + std::to_string(next_key++);
      if (rng() % 2 && !next.empty()) next[rng() % next.size()].push_back(k);
      else next.push_back({k});
    }
    clusters = next;
    const Night n = RunNight(state, clusters, night + 1);
    // Same result in another row order.
    EXPECT_EQ(RunNight(state, clusters, night + 100).id_of, n.id_of);

    // Previous memberships.
    std::map<std::string, std::set<std::string>> prev_members, now_members;
    for (const auto& [k, id] : prev_id_of) prev_members[id].insert(k);
    for (const auto& [k, id] : n.id_of) now_members[id].insert(k);
    std::map<std::string, const IdentityChange*> change;
    for (const IdentityChange& c : n.a.changes) {
      EXPECT_TRUE(change.emplace(c.id, &c).second) << "two changes for " << c.id;
    }
    // Each previous identity: kept (with the right counts), merged into where most of its
    // records went, or retired.
    for (const auto& [id, before] : prev_members) {
      if (now_members.count(id)) {
        const std::set<std::string>& after = now_members[id];
        size_t shared = 0;
        for (const std::string& k : before) shared += after.count(k);
        if (before == after) {
          EXPECT_EQ(change.count(id), 0u) << "unchanged identity " << id << " listed";
          continue;
        }
        ASSERT_EQ(change.count(id), 1u) << id;
        EXPECT_EQ(change[id]->records_before, before.size());
        EXPECT_EQ(change[id]->records_after, after.size());
        EXPECT_EQ(change[id]->records_added, after.size() - shared);
        EXPECT_EQ(change[id]->records_removed, before.size() - shared);
        continue;
      }
      ASSERT_EQ(change.count(id), 1u) << id;
      std::map<std::string, size_t> went;
      for (const std::string& k : before) {
        if (n.id_of.count(k)) ++went[n.id_of.at(k)];
      }
      if (went.empty()) {
        EXPECT_EQ(change[id]->kind, IdentityChangeKind::kRetired);
      } else {
        EXPECT_EQ(change[id]->kind, IdentityChangeKind::kMergedInto);
        size_t most = 0;
        for (const auto& [to, count] : went) most = std::max(most, count);
        EXPECT_EQ(went[change[id]->other], most);
      }
    }
    // Each identity now: kept, or fresh (new / split_from); a fresh id was never seen before.
    for (const auto& [id, after] : now_members) {
      if (prev_members.count(id)) continue;
      EXPECT_TRUE(ever.insert(id).second) << "id reused: " << id;
      ASSERT_EQ(change.count(id), 1u);
      bool had_old = false;
      for (const std::string& k : after) had_old |= prev_id_of.count(k) > 0;
      EXPECT_EQ(change[id]->kind, had_old ? IdentityChangeKind::kSplitFrom : IdentityChangeKind::kNew);
    }
    for (const auto& [id, m] : prev_members) ever.insert(id);
    state = n.a.next;
    // The state round-trips through its bytes.
    Result<IdentityState> back = ParseIdentityState(SerializeIdentityState(state), "identities.bin");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->keys, state.keys);
    EXPECT_EQ(back->ids, state.ids);
    EXPECT_EQ(back->identity_of, state.identity_of);
    EXPECT_EQ(back->next_serial, state.next_serial);
    // Every other night continues from the state read back (its tables viewed in the bytes, as a
    // run reads a state file), the others from the tables the naming built.
    if (night % 2 == 1) state = std::move(back.value());
    prev_id_of = n.id_of;
  }
}

// The rule of reclink/identity.h read plainly, for the tests: every (cluster, previous identity)
// pair sharing records is a candidate and all of them are sorted (no cluster is settled first).
struct Reference {
  std::vector<std::string> cluster_ids;
  std::vector<IdentityChange> changes;
  std::map<std::string, uint64_t> counts;
  std::vector<std::string> next_ids;  // sorted
  uint64_t next_serial = 0;
};

Reference ReferenceAssign(const IdentityState& previous, const std::vector<std::string>& keys,
                          const std::vector<uint32_t>& labels, uint64_t clusters) {
  std::map<std::string, uint32_t> prev_of_key;
  for (size_t i = 0; i < previous.keys.size(); ++i) prev_of_key[std::string(previous.keys[i])] = previous.identity_of[i];
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  std::vector<uint64_t> size(clusters, 0), min_rank(clusters, ~uint64_t{0}), prev_size(previous.ids.size(), 0);
  for (uint32_t p : previous.identity_of) ++prev_size[p];
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> shared;
  for (size_t r = 0; r < keys.size(); ++r) {
    const uint32_t c = labels[r];
    ++size[c];
    const uint64_t rank = std::lower_bound(sorted.begin(), sorted.end(), keys[r]) - sorted.begin();
    min_rank[c] = std::min(min_rank[c], rank);
    auto it = prev_of_key.find(keys[r]);
    if (it != prev_of_key.end()) ++shared[{c, it->second}];
  }
  std::vector<std::tuple<int64_t, int64_t, uint32_t, uint64_t, uint32_t>> cands;  // -shared, -prev size, p, rank, c
  for (const auto& [cp, n] : shared) {
    cands.emplace_back(-static_cast<int64_t>(n), -static_cast<int64_t>(prev_size[cp.second]), cp.second,
                       min_rank[cp.first], cp.first);
  }
  std::sort(cands.begin(), cands.end());
  constexpr uint32_t kFree = ~uint32_t{0};
  std::vector<uint32_t> inherited(clusters, kFree), heir(previous.ids.size(), kFree);
  std::vector<uint32_t> source(clusters, kFree), target(previous.ids.size(), kFree);
  std::vector<uint64_t> with_heir(clusters, 0);
  for (const auto& [ns, nps, p, rank, c] : cands) {
    if (source[c] == kFree) source[c] = p;
    if (target[p] == kFree) target[p] = c;
    if (inherited[c] != kFree || heir[p] != kFree) continue;
    inherited[c] = p;
    heir[p] = c;
    with_heir[c] = -ns;
  }
  Reference out;
  out.cluster_ids.resize(clusters);
  std::vector<uint32_t> fresh;
  for (uint32_t c = 0; c < clusters; ++c) {
    if (inherited[c] != kFree) out.cluster_ids[c] = previous.ids[inherited[c]];
    else fresh.push_back(c);
  }
  std::sort(fresh.begin(), fresh.end(), [&](uint32_t x, uint32_t y) { return min_rank[x] < min_rank[y]; });
  out.next_serial = previous.next_serial;
  for (uint32_t c : fresh) out.cluster_ids[c] = MintIdentityId(previous.salt, out.next_serial++);
  for (int k = 0; k <= static_cast<int>(IdentityChangeKind::kRetired); ++k) {
    out.counts[std::string(IdentityChangeName(static_cast<IdentityChangeKind>(k)))] = 0;
  }
  out.counts["unchanged"] = 0;
  for (uint32_t c = 0; c < clusters; ++c) {
    IdentityChange ch;
    ch.id = out.cluster_ids[c];
    ch.records_after = size[c];
    if (inherited[c] != kFree) {
      const uint64_t before = prev_size[inherited[c]];
      if (size[c] == with_heir[c] && before == with_heir[c]) {
        ++out.counts["unchanged"];
        continue;
      }
      ch.records_before = before;
      ch.records_added = size[c] - with_heir[c];
      ch.records_removed = before - with_heir[c];
      ch.kind = ch.records_removed == 0 ? IdentityChangeKind::kGrew
                : ch.records_added == 0 ? IdentityChangeKind::kShrank
                                        : IdentityChangeKind::kChanged;
    } else {
      ch.records_added = size[c];
      ch.kind = source[c] == kFree ? IdentityChangeKind::kNew : IdentityChangeKind::kSplitFrom;
      if (source[c] != kFree) ch.other = previous.ids[source[c]];
    }
    out.changes.push_back(ch);
  }
  for (uint32_t p = 0; p < previous.ids.size(); ++p) {
    if (heir[p] != kFree) continue;
    IdentityChange ch;
    ch.id = previous.ids[p];
    ch.records_before = ch.records_removed = prev_size[p];
    ch.kind = target[p] == kFree ? IdentityChangeKind::kRetired : IdentityChangeKind::kMergedInto;
    if (target[p] != kFree) ch.other = out.cluster_ids[target[p]];
    out.changes.push_back(ch);
  }
  for (const IdentityChange& ch : out.changes) ++out.counts[std::string(IdentityChangeName(ch.kind))];
  std::sort(out.changes.begin(), out.changes.end(),
            [](const IdentityChange& x, const IdentityChange& y) { return x.id < y.id; });
  out.next_ids = out.cluster_ids;
  std::sort(out.next_ids.begin(), out.next_ids.end());
  return out;
}

// Checks an assignment of rows `keys` (labels, clusters) against the reference.
void ExpectAsReference(const IdentityState& previous, const std::vector<std::string>& keys,
                       const std::vector<uint32_t>& labels, uint64_t clusters, const IdentityAssignment& a,
                       const std::string& what) {
  SCOPED_TRACE(what);
  const Reference ref = ReferenceAssign(previous, keys, labels, clusters);
  EXPECT_EQ(ClusterIdStrings(a), ref.cluster_ids);
  ASSERT_EQ(a.cluster_index.size(), clusters);
  for (uint32_t c = 0; c < clusters; ++c) EXPECT_EQ(a.cluster_id(c), ref.cluster_ids[c]) << "cluster " << c;
  ASSERT_EQ(a.changes.size(), ref.changes.size());
  for (size_t i = 0; i < ref.changes.size(); ++i) {
    const IdentityChange &x = a.changes[i], &y = ref.changes[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.kind, y.kind) << x.id;
    EXPECT_EQ(x.other, y.other) << x.id;
    EXPECT_EQ(x.records_before, y.records_before) << x.id;
    EXPECT_EQ(x.records_after, y.records_after) << x.id;
    EXPECT_EQ(x.records_added, y.records_added) << x.id;
    EXPECT_EQ(x.records_removed, y.records_removed) << x.id;
  }
  EXPECT_EQ(a.counts, ref.counts);
  EXPECT_EQ(std::vector<std::string>(a.next.ids.begin(), a.next.ids.end()), ref.next_ids);
  EXPECT_EQ(a.next.next_serial, ref.next_serial);
  // Each key's identity in the next state is its cluster's id.
  std::map<std::string, std::string> id_of_key;
  for (size_t r = 0; r < keys.size(); ++r) id_of_key[keys[r]] = ref.cluster_ids[labels[r]];
  ASSERT_EQ(a.next.keys.size(), keys.size());
  for (size_t i = 0; i < a.next.keys.size(); ++i) {
    EXPECT_EQ(a.next.ids[a.next.identity_of[i]], id_of_key[std::string(a.next.keys[i])]);
  }
}

// Nights that touch a few clusters of many (as an incremental night does): a record added to, or
// deleted from, a cluster; every record of a cluster deleted; a touched cluster merged with an
// untouched neighbour, or split, one part alone or joined to an untouched neighbour; records moved
// between clusters; an identity whose records all stay together but lose one to a new cluster. Both
// entry points (AssignIdentities on shuffled rows, AssignIdentitiesInKeyOrder on rows in key order
// with their previous identities) name the clusters as the reference does, which sorts every
// candidate; so does a night that touches nothing. The records whose identity id differs between
// two states, by maps of key -> id: new (no previous id), moved (another id) and deleted (no id
// now), in key order.
std::vector<std::tuple<std::string, std::string, std::string>> ChangedRecords(
    const IdentityState& before, const IdentityState& after) {
  std::map<std::string, std::pair<std::string, std::string>> by_key;  // key -> (id now, id before)
  for (size_t j = 0; j < before.keys.size(); ++j)
    by_key[std::string(before.keys[j])].second = before.ids[before.identity_of[j]];
  for (size_t i = 0; i < after.keys.size(); ++i)
    by_key[std::string(after.keys[i])].first = after.ids[after.identity_of[i]];
  std::vector<std::tuple<std::string, std::string, std::string>> out;
  for (const auto& [key, ids] : by_key) {
    if (ids.first != ids.second) out.emplace_back(key, ids.first, ids.second);
  }
  return out;
}

std::vector<std::tuple<std::string, std::string, std::string>> AsTuples(
    const std::vector<RecordIdentityChange>& changes) {
  std::vector<std::tuple<std::string, std::string, std::string>> out;
  for (const RecordIdentityChange& c : changes) out.emplace_back(c.key, c.identity, c.previous);
  return out;
}

// Random nights of edits (joins, deletions, merges, splits, moves) on `n_clusters` clusters, each
// named both ways (AssignIdentities on shuffled rows, AssignIdentitiesInKeyOrder on rows in key
// order) and checked against the reference; with read_back, every other night continues from the
// state read back from its bytes (tables viewed in place, as a run reads identities.bin).
void NameRandomNights(int n_clusters, int nights, int max_edits, uint64_t seed, bool read_back) {
  std::mt19937_64 rng(seed);
  Clusters clusters;
  int next_key = 0;
  auto key = [&] {
    char b[16];
    std::snprintf(b, sizeof b, "k%07d", next_key++);
    return std::string(b);
  };
  for (int c = 0; c < n_clusters; ++c) {
    std::vector<std::string> members;
    const int size = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < size; ++i) members.push_back(key());
    clusters.push_back(members);
  }
  IdentityState state = RunNight(NewIdentityState(21), clusters).a.next;
  for (int night = 0; night < nights; ++night) {
    Clusters next = clusters;
    // Every fifth night touches nothing.
    const int edits =
        night % 5 == 4 ? 0 : 1 + static_cast<int>(rng() % static_cast<uint64_t>(max_edits));
    for (int e = 0; e < edits && next.size() > 2; ++e) {
      const size_t x = rng() % next.size();
      size_t y = rng() % next.size();
      if (y == x) y = (x + 1) % next.size();
      switch (rng() % 7) {
        case 0: next[x].push_back(key()); break;                                          // a new record joins
        case 1: if (next[x].size() > 1) next[x].erase(next[x].begin() + rng() % next[x].size()); break;  // deleted
        case 2:                                                                            // merged with a neighbour
          next[x].insert(next[x].end(), next[y].begin(), next[y].end());
          next.erase(next.begin() + y);
          break;
        case 3:                                                                            // split, a part alone
          if (next[x].size() > 1) {
            const size_t cut = 1 + rng() % (next[x].size() - 1);
            next.emplace_back(next[x].begin() + cut, next[x].end());
            next[x].resize(cut);
          }
          break;
        case 4:                                                                            // a record moves
          if (next[x].size() > 1) {
            next[y].push_back(next[x].back());
            next[x].pop_back();
          }
          break;
        case 6: next.erase(next.begin() + x); break;                                      // every record deleted
        case 5: {                                                                          // a part joins a neighbour
          if (next[x].size() > 1) {
            const size_t cut = 1 + rng() % (next[x].size() - 1);
            next[y].insert(next[y].end(), next[x].begin() + cut, next[x].end());
            next[x].resize(cut);
          }
          break;
        }
      }
    }
    if (night % 7 == 3) next.push_back({key()});  // a record alone
    // Rows shuffled, for AssignIdentities.
    std::vector<std::pair<std::string, uint32_t>> rows;
    for (uint32_t c = 0; c < next.size(); ++c) {
      for (const std::string& k : next[c]) rows.emplace_back(k, c);
    }
    std::shuffle(rows.begin(), rows.end(), rng);
    std::vector<std::string> keys;
    std::vector<uint32_t> labels;
    for (const auto& [k, c] : rows) {
      keys.push_back(k);
      labels.push_back(c);
    }
    Result<IdentityAssignment> full = AssignIdentities(state, keys, labels, next.size());
    ASSERT_TRUE(full.ok());
    ExpectAsReference(state, keys, labels, next.size(), *full, "AssignIdentities, night " + std::to_string(night));
    // The same rows in key order, with their previous identities.
    std::sort(rows.begin(), rows.end());
    std::vector<std::string> sorted_keys;
    std::vector<uint32_t> sorted_labels, previous_of;
    for (const auto& [k, c] : rows) {
      sorted_keys.push_back(k);
      sorted_labels.push_back(c);
      const auto it = std::lower_bound(state.keys.begin(), state.keys.end(), std::string_view(k));
      previous_of.push_back(it != state.keys.end() && *it == k ? state.identity_of[it - state.keys.begin()] : kNoIdentity);
    }
    auto owned = std::make_shared<std::vector<std::string>>(sorted_keys);
    std::vector<std::string_view> views(owned->begin(), owned->end());
    // The state's records no row holds (deleted), as a night knows them.
    std::vector<uint32_t> gone;
    for (size_t j = 0; j < state.keys.size(); ++j) {
      if (!std::binary_search(sorted_keys.begin(), sorted_keys.end(), std::string(state.keys[j]))) {
        gone.push_back(static_cast<uint32_t>(j));
      }
    }
    const IdentityAssignment in_order = AssignIdentitiesInKeyOrder(
        state, views, owned, previous_of, sorted_labels, next.size(), gone);
    EXPECT_TRUE(in_order.cluster_ids.empty());
    ExpectAsReference(state, sorted_keys, sorted_labels, next.size(), in_order,
                      "AssignIdentitiesInKeyOrder, night " + std::to_string(night));
    EXPECT_EQ(in_order.next.identity_of, full->next.identity_of);
    // The records whose id changed (clusters_changed.csv), found by both namings: the difference of
    // the maps of each record's id before and after.
    const auto expected = ChangedRecords(state, full->next);
    EXPECT_EQ(AsTuples(full->record_changes), expected) << "night " << night;
    EXPECT_EQ(AsTuples(in_order.record_changes), expected) << "night " << night;
    if (edits == 0 && night % 7 != 3) {
      EXPECT_TRUE(in_order.record_changes.empty());
      EXPECT_EQ(in_order.counts.at("unchanged"), next.size());
      EXPECT_TRUE(in_order.changes.empty());
    }
    clusters = next;
    state = in_order.next;
    if (read_back && night % 2 == 0) {
      auto bytes = std::make_shared<const std::string>(SerializeIdentityState(state));
      Result<IdentityState> back = ParseIdentityState(*bytes, "identities.bin", bytes);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      state = std::move(back.value());
    }
  }
}

TEST(IdentityTest, NamingOnlyTouchedClustersEqualsNamingEveryCluster) {
  NameRandomNights(/*n_clusters=*/400, /*nights=*/40, /*max_edits=*/12, /*seed=*/13,
                   /*read_back=*/false);
}

// The naming walks rows, clusters and identities in chunks of 32,768 on every thread: nights of
// more than that, with thousands of edits (fresh ids fall in every chunk of the previous ids),
// name as the reference does, also from states read back from their bytes.
TEST(IdentityTest, NamingInChunksEqualsTheReference) {
  NameRandomNights(/*n_clusters=*/45000, /*nights=*/5, /*max_edits=*/3000, /*seed=*/29,
                   /*read_back=*/true);
}

TEST(IdentityStateTest, EveryDamagedByteAndEveryTruncationIsRefused) {
  const Night n = RunNight(NewIdentityState(5), {{"a", "b"}, {"c"}, {"dd", "eee"}});
  const std::string bytes = SerializeIdentityState(n.a.next);
  ASSERT_TRUE(ParseIdentityState(bytes, "x").ok());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x20;
    Result<IdentityState> r = ParseIdentityState(bad, "x");
    EXPECT_FALSE(r.ok()) << "byte " << i;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput);
    }
  }
  for (size_t len = 0; len < bytes.size(); ++len) {
    EXPECT_FALSE(ParseIdentityState(bytes.substr(0, len), "x").ok()) << "length " << len;
  }
  EXPECT_FALSE(ParseIdentityState(bytes + "x", "x").ok());
}

// With the checksum not checked (a caller that checked the whole file against the manifest's),
// every damaged byte of a version 2 file gives an error or tables whose every entry lies within
// the bytes: the tables are checked before they are viewed.
TEST(IdentityStateTest, ADamagedTableIsNeverViewedOutOfBounds) {
  const Night n = RunNight(NewIdentityState(5), {{"a", "b"}, {"c"}, {"dd", "eee"}});
  const std::string bytes = SerializeIdentityState(n.a.next);
  for (size_t at = 0; at + 8 < bytes.size(); ++at) {
    for (const int how : {0, 1, 2}) {
      std::string bad = bytes;
      bad[at] = how == 0 ? static_cast<char>(bad[at] ^ 0x20) : how == 1 ? '\xff' : '\0';
      auto held = std::make_shared<const std::string>(bad);
      Result<IdentityState> r = ParseIdentityState(*held, "x", held, TrailerCheck::kTrusted);
      if (!r.ok()) continue;
      const char* begin = held->data();
      const char* end = begin + held->size();
      for (std::string_view k : r->keys)
        EXPECT_TRUE(k.data() >= begin && k.data() + k.size() <= end) << at;
      for (std::string_view id : r->ids)
        EXPECT_TRUE(id.data() >= begin && id.data() + id.size() <= end) << at;
      for (size_t i = 0; i < r->keys.size(); ++i) EXPECT_LT(r->identity_of[i], r->ids.size()) << at;
    }
  }
}

TEST(IdentityStateTest, KeysAreViewsOfTheBackingOrOfACopy) {
  const Night n = RunNight(NewIdentityState(5), {{"a", "b"}, {"c"}, {"dd", "a-key-longer-than-sso"}});
  auto bytes = std::make_shared<const std::string>(SerializeIdentityState(n.a.next));
  const char* begin = bytes->data();
  const char* end = begin + bytes->size();
  // With a backing, the keys view its bytes, and the state keeps it alive.
  Result<IdentityState> viewed = ParseIdentityState(*bytes, "x", bytes);
  ASSERT_TRUE(viewed.ok());
  for (std::string_view k : viewed->keys) EXPECT_TRUE(k.data() >= begin && k.data() + k.size() <= end) << k;
  // Without, they view a copy: the state outlives the bytes it was read from.
  Result<IdentityState> copied = ParseIdentityState(std::string(*bytes), "x");
  ASSERT_TRUE(copied.ok());
  for (std::string_view k : copied->keys) EXPECT_FALSE(k.data() >= begin && k.data() < end) << k;
  bytes.reset();
  const std::vector<std::string_view> expected = {"a", "a-key-longer-than-sso", "b", "c", "dd"};
  EXPECT_EQ(viewed->keys, expected);
  EXPECT_EQ(copied->keys, expected);
}

// identities.bin is streamed in pieces (WriteRunState): the pieces and their checksum are
// SerializeIdentityState's bytes, for a state of one piece and of several.
TEST(IdentityStateTest, EmittedPiecesAreTheSerializedBytes) {
  for (const int n : {3, 200000}) {
    Clusters clusters;
    for (int k = 0; k < n; ++k) clusters.push_back({"record-" + std::to_string(k)});
    const IdentityState state = RunNight(NewIdentityState(9), clusters).a.next;
    std::string emitted;
    int pieces = 0;
    EmitIdentityStateBody(state, [&](std::string_view piece) {
      EXPECT_LE(piece.size(), (size_t{1} << 20) + 64);
      emitted += piece;
      ++pieces;
    });
    const uint64_t sum = XXH3_64bits(emitted.data(), emitted.size());
    for (int b = 0; b < 8; ++b) emitted.push_back(static_cast<char>(sum >> (8 * b)));
    EXPECT_EQ(emitted, SerializeIdentityState(state)) << n << " keys";
    EXPECT_EQ(pieces > 1, n > 3) << pieces << " pieces";
    Result<IdentityState> back = ParseIdentityState(emitted, "identities.bin");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->keys, state.keys);
  }
}

// Version 1 of identities.bin (varint-prefixed entries, written before the twenty-fifth session)
// is still read, to the same state.
TEST(IdentityStateTest, AVersionOneStateIsStillRead) {
  const Night n =
      RunNight(NewIdentityState(5), {{"a", "b"}, {"c"}, {"dd", "a-key-longer-than-sso"}});
  const IdentityState& s = n.a.next;
  auto varint = [](std::string& out, uint64_t v) {
    for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    out.push_back(static_cast<char>(v));
  };
  auto u = [](std::string& out, uint64_t v, int width) {
    for (int i = 0; i < width; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  };
  std::string v1 = "RCLKIDS\n";
  u(v1, 1, 4);
  u(v1, 0, 4);
  u(v1, s.salt, 8);
  u(v1, s.next_serial, 8);
  u(v1, s.runs, 8);
  varint(v1, s.ids.size());
  for (std::string_view id : s.ids) {
    varint(v1, id.size());
    v1 += id;
  }
  varint(v1, s.keys.size());
  for (size_t i = 0; i < s.keys.size(); ++i) {
    varint(v1, s.keys[i].size());
    v1 += s.keys[i];
    varint(v1, s.identity_of[i]);
  }
  u(v1, XXH3_64bits(v1.data(), v1.size()), 8);
  Result<IdentityState> back = ParseIdentityState(v1, "old/identities.bin");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->keys, s.keys);
  EXPECT_EQ(back->ids, s.ids);
  EXPECT_EQ(back->identity_of, s.identity_of);
  EXPECT_EQ(back->salt, s.salt);
  EXPECT_EQ(back->next_serial, s.next_serial);
  EXPECT_EQ(back->runs, s.runs);
  // Written again, it is version 2.
  EXPECT_EQ(SerializeIdentityState(*back), SerializeIdentityState(s));
  EXPECT_EQ(SerializeIdentityState(*back)[8], 2);
}

// Version 2's tables are viewed in place only after every offset, index and order is checked:
// each kind of damage that a checksum written over it would not catch is refused by name.
TEST(IdentityStateTest, VersionTwoTablesAreCheckedBeforeTheyAreViewed) {
  const Night n = RunNight(NewIdentityState(5), {{"a", "b"}, {"c"}, {"dd", "eee"}});
  const IdentityState& s = n.a.next;
  ASSERT_EQ(s.ids.size(), 3u);
  ASSERT_EQ(s.keys.size(), 5u);
  const std::string bytes = SerializeIdentityState(s);
  // Layout: magic, version, key end width, salt, next serial, runs, four counts (72 bytes), then
  // the ids' ends, the keys' ends and the identity indices (4 bytes each here), then the text.
  const size_t id_ends = 72, key_ends = id_ends + 4 * 3, indices = key_ends + 4 * 5,
               text = indices + 4 * 5;
  auto with = [&](size_t at, uint32_t v) {
    std::string b = bytes.substr(0, bytes.size() - 8);
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
    const uint64_t sum = XXH3_64bits(b.data(), b.size());
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<char>(sum >> (8 * i)));
    return b;
  };
  auto refused = [&](const std::string& b, const std::string& why) {
    Result<IdentityState> r = ParseIdentityState(b, "st/identities.bin");
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput);
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
  };
  ASSERT_TRUE(ParseIdentityState(with(indices, s.identity_of[0]), "x").ok());
  refused(with(id_ends, 40), "offsets do not fit");          // past the ids' text
  refused(with(id_ends + 4, 1), "offsets do not fit");       // the second end before the first
  refused(with(key_ends + 4 * 4, 2), "offsets do not fit");  // the last end short of the text
  refused(with(indices + 4 * 2, 3), "names an identity that does not exist");
  // Two ids swapped in the text: the same offsets, out of order.
  std::string swapped = bytes;
  std::swap_ranges(swapped.begin() + text, swapped.begin() + text + 13,
                   swapped.begin() + text + 13);
  std::string body = swapped.substr(0, swapped.size() - 8);
  const uint64_t sum = XXH3_64bits(body.data(), body.size());
  for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>(sum >> (8 * i)));
  refused(body, "identity ids are not sorted and unique");
  // A key made equal to the next one.
  std::string keys = bytes.substr(0, bytes.size() - 8);
  const size_t key_text = text + 3 * 13;  // "a", "b", "c", "dd", "eee"
  keys[key_text] = 'b';
  const uint64_t ksum = XXH3_64bits(keys.data(), keys.size());
  for (int i = 0; i < 8; ++i) keys.push_back(static_cast<char>(ksum >> (8 * i)));
  refused(keys, "record keys are not sorted and unique");
}

// Past 4 GiB of ids' or keys' bytes the end offsets take 8 bytes each: a file written so (here
// rewritten from a small one, as no test writes 4 GiB) reads to the same state.
TEST(IdentityStateTest, EightByteOffsetsAreRead) {
  const Night n = RunNight(NewIdentityState(5), {{"a", "b"}, {"c"}, {"dd", "eee"}});
  const IdentityState& s = n.a.next;
  const std::string narrow = SerializeIdentityState(s);
  ASSERT_EQ(narrow[12], 4);  // the end width
  const size_t n_ends = s.ids.size() + s.keys.size();
  std::string wide = narrow.substr(0, 72);
  wide[12] = 8;
  for (size_t i = 0; i < n_ends; ++i) {
    wide += narrow.substr(72 + 4 * i, 4);
    wide += std::string(4, '\0');
  }
  wide += narrow.substr(72 + 4 * n_ends, narrow.size() - 8 - (72 + 4 * n_ends));
  const uint64_t sum = XXH3_64bits(wide.data(), wide.size());
  for (int i = 0; i < 8; ++i) wide.push_back(static_cast<char>(sum >> (8 * i)));
  Result<IdentityState> back = ParseIdentityState(wide, "identities.bin");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->keys, s.keys);
  EXPECT_EQ(back->ids, s.ids);
  EXPECT_EQ(back->identity_of, s.identity_of);
  wide[12] = 6;
  EXPECT_FALSE(ParseIdentityState(wide, "identities.bin", nullptr, TrailerCheck::kTrusted).ok());
}

TEST(IdentityStateTest, AnotherVersionIsRefusedByName) {
  std::string bytes = SerializeIdentityState(NewIdentityState(1));
  bytes[8] = 9;  // the version's low byte
  Result<IdentityState> r = ParseIdentityState(bytes, "st/identities.bin");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("st/identities.bin"), std::string::npos);
  EXPECT_NE(r.status().message().find("version 9"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace reclink
