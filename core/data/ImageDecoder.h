#pragma once
// Decoding of the encoded images stored in datasets (JPEG, PNG, WebP, BMP) with OpenCV into the
// 8-bit pixels that upstream's PIL pipeline works on. No LibTorch here: the UI uses it too.
#include <opencv2/core.hpp>

#include <string>
#include <string_view>

namespace clipwb::data {

enum class ImageFormat { Jpeg, Png, WebP, Bmp, Unknown };

/// The format named by the first bytes of an encoded image.
ImageFormat detectImageFormat(std::string_view bytes);
const char* imageFormatName(ImageFormat format);

/// An image as PIL would hold it after Image.open: 8-bit RGB, or RGBA when the file has an alpha
/// channel (PIL resizes RGBA with premultiplied alpha before upstream's convert('RGB') drops it).
struct DecodedImage {
    cv::Mat pixels;       ///< CV_8UC3 (RGB) or CV_8UC4 (RGBA), channels in R, G, B(, A) order
    bool palette = false; ///< a palette PNG: PIL resizes mode "P" with NEAREST whatever was asked
    ImageFormat format = ImageFormat::Unknown;

    int width() const { return pixels.cols; }
    int height() const { return pixels.rows; }
    bool hasAlpha() const { return pixels.channels() == 4; }
};

/// Decodes bytes; grey becomes RGB, 16-bit keeps the high byte (as PIL does for RGB(A)), CMYK
/// JPEG is converted by libjpeg/OpenCV, EXIF orientation is ignored (as PIL does). Throws
/// clipwb::Error naming `what` (e.g. "image 1234 of /data/train") when the bytes are not an image.
DecodedImage decodeImage(std::string_view bytes, const std::string& what);

/// decodeImage followed by PIL's convert('RGB') (alpha dropped): CV_8UC3 in RGB order.
cv::Mat decodeImageRgb(std::string_view bytes, const std::string& what);

/// PIL's convert('RGB') of a decoded image: drops the alpha channel.
cv::Mat toRgb(const DecodedImage& image);

} // namespace clipwb::data
