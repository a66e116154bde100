#include "data/DemoDataset.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "data/Base64.h"
#include "data/LmdbBuilder.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <map>
#include <random>
#include <vector>

namespace clipwb::data {

namespace {

struct Named {
    const char* name;
    cv::Scalar rgb;
};

const Named kColours[] = {
    {"红色", {220, 30, 30}},  {"绿色", {30, 170, 50}},   {"蓝色", {30, 70, 220}},  {"黄色", {240, 210, 20}},
    {"紫色", {140, 40, 180}}, {"橙色", {250, 130, 20}}, {"白色", {250, 250, 250}}, {"黑色", {20, 20, 20}},
};

const Named kBackgrounds[] = {
    {"浅蓝", {170, 210, 240}}, {"灰色", {128, 128, 128}}, {"米色", {235, 222, 190}},
    {"浅绿", {185, 230, 180}}, {"粉色", {245, 190, 205}}, {"深蓝", {25, 35, 90}},
};

enum Shape { Circle, Square, Triangle, Star, Cross, Diamond, Hexagon, Rectangle, ShapeCount };
const char* const kShapeNames[] = {"圆形", "正方形", "三角形", "五角星", "十字", "菱形", "六边形", "长方形"};

// Portable draws (std::uniform_*_distribution differ between standard libraries).
class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_engine(seed) {}
    int below(int n) { return static_cast<int>(m_engine() % static_cast<std::uint64_t>(n)); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * (static_cast<double>(m_engine() >> 11) * 0x1.0p-53); }
    bool chance(double p) { return uniform(0, 1) < p; }

private:
    std::mt19937_64 m_engine;
};

std::vector<cv::Point> regularPolygon(cv::Point2d centre, double radius, int sides, double rotation)
{
    std::vector<cv::Point> points;
    for (int k = 0; k < sides; ++k) {
        const double a = rotation + 2 * M_PI * k / sides;
        points.emplace_back(cvRound(centre.x + radius * std::sin(a)), cvRound(centre.y - radius * std::cos(a)));
    }
    return points;
}

void drawShape(cv::Mat& canvas, Shape shape, cv::Point2d c, double r, double rotation, const cv::Scalar& colour)
{
    std::vector<std::vector<cv::Point>> polys;
    switch (shape) {
    case Circle:
        cv::circle(canvas, cv::Point(cvRound(c.x), cvRound(c.y)), cvRound(r), colour, cv::FILLED, cv::LINE_AA);
        return;
    case Square:
        polys.push_back(regularPolygon(c, r * 1.05, 4, M_PI / 4 + rotation));
        break;
    case Triangle:
        polys.push_back(regularPolygon(c, r * 1.15, 3, rotation));
        break;
    case Star: {
        std::vector<cv::Point> star;
        for (int k = 0; k < 10; ++k) {
            const double a = rotation + M_PI * k / 5;
            const double rr = (k % 2) ? r * 0.45 : r * 1.1;
            star.emplace_back(cvRound(c.x + rr * std::sin(a)), cvRound(c.y - rr * std::cos(a)));
        }
        polys.push_back(star);
        break;
    }
    case Cross: {
        const double w = r * 0.33;
        const double ca = std::cos(rotation), sa = std::sin(rotation);
        auto bar = [&](double hx, double hy) {
            std::vector<cv::Point> p;
            for (auto [sx, sy] : {std::pair{-1, -1}, {1, -1}, {1, 1}, {-1, 1}}) {
                const double x = sx * hx, y = sy * hy;
                p.emplace_back(cvRound(c.x + x * ca - y * sa), cvRound(c.y + x * sa + y * ca));
            }
            return p;
        };
        polys.push_back(bar(r, w));
        polys.push_back(bar(w, r));
        break;
    }
    case Diamond: {
        std::vector<cv::Point> p{{cvRound(c.x), cvRound(c.y - r * 1.15)}, {cvRound(c.x + r * 0.7), cvRound(c.y)},
                                 {cvRound(c.x), cvRound(c.y + r * 1.15)}, {cvRound(c.x - r * 0.7), cvRound(c.y)}};
        polys.push_back(p);
        break;
    }
    case Hexagon:
        polys.push_back(regularPolygon(c, r, 6, rotation));
        break;
    case Rectangle: {
        std::vector<cv::Point> p{{cvRound(c.x - r * 1.2), cvRound(c.y - r * 0.6)},
                                 {cvRound(c.x + r * 1.2), cvRound(c.y - r * 0.6)},
                                 {cvRound(c.x + r * 1.2), cvRound(c.y + r * 0.6)},
                                 {cvRound(c.x - r * 1.2), cvRound(c.y + r * 0.6)}};
        polys.push_back(p);
        break;
    }
    default:
        break;
    }
    for (const auto& p : polys)
        cv::fillPoly(canvas, std::vector<std::vector<cv::Point>>{p}, colour, cv::LINE_AA);
}

cv::Scalar toBgr(const cv::Scalar& rgb) { return {rgb[2], rgb[1], rgb[0]}; }

DemoSample drawSample(Rng& rng, int resolution)
{
    constexpr int kSupersample = 4;
    const int size = resolution * kSupersample;
    const int bg = rng.below(static_cast<int>(std::size(kBackgrounds)));
    cv::Mat canvas(size, size, CV_8UC3, toBgr(kBackgrounds[bg].rgb));
    const bool striped = rng.chance(0.2);
    if (striped) {
        const cv::Scalar stripe = toBgr(kBackgrounds[bg].rgb * 0.8);
        const int period = size / 8;
        for (int x = -size; x < 2 * size; x += period)
            cv::line(canvas, {x, 0}, {x + size, size}, stripe, period / 3, cv::LINE_AA);
    }
    auto pickColour = [&](int avoid) {
        while (true) {
            const int c = rng.below(static_cast<int>(std::size(kColours)));
            // Keep objects visible: no white on beige/pink/light, no black on dark blue.
            const cv::Scalar diff = kColours[c].rgb - kBackgrounds[bg].rgb;
            if (c != avoid && std::abs(diff[0]) + std::abs(diff[1]) + std::abs(diff[2]) > 120)
                return c;
        }
    };
    const bool two = rng.chance(0.3);
    std::string caption = std::string(striped ? "有条纹的" : "") + kBackgrounds[bg].name + "背景上的";
    if (!two) {
        const int colour = pickColour(-1);
        const auto shape = static_cast<Shape>(rng.below(ShapeCount));
        const bool large = rng.chance(0.5);
        const double r = size * (large ? rng.uniform(0.28, 0.34) : rng.uniform(0.13, 0.18));
        const cv::Point2d c(rng.uniform(r * 1.25, size - r * 1.25), rng.uniform(r * 1.25, size - r * 1.25));
        drawShape(canvas, shape, c, r, rng.uniform(-0.3, 0.3), toBgr(kColours[colour].rgb));
        caption += std::string("一个") + (large ? "大的" : "小的") + kColours[colour].name + kShapeNames[shape];
    } else {
        // Left and right halves, named in that order.
        const int c1 = pickColour(-1), c2 = pickColour(c1);
        const auto s1 = static_cast<Shape>(rng.below(ShapeCount));
        const auto s2 = static_cast<Shape>(rng.below(ShapeCount));
        const double r1 = size * rng.uniform(0.13, 0.19), r2 = size * rng.uniform(0.13, 0.19);
        drawShape(canvas, s1, {rng.uniform(r1 * 1.25, size / 2.0 - r1 * 0.6), rng.uniform(r1 * 1.3, size - r1 * 1.3)},
                  r1, rng.uniform(-0.3, 0.3), toBgr(kColours[c1].rgb));
        drawShape(canvas, s2,
                  {rng.uniform(size / 2.0 + r2 * 0.6, size - r2 * 1.25), rng.uniform(r2 * 1.3, size - r2 * 1.3)}, r2,
                  rng.uniform(-0.3, 0.3), toBgr(kColours[c2].rgb));
        caption += std::string("左边一个") + kColours[c1].name + kShapeNames[s1] + "，右边一个" +
                   kColours[c2].name + kShapeNames[s2];
    }
    cv::Mat image;
    cv::resize(canvas, image, {resolution, resolution}, 0, 0, cv::INTER_AREA);
    if (rng.chance(0.3)) {
        // Mild deterministic noise.
        const double amplitude = rng.uniform(6, 16);
        for (int y = 0; y < image.rows; ++y) {
            auto* row = image.ptr<cv::Vec3b>(y);
            for (int x = 0; x < image.cols; ++x)
                for (int ch = 0; ch < 3; ++ch)
                    row[x][ch] = cv::saturate_cast<uchar>(row[x][ch] + rng.uniform(-amplitude, amplitude));
        }
    }
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", image, jpeg, {cv::IMWRITE_JPEG_QUALITY, 92});
    return {std::string(jpeg.begin(), jpeg.end()), caption};
}

} // namespace

