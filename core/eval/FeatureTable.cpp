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
#include <limits>
#include <thread>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace clipwb::eval {
namespace {

/// The file's bytes: mapped read-only when possible (no copy of hundreds of MB), else read.
class FileBytes {
public:
    explicit FileBytes(const std::filesystem::path& path)
    {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        CLIPWB_CHECK(fd >= 0, "cannot read ", path.string(), ": ", std::strerror(errno));
        struct stat info {};
        if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
            void* mapped = ::mmap(nullptr, static_cast<std::size_t>(info.st_size), PROT_READ,
                                  MAP_PRIVATE | MAP_POPULATE, fd, 0);
            if (mapped != MAP_FAILED) {
                m_mapped = static_cast<const char*>(mapped);
                m_size = static_cast<std::size_t>(info.st_size);
            }
        }
        ::close(fd);
        if (!m_mapped)
            m_copy = readWholeFile(path);
    }
    ~FileBytes()
    {
        if (m_mapped)
            ::munmap(const_cast<char*>(m_mapped), m_size);
    }
    FileBytes(const FileBytes&) = delete;
    FileBytes& operator=(const FileBytes&) = delete;

    std::string_view view() const
    {
        return m_mapped ? std::string_view(m_mapped, m_size) : std::string_view(m_copy);
    }

private:
    static std::string readWholeFile(const std::filesystem::path& path);

    const char* m_mapped = nullptr;
    std::size_t m_size = 0;
    std::string m_copy;
};

std::string FileBytes::readWholeFile(const std::filesystem::path& path)
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
    const char* errorAt = nullptr; // start of the first bad line (its number is counted only then)
    std::string error;
};

// ---- numbers: decimal text -> double (as Python's json) -> float32 (as numpy), exactly.

bool isDigit(char c)
{
    return static_cast<unsigned char>(c - '0') < 10;
}

