// libFuzzer entry of one target: CLIPWB_FUZZ_ENTRY names its function (tests/fuzz/CMakeLists.txt).
#include "FuzzEntries.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    (void)clipwb::fuzz::CLIPWB_FUZZ_ENTRY(data, size);
    return 0;
}
