// The identity state's bytes (integers little-endian).
//
// Version 2, written since the twenty-fifth session: fixed-width tables first, so that a reader
// views them in place instead of decoding a million entries one after the other:
//   "RCLKIDS\n"  u32 version (2)  u32 end width (4, or 8 when the ids' or keys' bytes pass 4 GiB)
//   u64 salt  u64 next_serial  u64 runs
//   u64 #ids  u64 #keys  u64 ids' bytes  u64 keys' bytes
//   end of each id in the ids' bytes (4 or 8 bytes)    (ids sorted, unique)
//   end of each key in the keys' bytes (4 or 8 bytes)  (keys sorted, unique)
//   u32 identity index of each key
//   the ids' bytes, then the keys' bytes
//   u64 XXH3-64 of every byte before it
// Version 1, still read (lengths as LEB128 varints):
//   "RCLKIDS\n"  u32 version (1)  u32 0
//   u64 salt  u64 next_serial  u64 runs
//   varint #ids,  then per id: varint length, bytes          (sorted, unique)
//   varint #keys, then per key: varint length, bytes, varint identity index   (sorted, unique)
//   u64 XXH3-64 of every byte before it
#include <xxhash.h>

#include <algorithm>
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
  uint64_t id_bytes = 0, key_bytes = 0;
  for (const std::string_view id : s.ids) id_bytes += id.size();
  for (const std::string_view key : s.keys) key_bytes += key.size();
  const uint32_t end_width = key_bytes > UINT32_MAX || id_bytes > UINT32_MAX ? 8 : 4;
  out.append(kMagic, sizeof kMagic);
  PutU32(out, kIdentityStateVersion);
  PutU32(out, end_width);
  PutU64(out, s.salt);
  PutU64(out, s.next_serial);
  PutU64(out, s.runs);
  PutU64(out, s.ids.size());
  PutU64(out, s.keys.size());
  PutU64(out, id_bytes);
  PutU64(out, key_bytes);
  // The end offsets, a few thousand at a time into a table whose bytes are appended whole (the
  // file is little-endian, as this machine is: string_table.h), not byte by byte.
  auto put_ends = [&](const StringTable& t, uint32_t width) {
    constexpr size_t kBatch = 4096;
    uint64_t wide[kBatch];
    uint32_t narrow[kBatch];
    uint64_t end = 0;
    for (size_t from = 0; from < t.size(); from += kBatch) {
      const size_t count = std::min(kBatch, t.size() - from);
      for (size_t i = 0; i < count; ++i) {
        end += t[from + i].size();
        wide[i] = end;
        narrow[i] = static_cast<uint32_t>(end);
      }
      if (out.size() + count * width > kPiece) {  // pieces stay within about 1 MiB
        sink(out);
        out.clear();
      }
      if (width == 8) {
        out.append(reinterpret_cast<const char*>(wide), count * 8);
      } else {
        out.append(reinterpret_cast<const char*>(narrow), count * 4);
      }
    }
  };
  put_ends(s.ids, end_width);
  put_ends(s.keys, end_width);
  // The identity indices: whole from a table that is itself little-endian bytes.
  std::string_view indices = s.identity_of.bytes();
  while (!indices.empty()) {
    const size_t take = std::min(indices.size(), kPiece - std::min(out.size(), kPiece - 1));
    out.append(indices.substr(0, take));
    indices.remove_prefix(take);
    flush_if_full();
  }
  for (const std::string_view id : s.ids) {
    out.append(id);
    flush_if_full();
  }
  for (const std::string_view key : s.keys) {
    out.append(key);
    flush_if_full();
  }
  if (!out.empty()) sink(out);
}

std::string SerializeIdentityState(const IdentityState& s) {
  size_t size = 128 + 4 * s.ids.size() + 12 * s.keys.size();
  for (const std::string_view id : s.ids) size += id.size();
  for (const std::string_view key : s.keys) size += key.size();
  std::string out;
  out.reserve(size);
  EmitIdentityStateBody(s, [&](std::string_view piece) { out.append(piece); });
  PutU64(out, XXH3_64bits(out.data(), out.size()));
  return out;
}

