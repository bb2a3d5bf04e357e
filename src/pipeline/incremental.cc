// RunIncremental: the state's records plus this run's; only the blocks this run's records touch
// are looked at, and only their new pairs are scored (see reclink/incremental.h).
#include "reclink/incremental.h"

#include <absl/container/flat_hash_map.h>
#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <numeric>
#include <tuple>
#include <utility>
#include <cstdlib>
#include <cstring>
#include <cerrno>
#include <fstream>

#include "reclink/csv_writer.h"
#include "reclink/json_writer.h"
#include "reclink/parallel.h"
#include "reclink/placeholders.h"
#include "reclink/score.h"

namespace reclink {
namespace {

constexpr uint32_t kRemoved = ~uint32_t{0};

constexpr const char* kNoSurvivorValues =
    "error: the rules ask for golden records ([survivorship]), and the state does not hold the input values they "
    "are chosen from (it was written without [survivorship], with other survivorship values or timestamps, or by "
    "an earlier reclink)";
constexpr const char* kRunInFull = "run once in full (without --incremental) to rewrite the state with them";

bool EdgeLess(const Edge& x, const Edge& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); }

// A column of `rows` values, value i being source(i) = (column, row): sized in one pass and
// copied in a second, without growing buffers.
template <class Source>
Column Gather(const std::string& name, size_t rows, const Source& source) {
  uint64_t bytes = 0;
  for (size_t i = 0; i < rows; ++i) {
    const auto [col, row] = source(i);
    bytes += col->Get(row).size();
  }
  Column out(name);
  const Column::FillBuffers fill = out.PrepareFill(rows, bytes);
  uint64_t at = 0;
  for (size_t i = 0; i < rows; ++i) {
    const auto [col, row] = source(i);
    if (col->IsNull(row)) {
      fill.nulls[i / 64] |= uint64_t{1} << (i % 64);
    } else {
      const std::string_view v = col->Get(row);
      if (!v.empty()) std::memcpy(fill.arena + at, v.data(), v.size());
      at += v.size();
    }
    if (fill.offsets) fill.offsets[i + 1] = static_cast<uint32_t>(at);
    else fill.wide_offsets[i + 1] = at;
  }
  return out;
}

// The combined order as runs (the state's kept records come in long runs between this run's).
std::vector<RecordsMerge::Run> CombinedRuns(const std::vector<std::pair<uint8_t, uint32_t>>& combined,
                                            uint8_t delta_kind) {
  std::vector<RecordsMerge::Run> runs;
  for (const auto& [kind, index] : combined) {
    const uint8_t from = kind == delta_kind ? 1 : 0;
    if (!runs.empty() && runs.back().from == from && runs.back().first + runs.back().count == index) {
      ++runs.back().count;
    } else {
      runs.push_back({from, index, 1});
    }
  }
  return runs;
}

// A member of a touched block: a record of the state (kept or removed) or of this run.
struct Member {
  uint64_t hash;
  uint32_t row;    // the state's row (old) or this run's row (delta)
  uint8_t kind;    // kOld, kRemovedOld, kDelta
};
constexpr uint8_t kOld = 0, kRemovedOld = 1, kDelta = 2;

// What blocking one rule over the touched blocks gives.
struct RuleDelta {
  // The blocks that give this run's records pairs: their members' rows (the state's kept
  // records, then this run's; combined rows, renumbered as the night's local rows before the
  // pairs are formed), block by block, and where each block starts in them; and (this run's row,
  // block) for each of this run's members. The pairs themselves are formed per record of this
  // run when they are scored (RunIncremental), not listed here.
  std::vector<uint32_t> rows;
  std::vector<uint32_t> block_start{0};
  std::vector<std::pair<uint32_t, uint32_t>> delta_at;
  std::vector<CandidatePair> pairs;     // reopened blocks' pairs of two kept records, combined rows, a < b
  std::vector<OversizedBlock> oversized_now;       // touched blocks over the cap now
  std::vector<std::string> touched_saved;          // key texts of the state's oversized blocks touched
  std::vector<std::pair<uint64_t, std::string>> over_texts;  // (hash, key text) of oversized_now
  std::vector<uint32_t> over_rows;      // the state's kept records in oversized_now's blocks
  uint64_t reopened = 0;                // blocks skipped before and not now: all their pairs scored
  std::vector<uint64_t> collisions;     // hashes whose members have different key texts (sorted)
  uint64_t members_checked = 0;         // members whose key parts were read and compared
};

// A candidate pair (rows a < b) and the first blocking rule that gave it.
struct RulePair {
  uint32_t a, b, rule;
};

}  // namespace

