#pragma once
// An image file as ImageFolder's loader hands it to the transform: PIL opens it
// and converts it to RGB *before* the resize (alpha dropped, palette expanded,
// grey repeated), unlike the LMDB path where RGBA and palette images are resized
// first.
#include <opencv2/core.hpp>

#include <filesystem>

namespace clipwb::zeroshot {

/// CV_8UC3 in RGB order. JPEG, PNG, WebP and BMP go through the dataset decoder (PIL's
/// semantics); PPM, PGM and TIFF through OpenCV. Throws clipwb::Error naming the file.
cv::Mat readRgbImageFile(const std::filesystem::path& path);

} // namespace clipwb::zeroshot
