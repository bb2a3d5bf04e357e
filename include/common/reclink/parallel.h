// The one way every stage runs work in parallel: thin wrappers over oneTBB's algorithms.
//
// They add nothing in a normal build (each is the tbb:: call it names). Under ThreadSanitizer
// they also tell TSan about the two happens-before edges that oneTBB creates inside its
// (uninstrumented) shared library and that TSan therefore cannot see:
//   - what the calling thread did before the loop happens before every body invocation, and
//   - every body invocation happens before what the calling thread does after the loop
// (see parallel_detail::Bracketed for how).
// Nothing else is declared, so a race between two body invocations is still reported. With the
// suppressions in tests/tsan/suppressions.txt (races whose top frame is inside oneTBB itself) this
// lets TSan check the parallel stages (docs/reliability.md). Use these instead of tbb:: directly.
#pragma once

#include <algorithm>
#include <concepts>
#include <functional>
#include <utility>

#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>
#include <tbb/parallel_reduce.h>
#include <tbb/parallel_sort.h>
#include <tbb/task_group.h>

#if defined(__SANITIZE_THREAD__)
#define RECLINK_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RECLINK_UNDER_TSAN 1
#endif
#endif

#ifdef RECLINK_UNDER_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace reclink {
namespace parallel_detail {

#ifdef RECLINK_UNDER_TSAN
inline void Acquire(const void* p) { __tsan_acquire(const_cast<void*>(p)); }
inline void Release(const void* p) { __tsan_release(const_cast<void*>(p)); }
#endif

// The join of one parallel call: every invocation releases `done` when it ends and the caller
// acquires it after the call. Empty (and free) outside TSan builds.
struct Edges {
#ifdef RECLINK_UNDER_TSAN
  char done = 0;
  void End() { Release(&done); }
  void Join() { Acquire(&done); }
#else
  void End() {}
  void Join() {}
#endif
};

// f bracketed for TSan. The object's own address is its synchronization object: whoever builds
// it (the caller, or oneTBB copying it into a task on some thread) releases that address after
// writing it, and whoever calls it or copies it acquires the address before reading it. Reading
// `this` needs no memory access, so the chain caller -> copies -> invocation carries the caller's
// writes before the loop to every invocation without TSan seeing a read of unsynchronized memory.
template <class F>
class Bracketed {
 public:
  Bracketed(Edges& edges, const F& f) : edges_(&edges), f_(&f) { Publish(); }
  Bracketed(const Bracketed& other) {
    Enter(this);  // oneTBB recycles task memory: whoever used this address last came first
    Enter(&other);
    edges_ = other.edges_;
    f_ = other.f_;
    Publish();
  }
  Bracketed& operator=(const Bracketed&) = delete;
  ~Bracketed() { Publish(); }

  template <class... A>
  decltype(auto) operator()(A&&... a) const {
    Enter(this);
    struct EndOnExit {
      Edges* e;
      ~EndOnExit() { e->End(); }
    } end{edges_};
    return (*f_)(std::forward<A>(a)...);
  }

 private:
  static void Enter([[maybe_unused]] const Bracketed* b) {
#ifdef RECLINK_UNDER_TSAN
    Acquire(b);
#endif
  }
  void Publish() const {
#ifdef RECLINK_UNDER_TSAN
    Release(this);
#endif
  }

  Edges* edges_;
  const F* f_;
};

template <class F>
Bracketed<F> Bracket(Edges& edges, const F& f) {
  return Bracketed<F>(edges, f);
}


#ifdef RECLINK_UNDER_TSAN
// The imperative-form reduction body used under TSan, with the same acquire-on-entry,
// release-on-exit protocol as Bracketed on its own address (the value lives in the body, which
// oneTBB constructs, splits and joins on any thread).
template <class Range, class Value, class Func, class Reduction>
class ReduceBody {
 public:
  ReduceBody(const Value& identity, const Func& func, const Reduction& reduction)
      : identity_(&identity), func_(&func), reduction_(&reduction), value_(identity) {
    Release(this);
  }
  ReduceBody(ReduceBody& other, tbb::split)
      : identity_((Acquire(this), Acquire(&other), other.identity_)),
        func_(other.func_),
        reduction_(other.reduction_),
        value_(*identity_) {
    Release(this);
  }
  ReduceBody& operator=(const ReduceBody&) = delete;
  ~ReduceBody() { Release(this); }
  void operator()(const Range& range) {
    Acquire(this);
    value_ = (*func_)(range, static_cast<const Value&>(value_));
    Release(this);
  }
  void join(ReduceBody& rhs) {
    Acquire(this);
    Acquire(&rhs);
    value_ = (*reduction_)(static_cast<const Value&>(value_), static_cast<const Value&>(rhs.value_));
    Release(this);
  }
  Value Take() {
    Acquire(this);
    return std::move(value_);
  }

