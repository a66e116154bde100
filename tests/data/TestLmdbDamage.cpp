// A damaged LMDB never takes the program down. Copies of the reference
// validation split get several kinds of damage (random bytes at several
// offsets, a truncated file, a file of zeros, a zeroed page, a file cut short
// while it is open); every reader (LmdbSplit, dataset check, the training
// loader, clipwb-cli dataset check/info/pairs) must end with a clear error
// naming the split and the file, or read what is still readable, and never
// crash or hang.
#include "common/Error.h"
#include "data/DataLoader.h"
#include "data/DatasetChecker.h"
#include "data/ImageDecoder.h"
#include "data/LmdbDamaged.h"
#include "data/LmdbSplit.h"
#include "text/Tokenizer.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

namespace fs = std::filesystem;
using namespace clipwb::data;

namespace {

const fs::path kValid = fs::path(CLIPWB_TEST_FIXTURES) / "lmdb" / "lmdb" / "valid";

enum class Expect { Damaged, Readable, Either };

struct Damage {
    const char* name;
    const char* part;    // imgs or pairs
    std::int64_t offset; // where; for "truncate" the new size
    std::int64_t length; // random bytes written; 0: see kind
    const char* kind;    // random, truncate, zeros, zeropage, zeropsize
    Expect expect;
};

// Offsets in the reference split: imgs/data.mdb is 31 pages of 4 KiB (meta pages
// 0-1, a branch page, leaves and overflow pages holding the base64 images);
// pairs/data.mdb is 3 pages.
const Damage kDamages[] = {
    {"random 20 KB at the start of imgs", "imgs", 0, 20480, "random", Expect::Damaged},
    {"random 20 KB in the middle of imgs", "imgs", 40000, 20480, "random", Expect::Damaged},
    {"random 20 KB at page 2 of imgs", "imgs", 8192, 20480, "random", Expect::Damaged},
    {"random 20 KB near the end of imgs", "imgs", 100000, 20480, "random", Expect::Either},
    {"random 2 KB in pairs", "pairs", 8192, 2048, "random", Expect::Either},
    {"imgs truncated to 64 KiB", "imgs", 65536, 0, "truncate", Expect::Damaged},
    {"imgs truncated to 100 bytes", "imgs", 100, 0, "truncate", Expect::Damaged},
    {"imgs emptied", "imgs", 0, 0, "truncate", Expect::Damaged},
    {"pairs truncated to one page", "pairs", 4096, 0, "truncate", Expect::Damaged},
    {"imgs all zeros", "imgs", 0, 0, "zeros", Expect::Damaged},
    {"pairs all zeros", "pairs", 0, 0, "zeros", Expect::Damaged},
    {"imgs meta page zeroed", "imgs", 0, 0, "zeropage", Expect::Damaged},
    // The page size in both meta pages set to 0: LMDB divides by it (SIGFPE; found by fuzz_lmdb_env).
    {"imgs page size 0", "imgs", 0, 0, "zeropsize", Expect::Damaged},
    {"imgs page 2 zeroed", "imgs", 2, 0, "zeropage", Expect::Damaged},
    {"imgs page 15 zeroed (one image)", "imgs", 15, 0, "zeropage", Expect::Readable},
};

void copySplit(const fs::path& to)
{
    fs::create_directories(to);
    fs::copy(kValid, to, fs::copy_options::recursive);
    for (const char* part : {"imgs", "pairs"})
        fs::permissions(to / part / "data.mdb", fs::perms::owner_read | fs::perms::owner_write,
                        fs::perm_options::add);
}

void applyDamage(const fs::path& split, const Damage& damage)
{
    const fs::path file = split / damage.part / "data.mdb";
    const std::string kind = damage.kind;
    if (kind == "truncate") {
        fs::resize_file(file, static_cast<std::uintmax_t>(damage.offset));
        return;
    }
    std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
    QVERIFY(out.good());
    if (kind == "zeros") {
        const std::string zeros(fs::file_size(file), '\0');
        out.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    } else if (kind == "zeropsize") {
        // The meta's page size (mm_dbs[FREE_DBI].md_pad) after the page header (16 bytes),
        // magic, version (4 each), address and map size (8 each), in meta pages 0 and 1.
        for (const std::streamoff page : {0, 4096}) {
            out.seekp(page + 40);
            out.write("\0\0\0\0", 4);
        }
    } else if (kind == "zeropage") {
        const std::string zeros(4096, '\0');
        out.seekp(damage.offset * 4096);
        out.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    } else {
        // mt19937's output is fixed by the standard: the same bytes everywhere.
        std::mt19937 random(static_cast<std::uint32_t>(damage.offset + damage.length));
        std::string bytes(static_cast<std::size_t>(damage.length), '\0');
        for (char& c : bytes)
            c = static_cast<char>(random() & 0xff);
        out.seekp(damage.offset);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    QVERIFY(out.good());
}

/// A data-driven test's rows, one for each of kDamages named in which (all when it is empty).
void addDamageRows(std::vector<int> which = {})
{
    QTest::addColumn<int>("which");
    if (which.empty())
        for (int i = 0; i < int(std::size(kDamages)); ++i)
            which.push_back(i);
    for (const int i : which)
        QTest::newRow(kDamages[i].name) << i;
}

/// A copy of the reference split in tmp ("valid"), with damage applied when given.
fs::path splitCopy(const QTemporaryDir& tmp, const Damage* damage = nullptr)
{
    const fs::path split = fs::path(tmp.path().toStdString()) / "valid";
    copySplit(split);
    if (damage)
        applyDamage(split, *damage);
    return split;
}

/// Reads everything a user of the split reads; "" when all went through, else the
/// LmdbDamaged message. Other errors (a bad record) are per record and counted.
std::string readEverything(const fs::path& split, int* badRecords = nullptr)
{
    try {
        const LmdbSplit lmdb(split);
        (void)lmdb.storedPairEntries();
        (void)lmdb.storedImageEntries();
        int bad = 0;
        // A bad record counts; damage to the file ends the reading.
        const auto read = [&bad](const auto& record) {
            try {
                record();
            } catch (const LmdbDamaged&) {
                throw;
            } catch (const clipwb::Error&) {
                ++bad;
            }
        };
        for (const std::int64_t id : lmdb.imageIds())
            read([&] { (void)decodeImage(lmdb.imageBytes(id), "image"); });
        for (std::int64_t i = 0; i < lmdb.numSamples(); ++i)
            read([&] { (void)lmdb.pair(i); });
        if (badRecords)
            *badRecords = bad;
        return {};
    } catch (const LmdbDamaged& e) {
        return e.what();
    } catch (const clipwb::Error& e) {
        // Damage can also leave a well-formed tree without the count keys: a plain
        // error naming the split and the key (no LmdbDamaged).
        return std::string("error: ") + e.what();
    }
}

void verifyNamesSplit(const std::string& message, const fs::path& split, const char* part)
{
    QVERIFY2(message.find(split.string()) != std::string::npos, message.c_str());
    QVERIFY2(message.find((split / part / "data.mdb").string()) != std::string::npos, message.c_str());
    QVERIFY2(message.find("damaged") != std::string::npos, message.c_str());
    QVERIFY2(message.find('\n') == std::string::npos, message.c_str());
}

} // namespace

class TestLmdbDamage : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readers_data() { addDamageRows(); }

