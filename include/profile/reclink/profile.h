// Column profiles of a RecordTable (what `reclink profile` prints): per column the rows, nulls,
// exact distinct count, value lengths and most frequent values, as a text table or JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reclink/record_table.h"

namespace reclink {

struct ColumnProfile {
  std::string name;
  uint64_t rows = 0;
  uint64_t nulls = 0;
  // Distinct non-null values. Values are identified by their 64-bit XXH3 hash and first 8 bytes,
  // so the count is exact unless two different values collide on both (for a million distinct
  // values the chance is below 1e-7).
  uint64_t distinct = 0;
  // Lengths of non-null values in Unicode code points (0 when every value is null).
  size_t min_len = 0;
  size_t max_len = 0;
  double mean_len = 0;
  // The most frequent non-null values: count descending, ties by value (bytewise) ascending.
  std::vector<std::pair<std::string, uint64_t>> top;
  // Top values that look like placeholders for "no value" (LikelyPlaceholders), in top order.
  struct Placeholder {
    std::string value;
    uint64_t count = 0;
    std::string reason;
  };
  std::vector<Placeholder> placeholders;
};

// Why value looks like a placeholder for "no value", or empty when it does not: only spaces, a
// word for none
// ("unknown", "n/a", "-", ...), one digit repeated ("00000000000") or a digit run ("123456789"),
// a placeholder e-mail ("noemail@...", "test@...", "...@example.com"), or a placeholder date
// ("1900-01-01", "01/01/1900"). Case and surrounding spaces do not matter. The signal is the
// shape alone; a caller also asks that the value repeat (a real person may be born 1900-01-01).
std::string PlaceholderReason(std::string_view value);

// Whether PlaceholderReason names a reason (other than "only spaces"), without allocating: for
// a test per row.
bool LooksLikePlaceholder(std::string_view value);

// The top values of a profiled column that are likely placeholders: repeated (count >= 3) and
// either shaped like one (PlaceholderReason) or, in a column of mostly distinct values (e-mails,
// phones: distinct >= half the non-null rows), at least 10 times in all, 20 times as frequent as
// the average value and 5 times the median count of the top values (of at least 5).
std::vector<ColumnProfile::Placeholder> LikelyPlaceholders(const ColumnProfile& p);

// Profiles every column, in column order. Parallel over columns and over hash partitions of each
// column on the current TBB arena; the result does not depend on the thread count.
std::vector<ColumnProfile> ProfileTable(const RecordTable& table, size_t top_n = 10);

// A human-readable report: a summary table, then each column's top values. input_name, when not
// empty, is printed as the title. Values are shown as is, shortened past 40 code points.
std::string ProfileToText(const std::vector<ColumnProfile>& profiles,
                          const std::string& input_name = {});

// JSON: {"input": NAME, "rows": N, "columns": [{"name", "rows", "nulls", "distinct", "min_len",
// "mean_len", "max_len", "top": [{"value", "count"}...], "placeholders": [{"value", "count",
// "reason"}...]}...]}.
std::string ProfileToJson(const std::vector<ColumnProfile>& profiles,
                          const std::string& input_name = {});

}  // namespace reclink
