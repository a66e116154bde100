// torch.save files: reading upstream's and Python's, writing ones Python reads,
// refusing malicious and broken ones.
#include "support/CrossCheck.h"
#include "PythonTorch.h"
#include "common/AtomicFile.h"
#include "common/Error.h"
#include "common/Pickle.h"
#include "model/ClipWeights.h"
#include "model/TorchCheckpoint.h"

#include <caffe2/serialize/inline_container.h>

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace clipwb;
using pickle::Value;

namespace {

const std::string kInit = std::string(CLIPWB_TEST_FIXTURES) + "/model/init.pt";
const std::string kLegacyDir = std::string(CLIPWB_TEST_FIXTURES) + "/model/legacy/";

/// A zip archive as torch.save lays it out, with any data.pkl and records.
void writeRawArchive(const std::string& path, const std::string& dataPickle,
                     const std::vector<std::pair<std::string, std::string>>& records = {})
{
    caffe2::serialize::PyTorchStreamWriter writer(path);
    writer.writeRecord("data.pkl", dataPickle.data(), dataPickle.size());
    for (const auto& [name, bytes] : records)
        writer.writeRecord(name, bytes.data(), bytes.size());
    writer.writeEndOfFile();
}

Value tensorPickle(const std::string& storageType, const std::string& key, int64_t numel,
                   std::vector<int64_t> size)
{
    std::vector<Value> sizes, strides;
    int64_t stride = 1;
    for (auto it = size.rbegin(); it != size.rend(); ++it) {
        strides.insert(strides.begin(), Value::integer(stride));
        stride *= *it;
    }
    for (int64_t s : size)
        sizes.push_back(Value::integer(s));
    const Value pid =
        Value::persistentId(Value::tuple({Value::string("storage"), Value::global("torch", storageType),
                                          Value::string(key), Value::string("cpu"), Value::integer(numel)}));
    return Value::reduce(
        Value::global("torch._utils", "_rebuild_tensor_v2"),
        Value::tuple({pid, Value::integer(0), Value::tuple(sizes), Value::tuple(strides),
                      Value::boolean(false),
                      Value::reduce(Value::global("collections", "OrderedDict"), Value::tuple())}));
}

std::string pythonDtypeName(torch::ScalarType dtype)
{
    switch (dtype) {
    case torch::kFloat32:
        return "float32";
    case torch::kFloat16:
        return "float16";
    case torch::kFloat64:
        return "float64";
    case torch::kInt64:
        return "int64";
    case torch::kUInt8:
        return "uint8";
    case torch::kBool:
        return "bool";
    default:
        return c10::toString(dtype);
    }
}

QString errorOf(const std::function<void()>& action)
{
    try {
        action();
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    } catch (const std::exception& e) {
        return QStringLiteral("UNEXPECTED EXCEPTION TYPE: ") + QString::fromUtf8(e.what());
    }
    return QStringLiteral("NO ERROR");
}

bool sameTensors(const model::NamedTensors& a, const model::NamedTensors& b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].first != b[i].first || a[i].second.scalar_type() != b[i].second.scalar_type() ||
            !torch::equal(a[i].second, b[i].second))
            return false;
    return true;
}

const char* const kPythonCompare = R"PY(
import sys, torch, collections
a = torch.load(sys.argv[1], map_location='cpu')
b = torch.load(sys.argv[2], map_location='cpu')
def norm(v):
    if isinstance(v, torch.Tensor): return ('tensor', str(v.dtype), tuple(v.shape), v.detach().reshape(-1).tolist())
    if isinstance(v, torch.Size): return tuple(v)
    if isinstance(v, (set, frozenset)): return sorted(norm(x) for x in v)
    if isinstance(v, dict): return [(norm(k), norm(x)) for k, x in v.items()]
    if isinstance(v, (list, tuple)): return type(v).__name__ == 'list' and [norm(x) for x in v] or tuple(norm(x) for x in v)
    return v
