#pragma once
// Class names of a zero-shot set: upstream reads the label file with
// readlines() and takes line.strip() of every line (class i = line i).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace clipwb::zeroshot {

/// Every line (universal newlines: \n, \r\n, \r) stripped as Python's str.strip() does (Unicode
/// whitespace, U+3000 included). Throws clipwb::Error naming the file (and line for bad UTF-8).
std::vector<std::string> readLabelFile(const std::filesystem::path& path);

/// The same for text held in memory (the GUI's label editor).
std::vector<std::string> parseLabelLines(std::string_view text, const std::string& what);

/// Python's str.strip() on UTF-8.
std::string pythonStrip(std::string_view text);

} // namespace clipwb::zeroshot
