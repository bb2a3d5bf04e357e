// Multi-source link mode (see multi_source.h).
#include "generator/multi_source.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>

#include "generator/person.h"
#include "generator/record_builder.h"
#include "reclink/csv_writer.h"

namespace reclink::gen {
namespace {

constexpr std::array<const char*, 8> kColumns = {"first_name", "last_name", "dob",     "email",
                                                  "phone",      "address",   "city",    "postcode"};

struct Entity {
  uint64_t family;
  int member;
};

}  // namespace

Result<MultiSourceSummary> WriteMultiSource(const MultiSourceOptions& options, const std::string& dir) {
  if (options.people < 1 || options.people > (uint64_t{1} << 32))
    return Status::Usage("--records must be between 1 and 2^32 people in link mode, got " + std::to_string(options.people));
  if (options.sources < 2 || options.sources > 64)
    return Status::Usage("--sources must be between 2 and 64, got " + std::to_string(options.sources));
  if (!(options.coverage > 0 && options.coverage <= 1))
    return Status::Usage("--coverage must be in (0, 1], got " + std::to_string(options.coverage));
  if (!(options.noise >= 0 && options.noise <= 1))
    return Status::Usage("--noise must be between 0 and 1, got " + std::to_string(options.noise));
  if (!(options.moves >= 0 && options.moves <= 1))
    return Status::Usage("--moves must be between 0 and 1, got " + std::to_string(options.moves));
  std::array<bool, kColumns.size()> keep{};
  for (const std::string& f : options.fields) {
    auto it = std::find(kColumns.begin(), kColumns.end(), f);
    if (it == kColumns.end()) {
      return Status::Usage("--fields: unknown field '" + f +
                           "'; the fields are first_name, last_name, dob, email, phone, address, city, postcode");
    }
    keep[static_cast<size_t>(it - kColumns.begin())] = true;
  }
  if (options.fields.empty()) keep.fill(true);

  // The population: families in order, as in the dedupe mode (duplicates come from the sources).
  std::vector<Entity> people;
  people.reserve(options.people);
  for (uint64_t family = 0; people.size() < options.people; ++family) {
    const FamilyShape shape = DrawFamilyShape(options.seed, family, 0.0);
    for (int j = 0; j < shape.count && people.size() < options.people; ++j) people.push_back({family, j});
  }
  MultiSourceSummary summary;
  summary.people = people.size();
  std::vector<uint32_t> copies(people.size(), 0);
  for (int s = 0; s < options.sources; ++s) {
    // Who is in this source, in a seeded shuffled order.
    std::vector<std::pair<uint64_t, uint32_t>> order;
    for (uint32_t e = 0; e < people.size(); ++e) {
      Rng member(StreamSeed(options.seed, Stream::kSourceMembership, uint64_t(s) << 32 | e));
      const double draw = member.Uniform();
      if (draw >= options.coverage) continue;
      order.emplace_back(member.Next(), e);
      ++copies[e];
    }
    std::sort(order.begin(), order.end());
    const std::string path = dir + "/source" + std::to_string(s + 1) + ".csv";
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!file) return Status::IoError(path + ": error: cannot open for writing");
    std::string out = "record_id,entity_id";
    for (size_t c = 0; c < kColumns.size(); ++c)
      if (keep[c]) out += std::string(",") + kColumns[c];
    out += '\n';
    uint64_t row = 0;
    for (const auto& [key, e] : order) {
      const Entity& who = people[e];
      const FamilyShape shape = DrawFamilyShape(options.seed, who.family, 0.0);
      const Person person = DrawPerson(options.seed, who.family, who.member, shape,
                                       options.population_vocabulary);
      Rng rng(StreamSeed(options.seed, Stream::kSourceRecord, uint64_t(s) << 32 | e));
      RecordFields f;
      BuildRecord(person, options.noise, rng, f, options.moves);
      out += std::to_string(++row) + "," + std::to_string(e + 1);
      const FieldBuffer* values[] = {&f.first, &f.last, &f.dob, &f.email, &f.phone, &f.address, &f.city, &f.postcode};
      for (size_t c = 0; c < kColumns.size(); ++c) {
        if (!keep[c]) continue;
        out += ',';
        AppendCsvField(out, values[c]->view());  // reclink's one CSV quoting (common/csv_writer.h)
      }
      out += '\n';
      if (out.size() > (1 << 20)) {
        if (std::fwrite(out.data(), 1, out.size(), file.get()) != out.size())
          return Status::IoError(path + ": error: write failed");
        out.clear();
      }
    }
    if (std::fwrite(out.data(), 1, out.size(), file.get()) != out.size() || std::fflush(file.get()) != 0)
      return Status::IoError(path + ": error: write failed");
    summary.per_source.push_back(row);
    summary.records += row;
  }
  for (uint32_t n : copies) summary.gold_pairs += uint64_t{n} * (n - (n > 0)) / 2;
  return summary;
}

}  // namespace reclink::gen
