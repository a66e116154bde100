#pragma once
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
// TFRecord framing in TensorBoard event files, and TensorFlow's "masked" form
// of it (a CRC stored next to the data it covers is masked so that a CRC of
// data that itself holds CRCs stays well distributed).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace clipwb {

/// CRC-32C of bytes, continuing from crc (0 for a fresh checksum).
uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);
inline uint32_t crc32c(std::string_view bytes)
{
    return crc32c(bytes.data(), bytes.size());
}

/// TensorFlow's masked CRC-32C: rotate right by 15 bits, add 0xa282ead8.
inline uint32_t maskCrc32c(uint32_t crc)
{
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}
inline uint32_t unmaskCrc32c(uint32_t masked)
{
    const uint32_t rotated = masked - 0xa282ead8u;
    return (rotated >> 17) | (rotated << 15);
}

} // namespace clipwb
