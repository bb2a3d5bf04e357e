// Formatting of user-facing error locations.
#include "reclink/status.h"

namespace reclink {

std::string FormatLocation(const std::string& file, unsigned long long line,
                           unsigned long long column, const std::string& what) {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += ": error: ";
  out += what;
  return out;
}

}  // namespace reclink
