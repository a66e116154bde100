// The skip policy (tests/support/CrossCheck.h, run-test.sh): a cross-check whose
// prerequisite is missing is a failure that says what to install under CI=true
// or CLIPWB_REQUIRE_CROSSCHECKS=1 (the README's test command), and elsewhere a
// skip that ctest reports as "Skipped" (exit 77) with the function's name.
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Run {
    int exitCode = -1;
    QString output;
};

Run runProbe(const QHash<QString, QString>& env)
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("CI"));
    environment.remove(QStringLiteral("CLIPWB_REQUIRE_CROSSCHECKS"));
    environment.remove(QStringLiteral("CLIPWB_SKIPPED_LOG"));
    for (auto it = env.begin(); it != env.end(); ++it)
        environment.insert(it.key(), it.value());
    process.setProcessEnvironment(environment);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral("bash"), {QStringLiteral(CLIPWB_SOURCE_DIR "/tests/support/run-test.sh"),
                                           QStringLiteral(CLIPWB_PROBE)});
    Run run;
    if (!process.waitForFinished(120000))
        return run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.output = QString::fromUtf8(process.readAll());
    return run;
}

} // namespace

class TestCrossCheckPolicy : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void missingPrerequisiteIsASkipThatCtestReports()
    {
        QTemporaryDir dir;
        const QString log = dir.filePath(QStringLiteral("skipped.txt"));
        const Run run = runProbe({{QStringLiteral("CLIPWB_SKIPPED_LOG"), log}});
        QCOMPARE(run.exitCode, 77); // ctest: SKIP_RETURN_CODE 77 -> "Skipped"
        QVERIFY2(run.output.contains(QStringLiteral("PASS   : CrossCheckProbe::plainCheck()")),
                 qPrintable(run.output));
        QVERIFY2(run.output.contains(QStringLiteral("cross-checks not run (missing prerequisites):")),
                 qPrintable(run.output));
        QVERIFY2(run.output.contains(
                     QStringLiteral("CrossCheckProbe::crossCheckWithMissingPrerequisite() cross-check "
                                    "not run: /usr/bin/python3 with clipwb_no_such_module is missing")),
                 qPrintable(run.output));
        QVERIFY2(run.output.contains(QStringLiteral("install: bash packaging/install-deps.sh")),
                 qPrintable(run.output));
        QFile file(log);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().startsWith("CrossCheckProbe::crossCheckWithMissingPrerequisite()"));
    }

    void missingPrerequisiteFailsInCi_data()
    {
        QTest::addColumn<QString>("variable");
        QTest::addColumn<QString>("value");
        QTest::newRow("CI=true") << "CI"
                                 << "true";
        QTest::newRow("CLIPWB_REQUIRE_CROSSCHECKS=1") << "CLIPWB_REQUIRE_CROSSCHECKS"
                                                      << "1";
    }
    void missingPrerequisiteFailsInCi()
    {
        QFETCH(QString, variable);
        QFETCH(QString, value);
        const Run run = runProbe({{variable, value}});
        QVERIFY2(run.exitCode != 0 && run.exitCode != 77, qPrintable(run.output));
        QVERIFY2(run.output.contains(
                     QStringLiteral("FAIL!  : CrossCheckProbe::crossCheckWithMissingPrerequisite() "
                                    "cross-check required")),
                 qPrintable(run.output));
        QVERIFY2(run.output.contains(QStringLiteral("python3-clipwb_no_such_module")),
                 qPrintable(run.output));
        QVERIFY(!run.output.contains(QStringLiteral("cross-checks not run")));
    }

    void ciFalseIsNotCi()
    {
        const Run run = runProbe({{QStringLiteral("CI"), QStringLiteral("false")}});
        QCOMPARE(run.exitCode, 77);
    }
};

QTEST_GUILESS_MAIN(TestCrossCheckPolicy)
#include "TestCrossCheckPolicy.moc"