namespace {

// Version 1: entries decoded one after the other into lists.
const char* ParseVersion1(ByteReader& r, IdentityState* s) {
  uint64_t n_ids = 0, n_keys = 0;
  std::vector<std::string_view> ids, keys;
  std::vector<uint32_t> identity_of;
  if (r.U64(&s->salt) && r.U64(&s->next_serial) && r.U64(&s->runs) && r.Count(&n_ids, 1)) {
    ids.reserve(n_ids);
    for (uint64_t i = 0, length = 0; i < n_ids; ++i) {
      std::string_view id;
      if (!r.Varint(&length) || !r.View(length, &id)) break;
      if (i > 0 && !(ids.back() < id)) r.Fail("identity ids are not sorted and unique");
      ids.push_back(id);
    }
  }
  if (!r.error() && r.Count(&n_keys, 2)) {
    keys.reserve(n_keys);
    identity_of.reserve(n_keys);
    for (uint64_t i = 0; i < n_keys; ++i) {
      uint64_t id = 0;
      uint64_t length = 0;
      std::string_view key;
      if (!r.Varint(&length) || !r.View(length, &key) || !r.Varint(&id)) break;
      if (id >= n_ids) r.Fail("a record names an identity that does not exist");
      if (i > 0 && !(keys.back() < key)) r.Fail("record keys are not sorted and unique");
      if (r.error()) break;
      keys.push_back(key);
      identity_of.push_back(static_cast<uint32_t>(id));
    }
  }
  if (!r.error() && !r.at_end()) r.Fail("bytes follow the last table");
  s->ids = std::move(ids);
  s->keys = std::move(keys);
  s->identity_of = std::move(identity_of);
  return r.error();
}

// The first i in [0, n) for which bad(i) holds, or n. On one thread: the state's records.bin is
// being checked on the other core meanwhile, and measured, these checks split over both threads
// made the state read slower (a median of 30 ms against 24 at a million keys).
template <class Bad>
uint64_t FirstBad(uint64_t n, const Bad& bad) {
  for (uint64_t i = 0; i < n; ++i)
    if (bad(i)) return i;
  return n;
}

// Version 2: the tables viewed in place, after checking every offset, index and order.
const char* ParseVersion2(std::string_view body, uint32_t end_width, IdentityState* s) {
  if (end_width != 4 && end_width != 8) return "its offsets have an unknown width";
  const int w = static_cast<int>(end_width);
  ByteReader r(body.substr(sizeof kMagic + 8));
  uint64_t n_ids = 0, n_keys = 0, id_bytes = 0, key_bytes = 0;
  if (!(r.U64(&s->salt) && r.U64(&s->next_serial) && r.U64(&s->runs) && r.U64(&n_ids) &&
        r.U64(&n_keys) && r.U64(&id_bytes) && r.U64(&key_bytes))) {
    return "truncated";
  }
  // Each table must fit in what is left, checked one at a time so that no product overflows.
  uint64_t left = body.size() - (sizeof kMagic + 8) - r.pos();
  auto take = [&](uint64_t count, uint64_t width, uint64_t* at) {
    if (count > left / width) return false;
    *at = body.size() - left;
    left -= count * width;
    return true;
  };
  uint64_t id_ends = 0, key_ends = 0, indices = 0, ids_at = 0, keys_at = 0;
  if (!take(n_ids, end_width, &id_ends) || !take(n_keys, end_width, &key_ends) ||
      !take(n_keys, 4, &indices) || !take(id_bytes, 1, &ids_at) || !take(key_bytes, 1, &keys_at)) {
    return "a table is longer than the file";
  }
  if (left != 0) return "bytes follow the last table";
  if (n_ids > UINT32_MAX || n_keys > UINT32_MAX) return "a table is longer than this reclink reads";
  const char* d = body.data();
  s->ids = StringTable::OfEnds(d + ids_at, d + id_ends, w, n_ids);
  s->keys = StringTable::OfEnds(d + keys_at, d + key_ends, w, n_keys);
  s->identity_of = U32Table::View(d + indices, n_keys);
  // The ends ascend within their bytes (before any entry is looked at), then the entries are in
  // order, then every index names an identity: the first bad entry in file order is reported.
  auto end_of = [&](uint64_t at, int width, uint64_t i) -> uint64_t {
    if (width == 8) {
      uint64_t v;
      std::memcpy(&v, d + at + 8 * i, 8);
      return v;
    }
    uint32_t v;
    std::memcpy(&v, d + at + 4 * i, 4);
    return v;
  };
  // Any end past the bytes or below the one before it, in a loop without an exit (it vectorizes).
  auto ends_bad = [&](uint64_t at, int width, uint64_t n, uint64_t bytes) {
    if (n == 0) return bytes != 0;
    if (end_of(at, width, n - 1) != bytes) return true;
    uint64_t any = 0, prev = 0;
    if (width == 8) {
      for (uint64_t i = 0; i < n; ++i) {
        const uint64_t e = end_of(at, 8, i);
        any |= static_cast<uint64_t>(e < prev) | static_cast<uint64_t>(e > bytes);
        prev = e;
      }
    } else {
      for (uint64_t i = 0; i < n; ++i) {
        const uint64_t e = end_of(at, 4, i);
        any |= static_cast<uint64_t>(e < prev) | static_cast<uint64_t>(e > bytes);
        prev = e;
      }
    }
    return any != 0;
  };
  if (ends_bad(id_ends, w, n_ids, id_bytes) || ends_bad(key_ends, w, n_keys, key_bytes)) {
    return "an entry's offsets do not fit its table";
  }
  if (FirstBad(n_ids, [&](uint64_t i) { return i > 0 && !(s->ids[i - 1] < s->ids[i]); }) < n_ids) {
    return "identity ids are not sorted and unique";
  }
  const uint64_t bad_key = FirstBad(n_keys, [&](uint64_t i) {
    return s->identity_of[i] >= n_ids || (i > 0 && !(s->keys[i - 1] < s->keys[i]));
  });
  if (bad_key < n_keys) {
    return s->identity_of[bad_key] >= n_ids ? "a record names an identity that does not exist"
                                            : "record keys are not sorted and unique";
  }
  return nullptr;
}

}  // namespace

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
  if (version != 1 && version != kIdentityStateVersion) {
    return corrupt("it has format version " + std::to_string(version) +
                   "; this reclink reads versions 1 and " + std::to_string(kIdentityStateVersion));
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  ByteReader tail(bytes.substr(bytes.size() - 8));
  uint64_t checksum = 0;
  (void)tail.U64(&checksum);
  if (trailer == TrailerCheck::kVerify && checksum != XXH3_64bits(body.data(), body.size())) {
    return corrupt("its checksum does not match its contents");
  }

  IdentityState s;
  const char* error = nullptr;
  if (version == 1) {
    ByteReader r(body.substr(sizeof kMagic + 8));
    error = ParseVersion1(r, &s);
  } else {
    error = ParseVersion2(body, reserved, &s);
  }
  if (error) return corrupt(error);
  s.key_backing = backing;
  s.id_backing = std::move(backing);
  return s;
}

}  // namespace reclink
