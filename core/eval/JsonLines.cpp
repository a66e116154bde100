#include "eval/JsonLines.h"

#include "common/Error.h"

#include <fstream>

namespace clipwb::eval {

void forEachJsonLine(const std::filesystem::path& path, const std::string& unreadable,
                     const std::function<void(std::int64_t line, const nlohmann::json& object)>& visit)
{
    std::ifstream in(path, std::ios::binary);
    CLIPWB_CHECK(in.good(), unreadable);
    std::string line;
    std::int64_t lineNumber = 0;
    while (std::getline(in, line)) {
        ++lineNumber;
        if (line.find_first_not_of(" \t\r\n") == std::string::npos)
            continue;
        const auto object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        CLIPWB_CHECK(!object.is_discarded(), path.string(), ":", lineNumber,
                     ": cannot parse this line into a JSON object");
        CLIPWB_CHECK(object.is_object(), path.string(), ":", lineNumber, ": not a JSON object");
        visit(lineNumber, object);
    }
    CLIPWB_CHECK(!in.bad(), "cannot read ", path.string());
}

} // namespace clipwb::eval
