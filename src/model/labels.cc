// Supervision from labeled pairs: m of a comparison from the labeled matches.
#include "reclink/model.h"

namespace reclink {

size_t ApplyLabeledM(const Comparisons& comps, const std::vector<LabeledPair>& labels, Model* model,
                     std::string_view source) {
  const size_t nc = comps.size();
  std::vector<uint8_t> gamma(nc);
  std::vector<std::vector<uint64_t>> counts(nc);
  for (size_t c = 0; c < nc; ++c) counts[c].assign(comps.num_levels(c), 0);
  ComparisonScratch scratch;
  for (const LabeledPair& p : labels) {
    if (!p.match) continue;
    comps.Gamma(p.a, p.b, gamma.data(), scratch);
    for (size_t c = 0; c < nc; ++c) ++counts[c][gamma[c]];
  }
  size_t replaced = 0;
  for (size_t c = 0; c < nc; ++c) {
    ComparisonParams& cp = model->comparisons[c];
    uint64_t n = 0;
    for (size_t l = 1; l < counts[c].size(); ++l) n += counts[c][l];
    if (n < kMinLabeledMatches) continue;
    const double levels = static_cast<double>(counts[c].size() - 1);
    for (size_t l = 1; l < counts[c].size(); ++l) {
      cp.levels[l].m = (static_cast<double>(counts[c][l]) + 0.5) / (static_cast<double>(n) + 0.5 * levels);
      cp.levels[l].m_source = (source.empty() ? std::string("labels") : std::string(source)) + ": " +
                              std::to_string(counts[c][l]) + " of " + std::to_string(n) +
                              (source.empty() ? " labeled matching" : "") +
                              " pairs with both values non-null (plus half a pair per level)";
    }
    cp.trained_by = {source.empty() ? std::string("labels") : std::string(source)};
    ++replaced;
  }
  return replaced;
}

}  // namespace reclink
