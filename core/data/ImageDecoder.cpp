#include "data/ImageDecoder.h"

#include "common/Error.h"
#include "data/ImageHeader.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>

#ifdef CLIPWB_HAVE_LIBJPEG
#include <csetjmp>
#include <jerror.h>
#include <jpeglib.h>
#endif

namespace clipwb::data {

namespace {

// PIL's decompression-bomb error (2 x Image.MAX_IMAGE_PIXELS): upstream's loader cannot open a
// larger image either, and a 124-byte header can claim one of gigabytes.
constexpr int64_t kMaxImagePixels = 2 * 89478485;

std::string tooLargeMessage(const std::string& what, const char* format, int64_t width, int64_t height)
{
    return detail::concat("cannot decode ", what, ": ", format, " image of ", width, " x ", height, " = ",
                          width * height, " pixels, more than ", kMaxImagePixels,
                          " (PIL's decompression-bomb limit, which upstream's loader applies too)");
}

bool startsWith(std::string_view bytes, std::string_view prefix)
{
    return bytes.size() >= prefix.size() && bytes.substr(0, prefix.size()) == prefix;
}

std::string leadingBytesHex(std::string_view bytes)
{
    std::string hex;
    char buffer[4];
    for (size_t i = 0; i < std::min<size_t>(bytes.size(), 8); ++i) {
        std::snprintf(buffer, sizeof buffer, "%02x", static_cast<unsigned char>(bytes[i]));
        hex += buffer;
    }
    return hex.empty() ? std::string("(empty)") : hex;
}

// PNG colour type from the IHDR chunk: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA.
int pngColourType(std::string_view bytes)
{
    constexpr size_t kColourTypeOffset = 8 + 4 + 4 + 4 + 4 + 1;
    if (bytes.size() <= kColourTypeOffset || bytes.substr(12, 4) != "IHDR")
        return -1;
    return static_cast<unsigned char>(bytes[kColourTypeOffset]);
}

// Whether PIL's Image.open gives a mode with an alpha band (RGBA, LA) for this file.
bool pilKeepsAlpha(ImageFormat format, std::string_view bytes)
{
    switch (format) {
    case ImageFormat::Png: {
        const int colourType = pngColourType(bytes);
        return colourType == 4 || colourType == 6;
    }
    case ImageFormat::WebP:
        return true; // PIL opens WebP with an alpha channel as RGBA, without as RGB
    default:
        return false; // JPEG has none; PIL reads 32-bit BMP as RGB
    }
}

#ifdef CLIPWB_HAVE_LIBJPEG
// JPEG straight from libjpeg-turbo into RGB, with the settings PIL uses (JDCT_ISLOW, fancy
// upsampling): the same pixels as through OpenCV, without its two channel swaps.
struct JpegErrors {
    jpeg_error_mgr manager;
    std::jmp_buf jump;
    bool truncated = false;
    char message[JMSG_LENGTH_MAX] = {};
};

void jpegErrorExit(j_common_ptr info)
{
    auto* errors = reinterpret_cast<JpegErrors*>(info->err);
    (*info->err->format_message)(info, errors->message);
    std::longjmp(errors->jump, 1);
}

void jpegMessage(j_common_ptr info, int level)
{
    // PIL refuses truncated files ("image file is truncated"); other warnings it ignores.
    if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF)
        reinterpret_cast<JpegErrors*>(info->err)->truncated = true;
}

enum class JpegResult { Decoded, NotRgb, Failed };

JpegResult decodeJpegRgb(std::string_view bytes, cv::Mat& out, std::string& error, const std::string& what)
{
    jpeg_decompress_struct info;
    JpegErrors errors;
    info.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = jpegErrorExit;
    errors.manager.emit_message = jpegMessage;
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&info);
        error = errors.message;
        return JpegResult::Failed;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()),
                 static_cast<unsigned long>(bytes.size()));
    jpeg_read_header(&info, TRUE);
    if (static_cast<int64_t>(info.image_width) * info.image_height > kMaxImagePixels) {
        const int64_t width = info.image_width, height = info.image_height;
        jpeg_destroy_decompress(&info);
        throw Error(tooLargeMessage(what, "JPEG", width, height));
    }
    if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK ||
        (info.num_components != 1 && info.num_components != 3)) {
        jpeg_destroy_decompress(&info);
        return JpegResult::NotRgb;
    }
    info.out_color_space = JCS_RGB; // grey is replicated, as PIL's convert('RGB') of "L" does
    jpeg_start_decompress(&info);
    out.create(static_cast<int>(info.output_height), static_cast<int>(info.output_width), CV_8UC3);
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = out.ptr<uint8_t>(static_cast<int>(info.output_scanline));
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    if (errors.truncated) {
        error = "truncated JPEG data";
        return JpegResult::Failed;
    }
    return JpegResult::Decoded;
}
#endif

} // namespace

