// KernelScratch: the pairwise kernels' working memory, allocated on first use.
#include "compare/kernel_scratch.h"

#include <memory>

namespace reclink {

KernelScratch::KernelScratch() = default;
KernelScratch::~KernelScratch() = default;
KernelScratch::KernelScratch(KernelScratch&&) noexcept = default;
KernelScratch& KernelScratch::operator=(KernelScratch&&) noexcept = default;

void KernelScratch::Allocate() { buffers_ = std::make_unique<Buffers>(); }

}  // namespace reclink
