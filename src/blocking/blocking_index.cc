// BlockingIndex: keys per rule, blocks by sorting (hash, row), and parallel pair streaming with
// large blocks tiled so that one huge block keeps every core busy.
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include "reclink/parallel.h"
#include <tbb/task_arena.h>
#include <xxhash.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <bit>
#include <cstring>

#include "reclink/blocking.h"
#include "reclink/phonetic.h"
#include "reclink/profile.h"

namespace reclink {
namespace {

constexpr char kPartSeparator = '\x1f';
constexpr uint64_t kPairsPerUnit = 1 << 16;  // target pairs per parallel work unit
constexpr size_t kBatchPairs = 4096;         // pairs per sink call

std::string DisplayKey(std::string_view key) { return DisplayBlockingKey(key); }

inline bool BitSet(const std::vector<uint64_t>& bits, RowId r) { return (bits[r >> 6] >> (r & 63)) & 1; }

// A row with a key, as Build sorts them: by (hash, row), the check riding along.
struct KeyEntry {
  uint64_t hash;
  RowId row;
  uint32_t check;  // in what would be padding: the entry stays 16 bytes
};

// The arrays a rule's build needs only while it runs (about 32 bytes a row). Each thread keeps
// one set for the rules it builds one after another: the next rule writes into pages already
// touched instead of faulting fresh ones (about 130 MB of page faults at a million records and
// six rules).
struct RuleScratch {
  std::vector<uint64_t> hashes;
  std::vector<uint32_t> checks;
  std::vector<KeyEntry> entries;
  std::vector<RowId> order;
};

}  // namespace

bool ComputeKeyPart(const BlockingKey& key, std::string_view value, std::string* out, KeyScratch& scratch) {
  std::string& part = scratch.part;
  part.clear();
  if (!ApplyKeyFunction(key.fn, key.n, value, &part, scratch.normalize) || part.empty()) return false;
  out->append(part);
  return true;
}

bool ComputeKeyPart(const BlockingKey& key, std::string_view value, std::string* out) {
  KeyScratch scratch;
  return ComputeKeyPart(key, value, out, scratch);
}

std::string DisplayBlockingKey(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == kPartSeparator) out += " | ";
    else out += c;
  }
  return out;
}

bool BlockingKeyText(const Rules& rules, size_t rule, const std::vector<Column>& fields, RowId r, std::string* out) {
  KeyScratch scratch;
  return BlockingKeyText(rules, rule, fields, r, out, scratch);
}

bool BlockingKeyText(const Rules& rules, size_t rule, const std::vector<Column>& fields, RowId r, std::string* out,
                     KeyScratch& scratch) {
  out->clear();
  const BlockingRule& br = rules.blocking[rule];
  for (size_t p = 0; p < br.keys.size(); ++p) {
    if (p > 0) *out += kPartSeparator;
    const Column& col = fields[rules.FindField(br.keys[p].field)];
    if (col.IsNull(r) || !ComputeKeyPart(br.keys[p], col.Get(r), out, scratch)) {
      out->clear();
      return false;
    }
  }
  return true;
}

uint64_t KeyTextHash(std::string_view key) {
  static const uint64_t mask = [] {
    const char* bits = std::getenv("RECLINK_KEY_HASH_BITS");
    const int n = bits ? std::atoi(bits) : 64;
    return n >= 1 && n <= 63 ? (uint64_t{1} << n) - 1 : ~uint64_t{0};
  }();
  return XXH3_64bits(key.data(), key.size()) & mask;
}

uint32_t KeyTextCheck(std::string_view key) {
  // Seeded: independent of KeyTextHash's (unseeded) XXH3-64 of the same text, and never masked.
  return static_cast<uint32_t>(XXH3_64bits_withSeed(key.data(), key.size(), 0x9e3779b97f4a7c15ULL) >> 32);
}

std::vector<bool> FieldsHoldingKeySeparator(const Rules& rules, const std::vector<Column>& fields) {
  std::vector<bool> looked(fields.size(), false), holds(fields.size(), false);
  for (const BlockingRule& br : rules.blocking) {
    if (br.keys.size() < 2) continue;
    for (const BlockingKey& k : br.keys) {
      const int f = rules.FindField(k.field);
      if (k.fn != KeyFunction::kField || f < 0 || static_cast<size_t>(f) >= fields.size() ||
          looked[f])
        continue;
      looked[f] = true;
      const Column& col = fields[f];
      holds[f] = col.arena_bytes() > 0 &&
                 std::memchr(col.arena_data(), kPartSeparator, col.arena_bytes()) != nullptr;
    }
  }
  return holds;
}

std::vector<uint64_t> BlockingKeyHashes(const Rules& rules, size_t rule, const std::vector<Column>& fields) {
  const size_t n = fields.empty() ? 0 : fields[0].size();
  std::vector<uint64_t> hashes(n, 0);
  constexpr size_t kChunk = 1 << 14;
  ParallelFor(size_t{0}, (n + kChunk - 1) / kChunk, [&](size_t c) {
    std::string key;
    KeyScratch scratch;  // per chunk of 16384 rows
    for (size_t r = c * kChunk, end = std::min(n, r + kChunk); r < end; ++r) {
      if (!BlockingKeyText(rules, rule, fields, static_cast<RowId>(r), &key, scratch)) continue;
      const uint64_t h = KeyTextHash(key);
      hashes[r] = h != 0 ? h : 1;
    }
  });
  return hashes;
}