def canon(v):  # our reader turns sets into lists and torch.Size into tuples
    n = norm(v)
    return n
for key in a:
    x, y = norm(a[key]), norm(b[key])
    if isinstance(a[key], (set, frozenset)): y = sorted(y)
    if x != y:
        print('differs:', key); sys.exit(1)
if list(a.keys()) != list(b.keys()):
    print('keys differ', list(a.keys()), list(b.keys())); sys.exit(1)
print('same')
)PY";

} // namespace

class TestTorchCheckpoint : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsUpstreamCheckpoint()
    {
        const auto checkpoint = model::readTorchCheckpoint(kInit);
        QCOMPARE(checkpoint.epoch, std::optional<int64_t>(0));
        QCOMPARE(checkpoint.step, std::optional<int64_t>(0));
        QCOMPARE(checkpoint.name, std::string("refgen"));
        QVERIFY(!checkpoint.bareStateDict);
        QCOMPARE(checkpoint.stateDict.size(), size_t(71));
        QCOMPARE(checkpoint.stateDict[0].first, std::string("module.text_projection"));
        QCOMPARE(checkpoint.stateDict[0].second.sizes().vec(), (std::vector<int64_t>{64, 32}));
        QCOMPARE(checkpoint.stateDict[1].first, std::string("module.logit_scale"));
        QCOMPARE(checkpoint.stateDict[1].second.dim(), int64_t(0));
        QVERIFY(checkpoint.optimizer.has_value());
        QVERIFY(checkpoint.optimizer->value.find("state") != nullptr);
        QVERIFY(checkpoint.optimizer->value.find("param_groups") != nullptr);
        QVERIFY(checkpoint.extra.empty());
    }

    void roundTripIsExact()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("copy.pt")).toStdString();
        auto checkpoint = model::readTorchCheckpoint(kInit);
        // An optimizer with tensors, in PyTorch's layout, and an extra key.
        model::TorchObject optimizer;
        const Value state = Value::dict(
            {{Value::integer(0),
              Value::dict({{Value::string("step"), optimizer.addTensor(torch::tensor(3.0))},
                           {Value::string("exp_avg"), optimizer.addTensor(torch::randn({64, 32}))}})}});
        const Value group = Value::dict(
            {{Value::string("lr"), Value::floating(5e-5)},
             {Value::string("betas"), Value::tuple({Value::floating(0.9), Value::floating(0.98)})},
             {Value::string("params"), Value::list({Value::integer(0)})}});
        optimizer.value = Value::dict(
            {{Value::string("state"), state}, {Value::string("param_groups"), Value::list({group})}});
        checkpoint.optimizer = optimizer;
        model::TorchObject extra;
        extra.value = Value::dict({{Value::string("data_offset"), Value::integer(17)},
                                   {Value::string("rng"), extra.addTensor(torch::arange(5, torch::kUInt8))}});
        checkpoint.extra.emplace_back("clipwb", extra);
        checkpoint.epoch = 2;
        checkpoint.step = 40;
        model::writeTorchCheckpoint(path, checkpoint);
        // Nothing but the file itself is left in the folder.
        QCOMPARE(std::distance(std::filesystem::directory_iterator(dir.path().toStdString()),
                               std::filesystem::directory_iterator()),
                 1L);

        const auto again = model::readTorchCheckpoint(path);
        QCOMPARE(again.epoch, std::optional<int64_t>(2));
        QCOMPARE(again.step, std::optional<int64_t>(40));
        QCOMPARE(again.name, checkpoint.name);
        QVERIFY(sameTensors(again.stateDict, checkpoint.stateDict));
        QVERIFY(again.optimizer.has_value());
        QCOMPARE(again.optimizer->value.repr(), optimizer.value.repr());
        QVERIFY(torch::equal(again.optimizer->tensors[1], optimizer.tensors[1]));
        QCOMPARE(again.extra.size(), size_t(1));
        QCOMPARE(again.extra[0].first, std::string("clipwb"));
        QVERIFY(torch::equal(again.extra[0].second.tensors[0], extra.tensors[0]));
        QCOMPARE(again.extra[0].second.tensors[0].scalar_type(), torch::kUInt8);
    }

    void pythonLoadsWhatWeWrite()
    {
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("torch")});
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("ours.pt")).toStdString();
        model::writeTorchCheckpoint(path, model::readTorchCheckpoint(kInit));
        QString error;
        const QString out =
            test::runPython(QString::fromUtf8(kPythonCompare),
                            {QString::fromStdString(kInit), QString::fromStdString(path)}, &error);
        QVERIFY2(out.trimmed() == QLatin1String("same"), qPrintable(out + error));
    }

    void pythonRestoresOptimizerWeWrite()
    {
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("torch")});
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("opt.pt")).toStdString();
        model::TorchCheckpoint checkpoint;
        checkpoint.epoch = 1;
        checkpoint.step = 2;
        checkpoint.name = "run";
        const auto weight = torch::randn({2, 3});
        const auto bias = torch::randn({2});
        checkpoint.stateDict = {{"module.weight", weight}, {"module.bias", bias}};
        model::TorchObject optimizer;
        std::vector<std::pair<Value, Value>> state;
        for (int64_t i = 0; i < 2; ++i) {
            const auto& p = i == 0 ? weight : bias;
            state.emplace_back(
                Value::integer(i),
                Value::dict({{Value::string("step"), optimizer.addTensor(torch::tensor(7.0))},
                             {Value::string("exp_avg"), optimizer.addTensor(torch::full_like(p, 0.5))},
                             {Value::string("exp_avg_sq"), optimizer.addTensor(torch::full_like(p, 0.25))}}));
        }
        const Value group = Value::dict(
            {{Value::string("lr"), Value::floating(0.001)},
             {Value::string("betas"), Value::tuple({Value::floating(0.9), Value::floating(0.999)})},
             {Value::string("eps"), Value::floating(1e-8)},
             {Value::string("weight_decay"), Value::floating(0.01)},
             {Value::string("amsgrad"), Value::boolean(false)},
             {Value::string("maximize"), Value::boolean(false)},
             {Value::string("foreach"), Value::none()},
             {Value::string("capturable"), Value::boolean(false)},
             {Value::string("params"), Value::list({Value::integer(0), Value::integer(1)})}});
        optimizer.value = Value::dict({{Value::string("state"), Value::dict(state)},
                                       {Value::string("param_groups"), Value::list({group})}});
        checkpoint.optimizer = optimizer;
        model::writeTorchCheckpoint(path, checkpoint);
        const char* script = R"PY(