Result<IncrementalResult> RunIncremental(const Rules& rules, const RunState& state, const LoadedInput& delta,
                                         const std::vector<std::string>& deletions, double threshold) {
  IncrementalResult out;
  const RecordsState& saved = state.records;
  const StringTable& old_keys = state.identities.keys;
  const size_t n_old = old_keys.size();
  out.counts.records_before = n_old;
  // The position of the first of the state's keys not below key, searched from `from`, a
  // position none of whose predecessors is above key: a gallop, then a binary search. Keys looked
  // up in ascending order so read the state's keys (views of the mapped identities.bin) near the
  // last one found, instead of about twenty scattered ones each from the top.
  auto old_position_from = [&](size_t from, std::string_view key) -> size_t {
    size_t lo = from, hi = from, step = 1;
    while (hi < n_old && old_keys[hi] < key) {
      lo = hi + 1;
      hi = from + step;
      step *= 2;
    }
    hi = std::min(hi, n_old);
    return std::lower_bound(old_keys.begin() + static_cast<std::ptrdiff_t>(lo),
                            old_keys.begin() + static_cast<std::ptrdiff_t>(hi), key) - old_keys.begin();
  };
  if (saved.KeyHashRules() != rules.blocking.size()) {
    return Status::Internal("the state's key hashes do not match the rules' blocking");
  }

  // Which of the state's records stay: not deleted, not replaced by this run's.
  std::vector<uint8_t> removed(n_old, 0);
  std::vector<uint32_t> deleted_at;  // the state's records the deletions name, ascending
  {
    std::vector<uint32_t> by_key(deletions.size());
    std::iota(by_key.begin(), by_key.end(), 0u);
    std::sort(by_key.begin(), by_key.end(), [&](uint32_t x, uint32_t y) { return deletions[x] < deletions[y]; });
    size_t at = 0;
    for (const uint32_t x : by_key) {
      at = old_position_from(at, deletions[x]);
      if (at >= n_old || old_keys[at] != deletions[x] || removed[at]) {
        ++out.counts.unknown_deletions;
        continue;
      }
      removed[at] = 1;
      deleted_at.push_back(static_cast<uint32_t>(at));
      ++out.counts.deleted;
    }
  }
  // Kept alive by the next state's keys, which view them (and the state's).
  const auto delta_keys_owned = std::make_shared<const std::vector<std::string>>(RecordKeys(delta, rules));
  const std::vector<std::string>& delta_keys = *delta_keys_owned;
  const size_t n_delta = delta_keys.size();
  std::vector<uint32_t> delta_by_key(n_delta);
  std::iota(delta_by_key.begin(), delta_by_key.end(), 0u);
  std::sort(delta_by_key.begin(), delta_by_key.end(),
            [&](uint32_t x, uint32_t y) { return delta_keys[x] < delta_keys[y]; });
  for (size_t i = 1; i < n_delta; ++i) {
    if (delta_keys[delta_by_key[i]] == delta_keys[delta_by_key[i - 1]]) {
      return Status::InvalidInput("error: record id '" + delta_keys[delta_by_key[i]] + "' appears twice in this run's inputs",
                                  "an incremental run takes each new or changed record once");
    }
  }
  std::vector<size_t> old_before(n_delta);     // how many of the state's keys are below each one
  std::vector<int64_t> old_of_delta(n_delta);  // the state's index of the same key, or -1
  for (size_t k = 0, at = 0; k < n_delta; ++k) {
    const uint32_t d = delta_by_key[k];
    at = old_before[d] = old_position_from(at, delta_keys[d]);
    const bool same = old_before[d] < n_old && old_keys[old_before[d]] == delta_keys[d];
    const int64_t i = old_of_delta[d] = same ? static_cast<int64_t>(old_before[d]) : -1;
    if (i < 0) {
      ++out.counts.inserted;
    } else {
      if (!removed[i]) ++out.counts.updated;
      else ++out.counts.inserted;  // deleted and given again: a new record
      removed[i] = 1;
    }
  }
  // The deleted records no row holds now: not given again by this run.
  {
    std::vector<int64_t> given;
    for (const int64_t i : old_of_delta) {
      if (i >= 0) given.push_back(i);
    }
    std::sort(given.begin(), given.end());
    for (const uint32_t at : deleted_at) {
      if (!std::binary_search(given.begin(), given.end(), static_cast<int64_t>(at)))
        out.gone.push_back(at);
    }
  }
  // The state's model's placeholder values, as the full run read them: null.
  std::vector<DetectedPlaceholder> placeholders;
  Result<DerivedFields> delta_fields =
      DeriveFieldsForRun(rules, delta.table, &state.model, &placeholders);
  if (!delta_fields.ok()) return delta_fields.status();

  // The combined records in key order: the state's kept records and this run's, merged. Rows of
  // the result are positions in this order, so the identities need no sort. Where each of this
  // run's keys goes among the state's is known: no key is compared here.
  std::vector<uint32_t> row_of_old(n_old, kRemoved), row_of_delta(n_delta, kRemoved);
  std::vector<std::pair<uint8_t, uint32_t>> combined;  // (kOld or kDelta, index)
  combined.reserve(n_old + n_delta);
  {
    size_t i = 0, j = 0;
    while (i < n_old || j < n_delta) {
      while (i < n_old && removed[i]) ++i;
      if (i >= n_old && j >= n_delta) break;
      const bool take_old = j >= n_delta || (i < n_old && i < old_before[delta_by_key[j]]);
      if (take_old) {
        row_of_old[i] = static_cast<uint32_t>(combined.size());
        combined.emplace_back(kOld, static_cast<uint32_t>(i++));
      } else {
        row_of_delta[delta_by_key[j]] = static_cast<uint32_t>(combined.size());
        combined.emplace_back(kDelta, delta_by_key[j++]);
      }
    }
  }
  const size_t n = combined.size();

  // Link modes: each combined row's source (an index into the sorted names of the state's and
  // this run's sources); link pairs records of different sources only.
  const bool link = rules.link_type != LinkType::kDedupe;
  const bool cross_only = rules.link_type == LinkType::kLink;
  std::vector<std::string> names;
  std::vector<uint32_t> source_of;  // per combined row
  if (link) {
    if (saved.source_of.size() != n_old) {
      return Status::InvalidInput("error: the state was written by an earlier reclink that did not keep each "
                                  "record's source, which an incremental link run needs",
                                  "run once in full (without --incremental) to rewrite the state");
    }
    names = saved.source_names;
    for (const std::string& s : delta.table.source_names()) names.push_back(s);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    auto index = [&](const std::string& name) {
      return static_cast<uint32_t>(std::lower_bound(names.begin(), names.end(), name) - names.begin());
    };
    std::vector<uint32_t> old_index, new_index;
    for (const std::string& s : saved.source_names) old_index.push_back(index(s));
    for (const std::string& s : delta.table.source_names()) new_index.push_back(index(s));
    source_of.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const auto [kind, row] = combined[i];
      source_of[i] = kind == kDelta ? new_index[delta.table.source(row)] : old_index[saved.source_of[row]];
    }
  }
  auto same_source = [&](uint32_t a, uint32_t b) { return cross_only && source_of[a] == source_of[b]; };

  // Blocking, rule by rule, over the blocks this run touches: the keys of this run's records and
  // of the removed ones. Every other block is as it was: its pairs were scored before, and its
  // links are carried over below.
  const uint64_t cap = rules.max_block_size;
  std::vector<uint32_t> removed_rows;  // the state's removed records, in order
  for (size_t i = 0; i < n_old; ++i) {
    if (removed[i]) removed_rows.push_back(static_cast<uint32_t>(i));
  }
  std::vector<std::vector<uint64_t>> delta_hashes(rules.blocking.size());
  std::vector<RuleDelta> per_rule(rules.blocking.size());
  ParallelFor(size_t{0}, rules.blocking.size(), [&](size_t r) {
    delta_hashes[r] = BlockingKeyHashes(rules, r, delta_fields->fields);
    // The state's key hashes, where they were read (in place: the mapped records.bin).
    const char* old_h = saved.KeyHashBytes(r);
    auto old_hash = [&](size_t i) { return RecordsState::LoadKeyHash(old_h, i); };
    const std::vector<uint64_t>& new_h = delta_hashes[r];
    std::vector<Member> changed, members;
    for (const uint32_t i : removed_rows) {
      if (old_hash(i) != 0) changed.push_back({old_hash(i), i, kRemovedOld});
    }
    for (size_t d = 0; d < n_delta; ++d) {
      if (new_h[d] != 0) changed.push_back({new_h[d], static_cast<uint32_t>(d), kDelta});
    }
    // Abseil's Swiss table: faster here than the hand-rolled linear probing it replaced
    // (docs/performance.md, "Hash tables"). Each touched hash is numbered, in the order first met.
    absl::flat_hash_map<uint64_t, uint32_t> touched;
    touched.reserve(changed.size());
    // A bit per slot of the hashes' top kFilterBits bits, set for the touched ones: most of the
    // state's records are in no touched block and are passed over on one bit (the filter, 128
    // KiB, stays in cache; the set's probes would not).
    constexpr int kFilterBits = 20;
    std::vector<uint64_t> filter(size_t{1} << (kFilterBits - 6), 0);
    auto slot = [](uint64_t h) { return h >> (64 - kFilterBits); };
    std::vector<uint32_t> changed_block(changed.size());
    for (size_t k = 0; k < changed.size(); ++k) {
      const uint64_t h = changed[k].hash;
      changed_block[k] = touched.try_emplace(h, static_cast<uint32_t>(touched.size())).first->second;
      filter[slot(h) >> 6] |= uint64_t{1} << (slot(h) & 63);
    }
    // The state's members of the touched blocks, found on every thread in chunks of rows, each
    // chunk's in row order with their hashes' numbers.
    constexpr size_t kScanRows = size_t{1} << 16;
    struct Scanned {
      std::vector<Member> members;
      std::vector<uint32_t> blocks;
    };
    // A rule whose blocks this run does not touch (a quiet night) has no members to find.
    std::vector<Scanned> scanned(changed.empty() ? 0 : (n_old + kScanRows - 1) / kScanRows);
    ParallelFor(size_t{0}, scanned.size(), [&](size_t c) {
      Scanned& f = scanned[c];
      for (size_t i = c * kScanRows, end = std::min(n_old, i + kScanRows); i < end; ++i) {
        const uint64_t h = old_hash(i);
        if (!((filter[slot(h) >> 6] >> (slot(h) & 63)) & 1)) continue;
        if (removed[i] || h == 0) continue;
        if (const auto it = touched.find(h); it != touched.end()) {
          f.members.push_back({h, static_cast<uint32_t>(i), kOld});
          f.blocks.push_back(it->second);
        }
      }
    });
    // Members by block (a counting sort on the hashes' numbers, stable): the state's kept ones by
    // row, then its removed ones, then this run's, as the blocks below need them. The blocks'
    // order does not matter (every list they fill is sorted or counted afterwards).
    std::vector<size_t> block_start(touched.size() + 1, 0);
    for (const Scanned& f : scanned) {
      for (const uint32_t b : f.blocks) ++block_start[b + 1];
    }
    for (const uint32_t b : changed_block) ++block_start[b + 1];
    for (size_t b = 1; b < block_start.size(); ++b) block_start[b] += block_start[b - 1];
    members.resize(block_start.back());
    for (Scanned& f : scanned) {
      for (size_t k = 0; k < f.members.size(); ++k) members[block_start[f.blocks[k]]++] = f.members[k];
      Scanned().members.swap(f.members);
      Scanned().blocks.swap(f.blocks);
    }
    for (size_t k = 0; k < changed.size(); ++k) members[block_start[changed_block[k]]++] = changed[k];
    decltype(changed)().swap(changed);
    auto combined_row = [&](const Member& m) { return m.kind == kDelta ? row_of_delta[m.row] : row_of_old[m.row]; };
    // The columns and row holding a member's values.
    auto fields_of = [&](const Member& m) -> std::pair<const std::vector<Column>*, RowId> {
      return m.kind == kDelta ? std::make_pair(&delta_fields->fields, RowId{m.row}) : FieldsRow(saved, m.row);
    };
    RuleDelta& rd = per_rule[r];
    std::vector<uint32_t> kept, added;
    // The state's oversized blocks of this rule (key texts), whose keys a touched block is looked
    // up in; usually none, and then a block's key text is only made if it is oversized now.
    std::vector<std::string> saved_over;
    for (const SavedOversized& o : saved.oversized) {
      if (o.rule == r) saved_over.push_back(o.key);
    }
    std::sort(saved_over.begin(), saved_over.end());
    std::string lazy_text;
    // One block: members [s, e), all with one key text: `known_text`, or when null that of
    // members[s], made when needed.
    auto block = [&](size_t s, size_t e, const std::string* known_text) {
      auto text = [&]() -> const std::string& {
        if (!known_text) {
          const auto [f, row] = fields_of(members[s]);
          BlockingKeyText(rules, r, *f, row, &lazy_text);
          known_text = &lazy_text;
        }
        return *known_text;
      };
      kept.clear();
      added.clear();
      uint64_t before = 0;
      for (size_t k = s; k < e; ++k) {
        if (members[k].kind == kOld) kept.push_back(combined_row(members[k]));
        if (members[k].kind == kDelta) added.push_back(combined_row(members[k]));
        if (members[k].kind != kDelta) ++before;
      }
      const uint64_t now = kept.size() + added.size();
      if (!saved_over.empty() && std::binary_search(saved_over.begin(), saved_over.end(), text())) {
        rd.touched_saved.push_back(text());
      }
      if (now > cap) {
        OversizedBlock ob;
        ob.rule = static_cast<int>(r);
        ob.key = DisplayBlockingKey(text());
        ob.key_text = text();
        ob.size = now;
        ob.pairs_skipped = now * (now - 1) / 2;
        if (cross_only) {  // only pairs across sources: less the pairs inside each source
          std::vector<uint32_t> srcs;
          for (uint32_t row : kept) srcs.push_back(source_of[row]);
          for (uint32_t row : added) srcs.push_back(source_of[row]);
          std::sort(srcs.begin(), srcs.end());
          for (size_t x = 0; x < srcs.size();) {
            size_t y = x;
            while (y < srcs.size() && srcs[y] == srcs[x]) ++y;
            ob.pairs_skipped -= uint64_t{y - x} * (y - x - 1) / 2;
            x = y;
          }
        }
        MarkPlaceholderKey(rules, &ob);
        rd.oversized_now.push_back(std::move(ob));
        rd.over_texts.emplace_back(members[s].hash, text());
        for (size_t k = s; k < e; ++k) {
          if (members[k].kind == kOld) rd.over_rows.push_back(members[k].row);
        }
        return;
      }
      if (before > cap) {
        ++rd.reopened;  // never scored: every pair of the block now
        for (size_t x = 0; x < kept.size(); ++x) {
          for (size_t y = x + 1; y < kept.size(); ++y) {
            if (!same_source(kept[x], kept[y])) rd.pairs.push_back({kept[x], kept[y]});
          }
        }
      }
      if (added.empty() || now < 2) return;
      const uint32_t blk = static_cast<uint32_t>(rd.block_start.size() - 1);
      rd.rows.insert(rd.rows.end(), kept.begin(), kept.end());
      rd.rows.insert(rd.rows.end(), added.begin(), added.end());
      rd.block_start.push_back(static_cast<uint32_t>(rd.rows.size()));
      for (size_t k = s; k < e; ++k) {
        if (members[k].kind == kDelta) rd.delta_at.emplace_back(members[k].row, blk);
      }
    };
    // A run of one hash is one block unless two keys' hashes collide. A member whose key parts'
    // values are those of the run's first member has its key; only the others' key parts are
    // computed (a phonetic code, a prefix) and compared, and a run where one differs is split by
    // key text, as blocking does.
    const BlockingRule& br = rules.blocking[r];
    std::vector<int> part_field;
    for (const BlockingKey& k : br.keys) part_field.push_back(rules.FindField(k.field));
    std::string text, part;
    std::vector<std::string> ref_parts(br.keys.size());
    std::vector<uint8_t> ref_done(br.keys.size());
    std::vector<std::pair<std::string, Member>> split;
    // The members' rows are scattered over the state's tables (read in place, so 4 KiB pages of
    // the page cache): their key fields' offsets, then their bytes, are prefetched kPrefetchAhead
    // and half that many members ahead of the check, as blocking does.
    constexpr size_t kPrefetchAhead = 32;
    size_t next_offsets = 0, next_values = 0;
    auto prefetch_to = [&](size_t s) {
      for (const size_t to = std::min(members.size(), s + kPrefetchAhead); next_offsets < to; ++next_offsets) {
        const auto [f, row] = fields_of(members[next_offsets]);
        for (const int pf : part_field) (*f)[pf].PrefetchOffsets(row);
      }
      for (const size_t to = std::min(members.size(), s + kPrefetchAhead / 2); next_values < to; ++next_values) {
        const auto [f, row] = fields_of(members[next_values]);
        for (const int pf : part_field) (*f)[pf].PrefetchValue(row);
      }
    };
    // The state's records of one hash have one key text unless the hash is a known collision
    // (RecordsState::key_collisions): then only this run's records are checked against the first
    // of them. Hash 1 stands for a raw hash of 0 too, so it is always checked whole.
    const bool known = saved.key_collisions_known && r < saved.key_collisions.size();
    auto state_alike = [&](uint64_t h) {
      return known && h != 1 && !std::binary_search(saved.key_collisions[r].begin(), saved.key_collisions[r].end(), h);
    };
    for (size_t s = 0; s < members.size();) {
      size_t e = s + 1;
      while (e < members.size() && members[e].hash == members[s].hash) ++e;
      // Members come by kind (kOld, kRemovedOld, kDelta): the first to check is the first of this
      // run's when the state's are alike among themselves.
      const bool alike = state_alike(members[s].hash);
      size_t first_check = s + 1;
      if (alike) {
        while (first_check < e && members[first_check].kind != kDelta) ++first_check;
        // The state's members are not read: the prefetch moves past them.
        next_offsets = std::max(next_offsets, e);
        next_values = std::max(next_values, e);
      } else {
        prefetch_to(s);
      }
      const Member& ref = members[s];
      const auto [ref_fields_p, ref_row] = fields_of(ref);
      const std::vector<Column>& ref_fields = *ref_fields_p;
      std::fill(ref_done.begin(), ref_done.end(), 0);
      bool same = true;
      for (size_t k = first_check; k < e && same; ++k) {
        if (!alike) prefetch_to(k);  // a large block's members too
        ++rd.members_checked;
        const auto [f, row] = fields_of(members[k]);
        for (size_t p = 0; p < br.keys.size() && same; ++p) {
          const std::string_view mine = (*f)[part_field[p]].Get(row);
          const std::string_view theirs = ref_fields[part_field[p]].Get(ref_row);
          if (mine == theirs) continue;
          if (br.keys[p].fn == KeyFunction::kField) {
            same = false;
            break;
          }
          if (!ref_done[p]) {
            ref_parts[p].clear();
            ComputeKeyPart(br.keys[p], theirs, &ref_parts[p]);
            ref_done[p] = 1;
          }
          part.clear();
          ComputeKeyPart(br.keys[p], mine, &part);
          same = part == ref_parts[p];
        }
      }
      if (same) {
        block(s, e, nullptr);
      } else {
        rd.collisions.push_back(members[s].hash);
        split.clear();
        for (size_t k = s; k < e; ++k) {
          const auto [f, row] = fields_of(members[k]);
          BlockingKeyText(rules, r, *f, row, &text);
          split.emplace_back(text, members[k]);
        }
        std::stable_sort(split.begin(), split.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
        for (size_t k = s; k < e; ++k) members[k] = split[k - s].second;
        for (size_t b = s; b < e;) {
          size_t be = b + 1;
          while (be < e && split[be - s].first == split[b - s].first) ++be;
          block(b, be, &split[b - s].first);
          b = be;
        }
      }
      s = e;
    }
    std::sort(rd.collisions.begin(), rd.collisions.end());
    std::sort(rd.touched_saved.begin(), rd.touched_saved.end());
    std::sort(rd.over_texts.begin(), rd.over_texts.end());
  });

  // The pairs to score: each once (several rules may give it), counted for the first rule that
  // gives it, as the full run counts them. Every pair holds one of this run's records (but the
  // reopened blocks' pairs of two kept records, below), so the pairs are formed record by
  // record: a record of this run takes as partners the members of its blocks, rule by rule, each
  // once (its partners' rows sorted, the first rule kept); a pair of two of this run's records is
  // formed by the one later in the combined order. No list of every pair is made and sorted: at
  // ten million records a night of 1% forms 40 million pairs, whose lists, sort and copies cost
  // gigabytes and most of the night (docs/identities.md, "Pairs formed per record").
  uint64_t reopened = 0;
  for (const RuleDelta& rd : per_rule) {
    reopened += rd.reopened;
    out.counts.keys_checked += rd.members_checked;
    out.counts.key_collisions += rd.collisions.size();
  }
  out.counts.blocks_reopened = reopened;
  // Reopened blocks' pairs of two kept records (rare): each once, for its first rule.
  std::vector<RulePair> kept_pairs;
  for (size_t r = 0; r < per_rule.size(); ++r) {
    for (const CandidatePair& p : per_rule[r].pairs) kept_pairs.push_back({p.a, p.b, static_cast<uint32_t>(r)});
    decltype(per_rule[r].pairs)().swap(per_rule[r].pairs);
  }
  std::sort(kept_pairs.begin(), kept_pairs.end(),
            [](const RulePair& x, const RulePair& y) { return std::tie(x.a, x.b, x.rule) < std::tie(y.a, y.b, y.rule); });
  kept_pairs.erase(std::unique(kept_pairs.begin(), kept_pairs.end(),
                               [](const RulePair& x, const RulePair& y) { return x.a == y.a && x.b == y.b; }),
                   kept_pairs.end());
  // A bit per combined row: one of this run's records (128 KiB for a million rows, in cache).
  std::vector<uint64_t> is_new((n + 63) / 64, 0);
  for (const uint32_t row : row_of_delta) {
    if (row != kRemoved) is_new[row >> 6] |= uint64_t{1} << (row & 63);
  }
  auto new_row = [&](uint32_t row) { return (is_new[row >> 6] >> (row & 63)) & 1; };

  // Scoring needs the comparisons' prepared values of the records in some pair only: the
  // members of the blocks that give pairs. A bit per combined row marks them; a row's local index
  // is the number of marked rows before it (a count per 64-bit word, then a popcount), so the
  // rows come out in order with no sort, and no table of n entries is made (the bits of a million
  // rows are 128 KiB, which stays in cache while the pairs are formed).
  std::vector<uint64_t> in_pair((n + 63) / 64, 0);
  auto mark = [&](uint32_t row) { in_pair[row >> 6] |= uint64_t{1} << (row & 63); };
  for (const RuleDelta& rd : per_rule) {
    for (const uint32_t row : rd.rows) mark(row);
  }
  for (const RulePair& p : kept_pairs) {
    mark(p.a);
    mark(p.b);
  }
  std::vector<uint32_t> marked_before(in_pair.size());
  std::vector<uint32_t> involved;
  {
    uint32_t count = 0;
    for (size_t w = 0; w < in_pair.size(); ++w) {
      marked_before[w] = count;
      count += static_cast<uint32_t>(std::popcount(in_pair[w]));
    }
    involved.reserve(count);
    for (size_t w = 0; w < in_pair.size(); ++w) {
      for (uint64_t bits = in_pair[w]; bits != 0; bits &= bits - 1) {
        involved.push_back(static_cast<uint32_t>(w * 64 + static_cast<size_t>(std::countr_zero(bits))));
      }
    }
  }
  auto rank_of = [&](uint32_t row) {  // the row's place among the marked rows, ascending
    const uint64_t below = in_pair[row >> 6] & ((uint64_t{1} << (row & 63)) - 1);
    return marked_before[row >> 6] + static_cast<uint32_t>(std::popcount(below));
  };
  std::vector<uint32_t> local_of_delta(n_delta, kRemoved);  // this run's records' local rows
  for (size_t d = 0; d < n_delta; ++d) {
    const uint32_t row = row_of_delta[d];
    if (row != kRemoved && ((in_pair[row >> 6] >> (row & 63)) & 1)) local_of_delta[d] = rank_of(row);
  }
  // Every block's rows as local rows, once here rather than once per pair.
  ParallelFor(size_t{0}, per_rule.size(), [&](size_t r) {
    for (uint32_t& row : per_rule[r].rows) row = rank_of(row);
  });
  for (RulePair& p : kept_pairs) {
    p.a = rank_of(p.a);
    p.b = rank_of(p.b);
  }
  // Per local row: one of this run's records, and (link modes) its source.
  std::vector<uint64_t> local_new((involved.size() + 63) / 64, 0);
  std::vector<uint32_t> local_source(link ? involved.size() : 0);
  for (size_t i = 0; i < involved.size(); ++i) {
    if (new_row(involved[i])) local_new[i >> 6] |= uint64_t{1} << (i & 63);
    if (link) local_source[i] = source_of[involved[i]];
  }
  auto value_source = [&](uint32_t row) -> std::pair<const std::vector<Column>*, RowId> {
    const auto [kind, index] = combined[row];
    return kind == kDelta ? std::make_pair(&delta_fields->fields, RowId{index}) : FieldsRow(saved, index);
  };
  // The involved rows' values of the fields the comparisons read (a field only blocked on is
  // not gathered; with no field compared, every field is, for the row count), and once the
  // comparisons hold them, only those the comparisons read in place are kept: at ten million
  // records a night's involved rows are millions, and their gathered fields hundreds of MB.
  std::vector<bool> compared = rules.FieldsCompared();
  if (std::find(compared.begin(), compared.end(), true) == compared.end()) compared.assign(compared.size(), true);
  DerivedFields subset;
  subset.fields.resize(rules.fields.size());
  ParallelFor(size_t{0}, rules.fields.size(), [&](size_t f) {
    if (!compared[f]) {
      subset.fields[f] = Column(rules.fields[f].name);
      return;
    }
    subset.fields[f] = Gather(rules.fields[f].name, involved.size(), [&](size_t i) {
      const auto [cols, index] = value_source(involved[i]);
      return std::make_pair(&(*cols)[f], index);
    });
  });
  Result<Comparisons> built = Comparisons::Build(rules, subset);
  if (!built.ok()) return built.status();
  const Comparisons& comps = *built;
  for (size_t f = 0; f < subset.fields.size(); ++f) {
    if (!comps.FieldsRead()[f]) subset.fields[f].ReleaseValues();
  }
  const TermFrequencies tf = TermFrequencies::FromTables(comps, saved.tf_tables);
  const Scorer scorer(state.model, comps, tf);
  const double weight_threshold = scorer.WeightForProbability(threshold);  // as the full run computes it

  // Each of this run's records' blocks, rule by rule: a counting sort of (record, block) by
  // record, stable, so a record's blocks come in rule order.
  std::vector<uint32_t> at_start(n_delta + 1, 0);
  for (const RuleDelta& rd : per_rule) {
    for (const auto& [d, blk] : rd.delta_at) ++at_start[d + 1];
  }
  for (size_t d = 0; d < n_delta; ++d) at_start[d + 1] += at_start[d];
  std::vector<std::pair<uint32_t, uint32_t>> blocks_of(at_start.back());  // (rule, block)
  // The order this run's records are scored in: by their block of the rule with the most
  // members, so that records sharing a block come together and its members' slots, loaded for
  // the first, are in cache for the others; then the records in none of its blocks.
  std::vector<uint32_t> delta_order;
  delta_order.reserve(n_delta);
  {
    size_t widest = 0;
    for (size_t r = 1; r < per_rule.size(); ++r) {
      if (per_rule[r].rows.size() > per_rule[widest].rows.size()) widest = r;
    }
    std::vector<uint8_t> placed(n_delta, 0);
    if (!per_rule.empty()) {
      // delta_at is in block order already: blocks are numbered as they are made.
      for (const auto& [d, blk] : per_rule[widest].delta_at) {
        if (!placed[d]) {
          placed[d] = 1;
          delta_order.push_back(d);
        }
      }
    }
    for (uint32_t d = 0; d < n_delta; ++d) {
      if (!placed[d]) delta_order.push_back(d);
    }
  }
  {
    std::vector<uint32_t> next(at_start.begin(), at_start.end() - 1);
    for (size_t r = 0; r < per_rule.size(); ++r) {
      for (const auto& [d, blk] : per_rule[r].delta_at) blocks_of[next[d]++] = {static_cast<uint32_t>(r), blk};
      decltype(per_rule[r].delta_at)().swap(per_rule[r].delta_at);
    }
  }
  // Pairs in local rows, in runs sharing their first row, this run's record (the early-deciding
  // batch scorer of the full run prepares it once for its run of partners; the state's record
  // of such a pair is in one or two); the links go back to combined rows. The links are the same
  // as the pairs' other way round: every level is symmetric (ComparisonTest.LevelsAreSymmetric)
  // and the links are sorted below.
  struct Found {
    std::vector<Edge> edges;
    ScoreScratch scratch;
    std::vector<uint64_t> partners;  // (local row << 32 | rule) of one record
    std::vector<CandidatePair> pairs;
    std::vector<uint64_t> rule_pairs;
    uint64_t pairs_formed = 0;
  };
  tbb::enumerable_thread_specific<Found> found([&] {
    Found f;
    f.rule_pairs.assign(rules.blocking.size(), 0);
    return f;
  });
  constexpr size_t kBatch = 1 << 14;
  auto score = [&](Found& f) {
    const size_t first = f.edges.size();
    ScoreRunsDecidingEarly(comps, scorer, f.pairs, weight_threshold, f.scratch, &f.edges);
    for (size_t i = first; i < f.edges.size(); ++i) {
      const RowId a = involved[f.edges[i].a], b = involved[f.edges[i].b];
      f.edges[i] = {std::min(a, b), std::max(a, b), f.edges[i].weight};
    }
    f.pairs_formed += f.pairs.size();
    f.pairs.clear();
  };
  ParallelFor(tbb::blocked_range<size_t>(0, n_delta, 16), [&](const tbb::blocked_range<size_t>& range) {
    Found& f = found.local();
    for (size_t at = range.begin(); at != range.end(); ++at) {
      const uint32_t d = delta_order[at];
      const uint32_t lx = local_of_delta[d];
      if (lx == kRemoved) continue;  // in no block with another record
      std::vector<uint64_t>& partners = f.partners;
      partners.clear();
      for (uint32_t k = at_start[d]; k < at_start[d + 1]; ++k) {
        const auto [r, blk] = blocks_of[k];
        const RuleDelta& rd = per_rule[r];
        for (uint32_t i = rd.block_start[blk]; i < rd.block_start[blk + 1]; ++i) {
          const uint32_t y = rd.rows[i];
          if (y == lx) continue;
          // A pair of two of this run's records is formed by the later one (local rows are in
          // the combined order).
          if (y > lx && ((local_new[y >> 6] >> (y & 63)) & 1)) continue;
          if (cross_only && local_source[y] == local_source[lx]) continue;
          partners.push_back(uint64_t{y} << 32 | r);
        }
      }
      std::sort(partners.begin(), partners.end());
      uint64_t last = ~uint64_t{0};
      for (const uint64_t p : partners) {
        const uint64_t y = p >> 32;
        if (y == last) continue;
        last = y;
        ++f.rule_pairs[p & 0xffffffffu];
        f.pairs.push_back({lx, static_cast<uint32_t>(y)});
      }
      if (f.pairs.size() >= kBatch) score(f);
    }
    if (!f.pairs.empty()) score(f);
  });
  std::vector<uint64_t> rule_pairs(rules.blocking.size(), 0);
  for (Found& f : found) {
    for (size_t r = 0; r < rule_pairs.size(); ++r) rule_pairs[r] += f.rule_pairs[r];
    out.counts.pairs_scored += f.pairs_formed;
  }
  if (!kept_pairs.empty()) {
    Found& f = found.local();
    for (const RulePair& p : kept_pairs) {
      ++rule_pairs[p.rule];
      f.pairs.push_back({p.a, p.b});
    }
    out.counts.pairs_scored += f.pairs.size();
    score(f);
  }
  decltype(kept_pairs)().swap(kept_pairs);
  for (RuleDelta& rd : per_rule) {
    decltype(rd.rows)().swap(rd.rows);
    decltype(rd.block_start)().swap(rd.block_start);
  }

  // The state's links between kept records: kept while some rule still puts the pair in a block
  // that is not oversized. Their values did not change, so a rule that covered the pair before
  // still gives both the same key; only a block that is oversized now can take the pair away.
  // Sharing a key is not covering: a block of the state skipped as oversized and not touched now
  // is oversized still, and gives no pair.
  // A link was a candidate pair of some rule, whose key text both records still have; so only a
  // link with a record in a block that is oversized now can lose every rule, and only those links
  // are looked at (the others are kept without reading the records' key hashes, which would be a
  // random read of the state's tables per link).
  // The kept links, then the night's (below), in one table sized for both.
  size_t n_found = 0;
  for (const Found& f : found) n_found += f.edges.size();
  std::vector<Edge> edges;
  edges.reserve(saved.edges.size() + n_found);
  std::vector<uint8_t> in_oversized;  // per state row; empty when no block is oversized now
  for (const RuleDelta& rd : per_rule) {
    if (!rd.over_rows.empty() && in_oversized.empty()) in_oversized.assign(n_old, 0);
    for (uint32_t row : rd.over_rows) in_oversized[row] = 1;
  }
  // The state's oversized blocks that this run did not touch (key texts, per rule): still
  // oversized, so they give no pair either. Usually none.
  std::vector<std::vector<std::string>> untouched_over(rules.blocking.size());
  for (const SavedOversized& o : saved.oversized) {
    const auto& touched = per_rule[o.rule].touched_saved;
    if (!std::binary_search(touched.begin(), touched.end(), o.key)) untouched_over[o.rule].push_back(o.key);
  }
  for (auto& keys : untouched_over) std::sort(keys.begin(), keys.end());
  // The common case, no block oversized now: a link is kept when both its records are, and the
  // kept links (in the state's order, so still sorted once renumbered: checked) are merged with
  // the night's (sorted) in chunks of the state's links on every thread, each chunk writing at the
  // number of kept and night links before it. Equal pairs come kept first, as a stable merge
  // gives them, for the duplicates' removal below.
  bool merged = false;
  if (in_oversized.empty()) {
    std::vector<Edge> night;
    night.reserve(n_found);
    for (const Found& f : found) night.insert(night.end(), f.edges.begin(), f.edges.end());
    ParallelSort(night.begin(), night.end(), EdgeLess);
    // 65,536 links a chunk; RECLINK_LINK_CHUNK (for tests) makes the chunks smaller, so that small
    // nights span many.
    size_t link_chunk = size_t{1} << 16;
    if (const char* env = std::getenv("RECLINK_LINK_CHUNK"); env != nullptr && std::atoi(env) > 0) {
      link_chunk = static_cast<size_t>(std::atoi(env));
    }
    const size_t m = saved.edges.size(), chunks = (m + link_chunk - 1) / link_chunk;
    auto renumbered = [&](const Edge& e) {
      return Edge{row_of_old[e.a], row_of_old[e.b], e.weight};
    };
    auto kept = [&](const Edge& e) {
      return row_of_old[e.a] != kRemoved && row_of_old[e.b] != kRemoved;
    };
    std::vector<size_t> kept_before(chunks + 1, 0), first(chunks, m), last(chunks, m);
    std::vector<uint8_t> in_order(chunks, 1);
    ParallelFor(size_t{0}, chunks, [&](size_t c) {
      size_t count = 0;
      for (size_t i = c * link_chunk, end = std::min(m, (c + 1) * link_chunk); i < end; ++i) {
        if (!kept(saved.edges[i])) continue;
        if (count++ == 0)
          first[c] = i;
        else if (!EdgeLess(renumbered(saved.edges[last[c]]), renumbered(saved.edges[i])))
          in_order[c] = 0;
        last[c] = i;
      }
      kept_before[c + 1] = count;
    });
    bool sorted = std::all_of(in_order.begin(), in_order.end(), [](uint8_t x) { return x != 0; });
    for (size_t c = 0, prev = m; c < chunks && sorted; ++c) {
      if (first[c] == m) continue;
      if (prev != m && !EdgeLess(renumbered(saved.edges[prev]), renumbered(saved.edges[first[c]])))
        sorted = false;
      prev = last[c];
    }
    if (sorted) {
      for (size_t c = 0; c < chunks; ++c) kept_before[c + 1] += kept_before[c];
      // night_from[c]: the first night link not below chunk c's first kept link (a chunk with
      // none takes none); the first chunk starts at 0, the last ends at the night's end.
      std::vector<size_t> night_from(chunks + 1, night.size());
      for (size_t c = chunks; c-- > 0;) {
        night_from[c] = first[c] == m
                            ? night_from[c + 1]
                            : static_cast<size_t>(
                                  std::lower_bound(night.begin(), night.end(),
                                                   renumbered(saved.edges[first[c]]), EdgeLess) -
                                  night.begin());
      }
      if (chunks > 0) night_from[0] = 0;
      edges.resize(kept_before[chunks] + night.size());
      ParallelFor(size_t{0}, chunks, [&](size_t c) {
        size_t at = kept_before[c] + night_from[c], j = night_from[c];
        const size_t j_end = night_from[c + 1];
        for (size_t i = c * link_chunk, end = std::min(m, (c + 1) * link_chunk); i < end; ++i) {
          if (!kept(saved.edges[i])) continue;
          const Edge e = renumbered(saved.edges[i]);
          for (; j < j_end && EdgeLess(night[j], e); ++j) edges[at++] = night[j];
          edges[at++] = e;
        }
        for (; j < j_end; ++j) edges[at++] = night[j];
      });
      if (chunks == 0) edges = std::move(night);
      out.counts.links_kept += kept_before[chunks];
      merged = true;
    }
  }
  std::string ta, tb;
  const std::vector<Edge> none;
  for (const Edge& e : merged ? none : saved.edges) {
    const uint32_t a = row_of_old[e.a], b = row_of_old[e.b];
    if (a == kRemoved || b == kRemoved) continue;
    if (in_oversized.empty() || (!in_oversized[e.a] && !in_oversized[e.b])) {
      edges.push_back({a, b, e.weight});
      ++out.counts.links_kept;
      continue;
    }
    bool covered = false, doubtful = false;
    for (size_t r = 0; r < rules.blocking.size() && !covered; ++r) {
      const uint64_t h = saved.KeyHash(r, e.a);
      if (h == 0 || h != saved.KeyHash(r, e.b)) continue;
      const auto& over = per_rule[r].over_texts;
      const auto it = std::lower_bound(over.begin(), over.end(), std::make_pair(h, std::string()));
      if ((it == over.end() || it->first != h) && untouched_over[r].empty()) covered = true;
      else doubtful = true;
    }
    if (!covered && doubtful) {
      // Some rule's block is oversized now, or the rule has oversized blocks this run did not
      // touch: compare the key texts, exactly as blocking does.
      for (size_t r = 0; r < rules.blocking.size() && !covered; ++r) {
        const uint64_t h = saved.KeyHash(r, e.a);
        if (h == 0 || h != saved.KeyHash(r, e.b)) continue;
        const auto [fa, ra] = FieldsRow(saved, e.a);
        const auto [fb, rb] = FieldsRow(saved, e.b);
        if (!BlockingKeyText(rules, r, *fa, ra, &ta) || !BlockingKeyText(rules, r, *fb, rb, &tb) ||
            ta != tb) {
          continue;
        }
        covered = !std::binary_search(per_rule[r].over_texts.begin(), per_rule[r].over_texts.end(), std::make_pair(h, ta)) &&
                  (untouched_over[r].empty() ||
                   !std::binary_search(untouched_over[r].begin(), untouched_over[r].end(), ta));
      }
    }
    if (covered) {
      edges.push_back({a, b, e.weight});
      ++out.counts.links_kept;
    } else {
      ++out.counts.links_dropped;
    }
  }
  // Otherwise the night's links after the kept ones. The kept links are in the state's order, by
  // rows, and the rows keep their order in the combined one, so they are sorted still (checked:
  // if not, all are sorted); only the night's are sorted, and merged in.
  if (!merged) {
    const size_t n_kept = edges.size();
    for (const Found& f : found) edges.insert(edges.end(), f.edges.begin(), f.edges.end());
    if (std::is_sorted(edges.begin(), edges.begin() + static_cast<std::ptrdiff_t>(n_kept),
                       EdgeLess)) {
      ParallelSort(edges.begin() + static_cast<std::ptrdiff_t>(n_kept), edges.end(), EdgeLess);
      std::inplace_merge(edges.begin(), edges.begin() + static_cast<std::ptrdiff_t>(n_kept),
                         edges.end(), EdgeLess);
    } else {
      ParallelSort(edges.begin(), edges.end(), EdgeLess);
    }
  }
  // A pair of a reopened block may also be a kept link (another rule gave it before): once.
  edges.erase(std::unique(edges.begin(), edges.end(), [](const Edge& x, const Edge& y) { return x.a == y.a && x.b == y.b; }),
              edges.end());

  // The next state's records, in key order (the combined order): its fields and key hashes are
  // not gathered here but kept as runs of the state's rows and this run's (RecordsMerge), copied
  // from where they are when the state is written.
  RecordsState& next = out.records;
  next.threshold = threshold;
  // The next state's collisions: the state's and the night's (a hash stays listed once its
  // records had two key texts, even after they are gone: listing one too many costs a check).
  if (saved.key_collisions_known && saved.key_collisions.size() == rules.blocking.size()) {
    next.key_collisions_known = true;
    next.key_collisions.resize(rules.blocking.size());
    for (size_t r = 0; r < rules.blocking.size(); ++r) {
      std::vector<uint64_t>& c = next.key_collisions[r];
      std::set_union(saved.key_collisions[r].begin(), saved.key_collisions[r].end(), per_rule[r].collisions.begin(),
                     per_rule[r].collisions.end(), std::back_inserter(c));
      c.erase(std::unique(c.begin(), c.end()), c.end());
    }
  }
  next.tf_tables = saved.tf_tables;
  const std::vector<RecordsMerge::Run> runs = CombinedRuns(combined, kDelta);
  if (rules.survivorship) {
    // Golden records' values: the state's for its kept records, this run's for its own.
    if (!saved.survivor || saved.survivor->spec != SurvivorValuesSpec(rules)) {
      return Status::Usage(kNoSurvivorValues, kRunInFull);
    }
    const SurvivorValues& before = *saved.survivor;
    const SurvivorValues now = CollectSurvivorValues(rules, delta, delta_fields->fields, nullptr);
    SurvivorValues& sv = next.survivor.emplace();
    sv.spec = before.spec;
    std::vector<std::string> all = before.source_names;
    all.insert(all.end(), now.source_names.begin(), now.source_names.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    auto index_in = [&](const std::vector<std::string>& names) {
      std::vector<uint32_t> index;
      for (const std::string& name : names) {
        index.push_back(static_cast<uint32_t>(std::lower_bound(all.begin(), all.end(), name) - all.begin()));
      }
      return index;
    };
    const std::vector<uint32_t> from_before = index_in(before.source_names), from_now = index_in(now.source_names);
    std::vector<uint32_t> source(n);
    std::vector<uint8_t> used(all.size(), 0);
    for (size_t i = 0; i < n; ++i) {
      const auto [kind, index] = combined[i];
      source[i] = kind == kDelta ? from_now[now.source_of[index]] : from_before[before.source_of[index]];
      used[source[i]] = 1;
    }
    // Only the sources that still have records, as a full run names them.
    std::vector<uint32_t> renumber(all.size(), 0);
    for (size_t s = 0; s < all.size(); ++s) {
      if (!used[s]) continue;
      renumber[s] = static_cast<uint32_t>(sv.source_names.size());
      sv.source_names.push_back(all[s]);
    }
    sv.source_of.resize(n);
    for (size_t i = 0; i < n; ++i) sv.source_of[i] = renumber[source[i]];
    auto merge = [&](const std::string& name, const Column& old_col, const Column& new_col) {
      return GatherRuns(name, n, runs, old_col, new_col);
    };
    for (size_t f = 0; f < before.raw.size(); ++f) sv.raw.push_back(merge(before.raw[f].name(), before.raw[f], now.raw[f]));
    sv.timestamps = merge(before.timestamps.name(), before.timestamps, now.timestamps);
  }
  if (link) {  // the names of the sources that still have records, as a full run keeps them
    std::vector<uint8_t> used(names.size(), 0);
    for (uint32_t src : source_of) used[src] = 1;
    std::vector<uint32_t> renumber(names.size(), 0);
    for (size_t i = 0; i < names.size(); ++i) {
      if (!used[i]) continue;
      renumber[i] = static_cast<uint32_t>(next.source_names.size());
      next.source_names.push_back(names[i]);
    }
    next.source_of.reserve(n);
    for (uint32_t src : source_of) next.source_of.push_back(renumber[src]);
  }
  next.edges = edges;
  // Skipped blocks: the state's untouched ones as they were, the touched ones as they are now.
  for (const SavedOversized& o : saved.oversized) {
    const auto& touched = per_rule[o.rule].touched_saved;
    if (!std::binary_search(touched.begin(), touched.end(), o.key)) next.oversized.push_back(o);
  }
  for (const RuleDelta& rd : per_rule) {
    for (const OversizedBlock& ob : rd.oversized_now) {
      next.oversized.push_back({static_cast<uint32_t>(ob.rule), ob.key_text, ob.size, ob.pairs_skipped});
    }
  }
  std::sort(next.oversized.begin(), next.oversized.end());

  out.key_backing = std::make_shared<const std::pair<std::shared_ptr<const void>, std::shared_ptr<const void>>>(
      state.identities.key_backing, delta_keys_owned);
  // Every row's key and previous identity, on every thread (a million rows, 20 MB of fresh
  // memory written: 11.2 -> 8.3 ms, medians of 5 nights of a timing build).
  out.keys.resize(n);
  out.previous_of.resize(n);
  ParallelFor(tbb::blocked_range<size_t>(0, n, 16384), [&](const tbb::blocked_range<size_t>& range) {
    for (size_t i = range.begin(); i != range.end(); ++i) {
      const auto [kind, index] = combined[i];
      out.keys[i] = kind == kDelta ? std::string_view(delta_keys[index]) : old_keys[index];
      const int64_t old = kind == kDelta ? old_of_delta[index] : index;
      out.previous_of[i] = old < 0 ? kNoIdentity : state.identities.identity_of[old];
    }
  });

  RunResult& run = out.run;
  std::vector<size_t> run_start(runs.size() + 1, 0);  // the combined row each run starts at
  for (size_t i = 0; i < runs.size(); ++i) run_start[i + 1] = run_start[i] + runs[i].count;
  run.model = state.model;
  run.threshold = threshold;
  for (size_t r = 0; r < rules.blocking.size(); ++r) {
    RuleStats rs;
    rs.text = rules.blocking[r].text;
    // Counted over the combined rows in chunks on every thread (a chunk finds its first run by
    // the runs' starts); integer sums, the same whatever the threads.
    rs.records_with_key = ParallelReduce(
        tbb::blocked_range<size_t>(0, n, 65536), uint64_t{0},
        [&](const tbb::blocked_range<size_t>& range, uint64_t sum) {
          size_t i = range.begin();
          size_t ri = static_cast<size_t>(std::upper_bound(run_start.begin(), run_start.end(), i) - run_start.begin()) - 1;
          for (; i < range.end(); ++ri) {
            const RecordsMerge::Run& from = runs[ri];
            const char* h = from.from ? reinterpret_cast<const char*>(delta_hashes[r].data()) : saved.KeyHashBytes(r);
            const size_t offset = i - run_start[ri];
            const size_t take = std::min<size_t>(from.count - offset, range.end() - i);
            for (size_t k = offset; k < offset + take; ++k) {
              sum += RecordsState::LoadKeyHash(h, from.first + static_cast<uint32_t>(k)) != 0;
            }
            i += take;
          }
          return sum;
        },
        std::plus<uint64_t>());
    rs.pairs = rule_pairs[r];
    run.rules.push_back(std::move(rs));
  }
  for (const SavedOversized& o : next.oversized) {
    OversizedBlock ob;
    ob.rule = static_cast<int>(o.rule);
    ob.key = DisplayBlockingKey(o.key);
    ob.key_text = o.key;
    ob.size = o.size;
    ob.pairs_skipped = o.pairs;
    MarkPlaceholderKey(rules, &ob);
    run.oversized.push_back(std::move(ob));
  }
  std::sort(run.oversized.begin(), run.oversized.end(), [](const OversizedBlock& x, const OversizedBlock& y) {
    return x.rule != y.rule ? x.rule < y.rule : (x.size != y.size ? x.size > y.size : x.key < y.key);
  });
  run.candidate_pairs = out.counts.pairs_scored;
  run.unparseable_dates = delta_fields->unparseable_dates;
  run.unparseable_numbers = delta_fields->unparseable_numbers;
  run.unparseable = delta_fields->unparseable;
  for (size_t f = 0; f < rules.fields.size(); ++f) {
    if (delta_fields->placeholder_nulls[f] != 0) {
      run.placeholder_nulls.emplace_back(rules.fields[f].name, delta_fields->placeholder_nulls[f]);
    }
  }
  run.placeholders = std::move(placeholders);
  run.tf_tables = saved.tf_tables;
  if (rules.cluster_method == ClusterMethod::kConnectedComponents) {
    run.edges = std::move(edges);
  } else {
    // The rows are in key order, as the full run ranks them for the method (ClusterRowOrder).
    std::vector<uint16_t> sources(n, 0);
    for (size_t i = 0; i < source_of.size(); ++i) sources[i] = static_cast<uint16_t>(source_of[i]);
    run.edges = ApplyClusterMethod(rules.cluster_method, n, next.edges, sources);
  }
  run.labels = ConnectedComponents(n, run.edges);
  for (uint32_t label : run.labels) run.clusters = std::max<uint64_t>(run.clusters, label + 1);
  auto merge = std::make_shared<RecordsMerge>();
  merge->runs = std::move(runs);
  merge->rows = n;
  merge->rows_before = n_old;
  merge->before = &saved;
  for (const FieldSpec& f : rules.fields) merge->field_names.push_back(f.name);
  merge->night_fields = std::move(delta_fields->fields);
  merge->night_key_hashes = std::move(delta_hashes);
  next.merge = std::move(merge);
  return out;
}

Status CheckStateContinues(const Rules& rules, const RunState& state, double threshold) {
  if (threshold != state.records.threshold) {
    return Status::Usage("error: the state's links were cut at threshold " + JsonNumber(state.records.threshold) +
                             ", and this run's is " + JsonNumber(threshold),
                         "change the threshold with a full run (without --incremental)");
  }
  if (rules.survivorship && (!state.records.survivor || state.records.survivor->spec != SurvivorValuesSpec(rules))) {
    return Status::Usage(kNoSurvivorValues, kRunInFull);
  }
  if (rules.cluster_method != ClusterMethod::kConnectedComponents && state.records.format_version < 2) {
    return Status::Usage("error: the state was written by an earlier reclink, which kept only the links the rules' "
                         "[cluster] method chose; an incremental run needs every link",
                         "run once in full (without --incremental) to rewrite the state");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ReadDeletions(const std::string& path, const std::string& id_column) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": error: cannot read the deletions file: " + std::strerror(errno));
  std::vector<std::string> out;
  std::string line;
  for (uint64_t n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (n == 1 && line == id_column)) continue;
    out.push_back(line);
  }
  if (in.bad()) return Status::IoError(path + ": error: cannot read the deletions file");
  return out;
}

