#pragma once
// One entry point per parser of untrusted bytes, shared by the libFuzzer
// targets (fuzz_<name>, built with -DCLIPWB_FUZZ=ON and clang) and by
// test_fuzz_replay, which runs every committed corpus file and regression case
// through the same function in the normal build. Each entry feeds the bytes to
// the real reader (through a file where the reader takes a path) and returns
// whether they were accepted; a clipwb::Error (a clear rejection) is fine, a
// crash, hang, leak, sanitizer report or any other exception type is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace clipwb::fuzz {

enum class Outcome { Accepted, Rejected };

struct Target {
    const char* name;
    Outcome (*run)(const std::uint8_t* data, std::size_t size);
    const char* what; // the parser, for the README and the replay test's messages
};

/// Every target, in a fixed order.
const std::vector<Target>& targets();
const Target* findTarget(const std::string& name);

/// The message of the last rejection on this thread (for the replay test).
const std::string& lastRejection();

// The entry points (each libFuzzer target links only its own file's libraries).
Outcome fuzzPickle(const std::uint8_t* data, std::size_t size);          // FuzzCommonEntries.cpp
Outcome fuzzConfigJson(const std::uint8_t* data, std::size_t size);      // FuzzCommonEntries.cpp
Outcome fuzzConfigFlags(const std::uint8_t* data, std::size_t size);     // FuzzCommonEntries.cpp
Outcome fuzzTokenizer(const std::uint8_t* data, std::size_t size);       // FuzzCommonEntries.cpp
Outcome fuzzLmdbEnv(const std::uint8_t* data, std::size_t size);         // FuzzDataEntries.cpp
Outcome fuzzLmdbRecord(const std::uint8_t* data, std::size_t size);      // FuzzDataEntries.cpp
Outcome fuzzImage(const std::uint8_t* data, std::size_t size);           // FuzzDataEntries.cpp
Outcome fuzzFeatureJsonl(const std::uint8_t* data, std::size_t size);    // FuzzEvalEntries.cpp
Outcome fuzzPredictionJsonl(const std::uint8_t* data, std::size_t size); // FuzzEvalEntries.cpp
Outcome fuzzCheckpoint(const std::uint8_t* data, std::size_t size);      // FuzzModelEntries.cpp

} // namespace clipwb::fuzz
