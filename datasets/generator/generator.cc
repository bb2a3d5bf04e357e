// Generator layout, row rendering and parallel ordered output. A record at generation index p
// (families in order, then entities, then records) is written at row permutation(p); each row
// is rendered from (seed, family, entity, p) alone, so rows can be rendered in any order.
#include "generator/generator.h"

#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>

#include "generator/person.h"
#include "generator/record_builder.h"

namespace reclink::gen {
namespace {

constexpr uint64_t kRowsPerChunk = 4096;
constexpr uint64_t kBatch = 64;  // rows whose table lookups are issued together

uint64_t Pairs(uint64_t n) { return n * (n - 1) / 2; }

void AppendNumber(uint64_t v, std::string& out) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) out.push_back(tmp[--n]);
}

// RFC 4180: a field holding a comma, quote, CR or LF is quoted, with quotes doubled.
void AppendCsvField(std::string_view v, std::string& out) {
  static constexpr auto kSpecial = [] {
    std::array<bool, 256> t{};
    t[','] = t['"'] = t['\r'] = t['\n'] = true;
    return t;
  }();
  bool special = false;  // not find_first_of: it calls memchr once per character
  for (char c : v) special |= kSpecial[static_cast<unsigned char>(c)];
  if (!special) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

// A JSON string, or null when the value is missing (empty).
void AppendJsonValue(std::string_view v, std::string& out) {
  if (v.empty()) {
    out.append("null");
    return;
  }
  out.push_back('"');
  for (char c : v) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out.append("\\u00");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

Generator::Generator(const GeneratorOptions& options)
    : options_(options), permutation_(options.records, options.seed) {}

Result<Generator> Generator::Create(const GeneratorOptions& options) {
  if (options.records < 1 || options.records > (uint64_t{1} << 40))
    return Status::Usage("--records must be between 1 and 2^40, got " +
                         std::to_string(options.records));
  if (!(options.noise >= 0 && options.noise <= 1))
    return Status::Usage("--noise must be between 0 and 1, got " + std::to_string(options.noise));
  if (!(options.moves >= 0 && options.moves <= 1))
    return Status::Usage("--moves must be between 0 and 1, got " + std::to_string(options.moves));
  if (!(options.dup_rate >= 0 && options.dup_rate <= 1))
    return Status::Usage("--dup-rate must be between 0 and 1, got " +
                         std::to_string(options.dup_rate));
  if (options.threads < 0)
    return Status::Usage("--threads must be 0 (all cores) or more, got " +
                         std::to_string(options.threads));

  Generator g(options);
  GenerationSummary& s = g.summary_;
  const uint64_t n = options.records;
  g.slots_.reserve(n);
  g.entity_start_.reserve(n / 2 + 16);
  for (uint64_t family = 0; g.slots_.size() < n; ++family) {
    const FamilyShape shape = DrawFamilyShape(options.seed, family, options.dup_rate);
    g.entity_start_.push_back(s.entities);
    for (int j = 0; j < shape.count && g.slots_.size() < n; ++j) {
      const uint64_t size = std::min<uint64_t>(shape.size[j], n - g.slots_.size());
      for (uint64_t k = 0; k < size; ++k)
        g.slots_.push_back(family << 8 | static_cast<uint64_t>(j) << 4 | k);
      ++s.entities;
      s.gold_pairs += Pairs(size);
      s.entities_with_duplicates += size > 1;
      s.largest_entity = std::max(s.largest_entity, size);
      s.households += shape.relation[j] == Relation::kHousehold;
      s.twins += shape.relation[j] == Relation::kTwin;
      s.juniors += shape.relation[j] == Relation::kJunior;
    }
  }
  s.records = n;
  g.SeparateNeighbours();
  return g;
}

uint64_t Generator::IndexOfRow(uint64_t row) const {
  if (!row_overrides_.empty()) {
    auto it = std::lower_bound(row_overrides_.begin(), row_overrides_.end(),
                               std::pair<uint64_t, uint64_t>(row, 0));
    if (it != row_overrides_.end() && it->first == row) return it->second;
  }
  return permutation_.Inverse(row);
}

uint64_t Generator::RowOfIndex(uint64_t index) const {
  if (!index_overrides_.empty()) {
    auto it = std::lower_bound(index_overrides_.begin(), index_overrides_.end(),
                               std::pair<uint64_t, uint64_t>(index, 0));
    if (it != index_overrides_.end() && it->first == index) return it->second;
  }
  return permutation_.Forward(index);
}

void Generator::SeparateNeighbours() {
  const uint64_t n = options_.records;
  if (n < 3) return;
  // A uniform shuffle puts about 2 * gold_pairs / records neighbouring pairs of the same
  // entity: about one per file. Find them in parallel (in row order), then fix them one by one.
  const uint64_t chunks = (n + kRowsPerChunk - 1) / kRowsPerChunk;
  std::vector<std::vector<uint64_t>> found(chunks);
  const int threads =
      options_.threads > 0 ? options_.threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(uint64_t{0}, chunks, [&](uint64_t c) {
      const uint64_t begin = std::max<uint64_t>(1, c * kRowsPerChunk);
      const uint64_t end = std::min(n, (c + 1) * kRowsPerChunk);
      if (begin >= end) return;
      uint64_t previous = slots_[permutation_.Inverse(begin - 1)] >> 4;
      for (uint64_t row = begin; row < end; ++row) {
        const uint64_t key = slots_[permutation_.Inverse(row)] >> 4;
        if (key == previous) found[c].push_back(row);
        previous = key;
      }
    });
  });

  std::map<uint64_t, uint64_t> moved;  // row -> generation index, for swapped rows
  auto index_at = [&](uint64_t row) {
    auto it = moved.find(row);
    return it != moved.end() ? it->second : permutation_.Inverse(row);
  };
  auto key_at = [&](uint64_t row) { return slots_[index_at(row)] >> 4; };
  // True if entity key placed at row has no neighbour (other than `ignore`) of the same entity.
  auto fits = [&](uint64_t key, uint64_t row, uint64_t ignore) {
    if (row > 0 && row - 1 != ignore && key_at(row - 1) == key) return false;
    if (row + 1 < n && row + 1 != ignore && key_at(row + 1) == key) return false;
    return true;
  };
  for (const std::vector<uint64_t>& rows : found) {
    for (uint64_t q : rows) {
      if (key_at(q) != key_at(q - 1)) continue;  // an earlier swap fixed it
      const uint64_t kq = key_at(q);
      // Try rows from the opposite side of the file onwards: deterministic and far away.
      for (uint64_t step = 0; step < n; ++step) {
        const uint64_t r = (q + n / 2 + step) % n;
        if (r + 1 >= q && r <= q + 1) continue;  // r must not touch q
        const uint64_t kr = key_at(r);
        if (kr == kq || !fits(kr, q, n) || !fits(kq, r, n)) continue;
        const uint64_t iq = index_at(q), ir = index_at(r);
        moved[q] = ir;
        moved[r] = iq;
        break;
      }
    }
  }
  for (const auto& [row, index] : moved) {
    row_overrides_.emplace_back(row, index);
    index_overrides_.emplace_back(index, row);
  }
  std::sort(index_overrides_.begin(), index_overrides_.end());
}