Result<IncrementalNight> RunIncrementalNight(const Rules& rules, const RunState& state, const LoadedInput& delta,
                                             const std::vector<std::string>& deletions, const LinkCut& cut,
                                             std::vector<StageTiming>* timings) {
  auto t0 = std::chrono::steady_clock::now();
  auto mark = [&](const char* stage) {
    const auto now = std::chrono::steady_clock::now();
    if (timings) timings->push_back({stage, std::chrono::duration<double>(now - t0).count(), PeakRssBytes()});
    t0 = now;
  };
  Result<IncrementalResult> inc = RunIncremental(rules, state, delta, deletions, cut.probability);
  if (!inc.ok()) return inc.status();
  inc->run.threshold_source = cut.source;
  mark("incremental");
  // The rows are in key order, and each one's previous identity is known: no key is compared.
  IdentityAssignment named = AssignIdentitiesInKeyOrder(
      state.identities, std::move(inc->keys), std::move(inc->key_backing), inc->previous_of,
      inc->run.labels, inc->run.clusters, inc->gone);
  mark("identities");
  return IncrementalNight{std::move(inc.value()), std::move(named)};
}

namespace {
// A record's [source,]record_id cells: its key, split at the source's name in link modes.
void AppendKeyCells(std::string& buf, const IncrementalNight& night, uint32_t r, bool with_source) {
  const RecordsState& records = night.result.records;
  const std::string_view key = night.identities.next.keys[r];
  if (with_source) {
    const std::string& source = records.source_names[records.source_of[r]];
    AppendCsvField(buf, source);
    buf += ',';
    AppendCsvField(buf, key.substr(source.size() + 1));
  } else {
    AppendCsvField(buf, key);
  }
}
}  // namespace

