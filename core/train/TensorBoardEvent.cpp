#include "train/TensorBoardEvent.h"

#include <cstring>

namespace clipwb::train {
namespace {

enum WireType : uint32_t { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 };

void putVarint(std::string& out, uint64_t value)
{
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7F) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

void putKey(std::string& out, uint32_t field, WireType type)
{
    putVarint(out, (uint64_t(field) << 3) | type);
}

void putBytes(std::string& out, uint32_t field, std::string_view bytes)
{
    putKey(out, field, LengthDelimited);
    putVarint(out, bytes.size());
    out.append(bytes);
}

template <typename T> void putFixed(std::string& out, uint32_t field, T value)
{
    static_assert(sizeof(T) == 4 || sizeof(T) == 8);
    putKey(out, field, sizeof(T) == 8 ? Fixed64 : Fixed32);
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T)); // protobuf is little endian, as is every target of clipwb
    out.append(reinterpret_cast<const char*>(raw), sizeof(T));
}

// A forward-only reader of protobuf wire format over one message.
class WireReader {
public:
    explicit WireReader(std::string_view bytes) : m_bytes(bytes) {}
    bool atEnd() const { return m_at >= m_bytes.size(); }
    bool ok() const { return m_ok; }

    bool varint(uint64_t& value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (m_at >= m_bytes.size())
                return fail();
            const auto byte = static_cast<unsigned char>(m_bytes[m_at++]);
            value |= uint64_t(byte & 0x7F) << shift;
            if (!(byte & 0x80))
                return true;
        }
        return fail();
    }
    bool key(uint32_t& field, uint32_t& type)
    {
        uint64_t k = 0;
        if (!varint(k))
            return false;
        field = static_cast<uint32_t>(k >> 3);
        type = static_cast<uint32_t>(k & 7);
        return field != 0 || fail();
    }
    bool bytes(std::string_view& out)
    {
        uint64_t length = 0;
        if (!varint(length) || length > m_bytes.size() - m_at)
            return fail();
        out = m_bytes.substr(m_at, length);
        m_at += length;
        return true;
    }
    template <typename T> bool fixed(T& value)
    {
        if (m_bytes.size() - m_at < sizeof(T))
            return fail();
        std::memcpy(&value, m_bytes.data() + m_at, sizeof(T));
        m_at += sizeof(T);
        return true;
    }
    bool skip(uint32_t type)
    {
        uint64_t ignoredVarint = 0;
        std::string_view ignoredBytes;
        uint64_t ignored64 = 0;
        uint32_t ignored32 = 0;
        switch (type) {
        case Varint:
            return varint(ignoredVarint);
        case Fixed64:
            return fixed(ignored64);
        case LengthDelimited:
            return bytes(ignoredBytes);
        case Fixed32:
            return fixed(ignored32);
        default:
            return fail(); // groups (3, 4) are not used by these messages
        }
    }

private:
    bool fail()
    {
        m_ok = false;
        return false;
    }
    std::string_view m_bytes;
    size_t m_at = 0;
    bool m_ok = true;
};

bool decodeValue(std::string_view bytes, TensorBoardScalar& scalar, bool& isSimpleValue)
{
    WireReader in(bytes);
    uint32_t field = 0, type = 0;
    while (!in.atEnd()) {
        if (!in.key(field, type))
            return false;
        std::string_view tag;
        if (field == 1 && type == LengthDelimited) {
            if (!in.bytes(tag))
                return false;
            scalar.tag = std::string(tag);
        } else if (field == 2 && type == Fixed32) {
            if (!in.fixed(scalar.value))
                return false;
            isSimpleValue = true;
        } else if (!in.skip(type)) {
            return false;
        }
    }
    return in.ok();
}

bool decodeSummary(std::string_view bytes, std::vector<TensorBoardScalar>& scalars)
{
    WireReader in(bytes);
    uint32_t field = 0, type = 0;
    while (!in.atEnd()) {
        if (!in.key(field, type))
            return false;
        if (field == 1 && type == LengthDelimited) {
            std::string_view valueBytes;
            TensorBoardScalar scalar;
            bool isSimpleValue = false;
            if (!in.bytes(valueBytes) || !decodeValue(valueBytes, scalar, isSimpleValue))
                return false;
            if (isSimpleValue) // images, histograms, ... are not clipwb's and are skipped
                scalars.push_back(std::move(scalar));
        } else if (!in.skip(type)) {
            return false;
        }
    }
    return in.ok();
}

} // namespace

std::string TensorBoardEvent::encode() const
{
    std::string out;
    // proto3: fields at their default are left out (TensorBoard's own writer does the same).
    if (wallTime != 0)
        putFixed(out, 1, wallTime);
    if (step != 0) {
        putKey(out, 2, Varint);
        putVarint(out, static_cast<uint64_t>(step)); // int64: a negative step takes ten bytes, as in protobuf
    }
    if (!fileVersion.empty())
        putBytes(out, 3, fileVersion);
    if (!scalars.empty()) {
        std::string summary;
        for (const TensorBoardScalar& scalar : scalars) {
            std::string value;
            putBytes(value, 1, scalar.tag);
            putFixed(value, 2, scalar.value);
            putBytes(summary, 1, value);
        }
        putBytes(out, 5, summary);
    }
    return out;
}

std::optional<TensorBoardEvent> TensorBoardEvent::decode(std::string_view bytes)
{
    TensorBoardEvent event;
    WireReader in(bytes);
    uint32_t field = 0, type = 0;
    while (!in.atEnd()) {
        if (!in.key(field, type))
            return std::nullopt;
        std::string_view text;
        uint64_t step = 0;
        bool ok = true;
        if (field == 1 && type == Fixed64) {
            ok = in.fixed(event.wallTime);
        } else if (field == 2 && type == Varint) {
            ok = in.varint(step);
            event.step = static_cast<int64_t>(step);
        } else if (field == 3 && type == LengthDelimited) {
            ok = in.bytes(text);
            event.fileVersion = std::string(text);
        } else if (field == 5 && type == LengthDelimited) {
            ok = in.bytes(text) && decodeSummary(text, event.scalars);
        } else {
            ok = in.skip(type);
        }
        if (!ok)
            return std::nullopt;
    }
    return event;
}

} // namespace clipwb::train