void Generator::RenderRow(uint64_t row, uint64_t slot, uint64_t entity, std::string& out) const {
  const uint64_t family = slot >> 8;
  const int j = static_cast<int>((slot >> 4) & 15);
  const FamilyShape shape = DrawFamilyShape(options_.seed, family, options_.dup_rate);
  const Person person = DrawPerson(options_.seed, family, j, shape,
                                   options_.vocabulary == VocabularyMode::kPopulation);
  // The record's own stream is keyed by its output row, a bijection of its generation index.
  Rng rng(StreamSeed(options_.seed, Stream::kRecord, row));
  RecordFields f;
  BuildRecord(person, options_.noise, rng, f, options_.moves);

  if (options_.format == OutputFormat::kCsv) {
    AppendNumber(row + 1, out);
    out.push_back(',');
    AppendNumber(entity + 1, out);
    for (const FieldBuffer* b :
         {&f.first, &f.last, &f.dob, &f.email, &f.phone, &f.address, &f.city, &f.postcode}) {
      out.push_back(',');
      AppendCsvField(b->view(), out);
    }
    out.push_back('\n');
    return;
  }
  out.append("{\"record_id\":\"");
  AppendNumber(row + 1, out);
  out.append("\",\"entity_id\":\"");
  AppendNumber(entity + 1, out);
  out.append("\",\"name\":{\"first\":");
  AppendJsonValue(f.first.view(), out);
  out.append(",\"last\":");
  AppendJsonValue(f.last.view(), out);
  out.append("},\"dob\":");
  AppendJsonValue(f.dob.view(), out);
  out.append(",\"email\":");
  AppendJsonValue(f.email.view(), out);
  out.append(",\"phone\":");
  AppendJsonValue(f.phone.view(), out);
  out.append(",\"address\":{\"line\":");
  AppendJsonValue(f.address.view(), out);
  out.append(",\"city\":");
  AppendJsonValue(f.city.view(), out);
  out.append(",\"postcode\":");
  AppendJsonValue(f.postcode.view(), out);
  out.append("}}\n");
}