void WriteIncrementalClustersCsv(const IncrementalNight& night, bool with_source, FileWriter& out) {
  const IdentityAssignment& ids = night.identities;
  const IdentityState& next = ids.next;
  // The i-th row in key order has the id
  // next.ids[next.identity_of[i]]: identity_of is read in sequence, but the ids are sorted by id,
  // so each row's view and then its bytes are random reads. Both are prefetched ahead of the row
  // (the view kAhead rows ahead, its bytes kAhead / 2), so the misses overlap.
  // Formatted on this thread alone: the next state is written beside it (FinishIncremental), and
  // formatting on every thread (WriteRowsInOrder, as a full run's clusters.csv is) measured no
  // faster here.
  constexpr size_t kAhead = 32;
  const size_t n = ids.rows_by_key.size();
  std::string buf = with_source ? "source,record_id,cluster_id\n" : "record_id,cluster_id\n";
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) __builtin_prefetch(next.ids.slot(next.identity_of[i + kAhead]));
    if (i + kAhead / 2 < n) __builtin_prefetch(next.ids[next.identity_of[i + kAhead / 2]].data());
    const uint32_t r = ids.rows_by_key[i];
    AppendKeyCells(buf, night, r, with_source);
    buf += ',';
    AppendCsvField(buf, next.ids[next.identity_of[i]]);
    buf += '\n';
    if (buf.size() > (1 << 20)) {
      out.Write(buf);
      buf.clear();
    }
  }
  out.Write(buf);
}