namespace {

// True when key part `part` of a row can be computed from key part `from` of the same row alone:
// the same field, and `from` takes it as it is, or applies the same key function, or is a prefix
// at least as long (a prefix of a prefix is the shorter prefix of the value).
bool PartFollowsFrom(const BlockingKey& part, const BlockingKey& from) {
  if (part.field != from.field) return false;
  if (from.fn == KeyFunction::kField) return true;
  if (part.fn != from.fn) return false;
  if (part.fn == KeyFunction::kPrefix) return part.n > 0 && from.n >= part.n;
  return true;
}

}  // namespace

int ImplyingRule(const Rules& rules, size_t k) {
  const BlockingRule& rule = rules.blocking[k];
  for (size_t j = 0; j < k; ++j) {
    const BlockingRule& earlier = rules.blocking[j];
    bool all = !rule.keys.empty();
    for (const BlockingKey& part : rule.keys) {
      bool found = false;
      for (const BlockingKey& from : earlier.keys) found = found || PartFollowsFrom(part, from);
      all = all && found;
    }
    if (all) return static_cast<int>(j);
  }
  return -1;
}

void MarkPlaceholderKey(const Rules& rules, OversizedBlock* ob) {
  const BlockingRule& rule = rules.blocking[static_cast<size_t>(ob->rule)];
  size_t from = 0;
  for (size_t k = 0; k < rule.keys.size() && from <= ob->key.size(); ++k) {
    size_t to = ob->key.find(" | ", from);
    if (to == std::string::npos || k + 1 == rule.keys.size()) to = ob->key.size();
    std::string reason = PlaceholderReason(std::string_view(ob->key).substr(from, to - from));
    if (!reason.empty() && rule.keys[k].fn == KeyFunction::kField) {
      ob->placeholder_reason = std::move(reason);
      ob->placeholder_field = rule.keys[k].field;
      break;
    }
    from = to + 3;
  }
}

