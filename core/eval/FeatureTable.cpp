#include "eval/FeatureTable.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "eval/PythonJson.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>

namespace clipwb::eval {
namespace {

std::string readWholeFile(const std::filesystem::path& path)
{
    std::FILE* file = std::fopen(path.c_str(), "rb");
    CLIPWB_CHECK(file, "cannot read ", path.string(), ": ", std::strerror(errno));
    std::string bytes;
    char chunk[1 << 16];
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec)
        bytes.reserve(size);
    std::size_t n = 0;
    while ((n = std::fread(chunk, 1, sizeof chunk, file)) > 0)
        bytes.append(chunk, n);
    const bool failed = std::ferror(file);
    std::fclose(file);
    CLIPWB_CHECK(!failed, "cannot read ", path.string());
    return bytes;
}

struct ParsedRows {
    std::vector<std::int64_t> ids;
    std::vector<float> values;
    std::int64_t dim = -1;
    std::int64_t errorLine = -1; // 1-based line of the first error
    std::string error;
};

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/// A strict-enough fast reader of the one shape upstream writes; any line it
/// does not recognise goes through nlohmann::json (slower, general, exact errors).
class LineParser {
public:
    LineParser(const char* begin, const char* end) : m_p(begin), m_end(end) {}

    bool parse(const std::string& idKey, std::int64_t& id, std::vector<float>& out)
    {
        bool haveId = false, haveFeature = false;
        skip();
        if (!consume('{'))
            return false;
        skip();
        if (consume('}'))
            return false;
        while (true) {
            std::string_view key;
            if (!readKey(key))
                return false;
            skip();
            if (!consume(':'))
                return false;
            skip();
            if (key == idKey && !haveId) {
                const auto result = std::from_chars(m_p, m_end, id);
                if (result.ec != std::errc() || result.ptr == m_p)
                    return false;
                m_p = result.ptr;
                if (m_p < m_end && (*m_p == '.' || *m_p == 'e' || *m_p == 'E'))
                    return false;
                haveId = true;
            } else if (key == "feature" && !haveFeature) {
                if (!readArray(out))
                    return false;
                haveFeature = true;
            } else {
                return false;
            }
            skip();
            if (consume(','))
                continue;
            if (!consume('}'))
                return false;
            break;
        }
        skip();
        return m_p == m_end && haveId && haveFeature;
    }

private:
    void skip()
    {
        while (m_p < m_end && isSpace(*m_p))
            ++m_p;
    }
    bool consume(char c)
    {
        if (m_p < m_end && *m_p == c) {
            ++m_p;
            return true;
        }
        return false;
    }
    bool readKey(std::string_view& key)
    {
        if (!consume('"'))
            return false;
        const char* start = m_p;
        while (m_p < m_end && *m_p != '"') {
            if (*m_p == '\\')
                return false;
            ++m_p;
        }
        if (m_p == m_end)
            return false;
        key = std::string_view(start, static_cast<std::size_t>(m_p - start));
        ++m_p;
        return true;
    }
    bool readArray(std::vector<float>& out)
    {
        if (!consume('['))
            return false;
        skip();
        if (consume(']'))
            return true;
        while (true) {
            if (m_p < m_end && (*m_p == '+' || *m_p == 'n' || *m_p == 'N' || *m_p == 'i' || *m_p == 'I'))
                return false; // not JSON numbers: let the general parser explain
            double value = 0;
            const auto result = std::from_chars(m_p, m_end, value);
            if (result.ec != std::errc() || result.ptr == m_p)
                return false;
            m_p = result.ptr;
            out.push_back(static_cast<float>(value));
            skip();
            if (consume(',')) {
                skip();
                continue;
            }
            return consume(']');
        }
    }

