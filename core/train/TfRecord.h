#pragma once
// TFRecord framing, the container of TensorBoard event files: each record is
// uint64 length (little endian), masked CRC-32C of those 8 bytes, the data,
// masked CRC-32C of the data.
#include <string>
#include <string_view>
#include <vector>

namespace clipwb::train {

/// data framed as one record.
std::string frameTfRecord(std::string_view data);

struct TfRecords {
    std::vector<std::string> records;
    /// Bytes after the last good record: a record cut short (a writer killed
    /// mid-write) or one whose CRC does not match. Reading stops there.
    bool damagedTail = false;
    size_t goodBytes = 0; ///< length of the prefix made of good records
};

/// Splits bytes into records, checking both CRCs of each.
TfRecords readTfRecords(std::string_view bytes);

} // namespace clipwb::train
