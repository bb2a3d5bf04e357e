// reclink-gen: writes synthetic customer records with ground truth (see docs/generator.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "generator/generator.h"
#include "generator/multi_source.h"

namespace {

using reclink::Status;

// A FILE* writer; "-" or empty means stdout.
class Output {
 public:
  static reclink::Result<std::unique_ptr<Output>> Open(const std::string& path) {
    if (path.empty() || path == "-") return std::unique_ptr<Output>(new Output(stdout, "stdout"));
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return Status::IoError(path + ": error: cannot open for writing");
    return std::unique_ptr<Output>(new Output(f, path));
  }
  ~Output() {
    if (file_ != nullptr && file_ != stdout) std::fclose(file_);
  }
  Status Write(std::string_view text) {
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size())
      return Status::IoError(name_ + ": error: write failed");
    return Status::Ok();
  }
  Status Close() {
    std::FILE* f = file_;
    file_ = nullptr;
    bool ok = f == stdout ? std::fflush(f) == 0 : std::fclose(f) == 0;
    return ok ? Status::Ok() : Status::IoError(name_ + ": error: write failed");
  }

 private:
  Output(std::FILE* f, std::string name) : file_(f), name_(std::move(name)) {}
  std::FILE* file_;
  std::string name_;
};

Status WriteWith(
    const std::string& path,
    const std::function<Status(const std::function<Status(std::string_view)>&)>& body) {
  auto out = Output::Open(path);
  if (!out.ok()) return out.status();
  Output* o = out->get();
  RECLINK_RETURN_IF_ERROR(body([o](std::string_view text) { return o->Write(text); }));
  return o->Close();
}

int Fail(const Status& s) {
  std::fprintf(stderr, "reclink-gen: %s\n", s.ToString().c_str());
  return reclink::ExitCodeFor(s);
}

}  // namespace

int main(int argc, char** argv) {
  reclink::gen::GeneratorOptions options;
  std::string format = "csv", vocabulary = "shipped", out_path, truth_path, summary_path;
  bool quiet = false;

  CLI::App app{"reclink-gen: synthetic customer records with ground truth (entity_id)"};
  app.add_option("--records,-n", options.records, "records to write")->capture_default_str();
  app.add_option("--seed", options.seed, "random seed; same seed and options, same bytes")
      ->capture_default_str();
  app.add_option("--noise", options.noise, "0..1, scales every corruption rate")
      ->capture_default_str();
  app.add_option("--dup-rate", options.dup_rate, "0..1, share of entities with duplicates")
      ->capture_default_str();
  app.add_option("--moves", options.moves,
                 "0..1, multiplies the chance that a record has moved (new address, town and postcode); "
                 "0: nobody moves; nothing else changes")
      ->capture_default_str();
  app.add_option("--format", format, "csv or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  app.add_option("--vocabulary", vocabulary,
                 "shipped: the built-in word lists; population: synthesized long-tailed names, "
                 "streets and towns and an adult age pyramid, for realistic blocks at 10M+ records")
      ->check(CLI::IsMember({"shipped", "population"}))
      ->capture_default_str();
  app.add_option("--out,-o", out_path, "output file (default: stdout)");
  app.add_option("--truth-pairs", truth_path, "also write every true pair (id_l,id_r) here");
  app.add_option("--summary", summary_path, "also write the summary as JSON here");
  app.add_option("--threads", options.threads, "worker threads (0: all cores); output is the same")
      ->capture_default_str();
  app.add_flag("--quiet,-q", quiet, "do not print the summary on stderr");
  reclink::gen::MultiSourceOptions multi;
  app.add_option("--sources", multi.sources,
                 "link mode: write --records people into this many sources (2-64), each person at most "
                 "once per source, as DIR/source1.csv ... (--out DIR)");
  app.add_option("--coverage", multi.coverage, "link mode: chance that a person is in a given source, (0, 1]")
      ->capture_default_str();
  app.add_option("--fields", multi.fields,
                 "link mode: the columns to write after record_id and entity_id (default: all), from "
                 "first_name,last_name,dob,email,phone,address,city,postcode")
      ->delimiter(',');
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  options.format =
      format == "jsonl" ? reclink::gen::OutputFormat::kJsonl : reclink::gen::OutputFormat::kCsv;
  if (vocabulary == "population") options.vocabulary = reclink::gen::VocabularyMode::kPopulation;

  if (app.count("--sources") > 0) {
    if (out_path.empty() || format != "csv" || !truth_path.empty() || !summary_path.empty() ||
        app.count("--dup-rate") > 0) {
      return Fail(Status::Usage("--sources writes CSV files into the directory --out DIR; it takes no --format, "
                                "--truth-pairs, --summary or --dup-rate (each person is at most once per source)"));
    }
    multi.people = options.records;
    multi.seed = options.seed;
    multi.noise = options.noise;
    multi.moves = options.moves;
    multi.population_vocabulary = vocabulary == "population";
    std::error_code ec;
    std::filesystem::create_directories(out_path, ec);
    if (ec) return Fail(Status::IoError(out_path + ": error: cannot create the directory: " + ec.message()));
    auto written = reclink::gen::WriteMultiSource(multi, out_path);
    if (!written.ok()) return Fail(written.status());
    if (!quiet) {
      std::fprintf(stderr, "reclink-gen: %llu people in %d sources, %llu records, %llu gold pairs\n",
                   static_cast<unsigned long long>(written->people), multi.sources,
                   static_cast<unsigned long long>(written->records),
                   static_cast<unsigned long long>(written->gold_pairs));
    }
    return 0;
  }

  auto generator = reclink::gen::Generator::Create(options);
  if (!generator.ok()) return Fail(generator.status());
  const reclink::gen::Generator& g = *generator;

  Status s = WriteWith(out_path, [&](const auto& sink) { return g.Write(sink); });
  if (!s.ok()) return Fail(s);
  if (!truth_path.empty()) {
    s = WriteWith(truth_path, [&](const auto& sink) { return g.WriteTruthPairs(sink); });
    if (!s.ok()) return Fail(s);
  }
  if (!summary_path.empty()) {
    s = WriteWith(summary_path, [&](const auto& sink) { return sink(g.SummaryJson() + "\n"); });
    if (!s.ok()) return Fail(s);
  }
  if (!quiet) {
    const auto& sum = g.summary();
    std::fprintf(
        stderr,
        "reclink-gen: %llu records, %llu entities (%llu with duplicates), %llu gold pairs\n",
        static_cast<unsigned long long>(sum.records), static_cast<unsigned long long>(sum.entities),
        static_cast<unsigned long long>(sum.entities_with_duplicates),
        static_cast<unsigned long long>(sum.gold_pairs));
  }
  return 0;
}
