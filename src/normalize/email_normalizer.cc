// The `email` normalizer: lower-case, no whitespace, "+tag" dropped from the local part.
#include "normalize/text_normalizers.h"
#include "reclink/normalize.h"

namespace reclink {

void NormalizeEmail(std::string_view in, std::string* out) {
  ToLower(in, out);
  normalize_internal::TrimCollapseInPlace(out);
  normalize_internal::RemoveSpacesInPlace(out);
  // Sub-addressing (RFC 5233): "local+tag@domain" delivers to "local@domain". The tag is cut
  // only when something is left of the local part.
  size_t at = out->rfind('@');
  if (at == std::string::npos) return;
  size_t plus = out->find('+');
  if (plus != std::string::npos && plus > 0 && plus < at) out->erase(plus, at - plus);
}

}  // namespace reclink
