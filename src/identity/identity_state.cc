// The identity state's bytes. Layout (integers little-endian, lengths as LEB128 varints):
//   "RCLKIDS\n"  u32 version  u32 0
//   u64 salt  u64 next_serial  u64 runs
//   varint #ids,  then per id: varint length, bytes          (sorted, unique)
//   varint #keys, then per key: varint length, bytes, varint identity index   (sorted, unique)
//   u64 XXH3-64 of every byte before it
#include <xxhash.h>

#include <cstring>
#include <functional>
#include <memory>

#include "reclink/binary_io.h"
#include "reclink/identity.h"

namespace reclink {
namespace {

constexpr char kMagic[8] = {'R', 'C', 'L', 'K', 'I', 'D', 'S', '\n'};

}  // namespace

void EmitIdentityStateBody(const IdentityState& s, const std::function<void(std::string_view)>& sink) {
  // Pieces of about 1 MiB: a state of millions of keys is never held whole.
  constexpr size_t kPiece = size_t{1} << 20;
  std::string out;
  out.reserve(kPiece + 64);
  auto flush_if_full = [&] {
    if (out.size() >= kPiece) {
      sink(out);
      out.clear();
    }
  };
  out.append(kMagic, sizeof kMagic);
  PutU32(out, kIdentityStateVersion);
  PutU32(out, 0);
  PutU64(out, s.salt);
  PutU64(out, s.next_serial);
  PutU64(out, s.runs);
  PutVarint(out, s.ids.size());
  for (const std::string_view id : s.ids) {
    PutString(out, id);
    flush_if_full();
  }
  PutVarint(out, s.keys.size());
  for (size_t i = 0; i < s.keys.size(); ++i) {
    PutString(out, s.keys[i]);
    PutVarint(out, s.identity_of[i]);
    flush_if_full();
  }
  if (!out.empty()) sink(out);
}

std::string SerializeIdentityState(const IdentityState& s) {
  size_t size = 64;
  for (const std::string_view id : s.ids) size += id.size() + 2;
  for (const std::string_view key : s.keys) size += key.size() + 7;
  std::string out;
  out.reserve(size);
  EmitIdentityStateBody(s, [&](std::string_view piece) { out.append(piece); });
  PutU64(out, XXH3_64bits(out.data(), out.size()));
  return out;
}

Result<IdentityState> ParseIdentityState(std::string_view bytes, const std::string& name,
                                         std::shared_ptr<const void> backing, TrailerCheck trailer) {
  if (!backing) {
    auto copy = std::make_shared<const std::string>(bytes);
    bytes = *copy;
    backing = std::move(copy);
  }
  auto corrupt = [&](const std::string& why) {
    return Status::InvalidInput(name + ": error: the identity state cannot be read: " + why,
                                "the state directory was damaged or written by something else; restore it from "
                                "a backup, or start over with an empty --state directory (identity ids then "
                                "start afresh)");
  };
  if (bytes.size() < sizeof kMagic + 8 + 24 + 2 + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return corrupt("it is not a reclink identity state");
  }
  ByteReader header(bytes.substr(sizeof kMagic));
  uint32_t version = 0, reserved = 0;
  (void)header.U32(&version);
  (void)header.U32(&reserved);
  if (version != kIdentityStateVersion) {
    return corrupt("it has format version " + std::to_string(version) + "; this reclink reads version " +
                   std::to_string(kIdentityStateVersion));
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  ByteReader tail(bytes.substr(bytes.size() - 8));
  uint64_t checksum = 0;
  (void)tail.U64(&checksum);
  if (trailer == TrailerCheck::kVerify && checksum != XXH3_64bits(body.data(), body.size())) {
    return corrupt("its checksum does not match its contents");
  }

  IdentityState s;
  ByteReader r(body.substr(sizeof kMagic + 8));
  uint64_t n_ids = 0, n_keys = 0;
  if (r.U64(&s.salt) && r.U64(&s.next_serial) && r.U64(&s.runs) && r.Count(&n_ids, 1)) {
    // The tables are reserved and appended to, not sized (zero-filled) and then overwritten: a
    // million keys' views are 16 MB.
    s.ids.reserve(n_ids);
    for (uint64_t i = 0, length = 0; i < n_ids; ++i) {
      std::string_view id;
      if (!r.Varint(&length) || !r.View(length, &id)) break;
      if (i > 0 && !(s.ids.back() < id)) r.Fail("identity ids are not sorted and unique");
      s.ids.push_back(id);
    }
  }
  if (!r.error() && r.Count(&n_keys, 2)) {
    s.keys.reserve(n_keys);
    s.identity_of.reserve(n_keys);
    for (uint64_t i = 0; i < n_keys; ++i) {
      uint64_t id = 0;
      uint64_t length = 0;
      std::string_view key;
      if (!r.Varint(&length) || !r.View(length, &key) || !r.Varint(&id)) break;
      if (id >= n_ids) r.Fail("a record names an identity that does not exist");
      if (i > 0 && !(s.keys.back() < key)) r.Fail("record keys are not sorted and unique");
      if (r.error()) break;
      s.keys.push_back(key);
      s.identity_of.push_back(static_cast<uint32_t>(id));
    }
  }
  if (!r.error() && !r.at_end()) r.Fail("bytes follow the last table");
  if (r.error()) return corrupt(r.error());
  s.key_backing = backing;
  s.id_backing = std::move(backing);
  return s;
}

}  // namespace reclink