void WriteIncrementalMembersCsv(const Rules& rules, const IncrementalNight& night, bool with_source, FileWriter& out) {
  const IncrementalResult& res = night.result;
  std::vector<Column> fields;
  WriteMembersRows(
      rules, res.run.model, res.run.labels.size(),
      [&](std::string& buf, uint32_t r) { AppendKeyCells(buf, night, r, with_source); },
      with_source, res.run.edges, res.run.labels, FieldsOf(res.records, &fields), ClusterIdStrings(night.identities), out);
}

Result<GoldenRecords> IncrementalGoldenRecords(const Rules& rules, const IncrementalNight& night) {
  const IncrementalResult& res = night.result;
  if (!rules.survivorship || !res.records.survivor) return Status::Internal("an incremental night without golden values");
  std::vector<Column> fields;
  return BuildGoldenRecords(rules, *res.records.survivor, &FieldsOf(res.records, &fields), night.identities.next.keys, res.run.labels,
                            res.run.clusters);
}

Status WriteIncrementalState(OutputSet& set, const Rules& rules, const IncrementalNight& night) {
  // RunIncremental merges the rows in record-key order, which AssignIdentities keeps: the records
  // go to the state as they are.
  const std::vector<uint32_t>& order = night.identities.rows_by_key;
  for (uint32_t i = 0; i < order.size(); ++i) {
    if (order[i] != i) return Status::Internal("incremental rows are not in record-key order");
  }
  return WriteRunState(set, rules, night.result.run.model, night.identities.next, night.result.records);
}

}  // namespace reclink
