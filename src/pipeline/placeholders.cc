// Placeholder values: found once per training run, kept in the model, read as null.
#include "reclink/placeholders.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "reclink/parallel.h"
#include "reclink/profile.h"

namespace reclink {
namespace {

// A cheap test that keeps every value PlaceholderReason could call a placeholder: a word for no
// value, an e-mail, or five or more digits and no letter. Most names, streets and the like fail it
// without an allocation.
bool MayBePlaceholder(std::string_view v) {
  if (IsNoValueWord(v)) return true;
  size_t digits = 0, letters = 0;
  for (char c : v) {
    if (c == '@') return true;
    if (c >= '0' && c <= '9') ++digits;
    else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80) ++letters;
  }
  return letters == 0 && digits >= 5;
}

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
        if (MayBePlaceholder(v)) ++counts[v];
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
  for (size_t f = 0; f < rules.fields.size() && f < fields->fields.size(); ++f) {
    std::unordered_map<std::string_view, size_t> entry;  // value -> index into placeholders
    for (size_t i = 0; i < placeholders.size(); ++i) {
      if (placeholders[i].field == rules.fields[f].name) entry.emplace(placeholders[i].value, i);
    }
    if (entry.empty()) continue;
    const Column& old = fields->fields[f];
    Column next(old.name());
    next.Reserve(old.size(), old.arena_bytes());
    for (size_t row = 0; row < old.size(); ++row) {
      const RowId r = static_cast<RowId>(row);
      if (old.IsNull(r)) {
        next.AppendNull();
        continue;
      }
      const std::string_view v = old.Get(r);
      if (auto it = entry.find(v); it != entry.end()) {
        ++counts[it->second];
        next.AppendNull();
      } else {
        next.Append(v);
      }
    }
    fields->fields[f] = std::move(next);
  }
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

}  // namespace reclink
