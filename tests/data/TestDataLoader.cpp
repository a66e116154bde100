// The loader against the reference LMDB and upstream's sampling order.
#include "common/Error.h"
#include "data/DataLoader.h"
#include "data/ImageDecoder.h"
#include "data/ImageTransform.h"
#include "text/Tokenizer.h"

#include <lmdb.h>
#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace fs = std::filesystem;
using namespace clipwb::data;

namespace {

const fs::path kFixtures = CLIPWB_TEST_FIXTURES;
const fs::path kTrain = kFixtures / "lmdb" / "lmdb" / "train";
const fs::path kValid = kFixtures / "lmdb" / "lmdb" / "valid";

nlohmann::json readJson(const fs::path& path)
{
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

std::vector<nlohmann::json> readJsonLines(const fs::path& path)
{
    std::ifstream in(path);
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty())
            lines.push_back(nlohmann::json::parse(line));
    }
    return lines;
}

std::string base64Decode(const std::string& text)
{
    std::string bytes;
    uint32_t buffer = 0; // only the low bits matter: unsigned, so shifting out the high ones is defined
    int bits = 0;
    for (const char c : text) {
        uint32_t value;
        if (c >= 'A' && c <= 'Z')
            value = c - 'A';
        else if (c >= 'a' && c <= 'z')
            value = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            value = c - '0' + 52;
        else if (c == '+' || c == '-')
            value = 62;
        else if (c == '/' || c == '_')
            value = 63;
        else
            continue;
        buffer = (buffer << 6) | value;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    return bytes;
}

// image id -> encoded bytes, from the raw upstream tsv the LMDB was built from.
std::map<int64_t, std::string> rawImages(const fs::path& tsv)
{
    std::map<int64_t, std::string> images;
    std::ifstream in(tsv);
    for (std::string line; std::getline(in, line);) {
        const auto tab = line.find('\t');
        images[std::stoll(line.substr(0, tab))] = base64Decode(line.substr(tab + 1));
    }
    return images;
}

std::shared_ptr<const clipwb::text::Tokenizer> tokenizer()
{
    static auto shared =
        std::make_shared<const clipwb::text::Tokenizer>(clipwb::text::Tokenizer::fromEmbeddedVocab());
    return shared;
}

LoaderOptions trainOptions(int workers)
{
    const auto config = readJson(kFixtures / "train" / "fp32_bs8" / "config.json");
    LoaderOptions options;
    options.split = kTrain;
    options.batchSize = config.at("batch_size").get<int64_t>();
    options.resolution = 64; // Tiny-ViT
    options.contextLength = config.at("context_length").get<int>();
    options.numWorkers = workers;
    options.seed = config.at("seed").get<uint64_t>();
    options.training = true;
    options.augment = false;
    return options;
}

std::vector<Batch> wholeEpoch(DataLoader& loader, int64_t epoch, int64_t skip = 0)
{
    loader.startEpoch(epoch, skip);
    std::vector<Batch> batches;
    while (auto batch = loader.next())
        batches.push_back(std::move(*batch));
    return batches;
}

bool sameBatches(const std::vector<Batch>& a, const std::vector<Batch>& b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].indices != b[i].indices || !torch::equal(a[i].images, b[i].images) ||
            !torch::equal(a[i].texts, b[i].texts))
            return false;
    }
    return true;
}