    // LmdbSplit and dataset check: damage ends in LmdbDamaged naming the split and
    // file, and the checker reports it as a damaged_file problem; nothing crashes.
    void readers()
    {
        QFETCH(int, which);
        const Damage& damage = kDamages[which];
        QTemporaryDir tmp;
        const fs::path split = splitCopy(tmp, &damage);

        int bad = -1;
        const std::string message = readEverything(split, &bad);
        const bool plainError = message.rfind("error: ", 0) == 0;
        if (damage.expect == Expect::Damaged)
            QVERIFY2(!message.empty() && !plainError, message.empty() ? "read everything" : message.c_str());
        if (damage.expect == Expect::Readable) {
            QVERIFY2(message.empty(), message.c_str());
            QVERIFY(bad >= 1); // the damaged record itself is reported as one bad record
        }
        if (plainError) {
            QVERIFY2(message.find(split.string()) != std::string::npos, message.c_str());
            QVERIFY_THROWS_EXCEPTION(clipwb::Error, checkDataset(split));
            return;
        }
        if (!message.empty())
            verifyNamesSplit(message, split, damage.part);

        const DatasetCheckReport report = checkDataset(split);
        QVERIFY(!report.clean());
        bool damagedFile = false;
        for (const DatasetProblem& problem : report.problems)
            if (problem.kind == DatasetProblem::Kind::DamagedFile) {
                damagedFile = true;
                verifyNamesSplit(problem.message, split, damage.part);
            }
        QCOMPARE(damagedFile, !message.empty());
        QVERIFY(report.toJson().find(damagedFile ? "\"damaged_file\"" : "\"ok\": false") !=
                std::string::npos);
    }

