// Placeholder values: found once per training run, kept in the model, read as null.
#include "reclink/placeholders.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "reclink/parallel.h"
#include "reclink/profile.h"

namespace reclink {
namespace {

constexpr size_t kRowsPerTask = 16384;

}  // namespace

std::vector<DetectedPlaceholder> DetectPlaceholders(const Rules& rules, const DerivedFields& fields) {
  std::vector<DetectedPlaceholder> out;
  for (size_t f = 0; f < rules.fields.size() && f < fields.fields.size(); ++f) {
    const Column& col = fields.fields[f];
    using Counts = std::unordered_map<std::string_view, uint64_t>;
    tbb::enumerable_thread_specific<Counts> local;
    ParallelFor(tbb::blocked_range<size_t>(0, col.size(), kRowsPerTask), [&](const tbb::blocked_range<size_t>& r) {
      Counts& counts = local.local();
      for (size_t row = r.begin(); row != r.end(); ++row) {
        if (col.IsNull(static_cast<RowId>(row))) continue;
        const std::string_view v = col.Get(static_cast<RowId>(row));
        if (LooksLikePlaceholder(v)) ++counts[v];
      }
    });
    std::map<std::string_view, uint64_t> merged;  // sorted: the order does not depend on threads
    for (const Counts& counts : local)
      for (const auto& [v, n] : counts) merged[v] += n;
    for (const auto& [v, n] : merged) {
      if (n < kMinPlaceholderRecords) continue;
      std::string reason = PlaceholderReason(v);
      if (reason.empty()) continue;
      out.push_back({rules.fields[f].name, std::string(v), n, std::move(reason)});
    }
  }
  return out;
}

std::vector<uint64_t> NullPlaceholders(const Rules& rules, const std::vector<DetectedPlaceholder>& placeholders,
                                       DerivedFields* fields) {
  std::vector<uint64_t> counts(placeholders.size(), 0);
  const size_t nf = std::min(rules.fields.size(), fields->fields.size());
  std::vector<std::vector<uint64_t>> field_counts(nf);  // per field: per entry of placeholders
  ParallelFor(size_t{0}, nf, [&](size_t f) {
    std::unordered_map<std::string_view, size_t> entry;  // value -> index into placeholders
    uint64_t lengths = 0;  // bit k: a listed value of k bytes (k < 64); bit 63 also: longer
    for (size_t i = 0; i < placeholders.size(); ++i) {
      if (placeholders[i].field != rules.fields[f].name) continue;
      entry.emplace(placeholders[i].value, i);
      lengths |= uint64_t{1} << std::min<size_t>(placeholders[i].value.size(), 63);
    }
    if (entry.empty()) return;
    std::vector<uint64_t>& mine = field_counts[f];
    mine.assign(placeholders.size(), 0);
    const Column& old = fields->fields[f];
    const size_t n = old.size();
    std::vector<RowId> hit;  // rows to make null, ascending
    uint64_t removed_bytes = 0;
    for (size_t row = 0; row < n; ++row) {
      const RowId r = static_cast<RowId>(row);
      if (old.IsNull(r)) continue;
      const std::string_view v = old.Get(r);
      if (!((lengths >> std::min<size_t>(v.size(), 63)) & 1)) continue;  // no listed value that long
      if (auto it = entry.find(v); it != entry.end()) {
        ++mine[it->second];
        hit.push_back(r);
        removed_bytes += v.size();
      }
    }
    if (hit.empty()) return;
    // The column again without those values: offsets shifted, the text copied between them.
    Column next(old.name());
    const Column::FillBuffers buf = next.PrepareFill(n, old.arena_bytes() - removed_bytes);
    const char* text = old.arena_data();
    uint64_t out = 0;
    size_t h = 0;
    for (size_t row = 0; row < n; ++row) {
      const RowId r = static_cast<RowId>(row);
      const bool drop = h < hit.size() && hit[h] == r;
      h += drop;
      if (drop || old.IsNull(r)) {
        buf.nulls[row / 64] |= uint64_t{1} << (row % 64);
      } else {
        const uint64_t from = old.offset(row), len = old.offset(row + 1) - from;
        std::memcpy(buf.arena + out, text + from, len);
        out += len;
      }
      if (buf.offsets != nullptr) {
        buf.offsets[row + 1] = static_cast<uint32_t>(out);
      } else {
        buf.wide_offsets[row + 1] = out;
      }
    }
    fields->fields[f] = std::move(next);
  });
  for (const std::vector<uint64_t>& mine : field_counts)
    for (size_t i = 0; i < mine.size(); ++i) counts[i] += mine[i];
  return counts;
}

std::vector<DetectedPlaceholder> ApplyPlaceholders(const Rules& rules, const Model* saved_model, DerivedFields* fields) {
  std::vector<DetectedPlaceholder> list;
  if (saved_model != nullptr) {
    list = saved_model->placeholders;
  } else if (rules.model.detect_placeholders) {
    list = DetectPlaceholders(rules, *fields);
  }
  const std::vector<uint64_t> counts = NullPlaceholders(rules, list, fields);
  for (size_t i = 0; i < list.size(); ++i) list[i].records = counts[i];
  return list;
}

Result<DerivedFields> DeriveFieldsForRun(const Rules& rules, const RecordTable& table,
                                         const Model* saved_model,
                                         std::vector<DetectedPlaceholder>* applied) {
  PlaceholderPlan plan;
  // Each saved entry's field and its place in that field's list.
  std::vector<std::pair<size_t, size_t>> entry_at;
  if (saved_model != nullptr) {
    plan.known.resize(rules.fields.size());
    for (const DetectedPlaceholder& p : saved_model->placeholders) {
      size_t f = 0;
      while (f < rules.fields.size() && rules.fields[f].name != p.field) ++f;
      if (f == rules.fields.size()) {
        entry_at.emplace_back(f, 0);  // a field the rules do not define: counted 0
        continue;
      }
      entry_at.emplace_back(f, plan.known[f].size());
      plan.known[f].push_back(p.value);
    }
  } else if (rules.model.detect_placeholders) {
    plan.looks_like = LooksLikePlaceholder;
    plan.min_records = kMinPlaceholderRecords;
  }
  Result<DerivedFields> fields = DeriveFields(rules, table, &plan);
  if (!fields.ok()) return fields.status();
  applied->clear();
  if (saved_model != nullptr) {
    *applied = saved_model->placeholders;
    for (size_t i = 0; i < applied->size(); ++i) {
      const auto [f, at] = entry_at[i];
      (*applied)[i].records =
          f < fields->placeholders_read.size() ? fields->placeholders_read[f][at].second : 0;
    }
  } else {
    for (size_t f = 0; f < fields->placeholders_read.size(); ++f) {
      for (const auto& [value, records] : fields->placeholders_read[f]) {
        applied->push_back({rules.fields[f].name, value, records, PlaceholderReason(value)});
      }
    }
  }
  return fields;
}

}  // namespace reclink