import sys, torch
ck = torch.load(sys.argv[1], map_location='cpu')
lin = torch.nn.Linear(3, 2)
lin.load_state_dict({k[len('module.'):]: v for k, v in ck['state_dict'].items()}, strict=True)
opt = torch.optim.AdamW(lin.parameters())
opt.load_state_dict(ck['optimizer'])
s = opt.state[lin.weight]
assert float(s['step']) == 7.0 and float(s['exp_avg'][0, 0]) == 0.5 and float(s['exp_avg_sq'][1, 2]) == 0.25
assert opt.param_groups[0]['weight_decay'] == 0.01 and opt.param_groups[0]['betas'] == (0.9, 0.999)
assert ck['epoch'] == 1 and ck['step'] == 2 and ck['name'] == 'run'
print('ok')
)PY";
        QString error;
        const QString out =
            test::runPython(QString::fromUtf8(script), {QString::fromStdString(path)}, &error);
        QVERIFY2(out.trimmed() == QLatin1String("ok"), qPrintable(out + error));
    }

    void readsEveryDtypeAndViewPythonWrites()
    {
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("torch")});
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("py.pt")).toStdString();
        const char* script = R"PY(
import sys, torch, collections, json
torch.manual_seed(0)
lin = torch.nn.Linear(3, 2)
opt = torch.optim.AdamW(lin.parameters(), lr=1e-3)
lin(torch.randn(4, 3)).sum().backward(); opt.step()
base = torch.arange(12, dtype=torch.float32).view(3, 4)
ck = {
  'epoch': 3, 'step': 120, 'name': 'pyrun',
  'state_dict': collections.OrderedDict(('module.' + k, v) for k, v in lin.state_dict().items()),
  'optimizer': opt.state_dict(),
  'half': torch.tensor([1.5, -2.25], dtype=torch.float16),
  'bf16': torch.tensor([0.5, 3.0], dtype=torch.bfloat16),
  'flags': torch.tensor([True, False, True]),
  'ints': torch.tensor([[1, -2], [3, 4]], dtype=torch.int64),
  'i32': torch.tensor([7], dtype=torch.int32), 'u8': torch.tensor([255, 0], dtype=torch.uint8),
  'double': torch.tensor(2.5, dtype=torch.float64),
  'view': base[:, 1:3], 'transposed': base.t(),
  'param': torch.nn.Parameter(torch.ones(2)),
  'size': torch.Size([2, 3]), 'blob': b'\x00\xffabc', 'tags': {'a'},
  'nested': {'list': [1, 2.5, None, True, 'x'], 'tuple': (1, 'two')},
}
torch.save(ck, sys.argv[1])
print(json.dumps({k: v.detach().float().reshape(-1).tolist() for k, v in ck.items() if isinstance(v, torch.Tensor)}))
)PY";
        QString error;
        const QString out =
            test::runPython(QString::fromUtf8(script), {QString::fromStdString(path)}, &error);
        QVERIFY2(!out.isEmpty(), qPrintable(error));
        const auto expected = nlohmann::json::parse(out.toStdString());
        const auto checkpoint = model::readTorchCheckpoint(path);
        QCOMPARE(checkpoint.epoch, std::optional<int64_t>(3));
        QCOMPARE(checkpoint.name, std::string("pyrun"));
        QCOMPARE(checkpoint.stateDict.size(), size_t(2));
        QVERIFY(checkpoint.optimizer.has_value());
        QCOMPARE(checkpoint.optimizer->tensors.size(), size_t(6)); // step, exp_avg, exp_avg_sq for 2 params
        std::map<std::string, const model::TorchObject*> extra;
        for (const auto& [key, object] : checkpoint.extra)
            extra[key] = &object;
        const std::map<std::string, torch::ScalarType> dtypes{
            {"half", torch::kHalf},     {"bf16", torch::kBFloat16}, {"flags", torch::kBool},
            {"ints", torch::kLong},     {"i32", torch::kInt},       {"u8", torch::kByte},
            {"double", torch::kDouble}, {"view", torch::kFloat},    {"transposed", torch::kFloat},
            {"param", torch::kFloat}};
        for (const auto& [key, dtype] : dtypes) {
            QVERIFY2(extra.count(key), key.c_str());
            const auto& tensor = extra[key]->tensors.at(0);
            QCOMPARE(tensor.scalar_type(), dtype);
            const auto values = expected[key].get<std::vector<float>>();
            const auto ours = tensor.to(torch::kFloat).contiguous();
            QCOMPARE(ours.numel(), static_cast<int64_t>(values.size()));
            QVERIFY2(torch::equal(ours.reshape(-1), torch::tensor(values)), key.c_str());
        }
        QCOMPARE(extra["view"]->tensors[0].sizes().vec(), (std::vector<int64_t>{3, 2}));
        QCOMPARE(extra["size"]->value.repr(), Value::tuple({Value::integer(2), Value::integer(3)}).repr());
        QCOMPARE(extra["blob"]->value.toBytes(), std::string("\x00\xff"
                                                             "abc",
                                                             5));
        QCOMPARE(extra["nested"]->value.find("tuple")->items().at(1).toStr(), std::string("two"));

        // And back: Python reads our copy and finds the same values.
        const std::string copy = dir.filePath(QStringLiteral("copy.pt")).toStdString();
        model::writeTorchCheckpoint(copy, checkpoint);
        const QString same =
            test::runPython(QString::fromUtf8(kPythonCompare),
                            {QString::fromStdString(path), QString::fromStdString(copy)}, &error);
        QVERIFY2(same.trimmed() == QLatin1String("same"), qPrintable(same + error));
    }

    void maliciousGlobalsAreRefusedWithoutSideEffects_data()
    {
        QTest::addColumn<QString>("module");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("where");
        QTest::newRow("os.system top") << "os"
                                       << "system"
                                       << "top";
        QTest::newRow("posix.system in state_dict") << "posix"
                                                    << "system"
                                                    << "state_dict";
        QTest::newRow("builtins.eval in optimizer") << "builtins"
                                                    << "eval"
                                                    << "optimizer";
        QTest::newRow("os.system as storage type") << "os"
                                                   << "system"
                                                   << "storage";
        QTest::newRow("subprocess.call as tensor rebuild") << "subprocess"
                                                           << "call"
                                                           << "rebuild";
    }

    void maliciousGlobalsAreRefusedWithoutSideEffects()
    {
        QFETCH(QString, module);
        QFETCH(QString, name);
        QFETCH(QString, where);
        QTemporaryDir dir;
        const std::string marker = dir.filePath(QStringLiteral("pwned")).toStdString();
        const std::string path = dir.filePath(QStringLiteral("evil.pt")).toStdString();
        const Value call = Value::reduce(Value::global(module.toStdString(), name.toStdString()),
                                         Value::tuple({Value::string("touch " + marker)}));
        Value root;
        std::vector<std::pair<std::string, std::string>> records;
        if (where == QLatin1String("top")) {
            root = call;
        } else if (where == QLatin1String("state_dict")) {
            root = Value::dict({{Value::string("state_dict"), Value::dict({{Value::string("w"), call}})}});
        } else if (where == QLatin1String("optimizer")) {
            root = Value::dict(
                {{Value::string("state_dict"), Value::dict()}, {Value::string("optimizer"), call}});
        } else if (where == QLatin1String("storage")) {
            root = Value::dict({{Value::string("w"), tensorPickle("FloatStorage", "0", 1, {1})}});
            // Swap the storage type for the malicious global.
            std::string bytes = pickle::encode(root, 2);
            const std::string from = "torch\nFloatStorage\n";
            const std::string to = module.toStdString() + "\n" + name.toStdString() + "\n";
            bytes.replace(bytes.find(from), from.size(), to);
            writeRawArchive(path, bytes, {{"data/0", std::string(4, '\0')}});
        } else {
            Value tensor = tensorPickle("FloatStorage", "0", 1, {1});
            root = Value::dict(
                {{Value::string("w"),
                  Value::reduce(Value::global(module.toStdString(), name.toStdString()), tensor.args())}});
            records = {{"data/0", std::string(4, '\0')}};
        }
        if (where != QLatin1String("storage"))
            writeRawArchive(path, pickle::encode(root, 2), records);
        const QString message = errorOf([&] { model::readTorchCheckpoint(path); });
        QVERIFY2(message.contains(module + QLatin1Char('.') + name), qPrintable(message));
        QVERIFY2(message.contains(QString::fromStdString(path)), qPrintable(message));
        QVERIFY(!std::filesystem::exists(marker));
        // The summary path (no storages read) refuses it the same way.
        QVERIFY(
            errorOf([&] { model::readTorchFile(path, false); }).contains(module + QLatin1Char('.') + name));
    }

    void brokenFilesGiveClearErrors()
    {
        QTemporaryDir dir;
        const auto file = [&](const char* name) {
            return dir.filePath(QString::fromLatin1(name)).toStdString();
        };
        const std::string init = readFile(kInit);

        writeFileAtomic(file("truncated.pt"), std::string_view(init).substr(0, init.size() / 2));
        QString message = errorOf([&] { model::readTorchCheckpoint(file("truncated.pt")); });
        QVERIFY2(message.contains(QStringLiteral("truncated.pt")) &&
                     message.contains(QStringLiteral("truncated")),
                 qPrintable(message));

        writeFileAtomic(file("tail-cut.pt"), std::string_view(init).substr(0, init.size() - 100));
        message = errorOf([&] { model::readTorchCheckpoint(file("tail-cut.pt")); });
        QVERIFY2(message.contains(QStringLiteral("tail-cut.pt")), qPrintable(message));

        writeFileAtomic(file("notes.txt"), "this is not a checkpoint\n");
        message = errorOf([&] { model::readTorchCheckpoint(file("notes.txt")); });
        QVERIFY2(message.contains(QStringLiteral("notes.txt")) &&
                     message.contains(QStringLiteral("not a torch.save")),
                 qPrintable(message));

        const std::string png = readFile(std::string(CLIPWB_TEST_FIXTURES) + "/model/img0.png");
        writeFileAtomic(file("image.pt"), png);
        QVERIFY(errorOf([&] {
                    model::readTorchCheckpoint(file("image.pt"));
                }).contains(QStringLiteral("not a torch.save")));

        writeFileAtomic(file("empty.pt"), "");
        QVERIFY(
            errorOf([&] { model::readTorchCheckpoint(file("empty.pt")); }).contains(QStringLiteral("empty")));
        QVERIFY(errorOf([&] {
                    model::readTorchCheckpoint(file("missing.pt"));
                }).contains(QStringLiteral("no such file")));

        // A zip without data.pkl.
        {
            caffe2::serialize::PyTorchStreamWriter writer(file("nodata.pt"));
            writer.writeRecord("other.txt", "x", 1);
            writer.writeEndOfFile();
        }
        QVERIFY(errorOf([&] {
                    model::readTorchCheckpoint(file("nodata.pt"));
                }).contains(QStringLiteral("data.pkl")));

        // Storages that are missing, too short, or that a tensor overruns.
        const Value oneTensor =
            Value::dict({{Value::string("w"), tensorPickle("FloatStorage", "0", 4, {2, 2})}});
        writeRawArchive(file("nostorage.pt"), pickle::encode(oneTensor, 2));
        message = errorOf([&] { model::readTorchCheckpoint(file("nostorage.pt")); });
        QVERIFY2(message.contains(QStringLiteral("data/0")), qPrintable(message));
        writeRawArchive(file("short.pt"), pickle::encode(oneTensor, 2), {{"data/0", std::string(8, '\0')}});
        message = errorOf([&] { model::readTorchCheckpoint(file("short.pt")); });
        QVERIFY2(message.contains(QStringLiteral("8 bytes, expected 16")), qPrintable(message));
        const Value overrun =
            Value::dict({{Value::string("w"), tensorPickle("FloatStorage", "0", 3, {2, 2})}});
        writeRawArchive(file("overrun.pt"), pickle::encode(overrun, 2), {{"data/0", std::string(12, '\0')}});
        message = errorOf([&] { model::readTorchCheckpoint(file("overrun.pt")); });
        QVERIFY2(message.contains(QStringLiteral("reaches past")), qPrintable(message));

        // A state dict entry that is not a tensor.
        writeRawArchive(
            file("notensor.pt"),
            pickle::encode(Value::dict({{Value::string("state_dict"),
                                         Value::dict({{Value::string("w"), Value::integer(1)}})}}),
                           2));
        message = errorOf([&] { model::readTorchCheckpoint(file("notensor.pt")); });
        QVERIFY2(message.contains(QStringLiteral("'w'")), qPrintable(message));
    }

    // tests/fixtures/model/legacy/legacy.pt: torch.save(..., _use_new_zipfile_serialization=False).
    void readsLegacyFormat()
    {
        const auto expected = nlohmann::json::parse(readFile(kLegacyDir + "legacy_expected.json"));
        const auto checkpoint = model::readTorchCheckpoint(kLegacyDir + "legacy.pt");
        QCOMPARE(checkpoint.epoch, std::optional<int64_t>(2));
        QCOMPARE(checkpoint.step, std::optional<int64_t>(17));
        QCOMPARE(checkpoint.name, std::string("legacy-run"));
        QVERIFY(checkpoint.optimizer.has_value());
        QCOMPARE(static_cast<int>(checkpoint.optimizer->tensors.size()),
                 expected["optimizer_tensors"].get<int>());
        const auto matches = [](const torch::Tensor& tensor, const nlohmann::json& want) {
            if (tensor.sizes().vec() != want["shape"].get<std::vector<int64_t>>() ||
                want["dtype"].get<std::string>() != pythonDtypeName(tensor.scalar_type()))
                return false;
            const auto values = want["values"].get<std::vector<double>>();
            return torch::equal(tensor.to(torch::kFloat64).contiguous().reshape(-1),
                                torch::tensor(values, torch::kFloat64));
        };
        QCOMPARE(checkpoint.stateDict.size(), expected["state_dict"].size());
        for (const auto& [name, tensor] : checkpoint.stateDict)
            QVERIFY2(matches(tensor, expected["state_dict"][name]), name.c_str());
        int extraTensors = 0;
        for (const auto& [key, object] : checkpoint.extra) {
            if (!expected["extra"].contains(key))
                continue;
            QCOMPARE(object.tensors.size(), size_t(1));
            QVERIFY2(matches(object.tensors[0], expected["extra"][key]), key.c_str());
            ++extraTensors;
        }
        QCOMPARE(static_cast<size_t>(extraTensors), expected["extra"].size());
        // Summaries read legacy files too, without their storages.
        const auto meta = model::readTorchFile(kLegacyDir + "legacy.pt", /*loadData=*/false);
        QVERIFY(meta.tensors.at(0).is_meta());
        // And the copy we write is the zip format, with the same tensors.
        QTemporaryDir dir;
        const std::string copy = dir.filePath(QStringLiteral("copy.pt")).toStdString();
        model::writeTorchCheckpoint(copy, checkpoint);
        QCOMPARE(readFile(copy).substr(0, 2), std::string("PK"));
        QVERIFY(sameTensors(model::readTorchCheckpoint(copy).stateDict, checkpoint.stateDict));
    }

    void readsLegacyFormatPythonWritesWithOtherProtocols_data()
    {
        QTest::addColumn<int>("protocol");
        QTest::newRow("protocol 2") << 2;
        QTest::newRow("protocol 4 (framed)") << 4;
        QTest::newRow("protocol 5") << 5;
    }

    void readsLegacyFormatPythonWritesWithOtherProtocols()
    {
        QFETCH(int, protocol);
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("torch")});
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("legacy.pt")).toStdString();
        QString error;
        const QString out = test::runPython(
            QStringLiteral("import sys, torch, collections\n"
                           "torch.manual_seed(1)\n"
                           "sd = collections.OrderedDict([('module.w', torch.randn(3, 5)), ('module.b', "
                           "torch.randn(7).half()), ('module.n', torch.tensor(4))])\n"
                           "torch.save(sd, sys.argv[1], pickle_protocol=int(sys.argv[2]), "
                           "_use_new_zipfile_serialization=False)\n"
                           "print(repr(sum(float(v.double().sum()) for v in sd.values())))\n"),
            {QString::fromStdString(path), QString::number(protocol)}, &error);
        QVERIFY2(!out.isEmpty(), qPrintable(error));
        const auto checkpoint = model::readTorchCheckpoint(path);
        QVERIFY(checkpoint.bareStateDict);
        QCOMPARE(checkpoint.stateDict.size(), size_t(3));
        QCOMPARE(checkpoint.stateDict[1].second.scalar_type(), torch::kHalf);
        double sum = 0;
        for (const auto& [name, tensor] : checkpoint.stateDict)
            sum += tensor.to(torch::kFloat64).sum().item<double>();
        QCOMPARE(sum, out.trimmed().toDouble());
    }

    void legacyMaliciousGlobalIsRefused()
    {
        const std::string marker = "/tmp/clipwb-legacy-pwned";
        std::filesystem::remove(marker);
        const std::string path = kLegacyDir + "legacy_evil.pt";
        for (bool loadData : {true, false}) {
            const QString message = errorOf([&] { model::readTorchFile(path, loadData); });
            QVERIFY2(message.contains(QStringLiteral("system")) &&
                         message.contains(QString::fromStdString(path)),
                     qPrintable(message));
        }
        QVERIFY(!std::filesystem::exists(marker));
    }

    void legacyBrokenFilesGiveClearErrors()
    {
        QTemporaryDir dir;
        const std::string legacy = readFile(kLegacyDir + "legacy.pt");
        const auto errorFor = [&](const char* name, const std::string& bytes) {
            const std::string path = dir.filePath(QString::fromLatin1(name)).toStdString();
            writeFileAtomic(path, bytes);
            const QString message = errorOf([&] { model::readTorchCheckpoint(path); });
            return message.contains(QString::fromLatin1(name)) ? message
                                                               : QStringLiteral("UNNAMED: ") + message;
        };
        // Cut in the storages, in the object's pickle, and in the magic number.
        QString message = errorFor("cut-storage.pt", legacy.substr(0, legacy.size() - 10));
        QVERIFY2(message.contains(QStringLiteral("truncated")), qPrintable(message));
        message = errorFor("cut-pickle.pt", legacy.substr(0, 400));
        QVERIFY2(message.contains(QStringLiteral("truncated")), qPrintable(message));
        message = errorFor("cut-magic.pt", legacy.substr(0, 6));
        QVERIFY2(message.contains(QStringLiteral("magic")), qPrintable(message));
        // A plain pickle is not a checkpoint.
        message =
            errorFor("plain.pkl", pickle::encode(Value::dict({{Value::string("a"), Value::integer(1)}}), 2));
        QVERIFY2(message.contains(QStringLiteral("not a torch.save")), qPrintable(message));
        // Another protocol version.
        std::string otherVersion = legacy;
        const size_t version = otherVersion.find(std::string("M\xe9\x03", 3));
        QVERIFY(version != std::string::npos && version < 20);
        otherVersion[version + 1] = '\xea';
        message = errorFor("version.pt", otherVersion);
        QVERIFY2(message.contains(QStringLiteral("1002")), qPrintable(message));
    }

    void failedWriteLeavesPreviousFile()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("keep.pt")).toStdString();
        model::TorchCheckpoint checkpoint;
        checkpoint.stateDict = {{"w", torch::ones({2})}};
        model::writeTorchCheckpoint(path, checkpoint);
        // A value that cannot be saved (a bare global): the write fails, the old file stays.
        checkpoint.stateDict.emplace_back("q", torch::ones({3}));
        model::TorchObject bad;
        bad.value = Value::global("os", "system");
        checkpoint.extra.emplace_back("bad", bad);
        QVERIFY(!errorOf([&] {
                     model::writeTorchCheckpoint(path, checkpoint);
                 }).contains(QStringLiteral("NO ERROR")));
        const auto kept = model::readTorchCheckpoint(path);
        QCOMPARE(kept.stateDict.size(), size_t(1));
        QCOMPARE(std::distance(std::filesystem::directory_iterator(dir.path().toStdString()),
                               std::filesystem::directory_iterator()),
                 1L);
    }
};

QTEST_GUILESS_MAIN(TestTorchCheckpoint)
#include "TestTorchCheckpoint.moc"
