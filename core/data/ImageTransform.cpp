#include "data/ImageTransform.h"

#include "common/Error.h"
#include "data/PilResize.h"

#include <map>
#include <mutex>
#include <vector>

namespace clipwb::data {

namespace {

// ToTensor divides by 255 in float32, Normalize subtracts and divides in float32: one table per
// channel gives the same floats.
struct NormalizeTable {
    float values[3][256];
    NormalizeTable()
    {
        for (int c = 0; c < 3; ++c) {
            for (int v = 0; v < 256; ++v)
                values[c][v] = (static_cast<float>(v) / 255.0f - kClipMean[c]) / kClipStd[c];
        }
    }
};

const NormalizeTable& normalizeTable()
{
    static const NormalizeTable table;
    return table;
}

DecodedImage wrap(const cv::Mat& pixels)
{
    CLIPWB_CHECK(pixels.depth() == CV_8U && !pixels.empty(),
                 "preprocessForEval: expected a non-empty 8-bit image");
    DecodedImage image;
    if (pixels.channels() == 1) {
        // Resampling is per channel, so resizing "L" then converting equals converting first.
        cv::Mat rgb;
        cv::merge(std::vector<cv::Mat>{pixels, pixels, pixels}, rgb);
        image.pixels = rgb;
    } else {
        CLIPWB_CHECK(pixels.channels() == 3 || pixels.channels() == 4,
                     "preprocessForEval: expected 1, 3 or 4 channels, got ", pixels.channels());
        image.pixels = pixels;
    }
    return image;
}

} // namespace

void normalizeRgbInto(const cv::Mat& rgb, float* out)
{
    CLIPWB_CHECK(rgb.type() == CV_8UC3, "normalizeRgbInto: expected CV_8UC3");
    const auto& table = normalizeTable();
    const size_t plane = static_cast<size_t>(rgb.rows) * rgb.cols;
    // De-interleave once (SIMD in OpenCV), then one table look-up per value and plane.
    cv::Mat channels[3];
    cv::split(rgb, channels);
    for (int c = 0; c < 3; ++c) {
        const float* __restrict lut = table.values[c];
        const uint8_t* __restrict in = channels[c].ptr<uint8_t>();
        float* __restrict o = out + c * plane;
        for (size_t i = 0; i < plane; ++i)
            o[i] = lut[in[i]];
    }
}

void rgbPlanesInto(const cv::Mat& rgb, uint8_t* out)
{
    CLIPWB_CHECK(rgb.type() == CV_8UC3, "rgbPlanesInto: expected CV_8UC3");
    const size_t plane = static_cast<size_t>(rgb.rows) * rgb.cols;
    std::vector<cv::Mat> channels;
    for (int c = 0; c < 3; ++c)
        channels.emplace_back(rgb.rows, rgb.cols, CV_8UC1, out + c * plane);
    cv::split(rgb, channels); // writes into the planes wrapped above
}

void preprocessPixelsForEvalInto(const DecodedImage& image, int resolution, uint8_t* out)
{
    CLIPWB_CHECK(resolution > 0, "preprocessForEval: bad resolution ", resolution);
    rgbPlanesInto(pilResizeToRgb(image, resolution, resolution), out);
}

namespace {

/// normalizeTable() as a [3 * 256] tensor on `device`. A GPU's copy is made once: copying it
/// from pageable memory every batch would wait for all the GPU's queued work each time.
torch::Tensor normalizeTableOn(const torch::Device& device)
{
    const auto& table = normalizeTable();
    const auto fromHost = [&] {
        return torch::from_blob(const_cast<float*>(&table.values[0][0]), {3 * 256}, torch::kFloat32)
            .to(device, /*non_blocking=*/false, /*copy=*/true);
    };
    if (!device.is_cuda())
        return fromHost();
    static std::mutex mutex;
    // Never destroyed: a CUDA tensor freed after the CUDA runtime has shut down at exit fails.
    static auto* onGpus = new std::map<int, torch::Tensor>();
    std::lock_guard lock(mutex);
    torch::Tensor& cached = (*onGpus)[device.index()];
    if (!cached.defined())
        cached = fromHost();
    return cached;
}

} // namespace

torch::Tensor normalizeImages(const torch::Tensor& pixels)
{
    if (pixels.scalar_type() != torch::kUInt8)
        return pixels;
    CLIPWB_CHECK(pixels.dim() >= 3 && pixels.size(-3) == 3,
                 "normalizeImages: expected [.., 3, H, W] pixels, got ", pixels.sizes());
    // The table as a [3 * 256] tensor; each pixel picks its channel's entry: no arithmetic on the
    // device, whose scalar division (a product with the reciprocal on CUDA) would round otherwise.
    const torch::Tensor lut = normalizeTableOn(pixels.device());
    std::vector<int64_t> offsetShape(static_cast<size_t>(pixels.dim()), 1);
    offsetShape[offsetShape.size() - 3] = 3;
    const torch::Tensor offsets =
        torch::arange(0, 3 * 256, 256, torch::TensorOptions().dtype(torch::kInt64).device(pixels.device()))
            .view(offsetShape);
    return lut.take(pixels.to(torch::kInt64) + offsets);
}

void preprocessForEvalInto(const DecodedImage& image, int resolution, float* out)
{
    CLIPWB_CHECK(resolution > 0, "preprocessForEval: bad resolution ", resolution);
    normalizeRgbInto(pilResizeToRgb(image, resolution, resolution), out);
}

torch::Tensor preprocessForEval(const DecodedImage& image, int resolution)
{
    auto tensor = torch::empty({3, resolution, resolution}, torch::kFloat32);
    preprocessForEvalInto(image, resolution, tensor.data_ptr<float>());
    return tensor;
}

torch::Tensor preprocessForEval(const cv::Mat& rgb, int resolution)
{
    return preprocessForEval(wrap(rgb), resolution);
}

} // namespace clipwb::data