BlockingIndex BlockingIndex::Build(const Rules& rules, const DerivedFields& fields,
                                   const RecordTable& table, std::vector<std::vector<uint64_t>>* key_hashes) {
  BlockingIndex index;
  index.rules_spec_ = &rules;
  index.link_type_ = rules.link_type;
  const size_t n = table.num_rows();
  index.sources_.resize(n);
  for (size_t r = 0; r < n; ++r) index.sources_[r] = table.source(static_cast<RowId>(r));
  index.rules_.resize(rules.blocking.size());
  index.stats_.resize(rules.blocking.size());
  if (key_hashes) key_hashes->assign(rules.blocking.size(), {});
  index.key_collisions_.assign(rules.blocking.size(), {});

  // Rules are independent: they are built in parallel (their own steps run in parallel too). A
  // rule's task is isolated while it waits on its inner parallel steps, so a thread never starts
  // another rule meanwhile: at most one rule per thread holds its transient hashes and sort
  // entries at a time.
  //
  // Under a memory limit (the table spills, docs/performance.md "Memory limit") the rules are
  // built one at a time instead, each on every thread, and each rule's arrays go to the spill
  // area as soon as it is built: one rule's transient arrays are in memory at a time, not one
  // per thread plus every finished rule's.
  std::vector<std::vector<OversizedBlock>> oversized(rules.blocking.size());
  const std::shared_ptr<SpillArea>& spill = table.spill_area();
  std::vector<Status> spilled(rules.blocking.size());
  // Per thread: a rule's task is isolated, so a thread builds one rule at a time.
  tbb::enumerable_thread_specific<RuleScratch> scratches;
  auto build_rule = [&](size_t ri) {
    RuleScratch& scratch = scratches.local();
    tbb::this_task_arena::isolate([&] {
      const BlockingRule& rule = rules.blocking[ri];
      RuleIndex& idx = index.rules_[ri];
      RuleStats& stats = index.stats_[ri];
      stats.text = rule.text;
      std::vector<const Column*> cols;
      for (const BlockingKey& k : rule.keys) cols.push_back(&fields.fields[rules.FindField(k.field)]);

      // Key hashes, in parallel; the texts are hashed and dropped.
      constexpr size_t kChunk = 1 << 15;
      const size_t chunks = (n + kChunk - 1) / kChunk;
      idx.parts = cols;
      std::vector<uint64_t>& hashes = scratch.hashes;
      hashes.assign(n, 0);
      idx.has_key.assign((n + 63) / 64, 0);
      // A second, independent 32-bit hash of each key text (KeyTextCheck): rows of one hash are
      // told apart by it, in the sorted entries, instead of by reading and comparing their texts.
      std::vector<uint32_t>& checks = scratch.checks;
      checks.resize(n);
      // Chunks are multiples of 64 rows, so each bitmap word belongs to one chunk.
      static_assert(kChunk % 64 == 0);
      ParallelFor(size_t{0}, chunks, [&](size_t c) {
        std::string key;
        KeyScratch scratch;  // per chunk of 32768 rows
        const size_t begin = c * kChunk, end = std::min(n, begin + kChunk);
        for (size_t r = begin; r < end; ++r) {
          RowId row = static_cast<RowId>(r);
          key.clear();
          bool ok = true;
          for (size_t p = 0; p < cols.size() && ok; ++p) {
            if (p > 0) key += kPartSeparator;
            ok = !cols[p]->IsNull(row) && ComputeKeyPart(rule.keys[p], cols[p]->Get(row), &key, scratch);
          }
          if (ok) {
            checks[r] = KeyTextCheck(key);
            hashes[r] = KeyTextHash(key);
            idx.has_key[r >> 6] |= uint64_t{1} << (r & 63);
          }
        }
      });

      // Sort rows with a key by (hash, row); rows of one source are contiguous and ascending, so
      // each block lists its rows source by source.
      using Entry = KeyEntry;
      // A counting sort on the hash's top bits (up to 16) into buckets of about 16 entries
      // (stable: rows stay ascending), then each bucket sorted on its own, in cache and in
      // parallel: the same order as one comparison sort of all entries, at a fraction of its
      // cost. (Buckets of about 256 entries, until the twenty-first session, spent a fifth of the
      // block stage at 1M records sorting them: bench_blocking's BM_Build on one thread took
      // 254-266 ms, now 180-207.)
      size_t with_key = 0;
      for (uint64_t word : idx.has_key) with_key += static_cast<size_t>(std::popcount(word));
      stats.records_with_key = with_key;
      int bits = 0;
      while (bits < 16 && (with_key >> bits) > 16) ++bits;
      const size_t buckets = size_t{1} << bits;
      auto bucket_of = [&](uint64_t hash) { return bits == 0 ? size_t{0} : static_cast<size_t>(hash >> (64 - bits)); };
      std::vector<size_t> bucket_begin(buckets + 1, 0);
      for (size_t r = 0; r < n; ++r) {
        if (BitSet(idx.has_key, static_cast<RowId>(r))) ++bucket_begin[bucket_of(hashes[r]) + 1];
      }
      for (size_t b = 0; b < buckets; ++b) bucket_begin[b + 1] += bucket_begin[b];
      std::vector<Entry>& entries = scratch.entries;
      entries.resize(with_key);  // every entry is written below
      {
        std::vector<size_t> next(bucket_begin.begin(), bucket_begin.end() - 1);
        for (size_t r = 0; r < n; ++r) {
          if (BitSet(idx.has_key, static_cast<RowId>(r))) {
            entries[next[bucket_of(hashes[r])]++] =
                Entry{hashes[r], static_cast<RowId>(r), checks[r]};
          }
        }
      }
      // Every row with a key, block by block; the rows of blocks that make pairs go to idx.order.
      std::vector<RowId>& order = scratch.order;
      order.resize(with_key);
      ParallelFor(tbb::blocked_range<size_t>(0, buckets, 16), [&](const auto& range) {
        for (size_t b = range.begin(); b != range.end(); ++b) {
          const auto first = entries.begin() + static_cast<std::ptrdiff_t>(bucket_begin[b]);
          const auto last = entries.begin() + static_cast<std::ptrdiff_t>(bucket_begin[b + 1]);
          std::sort(first, last, [](const Entry& x, const Entry& y) {
            return x.hash != y.hash ? x.hash < y.hash : x.row < y.row;
          });
          for (size_t i = bucket_begin[b]; i < bucket_begin[b + 1]; ++i) order[i] = entries[i].row;
        }
      });

      // Blocks: runs of equal hash, split by real key text (a hash collision must not create
      // false candidates). Within a run the rows' second hashes (checks) are compared: equal
      // checks are taken as one key (two distinct texts agree on the 64-bit hash and the 32-bit
      // check with probability 2^-96), different ones mean a collision, and only then are the
      // run's texts computed and compared. (Comparing every run's texts read each row's key fields at random
      // and recomputed its phonetic codes: a third of the block stage at 1M records.) A run never
      // crosses a bucket (the bucket is the hash's top bits), so groups of buckets are split in
      // parallel, each into its own list of block starts, which are then joined in order.
      constexpr size_t kBucketsPerGroup = 64;
      const size_t groups = (buckets + kBucketsPerGroup - 1) / kBucketsPerGroup;
      std::vector<std::vector<uint32_t>> group_starts(groups);
      std::vector<std::vector<uint64_t>> group_collisions(groups);
      ParallelFor(size_t{0}, groups, [&](size_t g) {
        std::vector<uint32_t>& starts = group_starts[g];
        const size_t group_begin = bucket_begin[g * kBucketsPerGroup];
        const size_t group_end = bucket_begin[std::min(buckets, (g + 1) * kBucketsPerGroup)];
        for (size_t s = group_begin; s < group_end;) {
          size_t e = s + 1;
          const uint64_t h = entries[s].hash;
          bool same = true;
          while (e < group_end && entries[e].hash == h) {
            same = same && entries[e].check == entries[s].check;
            ++e;
          }
          std::vector<std::string> texts;  // only for a run with a hash collision (rare)
          if (!same) {
            group_collisions[g].push_back(h != 0 ? h : 1);
            std::vector<std::pair<std::string, RowId>> keyed;
            for (size_t i = s; i < e; ++i)
              keyed.emplace_back(index.KeyText(ri, order[i]), order[i]);
            std::sort(keyed.begin(), keyed.end());
            for (size_t i = s; i < e; ++i) {
              order[i] = keyed[i - s].second;
              texts.push_back(std::move(keyed[i - s].first));
            }
          }
          for (size_t b = s; b < e;) {
            size_t be = b + 1;
            while (be < e && (same || texts[be - s] == texts[b - s])) ++be;
            starts.push_back(static_cast<uint32_t>(b));
            b = be;
          }
          s = e;
        }
      });
      {
        std::vector<uint64_t>& collided = index.key_collisions_[ri];
        for (const std::vector<uint64_t>& g : group_collisions) collided.insert(collided.end(), g.begin(), g.end());
        std::sort(collided.begin(), collided.end());
        collided.erase(std::unique(collided.begin(), collided.end()), collided.end());
      }
      idx.block_of.assign(n, kNoBlock);
      {
        size_t total = 1;
        for (const std::vector<uint32_t>& starts : group_starts) total += starts.size();
        idx.block_starts.reserve(total);
        for (std::vector<uint32_t>& starts : group_starts) {
          idx.block_starts.insert(idx.block_starts.end(), starts.begin(), starts.end());
          std::vector<uint32_t>().swap(starts);
        }
      }
      idx.block_starts.push_back(static_cast<uint32_t>(order.size()));
      const size_t num_blocks = idx.block_starts.size() - 1;
      std::vector<uint8_t> skipped(num_blocks, 0);  // oversized blocks

      std::vector<std::pair<uint64_t, uint32_t>> sizes;  // (size, block start) of blocks of 2+
      for (size_t b = 0; b < num_blocks; ++b) {
        const uint32_t bs = idx.block_starts[b], be = idx.block_starts[b + 1];
        const uint64_t size = be - bs;
        if (size > rules.max_block_size) {
          skipped[b] = 1;
          std::string text = index.KeyText(ri, order[bs]);
          oversized[ri].push_back({static_cast<int>(ri), DisplayKey(text), size, index.BlockPairs(idx, bs, be), {}, {},
                                   std::move(text)});
          continue;
        }
        for (uint32_t i = bs; i < be; ++i) idx.block_of[order[i]] = static_cast<uint32_t>(b);
        if (size >= 2) {
          ++stats.blocks;
          sizes.push_back({size, bs});
        }
      }
      // The key hashes served to find the blocks; from here on a row's block stands for its key.
      if (key_hashes) {
        std::vector<uint64_t>& out = (*key_hashes)[ri];
        out = std::move(hashes);
        hashes = {};
        for (size_t r = 0; r < n; ++r) {
          if (!BitSet(idx.has_key, static_cast<RowId>(r))) out[r] = 0;
          else if (out[r] == 0) out[r] = 1;
        }
      }
      // (Swapped out, not assigned {}: that would keep the capacity, 8 bytes a row per rule.)
      std::vector<uint64_t>().swap(idx.has_key);
      // The ten largest blocks, ties broken by key text: texts are recomputed only for blocks at
      // least as large as the tenth largest.
      std::sort(sizes.begin(), sizes.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
      std::vector<BlockSummary> largest;
      for (size_t i = 0; i < sizes.size() && (i < 10 || sizes[i].first == sizes[9].first); ++i) {
        largest.push_back({DisplayKey(index.KeyText(ri, order[sizes[i].second])), sizes[i].first});
      }
      std::sort(largest.begin(), largest.end(), [](const BlockSummary& x, const BlockSummary& y) {
        return x.size != y.size ? x.size > y.size : x.key < y.key;
      });
      if (largest.size() > 10) largest.resize(10);
      stats.largest = std::move(largest);

      // Only blocks that make pairs are kept for streaming: most rows of a near-unique key (an
      // e-mail, a phone) are alone in their block, and skipped blocks make none. block_of keeps
      // the original block numbers, which only ever serve to tell two rows' blocks apart.
      std::vector<RowId> kept_order;
      std::vector<uint32_t> kept_starts;
      for (size_t b = 0; b < num_blocks; ++b) {
        const uint32_t bs = idx.block_starts[b], be = idx.block_starts[b + 1];
        if (skipped[b] || be - bs < 2) continue;
        kept_starts.push_back(static_cast<uint32_t>(kept_order.size()));
        kept_order.insert(kept_order.end(), order.begin() + bs, order.begin() + be);
      }
      kept_starts.push_back(static_cast<uint32_t>(kept_order.size()));
      idx.order = std::move(kept_order);
      idx.block_starts = std::move(kept_starts);
      if (spill != nullptr) {
        spilled[ri] = idx.block_of.SpillTo(*spill);
        if (spilled[ri].ok()) spilled[ri] = idx.order.SpillTo(*spill);
      }
    });
  };
  if (spill != nullptr) {
    index.spill_ = spill;  // the arrays' regions live as long as the index
    for (size_t ri = 0; ri < rules.blocking.size(); ++ri) build_rule(ri);
    for (const Status& st : spilled) {
      if (!st.ok() && index.spill_status_.ok()) index.spill_status_ = st;
    }
  } else {
    ParallelFor(size_t{0}, rules.blocking.size(), build_rule);
  }
  // A rule whose blocks are unions of an earlier rule's blocks keeps, per position of its order,
  // that rule's block of the row: the stream then tests the earlier rule on two sequential
  // entries instead of a load of the partner row's block_of (ImplyingRule).
  for (size_t k = 0; k < index.rules_.size(); ++k) {
    RuleIndex& idx = index.rules_[k];
    idx.implied_by = ImplyingRule(rules, k);
    if (idx.implied_by < 0) continue;
    const SpillableArray<uint32_t>& block_of = index.rules_[static_cast<size_t>(idx.implied_by)].block_of;
    idx.implied_block.resize(idx.order.size());
    constexpr size_t kChunk = 1 << 14, kAhead = 16;
    ParallelFor(size_t{0}, (idx.order.size() + kChunk - 1) / kChunk, [&](size_t c) {
      const size_t begin = c * kChunk, end = std::min(idx.order.size(), begin + kChunk);
      for (size_t p = begin; p < end; ++p) {
        if (p + kAhead < end) __builtin_prefetch(&block_of[idx.order[p + kAhead]]);
        idx.implied_block[p] = block_of[idx.order[p]];
      }
    });
  }
  for (auto& o : oversized) index.oversized_.insert(index.oversized_.end(), o.begin(), o.end());
  for (OversizedBlock& ob : index.oversized_) MarkPlaceholderKey(rules, &ob);
  std::sort(index.oversized_.begin(), index.oversized_.end(), [](const OversizedBlock& x, const OversizedBlock& y) {
    return x.rule != y.rule ? x.rule < y.rule : (x.size != y.size ? x.size > y.size : x.key < y.key);
  });
  index.PlanWork();
  return index;
}

Status BlockingIndex::SpillTo(std::shared_ptr<SpillArea> area) {
  RECLINK_RETURN_IF_ERROR(spill_status_);
  for (RuleIndex& ri : rules_) {
    RECLINK_RETURN_IF_ERROR(ri.block_of.SpillTo(*area));
    RECLINK_RETURN_IF_ERROR(ri.order.SpillTo(*area));
    RECLINK_RETURN_IF_ERROR(ri.implied_block.SpillTo(*area));
  }
  spill_ = std::move(area);
  return {};
}

std::string OversizedBlockAdvice(const OversizedBlock& ob) {
  if (!ob.placeholder_reason.empty()) {
    return "the key looks like a placeholder (" + ob.placeholder_reason + "): list it in [fields." +
           ob.placeholder_field + "] null_values (or the top-level null_values) rather than raising max_block_size, "
           "which would only pair unrelated records";
  }
  return "if the key is a placeholder value, list it in null_values; otherwise tighten the rule (add a key) or "
         "raise [blocking_limits] max_block_size";
}

uint64_t BlockingIndex::BlockPairs(const RuleIndex& ri, uint32_t begin, uint32_t end) const {
  const uint64_t size = end - begin;
  uint64_t pairs = size * (size - 1) / 2;
  if (link_type_ == LinkType::kLink) {
    // Only pairs across sources: subtract the pairs inside each source's run.
    for (uint32_t i = begin; i < end;) {
      uint32_t j = i + 1;
      while (j < end && sources_[ri.order[j]] == sources_[ri.order[i]]) ++j;
      const uint64_t run = j - i;
      pairs -= run * (run - 1) / 2;
      i = j;
    }
  }
  return pairs;
}

uint64_t BlockingIndex::PairsUpperBound() const {
  uint64_t total = 0;
  for (const RuleIndex& ri : rules_) {
    for (size_t b = 0; b + 1 < ri.block_starts.size(); ++b) {
      total += BlockPairs(ri, ri.block_starts[b], ri.block_starts[b + 1]);
    }
  }
  return total;
}

std::vector<RowId> BlockingIndex::LocalityOrder() const {
  const size_t n = num_rows();
  size_t best = 0;
  uint64_t best_pairs = 0;
  for (size_t r = 0; r < rules_.size(); ++r) {
    const RuleIndex& ri = rules_[r];
    uint64_t pairs = 0;
    for (size_t b = 0; b + 1 < ri.block_starts.size(); ++b) pairs += BlockPairs(ri, ri.block_starts[b], ri.block_starts[b + 1]);
    if (pairs > best_pairs) {
      best = r;
      best_pairs = pairs;
    }
  }
  std::vector<RowId> order;
  order.reserve(n);
  std::vector<uint64_t> placed((n + 63) / 64, 0);
  if (!rules_.empty()) {
    for (const RowId row : rules_[best].order) {
      order.push_back(row);
      placed[row >> 6] |= uint64_t{1} << (row & 63);
    }
  }
  for (size_t r = 0; r < n; ++r) {
    if (!BitSet(placed, r)) order.push_back(static_cast<RowId>(r));
  }
  return order;
}

void BlockingIndex::Renumber(std::span<const RowId> order) {
  const size_t n = num_rows();
  assert(order.size() == n && spill_ == nullptr);
  std::vector<RowId> new_of(n);
  ParallelFor(size_t{0}, n, [&](size_t i) { new_of[order[i]] = static_cast<RowId>(i); });
  std::vector<SourceId> sources(n);
  ParallelFor(size_t{0}, n, [&](size_t i) { sources[i] = sources_[order[i]]; });
  sources_ = std::move(sources);
  for (RuleIndex& ri : rules_) {
    ParallelFor(size_t{0}, ri.order.size(), [&](size_t p) { ri.order[p] = new_of[ri.order[p]]; });
    if (ri.block_of.size() == n) {
      std::vector<uint32_t> block_of(n);
      ParallelFor(size_t{0}, n, [&](size_t i) { block_of[i] = ri.block_of[order[i]]; });
      ri.block_of = std::move(block_of);
    }
  }
}

std::vector<std::pair<uint64_t, uint64_t>> BlockingIndex::BlockSizesAndPairs(size_t r) const {
  const RuleIndex& ri = rules_[r];
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (size_t b = 0; b + 1 < ri.block_starts.size(); ++b)
    out.emplace_back(ri.block_starts[b + 1] - ri.block_starts[b], BlockPairs(ri, ri.block_starts[b], ri.block_starts[b + 1]));
  return out;
}

void BlockingIndex::PlanWork() {
  work_.clear();
  for (uint32_t r = 0; r < rules_.size(); ++r) {
    const RuleIndex& ri = rules_[r];
    const uint32_t num_blocks = static_cast<uint32_t>(ri.block_starts.size() - 1);
    uint32_t group_begin = 0;
    uint64_t group_pairs = 0;
    for (uint32_t b = 0; b < num_blocks; ++b) {
      const uint32_t bs = ri.block_starts[b], be = ri.block_starts[b + 1];
      const uint64_t pairs = BlockPairs(ri, bs, be);
      if (pairs > kPairsPerUnit) {
        // Close the current group, then tile this block by first-element position so each tile
        // holds about kPairsPerUnit pairs.
        if (group_pairs > 0) work_.push_back({r, group_begin, b, 0, 0});
        const uint32_t size = be - bs;
        uint32_t i = 0;
        while (i + 1 < size) {
          uint32_t j = i;
          uint64_t acc = 0;
          while (j + 1 < size && acc < kPairsPerUnit) acc += size - 1 - j++;
          work_.push_back({r, b, b + 1, i, j});
          i = j;
        }
        group_begin = b + 1;
        group_pairs = 0;
        continue;
      }
      group_pairs += pairs;
      if (group_pairs >= kPairsPerUnit) {
        work_.push_back({r, group_begin, b + 1, 0, 0});
        group_begin = b + 1;
        group_pairs = 0;
      }
    }
    if (group_pairs > 0) work_.push_back({r, group_begin, num_blocks, 0, 0});
  }
}

void BlockingIndex::SetShare(uint32_t part, uint32_t parts) {
  assert(parts >= 1 && part < parts);
  share_part_ = part;
  share_parts_ = parts;
}

bool BlockingIndex::RuleCovers(size_t r, RowId a, RowId b) const {
  // Blocks are split by real key text, so the same block means the same key.
  const SpillableArray<uint32_t>& block_of = rules_[r].block_of;
  return block_of[a] != kNoBlock && block_of[a] == block_of[b];
}

std::string BlockingIndex::KeyText(size_t r, RowId row) const {
  const RuleIndex& ri = rules_[r];
  const BlockingRule& rule = rules_spec_->blocking[r];
  std::string key;
  for (size_t p = 0; p < ri.parts.size(); ++p) {
    if (p > 0) key += kPartSeparator;
    if (ri.parts[p]->IsNull(row) || !ComputeKeyPart(rule.keys[p], ri.parts[p]->Get(row), &key)) return {};
  }
  return key;
}

std::vector<uint64_t> BlockingIndex::Stream(const PairSink& sink, const std::vector<uint64_t>* rows,
                                            const GatheredRows* gathered,
                                            const Partition* part) const {
  struct Local {
    std::vector<CandidatePair> batch;
    std::vector<uint64_t> pairs;
    std::vector<uint32_t> marked;  // with rows: a block's positions whose row is marked
  };
  tbb::enumerable_thread_specific<Local> locals([&] {
    Local l;
    l.batch.reserve(kBatchPairs);
    l.pairs.assign(rules_.size(), 0);
    return l;
  });
  const bool cross_only = link_type_ == LinkType::kLink;
  // This share's units: share_part_, share_part_ + share_parts_, ... (SetShare); or the
  // partition's.
  const size_t units = part != nullptr ? part->unit_end - part->unit_begin
                       : work_.size() > share_part_
                           ? (work_.size() - share_part_ + share_parts_ - 1) / share_parts_
                           : 0;
  // With a partition, a pair's rows are its positions' local ids (position - base).
  const uint32_t base = part != nullptr ? part->pos_begin : 0;
  // Compiled twice, so that the table's stream pays no test for partitions in its inner loop.
  auto stream = [&]<bool kGathered>() {
    ParallelFor(size_t{0}, units, [&](size_t k) {
      const WorkUnit& unit =
          kGathered ? work_[part->unit_begin + k] : work_[share_part_ + k * share_parts_];
      const RuleIndex& ri = rules_[unit.rule];
      auto row_at = [&](uint32_t pos) -> RowId {
        if constexpr (kGathered) return pos - base;
        return ri.order[pos];
      };
      auto source_at = [&](uint32_t pos) {
        if constexpr (kGathered) return sources_[gathered->rows[pos - base]];
        return sources_[ri.order[pos]];
      };
      Local& local = locals.local();
      auto flush = [&] {
        if (!local.batch.empty()) {
          local.pairs[unit.rule] += local.batch.size();
          sink(static_cast<int>(unit.rule), local.batch);
          local.batch.clear();
        }
      };
      // With an implying rule (ImplyingRule), whether it covers a pair is read from implied_block
      // at the pair's two positions (the same test as RuleCovers), not from the partner row's
      // block_of, and that rule is left out of the loop over the earlier rules.
      const uint32_t implied = ri.implied_by < 0 ? kNoRule : static_cast<uint32_t>(ri.implied_by);
      uint32_t bs = 0;
      auto emit = [&](uint32_t pa, uint32_t pb) {  // positions in the block starting at bs
        if (implied != kNoRule) {
          const uint32_t g = ri.implied_block[bs + pa];
          if (g != kNoBlock && g == ri.implied_block[bs + pb]) return;
        }
        const RowId a = row_at(bs + pa), bb = row_at(bs + pb);
        for (uint32_t r = 0; r < unit.rule; ++r) {
          if (r == implied) continue;
          if constexpr (kGathered) {
            if (gathered->Covers(r, a, bb)) return;
          } else {
            if (RuleCovers(r, a, bb)) return;
          }
        }
        local.batch.push_back({a, bb});
        if (local.batch.size() == kBatchPairs) flush();
      };
      for (uint32_t b = unit.block_begin; b < unit.block_end; ++b) {
        bs = ri.block_starts[b];
        const uint32_t be = ri.block_starts[b + 1];
        const uint32_t size = be - bs;
        const bool tiled = unit.i_end > unit.i_begin;
        const uint32_t i0 = tiled ? unit.i_begin : 0, i1 = tiled ? unit.i_end : size;
        // With rows, an unmarked first row pairs only with the marked rows after it: list them once
        // per block (from i0 on, so a tile's cost stays within its pairs).
        std::vector<uint32_t>& marked = local.marked;
        size_t next_marked = 0;
        if (rows) {
          marked.clear();
          for (uint32_t j = i0 + 1; j < size; ++j) {
            if (BitSet(*rows, row_at(bs + j))) marked.push_back(j);
          }
        }
        uint32_t run_end = 0;  // link mode: end of the current source run
        for (uint32_t i = i0; i < i1; ++i) {
          const RowId a = row_at(bs + i);
          uint32_t j = i + 1;
          if (cross_only) {
            if (run_end <= i) {
              run_end = i + 1;
              const SourceId source = source_at(bs + i);
              while (run_end < size && source_at(bs + run_end) == source) ++run_end;
            }
            j = run_end;
          }
          if (rows && !BitSet(*rows, a)) {
            while (next_marked < marked.size() && marked[next_marked] < j) ++next_marked;
            for (size_t m = next_marked; m < marked.size(); ++m) emit(i, marked[m]);
            continue;
          }
          for (; j < size; ++j) emit(i, j);
        }
      }
      flush();
    });
  };
  if (gathered != nullptr) {
    stream.template operator()<true>();
  } else {
    stream.template operator()<false>();
  }
  std::vector<uint64_t> totals(rules_.size(), 0);
  for (const Local& l : locals) {
    for (size_t r = 0; r < totals.size(); ++r) totals[r] += l.pairs[r];
  }
  return totals;
}

std::vector<uint64_t> BlockingIndex::StreamPairs(const PairSink& sink) {
  std::vector<uint64_t> totals = Stream(sink, nullptr);
  for (size_t r = 0; r < totals.size(); ++r) stats_[r].pairs = totals[r];
  return totals;
}

void BlockingIndex::StreamPairsOfRows(const std::vector<uint64_t>& rows, const PairSink& sink) const {
  Stream(sink, &rows);
}

std::vector<BlockingIndex::Partition> BlockingIndex::PlanPartitions(uint64_t max_rows) const {
  std::vector<Partition> out;
  for (uint32_t u = 0; u < work_.size(); ++u) {
    const WorkUnit& unit = work_[u];
    const RuleIndex& ri = rules_[unit.rule];
    const uint32_t pb = ri.block_starts[unit.block_begin], pe = ri.block_starts[unit.block_end];
    // Units of one rule follow its blocks in order, so a partition's positions are one range. The
    // tiles of one large block share its rows: they stay in one partition, however large.
    if (!out.empty() && work_[out.back().unit_begin].rule == unit.rule &&
        (static_cast<uint64_t>(pe) - out.back().pos_begin <= max_rows || pe <= out.back().pos_end)) {
      out.back().unit_end = u + 1;
      out.back().pos_end = std::max(out.back().pos_end, pe);
      continue;
    }
    out.push_back({u, u + 1, pb, pe});
  }
  return out;
}

GatheredRows BlockingIndex::Gather(const Partition& p, const std::vector<uint64_t>* rows,
                                   std::vector<uint64_t>* local_rows, bool every_rule) const {
  const uint32_t rule = work_[p.unit_begin].rule;
  const RuleIndex& ri = rules_[rule];
  GatheredRows g;
  g.rule = rule;
  const size_t n = p.pos_end - p.pos_begin;
  g.rows.assign(ri.order.begin() + p.pos_begin, ri.order.begin() + p.pos_end);
  // With rows, only the partition's blocks that hold a marked row make pairs: the others' rows
  // are left out of by_row, so nothing is gathered for them.
  std::vector<uint8_t> needed;
  if (rows != nullptr) {
    local_rows->assign((n + 63) / 64, 0);
    for (size_t i = 0; i < n; ++i) {
      if (BitSet(*rows, g.rows[i])) (*local_rows)[i >> 6] |= uint64_t{1} << (i & 63);
    }
    needed.assign(n, 0);
    const uint32_t first_block = work_[p.unit_begin].block_begin, end_block = work_[p.unit_end - 1].block_end;
    for (uint32_t b = first_block; b < end_block; ++b) {
      const uint32_t bs = ri.block_starts[b] - p.pos_begin, be = ri.block_starts[b + 1] - p.pos_begin;
      bool any = false;
      for (uint32_t i = bs; i < be && !any; ++i) any = BitSet(*local_rows, i);
      if (any) std::fill(needed.begin() + bs, needed.begin() + be, uint8_t{1});
    }
  }
  // Local ids by row (a row is in one block of a rule, so each row once): every per-row array is
  // then read in ascending order, which the kernel's read-ahead serves from files in large reads.
  std::vector<uint64_t> keyed;
  keyed.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (needed.empty() || needed[i]) keyed.push_back((uint64_t{g.rows[i]} << 32) | i);
  }
  ParallelSort(keyed.begin(), keyed.end(), std::less<uint64_t>());
  g.by_row.resize(keyed.size());
  ParallelFor(size_t{0}, keyed.size(), [&](size_t k) { g.by_row[k] = static_cast<uint32_t>(keyed[k]); });
  std::vector<uint64_t>().swap(keyed);
  g.block_of.resize(rules_.size());
  for (size_t r = 0; r < rules_.size(); ++r) {
    if (r == rule) continue;
    // The stream tests the earlier rules but the implying one (read from implied_block).
    if (!every_rule && (r > rule || static_cast<int>(r) == ri.implied_by)) continue;
    std::vector<uint32_t>& blocks = g.block_of[r];
    blocks.resize(n);
    const SpillableArray<uint32_t>& block_of = rules_[r].block_of;
    ParallelFor(size_t{0}, g.by_row.size(), [&](size_t k) {
      const uint32_t i = g.by_row[k];
      blocks[i] = block_of[g.rows[i]];
    });
  }
  return g;
}

