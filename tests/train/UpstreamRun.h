#pragma once
// Shared by the trainer parity tests: a training fixture (tests/fixtures/train/<name>:
// config.json + expected.json written by upstream's train(), see
// upstream_train_reference.py) copied to a temporary folder, `clipwb-cli train`
// run on it, and its metrics.jsonl and final checkpoint compared with expected.json.
#include "common/AtomicFile.h"
#include "train/TrainCheckpoint.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace upstream_run {

namespace fs = std::filesystem;

/// Copies what a training fixture's config refers to, keeping the relative layout;
/// returns the copied config.json.
inline fs::path copyTrainFixture(const fs::path& root, const std::string& name, const std::string& folder = "train")
{
    const fs::path src = CLIPWB_TEST_FIXTURES;
    for (const std::string& sub : {std::string("lmdb/lmdb"), std::string("model_configs"), folder + "/" + name}) {
        fs::create_directories(root / sub);
        fs::copy(src / sub, root / sub, fs::copy_options::recursive | fs::copy_options::skip_existing);
    }
    fs::create_directories(root / "model");
    fs::copy_file(src / "model/init.pt", root / "model/init.pt", fs::copy_options::skip_existing);
    return root / folder / name / "config.json";
}

struct CliResult {
    int exitCode = -1;
    QString stderrText;
};

/// `clipwb-cli ARGS`; `environment` changes this process's environment: NAME=VALUE sets, NAME removes.
inline CliResult runCli(const QStringList& args, int timeoutMs = 240000, const QStringList& environment = {})
{
    QProcess process;
    if (!environment.isEmpty()) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString& setting : environment) {
            if (setting.contains(QLatin1Char('=')))
                env.insert(setting.section(QLatin1Char('='), 0, 0), setting.section(QLatin1Char('='), 1));
            else
                env.remove(setting);
        }
        process.setProcessEnvironment(env);
    }
    process.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"), args);
    CliResult r;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return r;
    }
    r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    r.stderrText = QString::fromUtf8(process.readAllStandardError());
    return r;
}

inline std::vector<nlohmann::json> readRecords(const fs::path& metrics, const std::string& type)
{
    std::istringstream in(clipwb::readFile(metrics));
    std::vector<nlohmann::json> out;
    std::string line;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line);
        if (j["type"] == type)
            out.push_back(j);
    }
    return out;
}

inline double relativeError(double a, double b)
{
    const double scale = std::max(std::abs(a), std::abs(b));
    return scale == 0 ? 0 : std::abs(a - b) / scale;
}

inline bool relativelyClose(double a, double b, double rel)
{
    return relativeError(a, b) <= rel;
}

/// Per-step loss within 1e-4 relative, lr to the last bit of numpy's cos, accuracies exactly.
/// Returns the largest relative loss error.
inline double compareSteps(const fs::path& metrics, const nlohmann::json& expected)
{
    const auto steps = readRecords(metrics, "train");
    [&] { QCOMPARE(steps.size(), expected["steps"].size()); }();
    double worst = 0;
    double maxLr = 0;
    for (const auto& e : expected["steps"])
        maxLr = std::max(maxLr, e["lr"].get<double>());
    for (size_t i = 0; i < std::min(steps.size(), expected["steps"].size()); ++i) {
        const auto& e = expected["steps"][i];
        const auto& s = steps[i];
        const std::string where = "step " + std::to_string(i + 1) + ": " + s.dump() + " vs upstream " + e.dump();
        worst = std::max(worst, relativeError(s["loss"].get<double>(), e["loss"].get<double>()));
        QTest::qVerify(s["step"].get<int>() == e["step"].get<int>(), "step", where.c_str(), __FILE__, __LINE__);
        QTest::qVerify(relativelyClose(s["loss"].get<double>(), e["loss"].get<double>(), 1e-4), "loss", where.c_str(),
                       __FILE__, __LINE__);
        // Upstream's cosine comes from numpy, whose float64 cos is Intel SVML on AVX-512 CPUs
        // and libm elsewhere: the two differ in the last bit for some arguments (amplified near the
        // end of the cosine, where 1 + cos cancels).
        QTest::qVerify(std::abs(s["lr"].get<double>() - e["lr"].get<double>()) <= 1e-15 * maxLr,
                       "lr", where.c_str(), __FILE__, __LINE__);
        QTest::qVerify(s["i2t"].get<double>() == e["i2t"].get<double>(), "i2t", where.c_str(), __FILE__, __LINE__);
        QTest::qVerify(s["t2i"].get<double>() == e["t2i"].get<double>(), "t2i", where.c_str(), __FILE__, __LINE__);
    }
    return worst;
}

/// Validation results against upstream's log line (six decimals for the loss, percent with two for accuracies).
inline void compareValidation(const fs::path& metrics, const nlohmann::json& expected)
{
    const auto val = readRecords(metrics, "val");
    [&] { QCOMPARE(val.size(), expected["validation"].size()); }();
    for (size_t i = 0; i < std::min(val.size(), expected["validation"].size()); ++i) {
        const auto& e = expected["validation"][i];
        const std::string where = val[i].dump() + " vs upstream " + e.dump();
        QTest::qVerify(val[i]["step"].get<int>() == e["steps"].get<int>(), "validation step", where.c_str(), __FILE__,
                       __LINE__);
        // The data-parallel references also hold the unrounded values (`*_exact`).
        const auto value = [&](const char* key) {
            const std::string exact = std::string(key) + "_exact";
            return e.contains(exact) ? e[exact].get<double>() : e[key].get<double>();
        };
        QTest::qVerify(std::abs(val[i]["loss"].get<double>() - value("loss")) <= 2e-6 + 1e-4 * value("loss"),
                       "validation loss", where.c_str(), __FILE__, __LINE__);
        QTest::qVerify(std::abs(val[i]["i2t"].get<double>() - value("i2t")) <= 1e-6, "validation i2t",
                       where.c_str(), __FILE__, __LINE__);
        QTest::qVerify(std::abs(val[i]["t2i"].get<double>() - value("t2i")) <= 1e-6, "validation t2i",
                       where.c_str(), __FILE__, __LINE__);
    }
}

/// The L2 norm of every tensor of the final state dict, and the final logit scale.
inline void compareFinalParameters(const clipwb::train::TrainCheckpoint& ckpt, const nlohmann::json& expected)
{
    size_t compared = 0;
    for (const auto& [key, tensor] : ckpt.stateDict) {
        QTest::qVerify(key.rfind("module.", 0) == 0, "module. prefix", key.c_str(), __FILE__, __LINE__);
        const std::string name = key.substr(7);
        if (!expected["final_param_norms"].contains(name))
            continue;
        // Norms as upstream computed them (float32); the key biases get no gradient in theory and
        // hold rounding noise near 1e-8, hence the absolute floor.
        const double norm = tensor.norm().item<double>();
        const double want = expected["final_param_norms"][name].get<double>();
        const std::string where = name + ": " + std::to_string(norm) + " vs upstream " + std::to_string(want);
        QTest::qVerify(relativelyClose(norm, want, 1e-4) || std::abs(norm - want) < 1e-6, "norm", where.c_str(),
                       __FILE__, __LINE__);
        if (name == "logit_scale")
            QTest::qVerify(relativelyClose(tensor.item<double>(), expected["final_logit_scale"].get<double>(), 1e-5),
                           "logit_scale", where.c_str(), __FILE__, __LINE__);
        ++compared;
    }
    [&] { QCOMPARE(compared, expected["final_param_norms"].size()); }();
}

} // namespace upstream_run
