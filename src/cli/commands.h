// reclink's commands. Each returns the process exit code and prints only through stdout/stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "options.h"

namespace reclink::cli {

int RunProfile(const CommonOptions& o);
int RunBlocks(const CommonOptions& o);

struct LinkageOptions {
  std::string out_dir;
  std::optional<std::string> model_path;
  std::string model_out;  // train
  std::optional<double> threshold;
  bool pairs = false;
  double pairs_threshold = 0.5;
  std::string truth_column;  // dedupe/link: also evaluate against this column
  std::string state_dir;     // dedupe/link: --state DIR (identities and model kept between runs)
  bool retrain = false;      // with --state: train anew instead of scoring with the state's model
  bool incremental = false;  // with --state: the inputs hold only new or changed records
  std::string delete_file;   // with --incremental: record ids to delete, one per line
  bool with_fields = false;  // also write members.csv (identity, best link, normalized fields per record)
  bool changed_only = false;              // with --state: clusters_changed.csv without clusters.csv
  std::string identities_format = "csv";  // golden records: identities.csv or identities.jsonl
  std::string labels_path;   // dedupe/link/train: labeled pairs (id_l,id_r,match) to train with
  bool report = false;       // dedupe/link: also write report.html (implied by the report command)
};
// command: "dedupe", "link", "train" or "report" (dedupe or link by the rules' link_type, writing
// only report.html into --out).
int RunLinkageCommand(std::string command, const CommonOptions& o, const LinkageOptions& l);

struct EvaluateOptions {
  std::string truth_column;
  std::string truth_pairs;
  std::string compare_rules;
  std::optional<std::string> model_path;
  std::optional<double> threshold;
};
int RunEvaluate(const CommonOptions& o, const EvaluateOptions& e);

int RunExplain(const CommonOptions& o, const std::string& model_path, const std::string& id1,
               const std::string& id2);

}  // namespace reclink::cli