/// Whether the 8 bytes at p are all ASCII digits (one 64-bit test instead of eight).
bool eightDigits(std::uint64_t chunk)
{
    return ((chunk & 0xF0F0F0F0F0F0F0F0ull) |
            (((chunk + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) == 0x3333333333333333ull;
}

/// The value of eight ASCII digits (little-endian load: the first digit in the lowest byte).
std::uint32_t eightDigitsValue(std::uint64_t chunk)
{
    chunk -= 0x3030303030303030ull;
    chunk = chunk * 10 + (chunk >> 8);                                   // pairs
    chunk = (((chunk & 0x000000FF000000FFull) * 0x000F424000000064ull) + // 100 and 1000000
             (((chunk >> 16) & 0x000000FF000000FFull) * 0x0000271000000001ull)) >>
            32; // 1 and 10000
    return static_cast<std::uint32_t>(chunk);
}

constexpr bool kExtendedLongDouble = std::numeric_limits<long double>::digits >= 64;

/// The fast path: up to 19 significant digits and a decimal exponent within +-27, converted
/// with one correctly rounded long double operation (the significand and 10^k are exact in a
/// 64-bit mantissa). The float is accepted only when it is far from every float rounding
/// boundary (relative 2^-50, well above both the long double error 2^-64 and the double
/// rounding 2^-53 that Python applies first), so it equals float(double(text)); anything
/// else returns nullptr and goes through std::from_chars.
const char* parseFloatFast(const char* p, const char* end, float& out)
{
    if constexpr (!kExtendedLongDouble)
        return nullptr;
    static const long double kPowersOfTen[] = {
        1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
        1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
    const bool negative = p < end && *p == '-';
    if (negative)
        ++p;
    std::uint64_t significand = 0;
    int digits = 0; // significant digits in significand
    int exponent = 0;
    const char* integerStart = p;
    for (; p < end && isDigit(*p); ++p) {
        if (significand == 0 && *p == '0')
            continue;
        if (++digits > 19)
            return nullptr;
        significand = significand * 10 + static_cast<unsigned>(*p - '0');
    }
    if (p == integerStart)
        return nullptr;
    if (p < end && *p == '.') {
        const char* fractionStart = ++p;
        if (significand == 0)
            for (; p < end && *p == '0'; ++p)
                --exponent;
        std::uint64_t chunk = 0;
        while (end - p >= 8 && (std::memcpy(&chunk, p, 8), eightDigits(chunk))) {
            if ((digits += 8) > 19)
                return nullptr;
            significand = significand * 100000000 + eightDigitsValue(chunk);
            exponent -= 8;
            p += 8;
        }
        for (; p < end && isDigit(*p); ++p) {
            if (++digits > 19)
                return nullptr;
            significand = significand * 10 + static_cast<unsigned>(*p - '0');
            --exponent;
        }
        if (p == fractionStart)
            return nullptr;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        ++p;
        const bool negativeExponent = p < end && *p == '-';
        if (p < end && (*p == '-' || *p == '+'))
            ++p;
        const char* exponentStart = p;
        int value = 0;
        for (; p < end && isDigit(*p); ++p)
            if ((value = value * 10 + (*p - '0')) > 1000)
                return nullptr;
        if (p == exponentStart)
            return nullptr;
        exponent += negativeExponent ? -value : value;
    }
    if (significand == 0) {
        // Python's json reads "-0" as the int 0 (numpy: +0.0) and "-0.0" as the float -0.0.
        const bool integerLiteral = std::find_if(integerStart, p, [](char c) { return !isDigit(c); }) == p;
        out = negative && !integerLiteral ? -0.0f : 0.0f;
        return p;
    }
    if (exponent < -27 || exponent > 27)
        return nullptr;
    const long double exact = static_cast<long double>(significand);
    const long double value = exponent < 0 ? exact / kPowersOfTen[-exponent] : exact * kPowersOfTen[exponent];
    const float rounded = static_cast<float>(value);
    std::uint32_t bits = 0;
    std::memcpy(&bits, &rounded, 4);
    const std::uint32_t biased = (bits >> 23) & 0xFF;
    if (biased < 24 || biased == 0xFF)
        return nullptr; // tiny, subnormal or overflowing: the general path
    const std::uint32_t ulpBits = (biased - 23) << 23;
    float ulp = 0;
    std::memcpy(&ulp, &ulpBits, 4);
    const long double error = value - static_cast<long double>(rounded);
    // Below a power of two the next float down is half an ulp away.
    const long double halfGap = ((bits & 0x7FFFFF) == 0 && error < 0) ? ulp / 4.0L : ulp / 2.0L;
    if (halfGap - (error < 0 ? -error : error) <= value * 0x1p-50L)
        return nullptr; // near a rounding boundary: decide exactly
    out = negative ? -rounded : rounded;
    return p;
}

/// Parses one JSON number as Python then numpy would; nullptr when the text is not a number.
const char* parseFloat(const char* p, const char* end, float& out)
{
    if (const char* next = parseFloatFast(p, end, out))
        return next;
    double value = 0;
    const auto result = std::from_chars(p, end, value);
    if (result.ec != std::errc() || result.ptr == p)
        return nullptr;
    out = static_cast<float>(value);
    return result.ptr;
}

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/// A strict-enough fast reader of the one shape upstream writes; any line it
/// does not recognise goes through nlohmann::json (slower, general, exact errors).
class LineParser {
public:
    LineParser(const char* begin, const char* end) : m_p(begin), m_end(end) {}

    /// Appends the feature to out; on false, out may hold part of it (the caller truncates).
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
            skip(); // json.dumps separates items with ", "
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
            float value = 0;
            const char* next = parseFloat(m_p, m_end, value);
            if (!next)
                return false;
            m_p = next;
            out.push_back(value);
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

void parseRange(const char* begin, const char* end, const std::string& idKey, ParsedRows& rows)
{
    std::vector<float> slowFeature;
    for (const char* p = begin; p < end;) {
        const char* lineEnd =
            static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
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
        // The feature goes straight into rows.values; a line that fails is rolled back.
        const std::size_t rowStart = rows.values.size();
        std::int64_t id = 0;
        std::string error;
        if (!LineParser(p, lineEnd).parse(idKey, id, rows.values)) {
            rows.values.resize(rowStart);
            slowFeature.clear();
            error =
                parseSlow(std::string_view(p, static_cast<std::size_t>(lineEnd - p)), idKey, id, slowFeature);
            rows.values.insert(rows.values.end(), slowFeature.begin(), slowFeature.end());
        }
        const auto width = static_cast<std::int64_t>(rows.values.size() - rowStart);
        if (error.empty() && width == 0)
            error = "\"feature\" is empty";
        if (error.empty() && rows.dim >= 0 && width != rows.dim)
            error = "feature has " + std::to_string(width) + " values, the lines before have " +
                    std::to_string(rows.dim);
        if (error.empty())
            for (std::size_t i = rowStart; i < rows.values.size(); ++i)
                if (!std::isfinite(rows.values[i])) {
                    error = "feature holds a non-finite value";
                    break;
                }
        if (!error.empty()) {
            rows.values.resize(rowStart);
            rows.errorAt = p;
            rows.error = std::move(error);
            return;
        }
        if (rows.dim < 0) {
            rows.dim = width;
            // Reserve for the whole chunk, estimated from the first line's length.
            const auto lineBytes = static_cast<std::size_t>(next - p);
            const std::size_t estimate =
                static_cast<std::size_t>(end - begin) / std::max<std::size_t>(lineBytes, 1) + 1;
            rows.ids.reserve(estimate);
            rows.values.reserve(estimate * static_cast<std::size_t>(width) + static_cast<std::size_t>(width));
        }
        rows.ids.push_back(id);
        p = next;
    }
}

} // namespace

FeatureTable FeatureTable::readJsonl(const std::filesystem::path& path, const std::string& idKey)
{
    const FileBytes file(path);
    const std::string_view bytes = file.view();
    const char* begin = bytes.data();
    const char* end = begin + bytes.size();

    // Split at line boundaries into one chunk per thread.
    const unsigned threads =
        bytes.size() < (1u << 20) ? 1u : std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    std::vector<const char*> starts{begin};
    for (unsigned t = 1; t < threads; ++t) {
        const char* guess = begin + bytes.size() * t / threads;
        if (guess <= starts.back())
            continue;
        const char* newline =
            static_cast<const char*>(std::memchr(guess, '\n', static_cast<std::size_t>(end - guess)));
        if (!newline)
            break;
        starts.push_back(newline + 1);
    }
    starts.push_back(end);

    std::vector<ParsedRows> chunks(starts.size() - 1);
    std::vector<std::thread> workers;
    for (std::size_t c = 1; c < chunks.size(); ++c)
        workers.emplace_back(parseRange, starts[c], starts[c + 1], std::cref(idKey), std::ref(chunks[c]));
    parseRange(starts[0], starts[1], idKey, chunks[0]);
    for (auto& worker : workers)
        worker.join();

    // Line numbers are counted only for a message.
    const auto lineOf = [&](const char* at) { return 1 + std::count(begin, at, '\n'); };
    FeatureTable table;
    table.idKey = idKey;
    table.dim = -1;
    std::size_t totalRows = 0;
    for (const auto& chunk : chunks)
        totalRows += chunk.ids.size();
    for (std::size_t c = 0; c < chunks.size(); ++c) {
        ParsedRows& chunk = chunks[c];
        if (table.dim >= 0 && chunk.dim >= 0 && chunk.dim != table.dim) {
            // The width changes at this chunk's first row (which comes before any error in it).
            const char* at = starts[c];
            while (at < starts[c + 1] && std::all_of(at, std::find(at, starts[c + 1], '\n'), isSpace))
                at = std::find(at, starts[c + 1], '\n') + 1;
            throw Error(path.string() + ":" + std::to_string(lineOf(at)) + ": feature has " +
                        std::to_string(chunk.dim) + " values, the lines before have " +
                        std::to_string(table.dim));
        }
        CLIPWB_CHECK(!chunk.errorAt, path.string(), ":", chunk.errorAt ? lineOf(chunk.errorAt) : 0, ": ",
                     chunk.error);
        if (chunk.ids.empty())
            continue;
        if (table.dim < 0) {
            table.dim = chunk.dim;
            if (chunk.ids.size() == totalRows) { // all rows in one chunk: no copy
                table.ids = std::move(chunk.ids);
                table.values = std::move(chunk.values);
                continue;
            }
            table.ids.reserve(totalRows);
            table.values.reserve(totalRows * static_cast<std::size_t>(chunk.dim));
        }
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
