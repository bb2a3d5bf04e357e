// Which memory allocator the reclink executable runs on (allocator.cc), for --version.
#pragma once

namespace reclink {

const char* AllocatorDescription();

}  // namespace reclink
