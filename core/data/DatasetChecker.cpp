#include "data/DatasetChecker.h"

#include "common/Error.h"
#include "data/Base64.h"
#include "data/ImageDecoder.h"
#include "data/LmdbDamaged.h"
#include "data/LmdbSplit.h"

#include <nlohmann/json.hpp>

#include <map>
#include <unordered_set>

namespace clipwb::data {

const char* DatasetProblem::kindName(Kind kind)
{
    switch (kind) {
    case Kind::MissingImage:
        return "missing_image";
    case Kind::BadImage:
        return "undecodable_image";
    case Kind::BadBase64:
        return "bad_base64";
    case Kind::BadPickle:
        return "bad_pickle";
    case Kind::MissingPair:
        return "missing_pair";
    case Kind::CountMismatch:
        return "count_mismatch";
    case Kind::DuplicatePair:
        return "duplicate_pair";
    case Kind::DamagedFile:
        return "damaged_file";
    }
    return "?";
}

std::string DatasetCheckReport::toJson(int indent) const
{
    nlohmann::json j;
    j["path"] = path.string();
    j["num_samples"] = numSamples;
    j["num_images"] = numImages;
    j["pairs_checked"] = pairsChecked;
    j["images_checked"] = imagesChecked;
    j["ok"] = clean();
    std::map<std::string, std::int64_t> counts;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : problems) {
        ++counts[DatasetProblem::kindName(p.kind)];
        nlohmann::json item{{"kind", DatasetProblem::kindName(p.kind)}, {"message", p.message}};
        if (p.index >= 0)
            item["index"] = p.index;
        if (p.imageId >= 0)
            item["image_id"] = p.imageId;
        list.push_back(std::move(item));
    }
    j["problem_counts"] = counts;
    j["problems"] = std::move(list);
    return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

void checkSplit(const LmdbSplit& split, const std::string& name, const DatasetCheckOptions& options,
                const ProgressCallback& progress, DatasetCheckReport& report,
                const std::function<void(DatasetProblem::Kind, std::int64_t, std::int64_t, std::string)>& add)
{
    using Kind = DatasetProblem::Kind;
    report.numSamples = split.numSamples();
    report.numImages = split.numImages();

    const std::int64_t pairEntries = split.storedPairEntries();
    const std::int64_t imageEntries = split.storedImageEntries();
    if (pairEntries != report.numSamples)
        add(Kind::CountMismatch, -1, -1,
            name + " pairs: num_samples says " + std::to_string(report.numSamples) + " but " +
                std::to_string(pairEntries) + " pairs are stored");
    if (imageEntries != report.numImages)
        add(Kind::CountMismatch, -1, -1,
            name + " imgs: num_images says " + std::to_string(report.numImages) + " but " +
                std::to_string(imageEntries) + " images are stored");

    const std::vector<std::int64_t> imageIds = split.imageIds();
    const std::unordered_set<std::int64_t> known(imageIds.begin(), imageIds.end());
    const std::int64_t total = report.numSamples + (options.decodeImages ? static_cast<std::int64_t>(imageIds.size()) : 0);
    std::int64_t done = 0;
    auto tick = [&]() {
        ++done;
        if (done % 64 == 0 || done == total)
            reportProgress(progress, {total > 0 ? double(done) / double(total) : 1.0, "records", done, total});
    };

    struct PairKey {
        std::int64_t image, text;
        bool operator==(const PairKey& o) const { return image == o.image && text == o.text; }
    };
    struct PairHash {
        std::size_t operator()(const PairKey& k) const
        {
            return std::hash<std::int64_t>()(k.image) * 1000003u ^ std::hash<std::int64_t>()(k.text);
        }
    };
    std::unordered_set<PairKey, PairHash> seen;
    for (std::int64_t i = 0; i < report.numSamples; ++i) {
        const std::string what = name + " pair index " + std::to_string(i);
        const auto raw = split.rawPair(i);
        ++report.pairsChecked;
        if (!raw) {
            add(Kind::MissingPair, i, -1, what + ": no such record");
        } else {
            try {
                const PairRecord pair = LmdbSplit::decodePair(*raw, i, what);
                if (!known.count(pair.imageId))
                    add(Kind::MissingImage, i, pair.imageId,
                        what + ": image " + std::to_string(pair.imageId) + " is missing");
                if (!seen.insert({pair.imageId, pair.textId}).second)
                    add(Kind::DuplicatePair, i, pair.imageId,
                        what + ": duplicate of an earlier pair (image " + std::to_string(pair.imageId) + ", text " +
                            std::to_string(pair.textId) + ")");
            } catch (const Error& e) {
                add(Kind::BadPickle, i, -1, e.what());
            }
        }
        tick();
    }

    if (options.decodeImages) {
        for (const std::int64_t id : imageIds) {
            ++report.imagesChecked;
            const std::string what = name + " image " + std::to_string(id);
            const auto text = split.imageBase64(id);
            const auto bytes = text ? decodeBase64(*text) : std::nullopt;
            if (!bytes) {
                add(Kind::BadBase64, -1, id, what + ": not valid base64");
            } else {
                try {
                    decodeImage(*bytes, what);
                } catch (const Error& e) {
                    add(Kind::BadImage, -1, id, e.what());
                }
            }
            tick();
        }
    }
}

} // namespace

DatasetCheckReport checkDataset(const std::filesystem::path& splitDir, const DatasetCheckOptions& options,
                                const ProgressCallback& progress)
{
    using Kind = DatasetProblem::Kind;
    DatasetCheckReport report;
    report.path = splitDir;
    std::map<Kind, std::size_t> perKind;
    auto add = [&](Kind kind, std::int64_t index, std::int64_t imageId, std::string message) {
        if (perKind[kind]++ < options.maxReportedPerKind)
            report.problems.push_back({kind, index, imageId, std::move(message)});
    };
    // A damaged file ends the check: its environment is closed, nothing more can be read.
    try {
        const LmdbSplit split(splitDir);
        checkSplit(split, splitDir.string(), options, progress, report, add);
    } catch (const LmdbDamaged& e) {
        add(Kind::DamagedFile, -1, -1, e.what());
    }
    return report;
}

} // namespace clipwb::data
