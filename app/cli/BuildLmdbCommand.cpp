#include "Commands.h"

#include "common/Error.h"

namespace clipwb::cli {

int runBuildLmdb(const Args&)
{
    throw Error("this command is not available in this build yet");
}

} // namespace clipwb::cli