    void faultWhileOpeningLeaksNoFile()
    {
        // A fault inside mdb_env_open (here the SIGFPE of a zero page size) must not leave its file
        // descriptor or map behind: the GUI may open a damaged split many times.
        const auto it = std::find_if(std::begin(kDamages), std::end(kDamages),
                                     [](const Damage& d) { return std::string(d.kind) == "zeropsize"; });
        QVERIFY(it != std::end(kDamages));
        QTemporaryDir tmp;
        const fs::path split = splitCopy(tmp, &*it);
        const auto openFiles = [] {
            return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{});
        };
        const auto before = openFiles();
        for (int i = 0; i < 50; ++i) {
            const std::string message = readEverything(split);
            QVERIFY2(message.find("SIGFPE") != std::string::npos, message.c_str());
        }
        QCOMPARE(openFiles(), before);
    }

    // A file cut short while it is open: the pages past the new end fault with
    // SIGBUS in the map. The read fails naming the split and the record, the
    // listener hears it once, the environment is closed and never read again,
    // and the other environment of the split still reads.
    void cutShortWhileOpen()
    {
        QTemporaryDir tmp;
        const fs::path split = splitCopy(tmp);
        LmdbSplit lmdb(split);
        std::vector<std::string> heard;
        lmdb.setDamageListener([&](const std::string& message) { heard.push_back(message); });
        const std::vector<std::int64_t> ids = lmdb.imageIds();
        QCOMPARE(ids.size(), std::size_t(40));
        fs::resize_file(split / "imgs" / "data.mdb", 8192);

        std::string first;
        for (const std::int64_t id : ids) {
            try {
                (void)lmdb.imageBytes(id);
            } catch (const LmdbDamaged& e) {
                first = e.what();
                QVERIFY2(first.find("image " + std::to_string(id)) != std::string::npos, e.what());
                break;
            }
        }
        QVERIFY2(!first.empty(), "no read faulted");
        QVERIFY2(first.find("SIGBUS") != std::string::npos, first.c_str());
        verifyNamesSplit(first, split, "imgs");
        QVERIFY(lmdb.damaged());
        QCOMPARE(heard.size(), std::size_t(1));
        QCOMPARE(heard[0], first);
        // Not reused: every later read throws the first message at once.
        for (const std::int64_t id : {ids.front(), ids.back()}) {
            try {
                (void)lmdb.imageBase64(id);
                QFAIL("a closed environment was read");
            } catch (const LmdbDamaged& e) {
                QCOMPARE(std::string(e.what()), first);
            }
        }
        QVERIFY_THROWS_EXCEPTION(LmdbDamaged, lmdb.imageIds());
        QCOMPARE(heard.size(), std::size_t(1));
        // pairs/ is another file: still fine.
        QCOMPARE(lmdb.pair(3).index, std::int64_t(3));
    }

    // The training loader stops at the first damaged read with the split's message,
    // instead of marking every record corrupt one after the other.
    void loaderStops()
    {
        QTemporaryDir tmp;
        const fs::path split = splitCopy(tmp, &kDamages[12]); // imgs page 2 zeroed: the tree's root
        LoaderOptions options;
        options.split = split;
        options.batchSize = 8;
        options.resolution = 32;
        options.numWorkers = 2;
        auto tokenizer =
            std::make_shared<const clipwb::text::Tokenizer>(clipwb::text::Tokenizer::fromEmbeddedVocab());
        std::vector<std::string> corrupt;
        try {
            DataLoader loader(options, tokenizer);
            loader.setCorruptRecordHandler(
                [&](int64_t, const std::string& message) { corrupt.push_back(message); });
            loader.startEpoch(0);
            while (loader.next()) {
            }
            QFAIL("the loader read a split whose image tree is gone");
        } catch (const LmdbDamaged& e) {
            verifyNamesSplit(e.what(), split, "imgs");
        }
        QVERIFY2(corrupt.size() <= 2, corrupt.empty() ? "" : corrupt.back().c_str());
    }

    void cli_data() { addDamageRows({0, 1, 5, 9, 12}); }

    // clipwb-cli dataset check / info / pairs: a clear message and an exit code,
    // never "Bus error".
    void cli()
    {
        QFETCH(int, which);
        const Damage& damage = kDamages[which];
        QTemporaryDir tmp;
        const fs::path split = splitCopy(tmp, &damage);
        const QString cli = QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli");
        const QString dir = QString::fromStdString(split.string());
        for (const QStringList& args :
             {QStringList{"dataset", "check", dir}, QStringList{"dataset", "info", dir},
              QStringList{"dataset", "pairs", dir}}) {
            QProcess process;
            process.start(cli, args);
            QVERIFY(process.waitForFinished(60000));
            const QString out = QString::fromUtf8(process.readAllStandardOutput());
            const QString err = QString::fromUtf8(process.readAllStandardError());
            const QString what = args.join(QLatin1Char(' ')) + QStringLiteral(": ") + out.right(400) + err;
            QCOMPARE(process.exitStatus(), QProcess::NormalExit); // not killed by a signal
            QVERIFY2(!err.contains(QLatin1String("Bus error")), qPrintable(what));
            if (args[1] == QLatin1String("check")) {
                QCOMPARE(process.exitCode(), 1);
                QVERIFY2(out.contains(QLatin1String("\"damaged_file\"")), qPrintable(what));
                QVERIFY2(out.contains(QString::fromStdString((split / damage.part / "data.mdb").string())),
                         qPrintable(what));
            } else if (process.exitCode() != 0) {
                QCOMPARE(process.exitCode(), 1);
                QVERIFY2(err.contains(QLatin1String("error: ")) && err.contains(dir) &&
                             err.contains(QLatin1String("damaged")),
                         qPrintable(what));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestLmdbDamage)
#include "TestLmdbDamage.moc"
