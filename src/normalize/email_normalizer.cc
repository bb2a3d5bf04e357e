// The `email` normalizer: lower-case, no whitespace, "+tag" dropped from the local part.
#include "normalize/text_normalizers.h"
#include "reclink/normalize.h"

namespace reclink {
namespace normalize_internal {

void EmailInPlace(std::string* s, NormalizeScratch& scratch) {
  if (HasNonAscii(*s)) {
    std::string& lowered = scratch.lowered;
    ToLower(*s, &lowered);
    s->swap(lowered);
  } else {
    AsciiLowerInPlace(s);
  }
  TrimCollapseInPlace(s);
  RemoveSpacesInPlace(s);
  // Sub-addressing (RFC 5233): "local+tag@domain" delivers to "local@domain". The tag is cut
  // only when something is left of the local part.
  size_t at = s->rfind('@');
  if (at == std::string::npos) return;
  size_t plus = s->find('+');
  if (plus != std::string::npos && plus > 0 && plus < at) s->erase(plus, at - plus);
}

}  // namespace normalize_internal

void NormalizeEmail(std::string_view in, std::string* out, NormalizeScratch& scratch) {
  out->assign(in.data(), in.size());
  normalize_internal::EmailInPlace(out, scratch);
}

void NormalizeEmail(std::string_view in, std::string* out) {
  NormalizeScratch scratch;
  NormalizeEmail(in, out, scratch);
}

}  // namespace reclink
