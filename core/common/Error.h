#pragma once
// The one exception type of the core. Its message names the file, key or
// record at fault; the boundary (a CLI command, a worker's run(), a dialog)
// turns it into one clear line.
#include <stdexcept>
#include <string>

namespace clipwb {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace clipwb

/// Throws clipwb::Error with the streamed message when cond is false.
#define CLIPWB_CHECK(cond, ...)                                                                    \
    do {                                                                                           \
        if (!(cond))                                                                               \
            throw ::clipwb::Error(::clipwb::detail::concat(__VA_ARGS__));                          \
    } while (0)

#include <sstream>
namespace clipwb::detail {
template <typename... Args> std::string concat(const Args&... args)
{
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}
} // namespace clipwb::detail
