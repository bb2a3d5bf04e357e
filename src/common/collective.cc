// The status agreement shared by every Collective, and the single-process LocalCollective.
#include "reclink/collective.h"

#include <cassert>
#include <cstdlib>
#include <cstring>

namespace reclink {

Collective::Agreement Collective::Agree(int code, std::string_view message) {
  WireWriter w;
  w.Put<int32_t>(code);
  w.PutString(code != 0 ? message : std::string_view());
  const std::vector<std::string> all = AllGather(w.Take());
  Agreement a;
  for (size_t r = 0; r < all.size(); ++r) {
    WireReader in(all[r]);
    const int32_t c = in.Get<int32_t>();
    std::string text = in.GetString();
    if (c != 0) {
      a.code = c;
      a.rank = static_cast<int>(r);
      a.message = std::move(text);
      break;
    }
  }
  return a;
}

std::string Collective::AllGatherConcat(std::string_view bytes, std::vector<uint64_t>* sizes) {
  std::vector<std::string> all = AllGather(bytes);
  sizes->clear();
  std::string joined;
  for (const std::string& part : all) {
    sizes->push_back(part.size());
    joined += part;
  }
  return joined;
}

void LocalCollective::Abort(int code) { std::exit(code); }

void WireReader::Take(void* out, size_t n) {
  assert(n <= bytes_.size() - pos_ && "WireReader: read past the end");
  if (n > bytes_.size() - pos_) std::abort();
  if (out != nullptr) std::memcpy(out, bytes_.data() + pos_, n);
  pos_ += n;
}

}  // namespace reclink