DemoSample makeDemoSample(std::uint64_t seed, int resolution)
{
    Rng rng(seed);
    return drawSample(rng, resolution);
}

DemoDatasetSummary makeDemoDataset(const DemoDatasetOptions& options,
                                   const ProgressCallback& progress)
{
    CLIPWB_CHECK(!options.outDir.empty(), "make-demo-dataset: no output folder");
    CLIPWB_CHECK(options.trainImages > 0 && options.validImages > 0, "make-demo-dataset: --train and --valid must be positive");
    CLIPWB_CHECK(options.resolution >= 16 && options.resolution <= 1024, "make-demo-dataset: --resolution must be 16..1024, not ",
                 options.resolution);
    std::error_code ec;
    std::filesystem::create_directories(options.outDir, ec);
    CLIPWB_CHECK(!ec, "cannot create ", options.outDir.string(), ": ", ec.message());

    const std::int64_t total = options.trainImages + options.validImages;
    std::int64_t done = 0;
    auto report = [&](double fraction, const std::string& stage) {
        reportProgress(progress, {std::min(1.0, fraction), stage, done, total});
    };
    DemoDatasetSummary summary;
    Rng rng(options.seed);
    struct SplitSpec {
        const char* name;
        std::int64_t images;
        std::int64_t firstImageId, firstTextId;
    };
    for (const SplitSpec& split : {SplitSpec{"train", options.trainImages, 100000, 1},
                                   SplitSpec{"valid", options.validImages, 900000, 800001}}) {
        std::string tsv;
        std::map<std::string, std::vector<std::int64_t>> byCaption;
        std::vector<std::string> order; // captions in order of first appearance
        for (std::int64_t i = 0; i < split.images; ++i) {
            const DemoSample sample = drawSample(rng, options.resolution);
            const std::int64_t imageId = split.firstImageId + i;
            tsv += std::to_string(imageId) + "\t" + encodeBase64(sample.jpeg) + "\n";
            auto& ids = byCaption[sample.caption];
            if (ids.empty())
                order.push_back(sample.caption);
            ids.push_back(imageId);
            if (++done % 50 == 0)
                report(0.8 * static_cast<double>(done) / static_cast<double>(total), std::string("drawing ") + split.name + " images");
        }
        std::string jsonl;
        std::int64_t textId = split.firstTextId;
        for (const auto& caption : order) {
            nlohmann::ordered_json j{{"text_id", textId++}, {"text", caption}, {"image_ids", byCaption[caption]}};
            jsonl += j.dump() + "\n";
        }
        writeFileAtomic(options.outDir / (std::string(split.name) + "_imgs.tsv"), tsv);
        writeFileAtomic(options.outDir / (std::string(split.name) + "_texts.jsonl"), jsonl);
        (std::string(split.name) == "train" ? summary.trainTexts : summary.validTexts) =
            static_cast<std::int64_t>(order.size());
    }
    BuildLmdbOptions build;
    build.dataDir = options.outDir;
    build.splits = {"train", "valid"};
    build.lmdbDir = options.outDir / "lmdb";
    // Drawing is 80% of the job, writing the LMDB the rest.
    const auto results = buildLmdb(build, [&](const Progress& p) {
        return !progress || progress({0.8 + 0.2 * p.fraction, "writing LMDB " + p.stage, p.done, p.total, p.detail});
    });
    for (const auto& r : results)
        (r.split == "train" ? summary.trainPairs : summary.validPairs) = r.numSamples;
    report(1.0, "done");
    return summary;
}

} // namespace clipwb::data
