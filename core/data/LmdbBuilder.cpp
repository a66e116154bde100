#include "data/LmdbBuilder.h"

#include "common/Error.h"
#include "common/Progress.h"
#include "common/Pickle.h"
#include "data/Base64.h"
#include "data/LmdbWriter.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <unistd.h>

namespace clipwb::data {

namespace {

std::string_view stripAscii(std::string_view s)
{
    const char* ws = " \t\r\n\f\v";
    const auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos)
        return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

class LineReader {
public:
    LineReader(const std::filesystem::path& path) : m_path(path), m_in(path, std::ios::binary)
    {
        CLIPWB_CHECK(m_in, "cannot read ", path.string());
        m_size = static_cast<std::int64_t>(std::filesystem::file_size(path));
    }
    bool next(std::string& line)
    {
        if (!std::getline(m_in, line))
            return false;
        ++m_line;
        m_done += static_cast<std::int64_t>(line.size()) + 1;
        return true;
    }
    std::string where() const { return m_path.string() + ":" + std::to_string(m_line); }
    std::int64_t done() const { return std::min(m_done, m_size); }
    std::int64_t size() const { return m_size; }

private:
    std::filesystem::path m_path;
    std::ifstream m_in;
    std::int64_t m_line = 0, m_done = 0, m_size = 0;
};

/// Progress of one stage ("train pairs", then "train imgs") of one split of several: the pairs
/// are a fifth of a split's share of the job, the images (most of the bytes) the rest.
class Reporter {
public:
    Reporter(const ProgressCallback& cb, const std::string& split, const std::string& stage, std::size_t splitIndex,
             std::size_t splitCount)
        : m_cb(cb), m_unit(stage == "pairs" ? " pairs" : " images")
    {
        m_p.stage = split + " " + stage;
        const double splitShare = 1.0 / double(std::max<std::size_t>(1, splitCount));
        m_start = splitShare * (double(splitIndex) + (stage == "pairs" ? 0.0 : 0.2));
        m_share = splitShare * (stage == "pairs" ? 0.2 : 0.8);
    }
    void setTotal(std::int64_t bytes) { m_p.total = bytes; }
    void report(std::int64_t done, std::int64_t records, bool force = false)
    {
        if (!m_cb || (!force && (records % 256) != 0))
            return;
        m_p.done = done;
        m_p.fraction = m_start + m_share * (m_p.total > 0 ? double(done) / double(m_p.total) : 1.0);
        m_p.detail = std::to_string(records) + m_unit;
        reportProgress(m_cb, m_p);
    }

private:
    const ProgressCallback& m_cb;
    const char* m_unit;
    Progress m_p;
    double m_start = 0, m_share = 1;
};

std::int64_t writePairs(const std::filesystem::path& jsonl, const std::filesystem::path& out, Reporter reporter)
{
    LineReader reader(jsonl);
    reporter.setTotal(reader.size());
    LmdbWriter writer(out, 5000); // upstream commits every 5000 pairs
    std::string line;
    std::int64_t index = 0;
    while (reader.next(line)) {
        const std::string_view text = stripAscii(line);
        if (text.empty())
            continue;
        nlohmann::json obj;
        try {
            obj = nlohmann::json::parse(text);
        } catch (const nlohmann::json::exception& e) {
            throw Error(reader.where() + ": bad JSON (" + e.what() + ")");
        }
        CLIPWB_CHECK(obj.is_object(), reader.where(), ": expected a JSON object");
        for (const char* field : {"text_id", "text", "image_ids"})
            CLIPWB_CHECK(obj.contains(field), reader.where(), ": field ", field, " is missing");
        CLIPWB_CHECK(obj["text_id"].is_number_integer(), reader.where(), ": text_id must be an integer");
        CLIPWB_CHECK(obj["text"].is_string(), reader.where(), ": text must be a string");
        CLIPWB_CHECK(obj["image_ids"].is_array(), reader.where(), ": image_ids must be a list");
        const auto textId = obj["text_id"].get<std::int64_t>();
        const auto& caption = obj["text"].get_ref<const std::string&>();
        for (const auto& imageId : obj["image_ids"]) {
            CLIPWB_CHECK(imageId.is_number_integer(), reader.where(), ": image_ids must hold integers");
            const pickle::Value pair = pickle::Value::tuple({pickle::Value::integer(imageId.get<std::int64_t>()),
                                                             pickle::Value::integer(textId),
                                                             pickle::Value::string(caption)});
            writer.put(std::to_string(index), pickle::encode(pair, 4));
            ++index;
        }
        reporter.report(reader.done(), index);
    }
    writer.put("num_samples", std::to_string(index));
    writer.finish();
    reporter.report(reader.size(), index, true);
    return index;
}

std::int64_t writeImages(const std::filesystem::path& tsv, const std::filesystem::path& out, Reporter reporter)
{
    LineReader reader(tsv);
    reporter.setTotal(reader.size());
    LmdbWriter writer(out, 1000); // upstream commits every 1000 images
    std::string line;
    std::int64_t count = 0;
    while (reader.next(line)) {
        const std::string_view text = stripAscii(line);
        if (text.empty())
            continue;
        const auto tab = text.find('\t');
        CLIPWB_CHECK(tab != std::string_view::npos && text.find('\t', tab + 1) == std::string_view::npos,
                     reader.where(), ": expected 'image_id<TAB>base64'");
        const std::string_view id = text.substr(0, tab);
        const std::string_view b64 = text.substr(tab + 1);
        CLIPWB_CHECK(!id.empty() && id.find_first_not_of("0123456789") == std::string_view::npos, reader.where(),
                     ": image id '", std::string(id.substr(0, 40)), "' is not a non-negative integer");
        CLIPWB_CHECK(!b64.empty() && decodeBase64(b64).has_value(), reader.where(), ": bad base64 for image ",
                     std::string(id));
        writer.put(std::string(id), std::string(b64));
        ++count;
        reporter.report(reader.done(), count);
    }
    writer.put("num_images", std::to_string(count));
    writer.finish();
    reporter.report(reader.size(), count, true);
    return count;
}

} // namespace

std::vector<BuildLmdbSplitResult> buildLmdb(const BuildLmdbOptions& options,
                                            const ProgressCallback& progress)
{
    CLIPWB_CHECK(std::filesystem::is_directory(options.dataDir), "data folder ", options.dataDir.string(),
                 " does not exist");
    CLIPWB_CHECK(!options.splits.empty(), "no splits given");
    const std::filesystem::path lmdbDir = options.lmdbDir.empty() ? options.dataDir / "lmdb" : options.lmdbDir;
    // Check every input first, so that a missing file fails before anything is written.
    for (const auto& split : options.splits) {
        CLIPWB_CHECK(!split.empty() && split.find('/') == std::string::npos, "bad split name '", split, "'");
        for (const auto& file : {split + "_texts.jsonl", split + "_imgs.tsv"})
            CLIPWB_CHECK(std::filesystem::is_regular_file(options.dataDir / file), "missing ",
                         (options.dataDir / file).string());
    }
    std::vector<BuildLmdbSplitResult> results;
    for (std::size_t index = 0; index < options.splits.size(); ++index) {
        const std::string& split = options.splits[index];
        const std::filesystem::path final = lmdbDir / split;
        const std::filesystem::path tmp = lmdbDir / ("." + split + ".building-" + std::to_string(::getpid()));
        std::filesystem::remove_all(tmp);
        try {
            BuildLmdbSplitResult r;
            r.split = split;
            r.path = final;
            const std::size_t count = options.splits.size();
            r.numSamples = writePairs(options.dataDir / (split + "_texts.jsonl"), tmp / "pairs",
                                      Reporter(progress, split, "pairs", index, count));
            r.numImages = writeImages(options.dataDir / (split + "_imgs.tsv"), tmp / "imgs",
                                      Reporter(progress, split, "imgs", index, count));
            std::filesystem::remove_all(final);
            std::filesystem::rename(tmp, final);
            results.push_back(r);
        } catch (...) {
            std::error_code ec;
            std::filesystem::remove_all(tmp, ec);
            throw;
        }
    }
    return results;
}

} // namespace clipwb::data