std::vector<uint64_t> BlockingIndex::StreamByPartition(const std::vector<uint64_t>* rows, uint64_t max_rows,
                                                       bool every_rule, const PartitionSinkFactory& prepare) const {
  std::vector<uint64_t> totals(rules_.size(), 0);
  std::vector<uint64_t> local_rows;
  const std::vector<Partition> plan = PlanPartitions(max_rows);
  // With a share (SetShare), the partitions are dealt as the units are without partitions:
  // partition k to share k mod parts. The plan depends on the blocks alone, so every process
  // built from the same input deals the same partitions, and the shares together stream every
  // pair once; a process gathers only its partitions' rows.
  for (size_t k = share_part_; k < plan.size(); k += share_parts_) {
    const Partition& p = plan[k];
    const GatheredRows g = Gather(p, rows, &local_rows, every_rule);
    const PairSink sink = prepare(g);
    const std::vector<uint64_t> t = Stream(sink, rows != nullptr ? &local_rows : nullptr, &g, &p);
    for (size_t r = 0; r < totals.size(); ++r) totals[r] += t[r];
  }
  return totals;
}

std::vector<uint64_t> BlockingIndex::StreamPairsPartitioned(uint64_t max_rows, bool covers_every_rule,
                                                            const PartitionSinkFactory& prepare) {
  std::vector<uint64_t> totals = StreamByPartition(nullptr, max_rows, covers_every_rule, prepare);
  for (size_t r = 0; r < totals.size(); ++r) stats_[r].pairs = totals[r];
  return totals;
}

std::vector<uint64_t> BlockingIndex::StreamPairsOfRowsPartitioned(const std::vector<uint64_t>& rows, uint64_t max_rows,
                                                                  const PartitionSinkFactory& prepare) const {
  return StreamByPartition(&rows, max_rows, true, prepare);
}

}  // namespace reclink
