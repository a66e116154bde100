#include "support/CrossCheck.h"
#include "common/Error.h"
#include "common/Pickle.h"

#include <QFileInfo>
#include <QProcess>
#include <QTest>

#include <filesystem>
#include <random>
#include <unistd.h>

using clipwb::pickle::DecodeOptions;
using clipwb::pickle::Value;
namespace pk = clipwb::pickle;
using namespace std::string_literals;

namespace {

std::string fromHex(const std::string& hex)
{
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

std::string toHex(const std::string& bytes)
{
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

QString errorOf(const std::string& data, const DecodeOptions& options = {})
{
    try {
        pk::decode(data, options);
    } catch (const clipwb::Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

const char* kPython = "/usr/bin/python3";

// The same values on both sides: C++ builds them below, Python evaluates these expressions.
const char* kPythonCases[] = {
    "(1, 2, 'abc')",
    "(123456, 70000, '蓝色背景上的一个红色圆形')",
    "(-5, 2**40, 'x' * 300)",
    "[None, True, False, 1.5, -2.25e10, {'a': 1, 2: [3]}, (), (1,), (1, 2, 3, 4, 5)]",
    "[-2**63, 2**63 - 1, -129, -128, 255, 256, 65535, 65536, -1, 2**31, -2**31, -2**31 - 1]",
    "list(range(1500))",
    "collections.OrderedDict([('w', 1), ('b', (2.0, 'z'))])",
    "{'k%d' % i: i for i in range(1200)}",
};

std::vector<Value> cppCases()
{
    std::vector<Value> cases;
    cases.push_back(Value::tuple({Value::integer(1), Value::integer(2), Value::string("abc")}));
    cases.push_back(Value::tuple({Value::integer(123456), Value::integer(70000),
                                  Value::string("蓝色背景上的一个红色圆形")}));
    cases.push_back(Value::tuple(
        {Value::integer(-5), Value::integer(int64_t(1) << 40), Value::string(std::string(300, 'x'))}));
    cases.push_back(Value::list(
        {Value(), Value::boolean(true), Value::boolean(false), Value::floating(1.5), Value::floating(-2.25e10),
         Value::dict({{Value::string("a"), Value::integer(1)},
                      {Value::integer(2), Value::list({Value::integer(3)})}}),
         Value::tuple(), Value::tuple({Value::integer(1)}),
         Value::tuple({Value::integer(1), Value::integer(2), Value::integer(3), Value::integer(4),
                       Value::integer(5)})}));
    std::vector<Value> ints;
    for (int64_t v : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), int64_t(-129),
                      int64_t(-128), int64_t(255), int64_t(256), int64_t(65535), int64_t(65536), int64_t(-1),
                      int64_t(1) << 31, -(int64_t(1) << 31), -(int64_t(1) << 31) - 1})
        ints.push_back(Value::integer(v));
    cases.push_back(Value::list(ints));
    std::vector<Value> range;
    for (int i = 0; i < 1500; ++i)
        range.push_back(Value::integer(i));
    cases.push_back(Value::list(range));
    Value od = Value::reduce(Value::global("collections", "OrderedDict"), Value::tuple());
    od.dictItems().emplace_back(Value::string("w"), Value::integer(1));
    od.dictItems().emplace_back(Value::string("b"),
                                Value::tuple({Value::floating(2.0), Value::string("z")}));
    cases.push_back(od);
    std::vector<std::pair<Value, Value>> big;
    for (int i = 0; i < 1200; ++i)
        big.emplace_back(Value::string("k" + std::to_string(i)), Value::integer(i));
    cases.push_back(Value::dict(big));
    return cases;
}

} // namespace

class TestPickle : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void upstreamPairTupleIsByteExact()
    {
        // pickle.dumps((1, 2, 'abc')) as CPython 3 writes it (protocol 4).
        const std::string python = fromHex("8004950d000000000000004b014b028c036162639487942e");
        const Value pair = Value::tuple({Value::integer(1), Value::integer(2), Value::string("abc")});
        QCOMPARE(toHex(pk::encode(pair, 4)), toHex(python));
        const Value decoded = pk::decode(python);
        QVERIFY(decoded == pair);
        QCOMPARE(decoded.items().at(2).toStr(), std::string("abc"));
    }

    void roundTripsBothProtocols()
    {
        for (int proto : {2, 4}) {
            for (const Value& v : cppCases()) {
                const Value back = pk::decode(pk::encode(v, proto));
                QVERIFY2(back == v, (std::to_string(proto) + ": " + v.repr().substr(0, 200)).c_str());
            }
        }
        const Value bytes = Value::bytes(std::string("\x00\xff\x7f", 3));
        QVERIFY(pk::decode(pk::encode(bytes, 4)) == bytes);
    }

    void memoSharesMutatedContainers()
    {
        // l = []; d = {'a': l, 'b': l} with l appended to after memoization (protocol 2, by hand).
        const std::string data = "\x80\x02}q\x00(X\x01\x00\x00\x00"s + "a]q\x01K\x07" "aX\x01\x00\x00\x00"s +
                                 "bh\x01u."s;
        const Value v = pk::decode(data);
        QCOMPARE(v.find("a")->items().size(), size_t(1));
        QCOMPARE(v.find("b")->items().at(0).toInt(), int64_t(7));
    }

    void crossChecksWithPython()
    {
        CLIPWB_REQUIRE_PYTHON({});
        const auto cases = cppCases();
        for (std::size_t i = 0; i < cases.size(); ++i) {
            for (int proto : {2, 4}) {
                const std::string ours = pk::encode(cases[i], proto);
                // Python: its own bytes, and whether our bytes load to the same object.
                const QString script = QStringLiteral(
                                           "import pickle, collections, sys\n"
                                           "obj = %1\n"
                                           "ours = bytes.fromhex(sys.argv[1])\n"
                                           "print(pickle.dumps(obj, protocol=%2).hex())\n"
                                           "print(pickle.loads(ours) == obj and "
                                           "type(pickle.loads(ours)) == type(obj))\n")
                                           .arg(QString::fromUtf8(kPythonCases[i]))
                                           .arg(proto);
                QProcess python;
                python.start(QString::fromLatin1(kPython),
                             {QStringLiteral("-c"), script, QString::fromStdString(toHex(ours))});
                QVERIFY(python.waitForFinished(60000));
                QCOMPARE(python.exitCode(), 0);
                const QList<QByteArray> lines = python.readAllStandardOutput().trimmed().split('\n');
                QCOMPARE(lines.size(), 2);
                const std::string theirs = fromHex(lines[0].toStdString());
                const std::string label = std::string(kPythonCases[i]) + " protocol " + std::to_string(proto);
                QVERIFY2(pk::decode(theirs) == cases[i], label.c_str());
                QVERIFY2(lines[1] == "True", ("Python did not read back " + label).c_str());
                QVERIFY2(ours == theirs, ("bytes differ: " + label).c_str());
            }
        }
    }

    void orderedDictStaysInert()
    {
        const std::string data =
            fromHex("80049529000000000000008c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952"
                    "948c0177944b01732e");
        const Value v = pk::decode(data);
        QVERIFY(v.is(Value::Type::Reduce));
        QVERIFY(v.callable().isGlobal("collections", "OrderedDict"));
        QCOMPARE(v.find("w")->toInt(), int64_t(1));
    }

    void unknownOpcodeIsNamed()
    {
        const QString err = errorOf(std::string("\x80\x02K\x01\xff.", 6));
        QVERIFY2(err.contains(QStringLiteral("unsupported opcode (opcode 0xff at offset 4)")), qPrintable(err));
        // INST (text protocol 0) is outside the subset too.
        QVERIFY(errorOf("ios\nsystem\n(S'ls'\nt.").contains(QStringLiteral("unsupported opcode (opcode 'i' at offset 0)")));
    }

    void osSystemIsNeverCalled()
    {
        const std::filesystem::path marker =
            std::filesystem::temp_directory_path() / ("clipwb_pickle_pwned_" + std::to_string(::getpid()));
        std::filesystem::remove(marker);
        const std::string command = "touch " + marker.string();
        const std::string data = std::string("\x80\x02") + "cos\nsystem\n" + "X" +
                                 std::string(1, char(command.size())) + std::string(3, '\0') + command +
                                 "\x85R.";
        // Without an allow-list: decoded into an inert tree.
        const Value v = pk::decode(data);
        QVERIFY(v.callable().isGlobal("os", "system"));
        QCOMPARE(v.args().items().at(0).toStr(), command);
        QVERIFY(!std::filesystem::exists(marker));
        // With one: rejected by name, with the record named.
        DecodeOptions options;
        options.allowedGlobals = std::set<std::pair<std::string, std::string>>{{"collections", "OrderedDict"}};
        options.what = "checkpoint data.pkl";
        const QString err = errorOf(data, options);
        QVERIFY2(err.contains(QStringLiteral("os.system")) && err.contains(QStringLiteral("not allowed")),
                 qPrintable(err));
        QVERIFY(err.startsWith(QStringLiteral("checkpoint data.pkl: ")));
        // The same through STACK_GLOBAL.
        const std::string stacked = std::string("\x80\x04\x8c\x02os\x8c\x06system\x93.", 16);
        QVERIFY(errorOf(stacked, options).contains(QStringLiteral("os.system")));
        QVERIFY(!std::filesystem::exists(marker));
    }

    void truncatedDataIsAnError()
    {
        const std::string full = pk::encode(cppCases()[3], 4);
        for (std::size_t n = 0; n < full.size(); ++n) {
            const QString err = errorOf(full.substr(0, n));
            QVERIFY2(!err.isEmpty(), qPrintable(QStringLiteral("prefix %1 decoded").arg(n)));
        }
        // A length header claiming 2^60 bytes must not allocate them.
        std::string huge("\x80\x04\x8d", 3);
        huge += std::string("\x00\x00\x00\x00\x00\x00\x00\x10", 8) + "abc.";
        QVERIFY(errorOf(huge).contains(QStringLiteral("truncated")));
    }

    void deepNestingIsRejected()
    {
        std::string deep("\x80\x02", 2);
        const int depth = 200000;
        deep += std::string(depth, ']');
        deep += std::string(depth - 1, 'a');
        deep += '.';
        QVERIFY(errorOf(deep).contains(QStringLiteral("nesting deeper")));
        // Deep MARK nesting of tuples as well.
        std::string marks("\x80\x02", 2);
        marks += std::string(depth, '(') + std::string(depth, 't') + ".";
        QVERIFY(errorOf(marks).contains(QStringLiteral("nesting deeper")));
    }

    void referenceCyclesAreRejected()
    {
        // l = []; l.append(l)
        const std::string cycle = "\x80\x02]q\x00h\x00"s + "a.";
        QVERIFY(errorOf(cycle).contains(QStringLiteral("cycle")));
    }

    void sharedReferenceBlowupIsBounded()
    {
        // Each level is a list holding the previous one 10 times: 10^30 values if expanded.
        std::string bomb = "\x80\x02]q\x00"s;
        for (int level = 1; level <= 30; ++level) {
            bomb += "](";
            for (int k = 0; k < 10; ++k)
                bomb += std::string("h") + char(level - 1);
            bomb += "e";
            bomb += std::string("q") + char(level);
        }
        bomb += ".";
        QVERIFY(errorOf(bomb).contains(QStringLiteral("more than")));
    }

    void wideIntegersAreRejected()
    {
        // 2**64 needs 9 bytes.
        QVERIFY(errorOf(std::string("\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.", 14))
                    .contains(QStringLiteral("64 bits")));
    }

    void randomCorruptionNeverCrashes()
    {
        std::mt19937 rng(1234);
        std::vector<std::string> seeds;
        for (const Value& v : cppCases())
            for (int proto : {2, 4})
                seeds.push_back(pk::encode(v, proto).substr(0, 600));
        int errors = 0;
        for (int iter = 0; iter < 20000; ++iter) {
            std::string data = seeds[rng() % seeds.size()];
            const int edits = 1 + static_cast<int>(rng() % 4);
            for (int e = 0; e < edits; ++e)
                data[rng() % data.size()] = static_cast<char>(rng() & 0xff);
            try {
                pk::decode(data);
            } catch (const clipwb::Error&) {
                ++errors;
            }
        }
        QVERIFY(errors > 0);
    }
};

QTEST_GUILESS_MAIN(TestPickle)
#include "TestPickle.moc"
