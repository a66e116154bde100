#pragma once
// The skip policy for cross-checks (checks that run other software: Debian's
// /usr/bin/python3 with torch, numpy, PIL, lmdb; upstream Chinese-CLIP's own
// source; the built clipwb-cli). A missing prerequisite must never pass
// silently, so:
//  - under CI=true, or CLIPWB_REQUIRE_CROSSCHECKS=1 (exported by the README's
//    `bash packaging/quickstart.sh test`), it is a FAILURE whose message says
//    what to install;
//  - otherwise it is a skip whose message starts with "cross-check not run:".
//    tests/support/run-test.sh (ctest runs every test through it) turns a test
//    binary that printed such a skip into ctest's "Skipped" (return code 77),
//    so ctest's summary lists it, and it prints the skipped functions by name.
// Use CLIPWB_REQUIRE_CROSSCHECK(available, what, install) in a test function
// (or initTestCase) before the cross-check; plain QSKIP stays for skips that
// are not a missing prerequisite (e.g. running as root).
#include <QByteArray>
#include <QFileInfo>
#include <QHash>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QtTest>

#include <cstdlib>
#include <cstring>

namespace clipwb::test {

inline bool envFlag(const char* name)
{
    const char* value = std::getenv(name);
    return value && *value && std::strcmp(value, "0") != 0 && std::strcmp(value, "false") != 0 &&
           std::strcmp(value, "no") != 0;
}

/// True under CI=true or CLIPWB_REQUIRE_CROSSCHECKS=1: a missing prerequisite fails.
inline bool crossChecksRequired()
{
    return envFlag("CLIPWB_REQUIRE_CROSSCHECKS") || envFlag("CI");
}

inline QByteArray crossCheckMessage(const QString& what, const QString& install)
{
    if (crossChecksRequired())
        return QStringLiteral(
                   "cross-check required (CI=true or CLIPWB_REQUIRE_CROSSCHECKS=1) but %1 is missing; %2")
            .arg(what, install)
            .toUtf8();
    return QStringLiteral("cross-check not run: %1 is missing; %2").arg(what, install).toUtf8();
}

constexpr const char* kSystemPython = "/usr/bin/python3";

/// Debian package for a Python module the cross-checks import.
inline QString debianPackageOf(const QString& module)
{
    static const QHash<QString, QString> packages = {
        {QStringLiteral("torch"), QStringLiteral("python3-torch")},
        {QStringLiteral("torchvision"), QStringLiteral("python3-torchvision")},
        {QStringLiteral("numpy"), QStringLiteral("python3-numpy")},
        {QStringLiteral("PIL"), QStringLiteral("python3-pil")},
        {QStringLiteral("lmdb"), QStringLiteral("python3-lmdb")},
        {QStringLiteral("six"), QStringLiteral("python3-six")},
    };
    return packages.value(module, QStringLiteral("python3-") + module.toLower());
}

/// Whether /usr/bin/python3 imports every module (cached per set of modules).
inline bool pythonHas(const QStringList& modules)
{
    static QHash<QString, bool> cache;
    const QString key = modules.join(QLatin1Char(','));
    const auto found = cache.constFind(key);
    if (found != cache.constEnd())
        return *found;
    bool ok = QFileInfo::exists(QString::fromLatin1(kSystemPython));
    if (ok) {
        QProcess process;
        QString imports = QStringLiteral("import sys");
        for (const QString& m : modules)
            imports += QStringLiteral("\nimport ") + m;
        process.start(QString::fromLatin1(kSystemPython), {QStringLiteral("-c"), imports});
        ok = process.waitForFinished(120000) && process.exitStatus() == QProcess::NormalExit &&
             process.exitCode() == 0;
    }
    cache.insert(key, ok);
    return ok;
}

inline QString pythonRequirement(const QStringList& modules)
{
    return QStringLiteral("/usr/bin/python3 with %1")
        .arg(modules.isEmpty() ? QStringLiteral("no modules") : modules.join(QStringLiteral(", ")));
}

inline QString pythonInstallHint(const QStringList& modules)
{
    QStringList packages{QStringLiteral("python3")};
    for (const QString& m : modules)
        packages << debianPackageOf(m);
    return QStringLiteral("install: bash packaging/install-deps.sh (apt-get install %1)")
        .arg(packages.join(QLatin1Char(' ')));
}

/// Upstream Chinese-CLIP's source (a folder holding cn_clip/clip/model.py):
/// CLIPWB_UPSTREAM_SRC, else the copy packaging/upstream-src.sh unpacks.
inline QString upstreamSource()
{
    const char* env = std::getenv("CLIPWB_UPSTREAM_SRC");
    if (env && *env)
        return QString::fromLocal8Bit(env);
    const char* cache = std::getenv("XDG_CACHE_HOME");
    const QString base = cache && *cache
                             ? QString::fromLocal8Bit(cache)
                             : QString::fromLocal8Bit(std::getenv("HOME") ? std::getenv("HOME") : "/") +
                                   QStringLiteral("/.cache");
    return base + QStringLiteral("/clipwb/upstream-src");
}

inline bool upstreamSourceAvailable()
{
    return QFileInfo::exists(upstreamSource() + QStringLiteral("/cn_clip/clip/model.py"));
}

inline bool cliBuilt()
{
    return QFileInfo::exists(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"));
}

} // namespace clipwb::test

/// Fails (CI / README command) or skips (elsewhere) when a cross-check's prerequisite is missing.
#define CLIPWB_REQUIRE_CROSSCHECK(available, what, install)                                                  \
    do {                                                                                                     \
        if (!(available)) {                                                                                  \
            const QByteArray clipwbMessage_ = clipwb::test::crossCheckMessage((what), (install));            \
            if (clipwb::test::crossChecksRequired())                                                         \
                QFAIL(clipwbMessage_.constData());                                                           \
            else                                                                                             \
                QSKIP(clipwbMessage_.constData());                                                           \
        }                                                                                                    \
    } while (false)

/// /usr/bin/python3 importing each of the modules, e.g. CLIPWB_REQUIRE_PYTHON({"torch", "numpy"}).
#define CLIPWB_REQUIRE_PYTHON(...)                                                                           \
    CLIPWB_REQUIRE_CROSSCHECK(clipwb::test::pythonHas(QStringList __VA_ARGS__),                              \
                              clipwb::test::pythonRequirement(QStringList __VA_ARGS__),                      \
                              clipwb::test::pythonInstallHint(QStringList __VA_ARGS__))

/// The built clipwb-cli (cross-checks that run it).
#define CLIPWB_REQUIRE_CLI()                                                                                 \
    CLIPWB_REQUIRE_CROSSCHECK(clipwb::test::cliBuilt(), QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"),        \
                              QStringLiteral("build it: cmake --build build --target clipwb-cli"))

/// Upstream Chinese-CLIP's source tree (CLIPWB_UPSTREAM_SRC or packaging/upstream-src.sh's copy).
#define CLIPWB_REQUIRE_UPSTREAM_SOURCE()                                                                     \
    CLIPWB_REQUIRE_CROSSCHECK(clipwb::test::upstreamSourceAvailable(),                                       \
                              QStringLiteral("upstream Chinese-CLIP's source (%1/cn_clip/clip/model.py)")    \
                                  .arg(clipwb::test::upstreamSource()),                                      \
                              QStringLiteral("fetch it: bash packaging/upstream-src.sh (or set "             \
                                             "CLIPWB_UPSTREAM_SRC to a checkout of "                         \
                                             "github.com/OFA-Sys/Chinese-CLIP)"))
