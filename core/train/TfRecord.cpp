#include "train/TfRecord.h"

#include "common/Crc32c.h"

#include <cstdint>

namespace clipwb::train {
namespace {

void appendLittleEndian(std::string& out, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

uint64_t readLittleEndian(std::string_view bytes, size_t at, int count)
{
    uint64_t value = 0;
    for (int i = 0; i < count; ++i)
        value |= uint64_t(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    return value;
}

} // namespace

std::string frameTfRecord(std::string_view data)
{
    std::string out;
    out.reserve(data.size() + 16);
    appendLittleEndian(out, data.size(), 8);
    appendLittleEndian(out, maskCrc32c(crc32c(out.data(), 8)), 4);
    out.append(data);
    appendLittleEndian(out, maskCrc32c(crc32c(data)), 4);
    return out;
}

TfRecords readTfRecords(std::string_view bytes)
{
    TfRecords result;
    size_t at = 0;
    while (at < bytes.size()) {
        if (bytes.size() - at < 12) {
            result.damagedTail = true;
            break;
        }
        const uint64_t length = readLittleEndian(bytes, at, 8);
        if (maskCrc32c(crc32c(bytes.data() + at, 8)) != readLittleEndian(bytes, at + 8, 4) ||
            length > bytes.size() - at - 12 || bytes.size() - at - 12 - length < 4) {
            result.damagedTail = true;
            break;
        }
        const std::string_view data = bytes.substr(at + 12, length);
        if (maskCrc32c(crc32c(data)) != readLittleEndian(bytes, at + 12 + length, 4)) {
            result.damagedTail = true;
            break;
        }
        result.records.emplace_back(data);
        at += 12 + length + 4;
    }
    result.goodBytes = at;
    return result;
}

} // namespace clipwb::train
