// DenseLabels: string truth labels to dense ids by first appearance; nulls and empties singleton.
#include <functional>

#include "evaluate/dense_id_table.h"
#include "reclink/evaluate.h"

namespace reclink {

std::vector<uint32_t> DenseLabels(const std::vector<std::string_view>& values,
                                  const std::vector<bool>& is_null) {
  std::vector<uint32_t> labels(values.size());
  // The table numbers distinct non-empty values; singletons take ids from the same output
  // sequence, so each distinct value also records its output id and its first row.
  evaluate_detail::DenseIdTable table;
  std::vector<uint32_t> first_row;
  std::vector<uint32_t> output_id;
  uint32_t next_id = 0;
  std::hash<std::string_view> hasher;
  for (size_t r = 0; r < values.size(); ++r) {
    std::string_view value = values[r];
    if ((r < is_null.size() && is_null[r]) || value.empty()) {
      labels[r] = next_id++;
      continue;
    }
    uint32_t distinct = table.FindOrInsert(Mix64(hasher(value)), [&](uint32_t i) {
      return values[first_row[i]] == value;
    });
    if (distinct == first_row.size()) {
      first_row.push_back(static_cast<uint32_t>(r));
      output_id.push_back(next_id++);
    }
    labels[r] = output_id[distinct];
  }
  return labels;
}

}  // namespace reclink
