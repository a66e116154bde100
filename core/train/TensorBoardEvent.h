#pragma once
// The few fields of TensorFlow's Event protobuf that scalar curves need,
// encoded and decoded by hand (no protobuf library):
//   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }
//   Value   { string tag = 1; float simple_value = 2; }
// Unknown fields are skipped when decoding.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clipwb::train {

struct TensorBoardScalar {
    std::string tag;
    float value = 0;
};

struct TensorBoardEvent {
    double wallTime = 0;
    int64_t step = 0;
    std::string fileVersion; ///< set only in a file's first event ("brain.Event:2")
    std::vector<TensorBoardScalar> scalars;

    std::string encode() const;
    /// nullopt when bytes are not a well-formed Event message.
    static std::optional<TensorBoardEvent> decode(std::string_view bytes);
};

} // namespace clipwb::train
