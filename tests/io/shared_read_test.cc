// Tests of ReadInputsShared with ranks as threads of one process: for 1, 2, 3 and 7 ranks and tiny
// to default chunk sizes, every rank gets ReadInput's table, report and rejects, or its error, on
// CSV with quoted line breaks and bad records that flip the quote parity, JSON Lines with
// columns appearing part way, inputs read whole (JSON array, Latin-1, another quote), and
// missing or header-only files.
#include "reclink/shared_read.h"

#include <gtest/gtest.h>

#include <barrier>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "io_test_util.h"

namespace reclink {
namespace {

using testing::ExpectSameTable;

// Ranks as threads: AllGather behind a barrier (the other calls are built on it).
class ThreadGroup {
 public:
  explicit ThreadGroup(int size) : size_(size), barrier_(size), slots_(static_cast<size_t>(size)) {}
  class Rank final : public Collective {
   public:
    Rank(ThreadGroup* g, int rank) : g_(g), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return g_->size_; }
    std::vector<std::string> AllGather(std::string_view bytes) override {
      bytes_sent_ += bytes.size();
      g_->slots_[static_cast<size_t>(rank_)] = std::string(bytes);
      g_->barrier_.arrive_and_wait();
      std::vector<std::string> all = g_->slots_;
      g_->barrier_.arrive_and_wait();
      return all;
    }
    std::vector<std::string> Gather(std::string_view bytes) override {
      std::vector<std::string> all = AllGather(bytes);
      return rank_ == 0 ? all : std::vector<std::string>{};
    }
    void AllReduceSum(std::span<uint64_t>) override { ADD_FAILURE() << "not used"; }
    [[noreturn]] void Abort(int) override { std::abort(); }

   private:
    ThreadGroup* g_;
    int rank_;
  };

  // Runs f(rank) on every rank, each on a thread of its own.
  template <typename F>
  void Run(F f) {
    std::vector<std::thread> threads;
    for (int r = 0; r < size_; ++r) {
      threads.emplace_back([this, r, &f] {
        Rank me(this, r);
        f(me);
      });
    }
    for (std::thread& t : threads) t.join();
  }