 private:
  const Value* identity_;
  const Func* func_;
  const Reduction* reduction_;
  Value value_;
};
#endif

}  // namespace parallel_detail

// tbb::parallel_for(range, body[, partitioner]).
template <class Range, class Body, class... Partitioner>
  requires(!std::integral<Range>)
void ParallelFor(const Range& range, const Body& body, Partitioner&&... partitioner) {
#ifdef RECLINK_UNDER_TSAN
  parallel_detail::Edges edges;
  tbb::parallel_for(range, parallel_detail::Bracket(edges, body),
                    std::forward<Partitioner>(partitioner)...);
  edges.Join();
#else
  tbb::parallel_for(range, body, std::forward<Partitioner>(partitioner)...);
#endif
}

// tbb::parallel_for(first, last, f): f(i) for every i in [first, last).
template <std::integral Index, class F>
void ParallelFor(Index first, Index last, const F& f) {
#ifdef RECLINK_UNDER_TSAN
  parallel_detail::Edges edges;
  tbb::parallel_for(first, last, parallel_detail::Bracket(edges, f));
  edges.Join();
#else
  tbb::parallel_for(first, last, f);
#endif
}

// tbb::parallel_reduce(range, identity, func, reduction).
template <class Range, class Value, class Func, class Reduction>
Value ParallelReduce(const Range& range, const Value& identity, const Func& func,
                     const Reduction& reduction) {
#ifdef RECLINK_UNDER_TSAN
  parallel_detail::ReduceBody<Range, Value, Func, Reduction> body(identity, func, reduction);
  tbb::parallel_reduce(range, body);
  return body.Take();
#else
  return tbb::parallel_reduce(range, identity, func, reduction);
#endif
}

// tbb::parallel_deterministic_reduce(range, identity, func, reduction): the same split and join
// order at any thread count, so floating-point sums are reproducible.
template <class Range, class Value, class Func, class Reduction>
Value ParallelDeterministicReduce(const Range& range, const Value& identity, const Func& func,
                                  const Reduction& reduction) {
#ifdef RECLINK_UNDER_TSAN
  parallel_detail::ReduceBody<Range, Value, Func, Reduction> body(identity, func, reduction);
  tbb::parallel_deterministic_reduce(range, body);
  return body.Take();
#else
  return tbb::parallel_deterministic_reduce(range, identity, func, reduction);
#endif
}

// tbb::parallel_invoke(f...): runs every f, possibly at once.
template <class... F>
void ParallelInvoke(const F&... f) {
#ifdef RECLINK_UNDER_TSAN
  parallel_detail::Edges edges;
  tbb::parallel_invoke(parallel_detail::Bracket(edges, f)...);
  edges.Join();
#else
  tbb::parallel_invoke(f...);
#endif
}

// One function run beside the caller's own work (tbb::task_group::run), for a piece that needs
// none of it and would leave a core idle on its own. Wait() returns when the function has ended
// and rethrows what it threw; the destructor waits too (an exception already unwinding is the
// one reported). Under TSan, as with the loops above: what the caller did before the constructor
// happens before the function, and the function before Wait's return. The caller's thread keeps
// its own work (MPI's collective calls stay on it).
class Beside {
 public:
  explicit Beside(std::function<void()> f) : f_(std::move(f)) { group_.run(parallel_detail::Bracket(edges_, f_)); }
  Beside(const Beside&) = delete;
  Beside& operator=(const Beside&) = delete;
  ~Beside() {
    try {
      Wait();
    } catch (...) {
    }
  }
  void Wait() {
    if (waited_) return;
    waited_ = true;
    group_.wait();
    edges_.Join();
  }

 private:
  parallel_detail::Edges edges_;
  std::function<void()> f_;
  tbb::task_group group_;
  bool waited_ = false;
};

// tbb::parallel_sort(first, last, less). `less` must be a strict total order on the values that
// occur (every caller needs that anyway: the output must not depend on the thread count). Under
// TSan it is std::sort, which with a total order gives the same result: the element moves inside
// oneTBB's partition tasks are not the code under test.
template <class It, class Less>
void ParallelSort(It first, It last, const Less& less) {
#ifdef RECLINK_UNDER_TSAN
  std::sort(first, last, less);
#else
  tbb::parallel_sort(first, last, less);
#endif
}

}  // namespace reclink