void overwriteImage(const fs::path& imgsDir, int64_t imageId, const std::string& value)
{
    MDB_env* env = nullptr;
    QCOMPARE(mdb_env_create(&env), 0);
    QCOMPARE(mdb_env_set_mapsize(env, 64 << 20), 0);
    QCOMPARE(mdb_env_open(env, imgsDir.c_str(), 0, 0644), 0);
    MDB_txn* txn = nullptr;
    QCOMPARE(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    MDB_dbi dbi;
    QCOMPARE(mdb_dbi_open(txn, nullptr, 0, &dbi), 0);
    std::string key = std::to_string(imageId);
    MDB_val k{key.size(), key.data()};
    MDB_val v{value.size(), const_cast<char*>(value.data())};
    QCOMPARE(mdb_put(txn, dbi, &k, &v, 0), 0);
    QCOMPARE(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

} // namespace

class TestDataLoader : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // The fp32_bs8 reference run's first batch: the pairs upstream's sampler picks (torch's
    // randperm order, recorded in tests/data/upstream_randperm.json), preprocessed as upstream does.
    void firstBatchIsUpstreams()
    {
        DataLoader loader(trainOptions(0), tokenizer());
        QCOMPARE(loader.numSamples(), int64_t(96));
        QCOMPARE(loader.batchesPerEpoch(), int64_t(12));
        loader.startEpoch(0);
        const auto batch = loader.next();
        QVERIFY(batch.has_value());
        QCOMPARE(batch->images.sizes().vec(), (std::vector<int64_t>{8, 3, 64, 64}));
        QCOMPARE(batch->texts.sizes().vec(), (std::vector<int64_t>{8, 52}));
        QCOMPARE(batch->texts.scalar_type(), torch::kInt64);

        std::vector<int64_t> upstreamOrder;
        const auto reference = readJson(fs::path(CLIPWB_SOURCE_DIR) / "tests/data/upstream_randperm.json");
        for (const auto& c : reference.at("cases")) {
            if (c.at("n") == 96 && c.at("seed") == 101)
                upstreamOrder = c.at("order").get<std::vector<int64_t>>();
        }
        QCOMPARE(upstreamOrder.size(), size_t(96));
        const auto dump = readJsonLines(kFixtures / "lmdb" / "train_pairs_dump.jsonl");
        const auto images = rawImages(kFixtures / "lmdb" / "train_imgs.tsv");
        for (int row = 0; row < 8; ++row) {
            const int64_t pairIndex = upstreamOrder[row] % 96;
            QCOMPARE(batch->indices[row], pairIndex);
            const auto& pair = dump.at(pairIndex);
            const int64_t imageId = pair.at("image_id");
            const auto expectedImage =
                preprocessForEval(decodeImage(images.at(imageId), std::to_string(imageId)), 64);
            QVERIFY(torch::equal(batch->images[row], expectedImage));
            const auto ids =
                tokenizer()->encode(clipwb::text::preprocessText(pair.at("text").get<std::string>()), 52);
            QVERIFY(torch::equal(batch->texts[row], torch::tensor(ids, torch::kInt64)));
            QCOMPARE(batch->texts[row][0].item<int64_t>(), int64_t(101)); // [CLS]
        }
    }

    void workersChangeNothing()
    {
        DataLoader inline0(trainOptions(0), tokenizer());
        DataLoader threaded(trainOptions(3), tokenizer());
        const auto a = wholeEpoch(inline0, 1);
        QCOMPARE(a.size(), size_t(12));
        QVERIFY(sameBatches(a, wholeEpoch(threaded, 1)));
        // Restarting mid-epoch drops what was prefetched.
        threaded.startEpoch(2);
        QVERIFY(threaded.next().has_value());
        QVERIFY(sameBatches(a, wholeEpoch(threaded, 1)));
        QVERIFY(!sameBatches(a, wholeEpoch(inline0, 2)));
    }

    void dataOffsetResumesExactly()
    {
        DataLoader loader(trainOptions(2), tokenizer());
        const auto full = wholeEpoch(loader, 4);
        const auto resumed = wholeEpoch(loader, 4, 5);
        QCOMPARE(resumed.size(), size_t(7));
        QVERIFY(sameBatches(std::vector<Batch>(full.begin() + 5, full.end()), resumed));
        QCOMPARE(resumed.front().batchIndex, int64_t(5));
        QVERIFY(wholeEpoch(loader, 4, 12).empty());
    }

    void validationAlwaysUsesEpochZeroAndPads()
    {
        LoaderOptions options = trainOptions(1);
        options.split = kValid;
        options.training = false;
        options.batchSize = 7;
        DataLoader loader(options, tokenizer());
        QCOMPARE(loader.splitSamples(), int64_t(40));
        QCOMPARE(loader.numSamples(), int64_t(42));
        QCOMPARE(loader.batchesPerEpoch(), int64_t(6));
        const auto epoch0 = wholeEpoch(loader, 0);
        QVERIFY(sameBatches(epoch0, wholeEpoch(loader, 3)));
        const auto order = loader.sampler().epochOrder(0);
        std::vector<int64_t> seen;
        for (const auto& batch : epoch0)
            seen.insert(seen.end(), batch.indices.begin(), batch.indices.end());
        QCOMPARE(seen.size(), size_t(42));
        for (size_t i = 0; i < seen.size(); ++i)
            QCOMPARE(seen[i], order[i] % 40); // positions 40 and 41 read pairs 0 and 1 again
    }

    void corruptRecordIsCountedLoggedAndReplaced()
    {
        QTemporaryDir dir;
        const fs::path copy = fs::path(dir.path().toStdString()) / "train";
        fs::copy(kTrain, copy, fs::copy_options::recursive);
        const auto dump = readJsonLines(kFixtures / "lmdb" / "train_pairs_dump.jsonl");
        DataLoader reference(trainOptions(0), tokenizer());
        reference.startEpoch(0);
        const auto expected = reference.next();
        const int64_t victim = expected->indices[0];
        overwriteImage(copy / "imgs", dump.at(victim).at("image_id").get<int64_t>(), "bm90IGFuIGltYWdl");

        LoaderOptions options = trainOptions(2);
        options.split = copy;
        DataLoader loader(options, tokenizer());
        std::mutex mutex;
        std::vector<std::pair<int64_t, std::string>> reports;
        loader.setCorruptRecordHandler([&](int64_t index, const std::string& message) {
            std::lock_guard lock(mutex);
            reports.emplace_back(index, message);
        });
        const auto epoch0 = wholeEpoch(loader, 0);
        QCOMPARE(epoch0.size(), size_t(12));
        QCOMPARE(loader.corruptRecords(), int64_t(1));
        QCOMPARE(reports.size(), size_t(1));
        QCOMPARE(reports[0].first, victim);
        const std::string imageId = std::to_string(dump.at(victim).at("image_id").get<int64_t>());
        QVERIFY2(reports[0].second.find(imageId) != std::string::npos, reports[0].second.c_str());
        // Replaced by the next pair, deterministically; the rest of the batch is untouched.
        QCOMPARE(epoch0[0].indices[0], (victim + 1) % 96);
        for (int row = 1; row < 8; ++row)
            QCOMPARE(epoch0[0].indices[row], expected->indices[row]);
        QVERIFY(torch::equal(epoch0[0].images.slice(0, 1), expected->images.slice(0, 1)));
        // Known bad records are skipped without a second report.
        wholeEpoch(loader, 1);
        QCOMPARE(reports.size(), size_t(1));
    }

    void augmentationIsSeededPerSample()
    {
        LoaderOptions options = trainOptions(0);
        options.augment = true;
        DataLoader a(options, tokenizer());
        options.numWorkers = 2;
        DataLoader b(options, tokenizer());
        const auto first = wholeEpoch(a, 0);
        QVERIFY(sameBatches(first, wholeEpoch(b, 0)));
        DataLoader plain(trainOptions(0), tokenizer());
        const auto unaugmented = wholeEpoch(plain, 0);
        QCOMPARE(first[0].indices, unaugmented[0].indices);
        QVERIFY(!torch::equal(first[0].images, unaugmented[0].images));
        QVERIFY(torch::equal(first[0].texts, unaugmented[0].texts));
    }

    void pixelBatchesNormaliseToTheSameFloats_data()
    {
        QTest::addColumn<bool>("training");
        QTest::addColumn<bool>("augment");
        QTest::newRow("training") << true << false;
        QTest::newRow("augmented") << true << true;
        QTest::newRow("validation") << false << false;
    }

    void pixelBatchesNormaliseToTheSameFloats()
    {
        // What a CUDA run sends to the GPU: bytes, normalised there; the floats must be the same.
        QFETCH(bool, training);
        QFETCH(bool, augment);
        LoaderOptions options = trainOptions(2);
        options.training = training;
        options.augment = augment;
        DataLoader floats(options, tokenizer());
        options.pixelImages = true;
        DataLoader pixels(options, tokenizer());
        const auto a = wholeEpoch(floats, 1);
        const auto b = wholeEpoch(pixels, 1);
        QCOMPARE(a.size(), b.size());
        QVERIFY(!a.empty());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(b[i].images.scalar_type(), torch::kUInt8);
            QCOMPARE(b[i].images.nbytes() * 4, a[i].images.nbytes());
            QCOMPARE(b[i].indices, a[i].indices);
            QVERIFY(torch::equal(b[i].texts, a[i].texts));
            const torch::Tensor normalised = clipwb::data::normalizeImages(b[i].images);
            QCOMPARE(normalised.scalar_type(), torch::kFloat32);
            QVERIFY2(torch::equal(normalised, a[i].images), qPrintable(QString::number(i)));
        }
        // A float batch passes through untouched.
        QVERIFY(clipwb::data::normalizeImages(a[0].images).is_same(a[0].images));
    }

    void badSplitIsAnError()
    {
        LoaderOptions options = trainOptions(0);
        options.split = "/no/such/split";
        QVERIFY_THROWS_EXCEPTION(std::exception, DataLoader(options, tokenizer()));
    }
};

QTEST_GUILESS_MAIN(TestDataLoader)
#include "TestDataLoader.moc"
