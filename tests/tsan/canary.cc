// A deliberate data race between two invocations of one ParallelFor body. Built only in the
// ThreadSanitizer build (-DRECLINK_TSAN=ON), where ctest expects TSan to report it: it proves that
// the annotations in reclink/parallel.h and the suppressions in tests/tsan/suppressions.txt still
// let TSan see races between the bodies of a parallel loop, i.e. that the TSan pass can fail.
#include <cstdio>

#include <tbb/global_control.h>

#include "reclink/parallel.h"

int main() {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 4);
  long unsynchronized = 0;  // written by every invocation without a lock: a race
  reclink::ParallelFor(0, 1 << 16, [&](int i) {
    unsynchronized += i;
  });
  std::printf("%ld\n", unsynchronized);
  return 0;
}