    const char* m_p;
    const char* m_end;
};

/// The general path: parses with nlohmann::json and explains what is wrong.
/// Returns an empty string on success.
std::string parseSlow(std::string_view line, const std::string& idKey, std::int64_t& id,
                      std::vector<float>& out)
{
    nlohmann::json object;
    try {
        object = nlohmann::json::parse(line.begin(), line.end());
    } catch (const nlohmann::json::exception& e) {
        return std::string("not a JSON object (") + e.what() + ")";
    }
    if (!object.is_object())
        return "not a JSON object";
    const auto idIt = object.find(idKey);
    if (idIt == object.end())
        return "missing key \"" + idKey + "\"";
    if (!idIt->is_number_integer())
        return "\"" + idKey + "\" is not an integer";
    id = idIt->get<std::int64_t>();
    const auto featureIt = object.find("feature");
    if (featureIt == object.end())
        return "missing key \"feature\"";
    if (!featureIt->is_array())
        return "\"feature\" is not a list of numbers";
    for (const auto& value : *featureIt) {
        if (!value.is_number())
            return "\"feature\" is not a list of numbers";
        out.push_back(static_cast<float>(value.get<double>()));
    }
    return {};
}

void parseRange(const char* begin, const char* end, std::int64_t firstLine, const std::string& idKey,
                ParsedRows& rows)
{
    std::vector<float> feature;
    std::int64_t lineNumber = firstLine;
    for (const char* p = begin; p < end; ++lineNumber) {
        const char* lineEnd = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        if (!lineEnd)
            lineEnd = end;
        const char* next = lineEnd < end ? lineEnd + 1 : end;
        const char* first = p;
        while (first < lineEnd && isSpace(*first))
            ++first;
        if (first == lineEnd) { // blank line
            p = next;
            continue;
        }
        feature.clear();
        std::int64_t id = 0;
        std::string error;
        if (!LineParser(p, lineEnd).parse(idKey, id, feature)) {
            feature.clear();
            error = parseSlow(std::string_view(p, static_cast<std::size_t>(lineEnd - p)), idKey, id, feature);
        }
        if (error.empty() && feature.empty())
            error = "\"feature\" is empty";
        if (error.empty() && rows.dim >= 0 && static_cast<std::int64_t>(feature.size()) != rows.dim)
            error = "feature has " + std::to_string(feature.size()) + " values, the lines before have " +
                    std::to_string(rows.dim);
        if (error.empty())
            for (float value : feature)
                if (!std::isfinite(value)) {
                    error = "feature holds a non-finite value";
                    break;
                }
        if (!error.empty()) {
            rows.errorLine = lineNumber;
            rows.error = std::move(error);
            return;
        }
        rows.dim = static_cast<std::int64_t>(feature.size());
        rows.ids.push_back(id);
        rows.values.insert(rows.values.end(), feature.begin(), feature.end());
        p = next;
    }
}

} // namespace

FeatureTable FeatureTable::readJsonl(const std::filesystem::path& path, const std::string& idKey)
{
    const std::string bytes = readWholeFile(path);
    const char* begin = bytes.data();
    const char* end = begin + bytes.size();

    // Split at line boundaries into one chunk per thread; each remembers its first line number.
    const unsigned threads = bytes.size() < (1u << 20) ? 1u : std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    std::vector<const char*> starts{begin};
    for (unsigned t = 1; t < threads; ++t) {
        const char* guess = begin + bytes.size() * t / threads;
        if (guess <= starts.back())
            continue;
        const char* newline = static_cast<const char*>(std::memchr(guess, '\n', static_cast<std::size_t>(end - guess)));
        if (!newline)
            break;
        starts.push_back(newline + 1);
    }
    starts.push_back(end);
    std::vector<std::int64_t> firstLines{1};
    for (std::size_t c = 1; c + 1 < starts.size(); ++c)
        firstLines.push_back(firstLines.back() + std::count(starts[c - 1], starts[c], '\n'));

    std::vector<ParsedRows> chunks(starts.size() - 1);
    std::vector<std::thread> workers;
    for (std::size_t c = 1; c < chunks.size(); ++c)
        workers.emplace_back(parseRange, starts[c], starts[c + 1], firstLines[c], std::cref(idKey), std::ref(chunks[c]));
    parseRange(starts[0], starts[1], firstLines[0], idKey, chunks[0]);
    for (auto& worker : workers)
        worker.join();

    FeatureTable table;
    table.idKey = idKey;
    table.dim = -1;
    std::size_t totalRows = 0;
    for (const auto& chunk : chunks)
        totalRows += chunk.ids.size();
    for (std::size_t c = 0; c < chunks.size(); ++c) {
        const ParsedRows& chunk = chunks[c];
        CLIPWB_CHECK(chunk.errorLine < 0, path.string(), ":", chunk.errorLine, ": ", chunk.error);
        if (chunk.ids.empty())
            continue;
        if (table.dim < 0) {
            table.dim = chunk.dim;
            table.ids.reserve(totalRows);
            table.values.reserve(totalRows * static_cast<std::size_t>(chunk.dim));
        }
        CLIPWB_CHECK(chunk.dim == table.dim, path.string(), ":", firstLines[c], ": feature has ", chunk.dim,
                     " values, the lines before have ", table.dim);
        table.ids.insert(table.ids.end(), chunk.ids.begin(), chunk.ids.end());
        table.values.insert(table.values.end(), chunk.values.begin(), chunk.values.end());
    }
    CLIPWB_CHECK(!table.ids.empty(), path.string(), ": no features (expected one {\"", idKey,
                 "\": N, \"feature\": [...]} object a line)");
    return table;
}

std::string FeatureTable::toJsonl() const
{
    std::string out;
    out.reserve(ids.size() * (static_cast<std::size_t>(dim) * 22 + 40));
    const std::string prefix = "{" + pythonJsonString(idKey) + ": ";
    for (std::int64_t r = 0; r < rows(); ++r) {
        out += prefix;
        out += std::to_string(ids[static_cast<std::size_t>(r)]);
        out += ", \"feature\": [";
        const float* values = row(r);
        for (std::int64_t d = 0; d < dim; ++d) {
            if (d)
                out += ", ";
            appendPythonFloat(out, static_cast<double>(values[d]));
        }
        out += "]}\n";
    }
    return out;
}

void FeatureTable::writeJsonl(const std::filesystem::path& path) const
{
    writeFileAtomic(path, toJsonl());
}

} // namespace clipwb::eval
