#include "support/CrossCheck.h"
#include "common/Error.h"
#include "text/Tokenizer.h"
#include "text/Unicode.h"
#include "text/UnicodeTables.h"

#include <nlohmann/json.hpp>

#include <QFileInfo>
#include <QProcess>
#include <QTest>

#include <chrono>
#include <fstream>
#include <thread>

using clipwb::text::Tokenizer;

namespace {

struct Case {
    std::string text;
    int contextLength;
    std::vector<int64_t> ids, idsAfterPreprocess;
};

std::vector<Case> loadCases()
{
    std::ifstream in(CLIPWB_TEST_FIXTURES "/tokenizer/cases.jsonl");
    std::vector<Case> cases;
    std::string line;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line);
        cases.push_back({j["text"], j["context_length"], j["ids"], j["ids_after_preprocess"]});
    }
    return cases;
}

QString describe(const std::vector<int64_t>& ids)
{
    QStringList parts;
    for (auto id : ids)
        parts << QString::number(id);
    return parts.join(QLatin1Char(' '));
}

} // namespace

class TestTokenizer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesEveryReferenceCase()
    {
        const Tokenizer tokenizer = Tokenizer::fromEmbeddedVocab();
        const auto cases = loadCases();
        QCOMPARE(cases.size(), size_t(480));
        int failures = 0;
        for (const Case& c : cases) {
            const auto raw = tokenizer.encode(c.text, c.contextLength);
            const auto pre = tokenizer.encode(clipwb::text::preprocessText(c.text), c.contextLength);
            if (raw != c.ids || pre != c.idsAfterPreprocess) {
                ++failures;
                qWarning("%s\n  ours %s\n  want %s", c.text.c_str(), qPrintable(describe(raw)),
                         qPrintable(describe(c.ids)));
            }
        }
        QCOMPARE(failures, 0);
    }

    void wordpiecesAndVocab()
    {
        const Tokenizer t = Tokenizer::fromEmbeddedVocab();
        QCOMPARE(t.vocabSize(), size_t(21128));
        QCOMPARE(t.tokenToId("[CLS]"), int64_t(101));
        QCOMPARE(t.idToToken(102), std::string("[SEP]"));
        QCOMPARE(t.tokenToId("no-such-token-here"), int64_t(-1));
        QVERIFY_THROWS_EXCEPTION(clipwb::Error, t.idToToken(21128));
        const auto pieces = t.tokenize("一只猫 Unaffable!");
        QCOMPARE(pieces.front(), std::string("一"));
        QCOMPARE(pieces.back(), std::string("!"));
        for (const auto& p : pieces)
            QVERIFY(t.tokenToId(p) >= 0);
        // Accents stripped after lower-casing; CJK split apart; punctuation split.
        const auto words = t.basicTokenize("Café,北京");
        QCOMPARE(words, (std::vector<std::string>{"cafe", ",", "北", "京"}));
        QVERIFY_THROWS_EXCEPTION(clipwb::Error, t.encode("x", 1));
    }

    void invalidUtf8IsDropped()
    {
        const Tokenizer t = Tokenizer::fromEmbeddedVocab();
        // Bytes Python would decode to U+FFFD, which the text cleaning removes.
        QCOMPARE(t.encode(std::string("猫\xff\xc3") + "狗", 8), t.encode("猫狗", 8));
        QCOMPARE(t.encode("\xed\xa0\x80", 4), t.encode("", 4));
    }

    void pythonLowerAndNfd()
    {
        using namespace clipwb::text;
        QCOMPARE(preprocessText("ΟΔΟΣ “Quote”"), std::string("οδος \"quote\""));
        QCOMPARE(preprocessText("Σ"), std::string("σ"));
        QCOMPARE(preprocessText("İ"), std::string("i\xcc\x87"));
        std::u32string nfd;
        unicode::appendNfd(nfd, U"한é");
        QCOMPARE(unicode::encodeUtf8(nfd), unicode::encodeUtf8(U"\u1112\u1161\u11abe\u0301"));
    }

    void crossChecksUnicodeWithPython()
    {
        CLIPWB_REQUIRE_PYTHON({});
        // A sample of code points from every plane area: Python's lower + NFD + categories vs ours.
        QProcess python;
        python.start(QStringLiteral("/usr/bin/python3"),
                     {QStringLiteral("-c"),
                      QStringLiteral("import unicodedata as u, json\n"
                                     "out = []\n"
                                     "for cp in list(range(0, 0x3400, 3)) + list(range(0xA000, 0x10000, 7)) + "
                                     "list(range(0x10000, 0x1F000, 31)):\n"
                                     "    if 0xD800 <= cp <= 0xDFFF: continue\n"
                                     "    c = chr(cp)\n"
                                     "    out.append([cp, u.category(c), c.isspace(), [ord(x) for x in "
                                     "u.normalize('NFD', c.lower())]])\n"
                                     "print(json.dumps(out))\n")});
        QVERIFY(python.waitForFinished(60000));
        const auto rows = nlohmann::json::parse(python.readAllStandardOutput().toStdString());
        QVERIFY(rows.size() > 5000);
        using namespace clipwb::text::unicode;
        for (const auto& row : rows) {
            const char32_t cp = row[0].get<uint32_t>();
            const std::string cat = row[1];
            const uint8_t f = flags(cp);
            QVERIFY2(bool(f & Punctuation) == (cat[0] == 'P'), qPrintable(QString::number(cp, 16)));
            QVERIFY2(bool(f & NonspacingMark) == (cat == "Mn"), qPrintable(QString::number(cp, 16)));
            QVERIFY2(bool(f & Control) == (cat == "Cc" || cat == "Cf"), qPrintable(QString::number(cp, 16)));
            QVERIFY2(bool(f & SpaceSeparator) == (cat == "Zs"), qPrintable(QString::number(cp, 16)));
            QVERIFY2(bool(f & PythonSpace) == row[2].get<bool>(), qPrintable(QString::number(cp, 16)));
            std::u32string nfd;
            appendNfd(nfd, pythonLower(std::u32string(1, cp)));
            std::u32string want;
            for (const auto& x : row[3])
                want.push_back(x.get<uint32_t>());
            QVERIFY2(nfd == want, qPrintable(QString::number(cp, 16)));
        }
    }

    void concurrentUseGivesTheSameIds()
    {
        const Tokenizer t = Tokenizer::fromEmbeddedVocab();
        const auto cases = loadCases();
        std::vector<std::thread> threads;
        std::atomic<int> mismatches{0};
        for (int k = 0; k < 4; ++k)
            threads.emplace_back([&] {
                for (int round = 0; round < 3; ++round)
                    for (const Case& c : cases)
                        if (t.encode(c.text, c.contextLength) != c.ids)
                            ++mismatches;
            });
        for (auto& th : threads)
            th.join();
        QCOMPARE(mismatches.load(), 0);
    }

    void throughput()
    {
        const Tokenizer t = Tokenizer::fromEmbeddedVocab();
        const auto cases = loadCases();
        std::vector<int64_t> ids(52);
        const auto start = std::chrono::steady_clock::now();
        int n = 0;
        for (int round = 0; round < 20; ++round)
            for (const Case& c : cases) {
                t.encodeInto(c.text, 52, ids.data());
                ++n;
            }
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        qInfo("tokenizer: %.0f texts/s (reference cases, context 52)", n / s);
    }

    void cliMatchesReference()
    {
        const QString cli = QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli");
        CLIPWB_REQUIRE_CLI();
        const auto cases = loadCases();
        for (bool raw : {false, true}) {
            for (int ctx : {52, 24}) {
                QByteArray input;
                std::vector<const Case*> selected;
                for (const Case& c : cases)
                    if (c.contextLength == ctx) {
                        input += QByteArray::fromStdString(nlohmann::json(c.text).dump()) + '\n';
                        selected.push_back(&c);
                    }
                QProcess p;
                QStringList args{QStringLiteral("tokenize"), QStringLiteral("--context-length"),
                                 QString::number(ctx)};
                if (raw)
                    args << QStringLiteral("--raw");
                p.start(cli, args);
                p.write(input);
                p.closeWriteChannel();
                QVERIFY(p.waitForFinished(60000));
                QCOMPARE(p.exitCode(), 0);
                const auto lines = p.readAllStandardOutput().split('\n');
                QVERIFY(lines.size() >= int(selected.size()));
                for (size_t i = 0; i < selected.size(); ++i)
                    QCOMPARE(QString::fromLatin1(lines[int(i)]),
                             describe(raw ? selected[i]->ids : selected[i]->idsAfterPreprocess));
            }
        }
        QProcess bad;
        bad.start(cli, {QStringLiteral("tokenize")});
        bad.write("\"ok\"\nnot json\n");
        bad.closeWriteChannel();
        QVERIFY(bad.waitForFinished(60000));
        QCOMPARE(bad.exitCode(), 1);
        QVERIFY(bad.readAllStandardError().contains("stdin line 2"));
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "TestTokenizer.moc"
