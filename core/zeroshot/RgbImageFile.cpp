#include "zeroshot/RgbImageFile.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "data/ImageDecoder.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace clipwb::zeroshot {

cv::Mat readRgbImageFile(const std::filesystem::path& path)
{
    const std::string bytes = readFile(path);
    if (data::detectImageFormat(bytes) != data::ImageFormat::Unknown)
        return data::decodeImageRgb(bytes, path.string());
    // The formats the dataset decoder leaves out (PPM, PGM, TIFF): OpenCV reads them as 8-bit BGR.
    cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
    cv::Mat bgr;
    try {
        bgr = cv::imdecode(encoded, cv::IMREAD_COLOR);
    } catch (const cv::Exception& e) {
        throw Error("cannot decode " + path.string() + ": " + e.what());
    }
    CLIPWB_CHECK(!bgr.empty(), "cannot decode ", path.string(), ": not an image (", bytes.size(), " bytes)");
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

} // namespace clipwb::zeroshot
