// The training dashboard driven offscreen on generated run folders.
#include "SyntheticRun.h"

#include "ui/MainWindow.h"
#include "ui/training/MetricChart.h"
#include "ui/training/RunData.h"
#include "ui/training/SeriesMath.h"
#include "ui/training/TrainingPage.h"

#include <QAction>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <random>

namespace fs = std::filesystem;
using clipwb::ui::MetricChart;
using clipwb::ui::TrainingPage;

class TestTrainingPage : public QObject {
    Q_OBJECT
private:
    static MetricChart* chart(TrainingPage& page, const char* name)
    {
        return page.findChild<MetricChart*>(QLatin1String(name));
    }
    static QString label(TrainingPage& page, const char* name)
    {
        return page.findChild<QLabel*>(QLatin1String(name))->text();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("clipwb-tests")); // keep the user's settings apart
    }

    void decimationKeepsExtremes()
    {
        const size_t n = 1000000;
        std::vector<double> x(n), y(n);
        std::mt19937 random(3);
        std::normal_distribution<double> noise(0, 1);
        for (size_t i = 0; i < n; ++i) {
            x[i] = double(i + 1);
            y[i] = std::sin(i * 1e-4) + 0.1 * noise(random);
        }
        y[123456] = 50;  // a spike must survive decimation
        y[654321] = -50;
        QVector<double> dx, dy;
        QElapsedTimer timer;
        timer.start();
        clipwb::ui::decimateMinMax(x.data(), y.data(), n, 1, double(n), 800, dx, dy);
        qInfo("decimated 1e6 points to %lld in %lld ms", qint64(dx.size()), timer.elapsed());
        QVERIFY(dx.size() <= 2 * 800 + 2);
        QVERIFY(dx.size() >= 800);
        QCOMPARE(*std::max_element(dy.begin(), dy.end()), 50.0);
        QCOMPARE(*std::min_element(dy.begin(), dy.end()), -50.0);
        QVERIFY(std::is_sorted(dx.begin(), dx.end()));
        // A zoomed range keeps every point when few are visible, plus one neighbour per side.
        clipwb::ui::decimateMinMax(x.data(), y.data(), n, 100, 199, 800, dx, dy);
        QCOMPARE(dx.size(), 102);
        QCOMPARE(dx.front(), 99.0);
        QCOMPARE(dx.back(), 200.0);
        // NaN values are skipped.
        y[150] = NAN;
        clipwb::ui::decimateMinMax(x.data(), y.data(), n, 100, 199, 800, dx, dy);
        QCOMPARE(dx.size(), 101);
    }

    void smoothingIsDebiasedEma()
    {
        std::vector<double> values = {1, 1, 1, 3}, out;
        clipwb::ui::smoothExponential(values, 0.5, out);
        QCOMPARE(out[0], 1.0); // no pull towards zero
        QCOMPARE(out[2], 1.0);
        // avg = 0.5*avg + 0.5*3 over normalisers: (0.4375 + 1.5) / 0.9375
        QVERIFY(std::abs(out[3] - (0.5 * 0.875 + 1.5) / 0.9375) < 1e-12);
        clipwb::ui::smoothExponential(values, 0.0, out);
        QCOMPARE(out[3], 3.0);
    }

    void followsAGrowingRun()
    {
        QTemporaryDir tmp;
        const fs::path dir = fs::path(tmp.path().toStdString()) / "demo-run";
        synthetic::writeRun(dir, 200, 1000);
        TrainingPage page;
        page.resize(1300, 850);
        page.show();
        QSignalSpy loaded(&page, &TrainingPage::runLoaded);
        QString error;
        QVERIFY(!page.openRun(tmp.path() + QStringLiteral("/missing"), &error));
        QVERIFY(error.contains(QStringLiteral("metrics.jsonl")));
        QVERIFY(page.openRun(QString::fromStdString(dir.string())));
        QTRY_COMPARE(loaded.count(), 1);
        QCOMPARE(page.run()->folder().train().rows(), size_t(200));

        auto* progress = page.findChild<QProgressBar*>(QStringLiteral("stepProgress"));
        QCOMPARE(progress->value(), 200);
        QCOMPARE(progress->maximum(), 1000);
        QCOMPARE(progress->text(), QStringLiteral("step 200 of 1000"));
        QCOMPARE(label(page, "epochLabel"), QStringLiteral("epoch 4"));
        // 0.2 s per step, 800 steps left.
        QCOMPARE(label(page, "etaLabel"), QStringLiteral("ETA 2:40"));
        QCOMPARE(label(page, "dataWaitLabel"), QStringLiteral("data wait 25%"));
        QVERIFY(label(page, "speedLabel").endsWith(QStringLiteral("samples/s")));

        MetricChart* loss = chart(page, "lossChart");
        QCOMPARE(loss->drawnPoints(0), 200);           // raw
        QCOMPARE(loss->drawnPoints(2), 4);             // validation markers at 50, 100, 150, 200
        QVERIFY(!loss->isSeriesVisible(3));            // no overlay yet
        QVERIFY(loss->isFollowing());
        QCOMPARE(loss->xAxis->range().upper, 200.0);

        // The trainer appends; the watcher/timer pick it up (refreshNow is what they call).
        synthetic::appendSteps(dir, 201, 300, 1000);
        page.refreshNow();
        QCOMPARE(progress->value(), 300);
        QCOMPARE(loss->drawnPoints(0), 300);
        QCOMPARE(loss->xAxis->range().upper, 300.0); // following the new steps
        // Without calling refreshNow the poll timer notices too.
        synthetic::appendSteps(dir, 301, 310, 1000);
        QTRY_COMPARE_WITH_TIMEOUT(progress->value(), 310, 5000);

        // The log pane with its level filter.
        auto* log = page.findChild<QPlainTextEdit*>(QStringLiteral("logView"));
        QVERIFY(log->toPlainText().contains(QStringLiteral("Training on cpu")));
        auto* level = page.findChild<QComboBox*>(QStringLiteral("logLevel"));
        level->setCurrentIndex(1);
        QVERIFY(!log->toPlainText().contains(QStringLiteral("Training on cpu")));
        QVERIFY(log->toPlainText().contains(QStringLiteral("corrupt records")));
        level->setCurrentIndex(0);
        synthetic::append(dir / "train.log", "2026-11-27 18:01:00 | ERROR | disk full\n");
        page.refreshNow();
        QVERIFY(log->toPlainText().contains(QStringLiteral("disk full")));

        // Zooming detaches from following; the other charts follow the zoomed one.
        MetricChart* lr = chart(page, "lrChart");
        loss->setKeyRange(QCPRange(50, 100));
        Q_EMIT loss->keyRangeChangedByUser(QCPRange(50, 100));
        QVERIFY(!loss->isFollowing());
        QCOMPARE(lr->xAxis->range().lower, 50.0);
        QCOMPARE(loss->drawnPoints(0), 53); // 51 visible + one neighbour per side
        synthetic::appendSteps(dir, 311, 320, 1000);
        page.refreshNow();
        QCOMPARE(loss->xAxis->range().upper, 100.0); // stays where the user put it
        loss->fitAll();
        QVERIFY(loss->isFollowing());

        // Hover text names the values.
        QVERIFY(loss->describeAt(100).contains(QStringLiteral("step 100")));

        // Show/hide a series, log scale, smoothing, time axis.
        loss->setSeriesVisible(0, false);
        QVERIFY(!loss->isSeriesVisible(0));
        page.setLogScale(true);
        QVERIFY(loss->logScale());
        QCOMPARE(loss->yAxis->scaleType(), QCPAxis::stLogarithmic);
        page.setLogScale(false);
        page.setSmoothing(10);
        const double before = page.run()->series(clipwb::ui::RunData::Table::Train, "loss", false, true).y[100];
        page.setSmoothing(95);
        const double after = page.run()->series(clipwb::ui::RunData::Table::Train, "loss", false, true).y[100];
        QVERIFY(before != after);
        page.setTimeAxis(true);
        QVERIFY(std::abs(loss->xAxis->range().upper - 319 * 0.2) < 1e-6); // elapsed seconds since step 1
        page.setTimeAxis(false);
    }

    void exportsAndOverlay()
    {
        QTemporaryDir tmp;
        const fs::path a = fs::path(tmp.path().toStdString()) / "a";
        const fs::path b = fs::path(tmp.path().toStdString()) / "b";
        synthetic::writeRun(a, 120, 200);
        synthetic::writeRun(b, 80, 200);
        TrainingPage page;
        page.resize(1200, 800);
        page.show();
        QSignalSpy loaded(&page, &TrainingPage::runLoaded);
        QVERIFY(page.openRun(QString::fromStdString(a.string())));
        QTRY_COMPARE(loaded.count(), 1);
        QString error;
        QVERIFY(page.openOverlay(QString::fromStdString(b.string()), &error));
        MetricChart* loss = chart(page, "lossChart");
        QVERIFY(loss->isSeriesVisible(3));
        QCOMPARE(loss->drawnPoints(3), 80);
        QVERIFY(page.findChild<QLabel*>(QStringLiteral("runLabel"))->text().contains(QStringLiteral("compared with")));

        const QString png = tmp.filePath(QStringLiteral("charts.png"));
        const QString pdf = tmp.filePath(QStringLiteral("charts.pdf"));
        const QString csv = tmp.filePath(QStringLiteral("metrics.csv"));
        QVERIFY(page.exportPng(png));
        QImage image(png);
        QVERIFY(image.width() > 500 && image.height() > 300);
        QVERIFY(page.exportPdf(pdf));
        QFile pdfFile(pdf);
        QVERIFY(pdfFile.open(QIODevice::ReadOnly));
        QVERIFY(pdfFile.read(5) == "%PDF-");
        QVERIFY(page.exportCsv(csv, &error));
        QFile csvFile(csv);
        QVERIFY(csvFile.open(QIODevice::ReadOnly | QIODevice::Text));
        const QStringList lines = QString::fromUtf8(csvFile.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + 120 + 2);
        QVERIFY(lines[0].startsWith(QStringLiteral("type,step,epoch,loss,i2t,t2i,lr")));
        QVERIFY(lines[1].startsWith(QStringLiteral("train,1,1,")));
        QVERIFY(lines.last().startsWith(QStringLiteral("val,100,2,")));

        QVERIFY(page.openOverlay(QString()));
        QVERIFY(!loss->isSeriesVisible(3));
    }

    void periodicRecallGetsAChart()
    {
        QTemporaryDir tmp;
        const fs::path dir = fs::path(tmp.path().toStdString()) / "eval-run";
        synthetic::writeRun(dir, 100, 100);
        synthetic::append(dir / "metrics.jsonl",
                          "{\"type\":\"eval\",\"step\":50,\"epoch\":1,\"t2i_r1\":20.5,\"t2i_r5\":50,\"mean_recall\":40}\n"
                          "{\"type\":\"eval\",\"step\":100,\"epoch\":2,\"t2i_r1\":30.5,\"t2i_r5\":60,\"mean_recall\":50}\n");
        TrainingPage page;
        page.show();
        QSignalSpy loaded(&page, &TrainingPage::runLoaded);
        QVERIFY(page.openRun(QString::fromStdString(dir.string())));
        QTRY_COMPARE(loaded.count(), 1);
        MetricChart* recall = chart(page, "recallChart");
        QVERIFY(recall->isVisible());
        // R@1/5/10 both ways (fixed series, t2i R@1 first), plus the records' other figures (mean_recall).
        QCOMPARE(recall->seriesCount(), 7);
        QCOMPARE(recall->drawnPoints(0), 2);
        QCOMPARE(recall->drawnPoints(1), 2);
        QCOMPARE(recall->drawnPoints(2), 0);
    }

    void aMillionStepsStayFluid()
    {
        QTemporaryDir tmp;
        const fs::path dir = fs::path(tmp.path().toStdString()) / "long-run";
        fs::create_directories(dir);
        synthetic::appendSteps(dir, 1, 1000000, 1000000, 10000, 10000);
        TrainingPage page;
        page.resize(1400, 900);
        page.show();
        QSignalSpy loaded(&page, &TrainingPage::runLoaded);
        QElapsedTimer timer;
        timer.start();
        QVERIFY(page.openRun(QString::fromStdString(dir.string())));
        QVERIFY(timer.elapsed() < 500); // reading happens in the background
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 60000);
        qInfo("loaded 1e6 steps in %lld ms", timer.elapsed());
        MetricChart* loss = chart(page, "lossChart");
        QVERIFY(loss->drawnPoints(0) <= 2 * loss->axisRect()->width() + 4);
        QVERIFY(loss->drawnPoints(0) > 100);
        // Pan and zoom, replotting at once: each frame must be quick.
        timer.restart();
        for (int i = 0; i < 20; ++i) {
            loss->setKeyRange(QCPRange(i * 40000.0, i * 40000.0 + 200000.0));
            loss->replot(QCustomPlot::rpImmediateRefresh);
        }
        const qint64 perFrame = timer.elapsed() / 20;
        qInfo("pan/zoom over 1e6 points: %lld ms per frame", perFrame);
        QVERIFY2(perFrame < 200, "charts are not fluid with a million points");
    }

    void mainWindowOpensRunsAndShowsDashboard()
    {
        QTemporaryDir tmp;
        const fs::path dir = fs::path(tmp.path().toStdString()) / "run";
        synthetic::writeRun(dir, 60, 100);
        clipwb::ui::MainWindow window;
        window.show();
        QVERIFY(window.trainingPage()->openRunAction()->shortcut() == QKeySequence(QStringLiteral("Ctrl+R")));
        QVERIFY(window.trainingPage()->openRun(QString::fromStdString(dir.string())));
        QTRY_VERIFY(window.trainingPage()->hasRun());
        QVERIFY(!window.trainingPage()->isTraining());
        QVERIFY(window.trainingPage()->confirmClose()); // nothing to stop
        QVERIFY(!window.trainingPage()->stopAction()->isEnabled());

        // The next start reopens the last run.
        TrainingPage again;
        QSignalSpy loaded(&again, &TrainingPage::runLoaded);
        QTRY_COMPARE(loaded.count(), 1);
        QCOMPARE(again.runDir(), QString::fromStdString(dir.string()));
    }
};

QTEST_MAIN(TestTrainingPage)
#include "TestTrainingPage.moc"
