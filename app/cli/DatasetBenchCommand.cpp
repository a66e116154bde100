#include "Commands.h"

#include "common/Error.h"

namespace clipwb::cli {

int runDatasetBench(const Args&)
{
    throw Error("this command is not available in this build yet");
}

} // namespace clipwb::cli
