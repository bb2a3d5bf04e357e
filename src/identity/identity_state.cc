// The identity state's bytes. Layout (integers little-endian, lengths as LEB128 varints):
//   "RCLKIDS\n"  u32 version  u32 0
//   u64 salt  u64 next_serial  u64 runs
//   varint #ids,  then per id: varint length, bytes          (sorted, unique)
//   varint #keys, then per key: varint length, bytes, varint identity index   (sorted, unique)
//   u64 XXH3-64 of every byte before it
#include <xxhash.h>

#include <cstring>

#include "reclink/identity.h"

namespace reclink {
namespace {

constexpr char kMagic[8] = {'R', 'C', 'L', 'K', 'I', 'D', 'S', '\n'};

void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

// Reads the layout above, remembering the first thing that went wrong.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool U64(uint64_t* v) {
    if (bytes_.size() - pos_ < 8) return Fail("truncated");
    *v = 0;
    for (int i = 0; i < 8; ++i) *v |= uint64_t{static_cast<unsigned char>(bytes_[pos_ + i])} << (8 * i);
    pos_ += 8;
    return true;
  }
  bool U32(uint32_t* v) {
    if (bytes_.size() - pos_ < 4) return Fail("truncated");
    *v = 0;
    for (int i = 0; i < 4; ++i) *v |= uint32_t{static_cast<unsigned char>(bytes_[pos_ + i])} << (8 * i);
    pos_ += 4;
    return true;
  }
  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) return Fail("truncated");
      const unsigned char b = static_cast<unsigned char>(bytes_[pos_++]);
      *v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return true;
    }
    return Fail("a length is malformed");
  }
  bool String(std::string* s) {
    uint64_t len;
    if (!Varint(&len)) return false;
    if (len > bytes_.size() - pos_) return Fail("truncated");
    s->assign(bytes_.substr(pos_, len));
    pos_ += len;
    return true;
  }
  // A count of items that each take at least min_bytes: refuses counts the bytes cannot hold,
  // so a corrupt count cannot make the reader reserve gigabytes.
  bool Count(uint64_t* n, size_t min_bytes) {
    if (!Varint(n)) return false;
    if (*n > (bytes_.size() - pos_) / min_bytes) return Fail("a table is longer than the file");
    return true;
  }
  bool Fail(const char* why) {
    if (!error_) error_ = why;
    return false;
  }
  size_t pos() const { return pos_; }
  const char* error() const { return error_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
  const char* error_ = nullptr;
};

}  // namespace

std::string SerializeIdentityState(const IdentityState& s) {
  std::string out(kMagic, sizeof kMagic);
  PutU32(out, kIdentityStateVersion);
  PutU32(out, 0);
  PutU64(out, s.salt);
  PutU64(out, s.next_serial);
  PutU64(out, s.runs);
  PutVarint(out, s.ids.size());
  for (const std::string& id : s.ids) PutString(out, id);
  PutVarint(out, s.keys.size());
  for (size_t i = 0; i < s.keys.size(); ++i) {
    PutString(out, s.keys[i]);
    PutVarint(out, s.identity_of[i]);
  }
  PutU64(out, XXH3_64bits(out.data(), out.size()));
  return out;
}

Result<IdentityState> ParseIdentityState(std::string_view bytes, const std::string& name) {
  auto corrupt = [&](const std::string& why) {
    return Status::InvalidInput(name + ": error: the identity state cannot be read: " + why,
                                "the state directory was damaged or written by something else; restore it from "
                                "a backup, or start over with an empty --state directory (identity ids then "
                                "start afresh)");
  };
  if (bytes.size() < sizeof kMagic + 8 + 24 + 2 + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return corrupt("it is not a reclink identity state");
  }
  Reader header(bytes.substr(sizeof kMagic));
  uint32_t version = 0, reserved = 0;
  (void)header.U32(&version);
  (void)header.U32(&reserved);
  if (version != kIdentityStateVersion) {
    return corrupt("it has format version " + std::to_string(version) + "; this reclink reads version " +
                   std::to_string(kIdentityStateVersion));
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  Reader tail(bytes.substr(bytes.size() - 8));
  uint64_t checksum = 0;
  (void)tail.U64(&checksum);
  if (checksum != XXH3_64bits(body.data(), body.size())) return corrupt("its checksum does not match its contents");

  IdentityState s;
  Reader r(body.substr(sizeof kMagic + 8));
  uint64_t n_ids = 0, n_keys = 0;
  if (r.U64(&s.salt) && r.U64(&s.next_serial) && r.U64(&s.runs) && r.Count(&n_ids, 1)) {
    s.ids.resize(n_ids);
    for (uint64_t i = 0; i < n_ids && r.String(&s.ids[i]); ++i) {
      if (i > 0 && !(s.ids[i - 1] < s.ids[i])) r.Fail("identity ids are not sorted and unique");
    }
  }
  if (!r.error() && r.Count(&n_keys, 2)) {
    s.keys.resize(n_keys);
    s.identity_of.resize(n_keys);
    for (uint64_t i = 0; i < n_keys; ++i) {
      uint64_t id = 0;
      if (!r.String(&s.keys[i]) || !r.Varint(&id)) break;
      if (id >= n_ids) r.Fail("a record names an identity that does not exist");
      if (i > 0 && !(s.keys[i - 1] < s.keys[i])) r.Fail("record keys are not sorted and unique");
      if (r.error()) break;
      s.identity_of[i] = static_cast<uint32_t>(id);
    }
  }
  if (!r.error() && r.pos() != body.size() - sizeof kMagic - 8) r.Fail("bytes follow the last table");
  if (r.error()) return corrupt(r.error());
  return s;
}

}  // namespace reclink
