// Entry points of the dataset readers: a whole LMDB environment, one record, an image.
#include "FuzzSupport.h"

#include "data/Base64.h"
#include "data/DatasetChecker.h"
#include "data/ImageDecoder.h"
#include "data/ImageTransform.h"
#include "data/LmdbReader.h"
#include "data/LmdbSplit.h"
#include "text/Tokenizer.h"

#include <vector>

namespace clipwb::fuzz {

namespace fs = std::filesystem;

Outcome fuzzLmdbEnv(const std::uint8_t* data, std::size_t size)
{
    // The same bytes as imgs/ and pairs/ of a split, then everything a reader does.
    const fs::path split = scratch() / "split";
    writeScratch("split/imgs/data.mdb", bytesOf(data, size));
    writeScratch("split/pairs/data.mdb", bytesOf(data, size));
    return guardedRun([&] {
        {
            const data::LmdbReader reader(split / "imgs", "fuzz imgs");
            (void)reader.entries();
            std::vector<std::string> keys;
            reader.forEachKey([&](std::string_view key) {
                if (keys.size() < 256)
                    keys.emplace_back(key);
            });
            for (const std::string& key : keys)
                (void)reader.get(key);
        }
        data::DatasetCheckOptions options;
        options.decodeImages = true;
        const data::DatasetCheckReport report = data::checkDataset(split, options);
        (void)report.toJson();
        // Bad records are the record fuzzer's business; here: was the file readable?
        for (const data::DatasetProblem& problem : report.problems)
            if (problem.kind == data::DatasetProblem::Kind::DamagedFile)
                throw Error(problem.message);
    });
}

Outcome fuzzLmdbRecord(const std::uint8_t* data, std::size_t size)
{
    // First byte: which value of a record. Even: a pickled pair, as the pairs/
    // environment stores it. Odd: a base64 image, as imgs/ stores it, decoded and
    // preprocessed as the loader does.
    if (size == 0)
        return Outcome::Rejected;
    const std::string value(bytesOf(data + 1, size - 1));
    return guardedRun([&] {
        if (data[0] % 2 == 0) {
            const data::PairRecord pair = data::LmdbSplit::decodePair(value, 0, "fuzz pair");
            (void)text::preprocessText(pair.text);
            return;
        }
        const auto bytes = data::decodeBase64(value);
        CLIPWB_CHECK(bytes.has_value(), "fuzz image: not valid base64");
        const data::DecodedImage image = data::decodeImage(*bytes, "fuzz image");
        std::vector<float> out(3 * 32 * 32);
        data::preprocessForEvalInto(image, 32, out.data());
    });
}

Outcome fuzzImage(const std::uint8_t* data, std::size_t size)
{
    return guardedRun([&] {
        const data::DecodedImage image = data::decodeImage(bytesOf(data, size), "fuzz image");
        (void)data::toRgb(image);
    });
}

} // namespace clipwb::fuzz
