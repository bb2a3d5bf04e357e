// DenseLabels: string truth labels to dense ids by first appearance; nulls and empties singleton.
#include <absl/container/flat_hash_map.h>

#include "reclink/evaluate.h"

namespace reclink {

std::vector<uint32_t> DenseLabels(const std::vector<std::string_view>& values,
                                  const std::vector<bool>& is_null) {
  std::vector<uint32_t> labels(values.size());
  // Each distinct non-empty value's output id; singletons take ids from the same sequence.
  absl::flat_hash_map<std::string_view, uint32_t> id_of;
  uint32_t next_id = 0;
  for (size_t r = 0; r < values.size(); ++r) {
    std::string_view value = values[r];
    if ((r < is_null.size() && is_null[r]) || value.empty()) {
      labels[r] = next_id++;
      continue;
    }
    const auto [it, inserted] = id_of.try_emplace(value, next_id);
    next_id += inserted;
    labels[r] = it->second;
  }
  return labels;
}

}  // namespace reclink