void Generator::RenderRows(uint64_t begin, uint64_t end, std::string& out) const {
  uint64_t index[kBatch], slot[kBatch], entity[kBatch];
  for (uint64_t batch = begin; batch < end; batch += kBatch) {
    const uint64_t count = std::min(kBatch, end - batch);
    // The table reads are random (the rows are shuffled): prefetch a batch of them in phases
    // so their cache misses overlap instead of queueing.
    for (uint64_t i = 0; i < count; ++i) {
      index[i] = IndexOfRow(batch + i);
      __builtin_prefetch(&slots_[index[i]]);
    }
    for (uint64_t i = 0; i < count; ++i) {
      slot[i] = slots_[index[i]];
      __builtin_prefetch(&entity_start_[slot[i] >> 8]);
    }
    for (uint64_t i = 0; i < count; ++i)
      entity[i] = entity_start_[slot[i] >> 8] + ((slot[i] >> 4) & 15);
    for (uint64_t i = 0; i < count; ++i) RenderRow(batch + i, slot[i], entity[i], out);
  }
}

Status Generator::Write(const std::function<Status(std::string_view)>& sink) const {
  if (options_.format == OutputFormat::kCsv) RECLINK_RETURN_IF_ERROR(sink(kCsvHeader));
  const uint64_t n = options_.records;
  const uint64_t chunks = (n + kRowsPerChunk - 1) / kRowsPerChunk;
  const int threads =
      options_.threads > 0 ? options_.threads : tbb::this_task_arena::max_concurrency();
  Status status;
  std::atomic<bool> failed{false};
  tbb::task_arena arena(threads);
  arena.execute([&] {
    uint64_t next = 0;
    tbb::parallel_pipeline(
        static_cast<size_t>(threads) * 2,
        tbb::make_filter<void, uint64_t>(tbb::filter_mode::serial_in_order,
                                         [&](tbb::flow_control& fc) -> uint64_t {
                                           if (next >= chunks || failed.load()) {
                                             fc.stop();
                                             return 0;
                                           }
                                           return next++;
                                         }) &
            tbb::make_filter<uint64_t, std::string>(
                tbb::filter_mode::parallel,
                [&](uint64_t chunk) {
                  std::string out;
                  out.reserve(kRowsPerChunk * 160);
                  RenderRows(chunk * kRowsPerChunk, std::min(n, (chunk + 1) * kRowsPerChunk), out);
                  return out;
                }) &
            tbb::make_filter<std::string, void>(tbb::filter_mode::serial_in_order,
                                                [&](const std::string& text) {
                                                  if (failed.load()) return;
                                                  Status s = sink(text);
                                                  if (!s.ok()) {
                                                    status = std::move(s);
                                                    failed.store(true);
                                                  }
                                                }));
  });
  return status;
}

Status Generator::WriteTruthPairs(const std::function<Status(std::string_view)>& sink) const {
  std::string out = "id_l,id_r\n";
  std::vector<uint64_t> ids;
  for (size_t p = 0; p < slots_.size();) {
    const uint64_t entity_key = slots_[p] >> 4;
    ids.clear();
    for (; p < slots_.size() && slots_[p] >> 4 == entity_key; ++p) ids.push_back(RowOfIndex(p) + 1);
    std::sort(ids.begin(), ids.end());
    for (size_t a = 0; a < ids.size(); ++a) {
      for (size_t b = a + 1; b < ids.size(); ++b) {
        AppendNumber(ids[a], out);
        out.push_back(',');
        AppendNumber(ids[b], out);
        out.push_back('\n');
      }
    }
    if (out.size() > (1 << 20)) {
      RECLINK_RETURN_IF_ERROR(sink(out));
      out.clear();
    }
  }
  return sink(out);
}

std::string Generator::SummaryJson() const {
  const GenerationSummary& s = summary_;
  char noise[32], dup[32];
  std::snprintf(noise, sizeof noise, "%g", options_.noise);
  std::snprintf(dup, sizeof dup, "%g", options_.dup_rate);
  std::string out = "{";
  auto field = [&](const char* name, uint64_t v) {
    out += '"';
    out += name;
    out += "\":";
    AppendNumber(v, out);
    out += ',';
  };
  field("records", s.records);
  field("entities", s.entities);
  field("gold_pairs", s.gold_pairs);
  field("entities_with_duplicates", s.entities_with_duplicates);
  field("largest_entity", s.largest_entity);
  field("household_members", s.households);
  field("twins", s.twins);
  field("juniors", s.juniors);
  field("seed", options_.seed);
  out += "\"noise\":";
  out += noise;
  out += ",\"dup_rate\":";
  out += dup;
  out += ",\"format\":\"";
  out += options_.format == OutputFormat::kCsv ? "csv" : "jsonl";
  out += '"';
  // Only the opt-in mode is named, so the default summary keeps its bytes.
  if (options_.vocabulary == VocabularyMode::kPopulation) out += ",\"vocabulary\":\"population\"";
  out += '}';
  return out;
}

}  // namespace reclink::gen
