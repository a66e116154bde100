// libFuzzer entry of one target; CLIPWB_FUZZ_TARGET names it (tests/fuzz/CMakeLists.txt).
#include "FuzzEntries.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const clipwb::fuzz::Target* target = [] {
        const clipwb::fuzz::Target* t = clipwb::fuzz::findTarget(CLIPWB_FUZZ_TARGET);
        if (!t) {
            std::fprintf(stderr, "no fuzz target %s\n", CLIPWB_FUZZ_TARGET);
            std::abort();
        }
        return t;
    }();
    target->run(data, size);
    return 0;
}