ImageFormat detectImageFormat(std::string_view bytes)
{
    if (startsWith(bytes, "\xFF\xD8\xFF"))
        return ImageFormat::Jpeg;
    if (startsWith(bytes, "\x89PNG\r\n\x1A\n"))
        return ImageFormat::Png;
    if (bytes.size() >= 12 && startsWith(bytes, "RIFF") && bytes.substr(8, 4) == "WEBP")
        return ImageFormat::WebP;
    if (startsWith(bytes, "BM"))
        return ImageFormat::Bmp;
    return ImageFormat::Unknown;
}

const char* imageFormatName(ImageFormat format)
{
    switch (format) {
    case ImageFormat::Jpeg:
        return "JPEG";
    case ImageFormat::Png:
        return "PNG";
    case ImageFormat::WebP:
        return "WebP";
    case ImageFormat::Bmp:
        return "BMP";
    default:
        return "unknown";
    }
}

DecodedImage decodeImage(std::string_view bytes, const std::string& what)
{
    DecodedImage image;
    image.format = detectImageFormat(bytes);
    CLIPWB_CHECK(image.format != ImageFormat::Unknown, "cannot decode ", what,
                 ": not a JPEG, PNG, WebP or BMP image (first bytes ", leadingBytesHex(bytes), ", ",
                 bytes.size(), " bytes)");
#ifdef CLIPWB_HAVE_LIBJPEG
    if (image.format == ImageFormat::Jpeg) {
        std::string error;
        switch (decodeJpegRgb(bytes, image.pixels, error, what)) {
        case JpegResult::Decoded:
            return image;
        case JpegResult::Failed:
            throw Error(detail::concat("cannot decode ", what, ": corrupt JPEG data (", error, ", ",
                                       bytes.size(), " bytes)"));
        case JpegResult::NotRgb:
            break; // CMYK and friends: OpenCV converts them
        }
    }
#endif
    if (const auto header = readImageHeader(bytes);
        header && static_cast<int64_t>(header->width) * header->height > kMaxImagePixels)
        throw Error(tooLargeMessage(what, imageFormatName(image.format), header->width, header->height));
    cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8UC1,
                    const_cast<char*>(bytes.data())); // imdecode only reads
    cv::Mat raw;
    try {
        // IMREAD_UNCHANGED keeps alpha and 16 bits and, like PIL, ignores EXIF orientation.
        raw = cv::imdecode(encoded, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        throw Error(
            detail::concat("cannot decode ", what, " (", imageFormatName(image.format), "): ", e.what()));
    }
    CLIPWB_CHECK(!raw.empty() && raw.rows > 0 && raw.cols > 0, "cannot decode ", what, ": corrupt ",
                 imageFormatName(image.format), " data (", bytes.size(), " bytes)");

    if (raw.depth() == CV_16U) {
        // Not convertTo (it rounds): PIL keeps the high byte.
        cv::Mat shifted(raw.size(), CV_MAKETYPE(CV_8U, raw.channels()));
        const int values = raw.rows * raw.cols * raw.channels();
        cv::Mat continuous = raw.isContinuous() ? raw : raw.clone();
        const auto* source = continuous.ptr<uint16_t>();
        auto* target = shifted.ptr<uint8_t>();
        for (int i = 0; i < values; ++i)
            target[i] = static_cast<uint8_t>(source[i] >> 8);
        raw = shifted;
    } else if (raw.depth() != CV_8U) {
        cv::Mat converted;
        raw.convertTo(converted, CV_8U);
        raw = converted;
    }

    image.palette = image.format == ImageFormat::Png && pngColourType(bytes) == 3;
    const bool keepAlpha = raw.channels() == 4 && !image.palette && pilKeepsAlpha(image.format, bytes);
    switch (raw.channels()) {
    case 1:
        cv::cvtColor(raw, image.pixels, cv::COLOR_GRAY2RGB);
        break;
    case 3:
        cv::cvtColor(raw, image.pixels, cv::COLOR_BGR2RGB);
        break;
    case 4:
        cv::cvtColor(raw, image.pixels, keepAlpha ? cv::COLOR_BGRA2RGBA : cv::COLOR_BGRA2RGB);
        break;
    default:
        throw Error(detail::concat("cannot decode ", what, ": unsupported channel count ", raw.channels()));
    }
    return image;
}

cv::Mat toRgb(const DecodedImage& image)
{
    if (!image.hasAlpha())
        return image.pixels;
    cv::Mat rgb;
    cv::cvtColor(image.pixels, rgb, cv::COLOR_RGBA2RGB);
    return rgb;
}

cv::Mat decodeImageRgb(std::string_view bytes, const std::string& what)
{
    return toRgb(decodeImage(bytes, what));
}

} // namespace clipwb::data
