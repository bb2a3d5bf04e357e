// reclink's version, as reported by --version and written to summary.json.
#pragma once

namespace reclink {
inline constexpr const char* kReclinkVersion = "0.1.0";
}  // namespace reclink