 private:
  int size_;
  std::barrier<> barrier_;
  std::vector<std::string> slots_;
};

class SharedReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("reclink_shared_read_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // Every rank of 1, 2, 3 and 7, at each chunk size, gets what ReadInput gives for each input.
  void ExpectSameAsReadInput(const std::vector<InputRead>& inputs_in) {
    for (size_t chunk : {size_t{1}, size_t{7}, size_t{64}, size_t{4} << 20}) {
      std::vector<InputRead> inputs = inputs_in;
      for (InputRead& in : inputs) in.options.chunk_bytes = chunk;
      std::vector<InputReadResult> single;
      for (const InputRead& in : inputs) {
        InputReadResult r;
        Result<RecordTable> t = ReadInput(in.path, in.source_name, in.options, &r.report);
        if (t.ok()) {
          r.table = std::move(t.value());
        } else {
          r.status = t.status();
        }
        single.push_back(std::move(r));
      }
      for (int ranks : {1, 2, 3, 7}) {
        ThreadGroup group(ranks);
        std::vector<std::vector<InputReadResult>> got(static_cast<size_t>(ranks));
        group.Run([&](Collective& me) { got[static_cast<size_t>(me.rank())] = ReadInputsShared(inputs, me); });
        for (int r = 0; r < ranks; ++r) {
          for (size_t i = 0; i < inputs.size(); ++i) {
            SCOPED_TRACE(inputs[i].path + ": chunk " + std::to_string(chunk) + ", rank " + std::to_string(r) +
                         " of " + std::to_string(ranks));
            const InputReadResult& a = single[i];
            const InputReadResult& b = got[static_cast<size_t>(r)][i];
            ASSERT_EQ(a.status.ToString(), b.status.ToString());
            ASSERT_EQ(a.status.code(), b.status.code());
            if (!a.status.ok()) continue;
            ExpectSameTable(a.table, b.table);
            ASSERT_EQ(a.table.source_names(), b.table.source_names());
            ASSERT_EQ(a.report.records, b.report.records);
            ASSERT_EQ(a.report.bad, b.report.bad);
            ASSERT_EQ(a.report.rejects.size(), b.report.rejects.size());
            for (size_t k = 0; k < a.report.rejects.size(); ++k) {
              const BadRecord& x = a.report.rejects[k];
              const BadRecord& y = b.report.rejects[k];
              ASSERT_EQ(std::tie(x.file, x.line, x.column, x.reason, x.raw),
                        std::tie(y.file, y.line, y.column, y.reason, y.raw));
            }
          }
        }
      }
    }
  }

  std::filesystem::path dir_;
};

// A CSV of n records: values with delimiters, doubled quotes, line breaks (LF and CRLF) and
// non-ASCII text; every `bad`-th record (0: none) is a bad one of a rotating kind, some of which
// hold an odd number of quotes on their first line (flipping the parity after them).
std::string GeneratedCsv(int n, int bad, uint32_t seed) {
  std::mt19937 rng(seed);
  const std::vector<std::string> pieces = {"ann", "bob", "x,y", "say \"\"hi\"\"", "two\nlines", "crlf\r\nend",
                                           "caf\xC3\xA9", "", " ", "z"};
  std::string out = "\xEF\xBB\xBFid,name,note\n";
  for (int i = 1; i <= n; ++i) {
    if (bad > 0 && i % bad == 0) {
      switch ((i / bad) % 5) {
        case 0: out += std::to_string(i) + ",ab\"c,x\n"; break;  // quote inside an unquoted field
        case 1: out += std::to_string(i) + ",\"open,x\n"; break;  // an odd quote: runs over lines
        case 2: out += std::to_string(i) + ",only two\n"; break;  // too few fields
        case 3: out += std::to_string(i) + ",\xFF\xFE,x\n"; break;  // invalid UTF-8
        default: out += "\n\n"; break;                              // blank lines
      }
      continue;
    }
    auto field = [&] {
      std::string v = pieces[rng() % pieces.size()] + pieces[rng() % pieces.size()];
      const bool quote = v.find_first_of(",\"\n\r ") != std::string::npos || rng() % 4 == 0;
      return quote ? "\"" + v + "\"" : v;
    };
    out += std::to_string(i) + "," + field() + "," + field() + (rng() % 3 == 0 ? "\r\n" : "\n");
  }
  return out;
}

TEST(SharedReadGroupTest, AllGatherConcatJoinsInRankOrder) {
  ThreadGroup group(3);
  std::vector<std::string> got(3);
  std::vector<std::vector<uint64_t>> sizes(3);
  group.Run([&](Collective& me) {
    const size_t r = static_cast<size_t>(me.rank());
    got[r] = me.AllGatherConcat(std::string(r * 2, static_cast<char>('a' + r)), &sizes[r]);
  });
  for (size_t r = 0; r < 3; ++r) {
    EXPECT_EQ(got[r], "bbcccc");
    EXPECT_EQ(sizes[r], (std::vector<uint64_t>{0, 2, 4}));
  }
}

TEST_F(SharedReadTest, CsvWithQuotedLineBreaks) {
  ReadOptions o;
  ExpectSameAsReadInput({{Write("good.csv", GeneratedCsv(300, 0, 1)), "good", o}});
}

TEST_F(SharedReadTest, CsvBadRecordsSkippedQuarantinedOrFailing) {
  const std::string path = Write("bad.csv", GeneratedCsv(300, 23, 2));
  for (BadRecordPolicy policy : {BadRecordPolicy::kSkip, BadRecordPolicy::kQuarantine, BadRecordPolicy::kFail}) {
    ReadOptions o;
    o.on_bad_record = policy;
    ExpectSameAsReadInput({{path, "bad", o}});
  }
  // An unterminated quote near the end swallows the rest; a stray quote on the last line.
  ReadOptions skip;
  skip.on_bad_record = BadRecordPolicy::kSkip;
  ExpectSameAsReadInput({{Write("tail.csv", GeneratedCsv(120, 0, 3) + "999,\"never closed,x\n1000,a,b\n"), "t", skip},
                         {Write("last.csv", GeneratedCsv(50, 0, 4) + "77,a\"b,c"), "l", skip}});
}

TEST_F(SharedReadTest, JsonLinesWithColumnsAppearingLateAndBadLines) {
  std::string text;
  for (int i = 1; i <= 200; ++i) {
    text += "{\"id\": " + std::to_string(i) + ", \"name\": \"n" + std::to_string(i) + "\"";
    if (i > 150) text += ", \"late\": {\"x\": \"" + std::to_string(i) + "\"}";
    if (i % 41 == 0) text += ", \"broken\": ";  // a syntax error
    text += "}\n";
    if (i % 57 == 0) text += "\n";
  }
  const std::string path = Write("people.jsonl", text);
  for (BadRecordPolicy policy : {BadRecordPolicy::kSkip, BadRecordPolicy::kFail}) {
    ReadOptions o;
    o.on_bad_record = policy;
    ExpectSameAsReadInput({{path, "people", o}});
  }
}

TEST_F(SharedReadTest, SeveralInputsSplitAndWhole) {
  ReadOptions plain, latin1, single_quote;
  latin1.encoding = Encoding::kLatin1;
  single_quote.quote = '\'';
  ExpectSameAsReadInput({
      {Write("a.csv", GeneratedCsv(80, 0, 5)), "a", plain},
      {Write("b.json", "[{\"id\": 1, \"v\": \"x\"}, {\"id\": 2}]"), "b", plain},
      {Write("c.csv", "id,name\n1,caf\xE9\n2,b\n"), "c", latin1},
      {Write("d.csv", "id,name\n1,'a,b'\n2,c\n"), "d", single_quote},
      {Write("e.jsonl", "{\"id\": 1}\n{\"id\": 2, \"w\": 3}\n"), "e", plain},
      {Write("f.txt", "{\"id\": 9}\n"), "f", plain},  // sniffed as JSON Lines
  });
}

TEST_F(SharedReadTest, ErrorsAreTheSingleProcessOnes) {
  ReadOptions o;
  ExpectSameAsReadInput({{(dir_ / "missing.csv").string(), "m", o},
                         {Write("header.csv", "id,name\n"), "h", o},
                         {Write("empty.csv", ""), "e", o},
                         {Write("blank.jsonl", "\n\n"), "j", o},
                         {Write("tiny.csv", "id\n1\n"), "t", o}});
}

}  // namespace
}  // namespace reclink
