// The Zero-shot page and the model manager dialog, driven as a user would:
// the fixture image folder with the fine-tuned tiny checkpoint (A) against the
// random one (B) with upstream's food-101 templates (numbers from upstream's
// own run, tests/fixtures/zeroshot); labels edited and run again on the cached
// features; cancel; bad input; a downloaded model offered by name; the
// dialog's downloads from a loopback server (errors, cancel and resume,
// verify, import) and the menu that opens it.
#include "models/ModelCatalog.h"
#include "models/ModelStore.h"
#include "ui/MainWindow.h"
#include "ui/config/ConfigPage.h"
#include "ui/models/DownloadedModelsButton.h"
#include "ui/models/ModelManagerDialog.h"
#include "ui/models/ModelPathBox.h"
#include "ui/retrieval/RetrievalCompareView.h"
#include "ui/retrieval/RetrievalPage.h"
#include "ui/zeroshot/ZeroShotPage.h"
#include "ui/zeroshot/ZeroShotResultView.h"
#include "ui/zeroshot/ZeroShotRunner.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace clipwb;
namespace fs = std::filesystem;

namespace {
const QString kFixtures = QStringLiteral(CLIPWB_TEST_FIXTURES);

int confusionTotal(QTableWidget* table)
{
    int total = 0;
    for (int r = 0; r < table->rowCount(); ++r)
        for (int c = 0; c < table->columnCount(); ++c)
            if (auto* item = table->item(r, c))
                total += item->text().toInt();
    return total;
}
} // namespace

class TestZeroShotPage : public QObject {
    Q_OBJECT

    QTemporaryDir m_home;
    QTemporaryDir m_settingsDir;
    QProcess m_server;
    QString m_base;

    fs::path home() const { return fs::path(m_home.path().toStdString()); }

    /// A catalog with the tiny model (Tiny-ViT + Tiny-BERT) as "Tiny", served as clip_cn_tiny.pt.
    std::vector<models::CatalogModel> tinyCatalog() const
    {
        const fs::path file = home() / "catalog.json";
        std::ofstream(file) << R"([{"name": "Tiny", "vision_model": "Tiny-ViT", "text_model": "Tiny-BERT",
                                    "repo": "tiny", "file": "clip_cn_tiny.pt"}])";
        return models::loadCatalog(file);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QCoreApplication::setOrganizationName(QStringLiteral("clipwb-test"));
        QCoreApplication::setApplicationName(QStringLiteral("clipwb-test"));
        qputenv("CLIPWB_MODELS_DIR", (m_home.path() + "/models").toUtf8());
        const fs::path served = home() / "served";
        fs::create_directories(served);
        fs::copy_file((kFixtures + "/model/init.pt").toStdString(), served / "clip_cn_rn50.pt");
        fs::copy_file((kFixtures + "/zeroshot/shapes_vit.pt").toStdString(), served / "clip_cn_tiny.pt");
        m_server.start("python3", {QStringLiteral(CLIPWB_SOURCE_DIR "/tests/models/range_server.py"),
                                   QString::fromStdString(served.string())});
        QVERIFY(m_server.waitForReadyRead(20000));
        m_base = QStringLiteral("http://127.0.0.1:%1").arg(m_server.readLine().trimmed().toInt());
    }

    void cleanupTestCase()
    {
        m_server.kill();
        m_server.waitForFinished();
    }

    void runsComparesAndReruns()
    {
        ui::ZeroShotPage page;
        page.runner()->setFeatureCacheFolder(m_home.path() + "/features");
        page.resize(1280, 760);
        page.show();
        page.setDataset(kFixtures + "/zeroshot/shapes12/test");
        QCOMPARE(page.labelsEdit()->toPlainText().split('\n').size(), 12); // label_cn.txt beside test/
        page.setTemplateSet(QStringLiteral("food-101"));
        QCOMPARE(page.templatesEdit()->toPlainText().split('\n').size(), 21);
        page.setCheckpoint(kFixtures + "/zeroshot/shapes_vit.pt");
        page.setCompareCheckpoint(kFixtures + "/model/init.pt");
        QSignalSpy finished(&page, &ui::ZeroShotPage::finished);
        QSignalSpy failed(&page, &ui::ZeroShotPage::failed);
        page.run();
        QVERIFY(page.isRunning());
        QVERIFY(!page.runButton()->isEnabled());
        QVERIFY(finished.wait(180000));
        QCOMPARE(failed.count(), 0);
        QVERIFY(page.runButton()->isEnabled());
        QCOMPARE(page.runner()->result()->imagesFromCache, std::vector<bool>({false, false}));
        // upstream (food-101 templates): 39 of 72 right with shapes_vit.pt, 6 of 72 with init.pt
        const QString summary = page.summaryLabel()->text();
        QVERIFY2(summary.contains("54.2%") && summary.contains("(39/72)"), qPrintable(summary));
        QVERIFY2(summary.contains("(6/72)"), qPrintable(summary));
        QVERIFY2(summary.contains("top-5"), qPrintable(summary));
        QTableWidget* perClass = page.perClassTable();
        QCOMPARE(perClass->rowCount(), 12);
        QCOMPARE(perClass->columnCount(), 5); // class, images, A, B, B - A
        int images = 0;
        double correctA = 0;
        for (int r = 0; r < 12; ++r) {
            images += perClass->item(r, 1)->data(Qt::DisplayRole).toInt();
            correctA += perClass->item(r, 1)->data(Qt::DisplayRole).toInt() *
                        perClass->item(r, 2)->data(Qt::DisplayRole).toDouble() / 100.0;
        }
        QCOMPARE(images, 72);
        QCOMPARE(qRound(correctA), 39); // the per-class accuracies add up to the top-1
        QCOMPARE(confusionTotal(page.confusionTable()), 72);
        int diagonal = 0;
        for (int c = 0; c < 12; ++c)
            if (auto* item = page.confusionTable()->item(c, c))
                diagonal += item->text().toInt();
        QCOMPARE(diagonal, 39); // model A's confusion matrix first
        ui::ZeroShotResultView* view = page.resultView();
        view->confusionModelBox()->setCurrentIndex(1);
        diagonal = 0;
        for (int c = 0; c < 12; ++c)
            if (auto* item = page.confusionTable()->item(c, c))
                diagonal += item->text().toInt();
        QCOMPARE(diagonal, 6);

        // every image some model got wrong, with each model's top-5; the filters split them
        const int anyWrong = page.misclassifiedList()->count();
        QVERIFY(anyWrong >= 72 - 6);
        QVERIFY(page.misclassifiedList()->item(0)->text().contains("true: "));
        QVERIFY(!page.misclassifiedList()->item(0)->icon().isNull());
        QCOMPARE(page.misclassifiedList()->item(0)->text().split('\n').size(), 3); // title, A, B
        view->setMistakeFilter(ui::ZeroShotResultView::MistakeFilter::FixedByB);
        const int fixedByB = page.misclassifiedList()->count();
        view->setMistakeFilter(ui::ZeroShotResultView::MistakeFilter::BrokenByB);
        const int brokenByB = page.misclassifiedList()->count();
        for (int i = 0; i < brokenByB; ++i) {
            const QStringList lines = page.misclassifiedList()->item(i)->text().split('\n');
            QVERIFY2(lines[1].startsWith("A ✓") && lines[2].startsWith("B ✗"), qPrintable(lines.join(" | ")));
        }
        // B (6 right) - A (39 right) = fixed - broken
        QCOMPARE(fixedByB - brokenByB, 6 - 39);
        view->setMistakeFilter(ui::ZeroShotResultView::MistakeFilter::Any);

        // edit a label and run again: the sessions (and their image features) are reused
        QStringList labels = page.labelsEdit()->toPlainText().split('\n');
        labels[0] = QStringLiteral("红色六边形");
        page.labelsEdit()->setPlainText(labels.join('\n'));
        page.run();
        QVERIFY(finished.wait(180000));
        QCOMPARE(finished.count(), 2);
        QCOMPARE(page.runner()->cachedSessions(), 2);
        const auto result = page.runner()->result();
        QCOMPARE(result->imagesFromCache, std::vector<bool>({true, true}));
        QVERIFY2(page.statusLabel()->text().contains("from the cache"),
                 qPrintable(page.statusLabel()->text()));
        QCOMPARE(perClass->findItems(QStringLiteral("红色六边形"), Qt::MatchExactly).size(), 1);

        // other templates change the classifier: upstream's cifar-10 ("openai") on the same images
        page.setTemplateSet(QStringLiteral("cifar-10"));
        QCOMPARE(page.templatesEdit()->toPlainText().split('\n').size(), 183);

        // features are cached per checkpoint on disk too: another page (a restart) encodes no image
        ui::ZeroShotPage later;
        later.runner()->setFeatureCacheFolder(m_home.path() + "/features");
        later.setDataset(kFixtures + "/zeroshot/shapes12/test");
        later.setTemplateSet(QStringLiteral("food-101"));
        later.setCheckpoint(kFixtures + "/zeroshot/shapes_vit.pt");
        later.setCompareCheckpoint(kFixtures + "/model/init.pt");
        QSignalSpy laterFinished(&later, &ui::ZeroShotPage::finished);
        later.run();
        QVERIFY(laterFinished.wait(180000));
        QCOMPARE(later.runner()->result()->imagesFromCache, std::vector<bool>({true, true}));
        QCOMPARE(later.summaryLabel()->text(), summary);
    }

    void cancelStopsAndBadInputIsSaid()
    {
        ui::ZeroShotPage page;
        page.setDataset(kFixtures + "/zeroshot/shapes5/test");
        page.setCheckpoint(kFixtures + "/model/init.pt");
        QSignalSpy failed(&page, &ui::ZeroShotPage::failed);
        QSignalSpy finished(&page, &ui::ZeroShotPage::finished);
        page.run();
        page.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() + finished.count() == 1, 120000);
        QVERIFY(!page.isRunning());
        QVERIFY(page.runButton()->isEnabled());
        if (failed.count()) // it may have finished first on a fast machine
            QCOMPARE(failed.first().first().toString(), QStringLiteral("cancelled"));

        failed.clear();
        page.setCheckpoint(kFixtures + "/zeroshot/missing.pt");
        page.run();
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() == 1, 60000);
        QVERIFY2(page.statusLabel()->text().contains("missing.pt"), qPrintable(page.statusLabel()->text()));

        // nothing to run: said at once, nothing started
        failed.clear();
        page.setCheckpoint(QString());
        page.labelsEdit()->clear();
        page.run();
        QCOMPARE(failed.count(), 1);
        QVERIFY(!page.isRunning());
        QVERIFY2(page.statusLabel()->text().contains("class names") &&
                     page.statusLabel()->text().contains("checkpoint A"),
                 qPrintable(page.statusLabel()->text()));

        // fewer names than class folders: the core's message, naming the folder
        failed.clear();
        page.setCheckpoint(kFixtures + "/model/init.pt");
        page.labelsEdit()->setPlainText(QStringLiteral("一\n二"));
        page.run();
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() == 1, 120000);
        QVERIFY2(page.statusLabel()->text().contains("2 class names for 5 class folders"),
                 qPrintable(page.statusLabel()->text()));
    }

    void downloadedModelsAreOfferedByName()
    {
        models::ModelStore store;
        models::importModelFile(store, tinyCatalog(), (kFixtures + "/zeroshot/shapes_vit.pt").toStdString());
        ui::ZeroShotPage page;
        page.refreshDownloadedModels();
        QVERIFY(page.checkpointBox()->modelNames().contains(QStringLiteral("Tiny")));
        page.setDataset(kFixtures + "/zeroshot/shapes5/test");
        page.setCheckpoint(QStringLiteral("Tiny"));
        QCOMPARE(page.checkpointBox()->path(), QString::fromStdString(store.installedPath("Tiny")->string()));
        QSignalSpy finished(&page, &ui::ZeroShotPage::finished);
        page.run();
        QVERIFY(finished.wait(120000));
        QVERIFY2(page.summaryLabel()->text().contains("(30/30)"), qPrintable(page.summaryLabel()->text()));
        QVERIFY2(page.summaryLabel()->text().contains("A: Tiny"), qPrintable(page.summaryLabel()->text()));
        models::ModelStore().removeRecord("Tiny");
    }

    void modelManagerReportsDownloadErrors()
    {
        ui::ModelManagerDialog dialog;
        dialog.show();
        QCOMPARE(dialog.table()->rowCount(), 5); // the official models
        dialog.mirrorBox()->setCurrentIndex(2);  // custom endpoint
        QVERIFY(dialog.endpointEdit()->isEnabled());
        dialog.endpointEdit()->setText(m_base + "/error");
        dialog.selectModel(QStringLiteral("RN50"));
        QSignalSpy done(&dialog, &ui::ModelManagerDialog::jobFinished);
        dialog.downloadSelected();
        QVERIFY(done.wait(60000));
        QCOMPARE(done.last().at(0).toBool(), false);
        QVERIFY2(done.last().at(1).toString().contains("HTTP 503"), qPrintable(done.last().at(1).toString()));
        // a file that is not RN50 (the tiny model under RN50's name) is refused and removed
        dialog.endpointEdit()->setText(m_base + "/hf");
        dialog.downloadSelected();
        QVERIFY(done.wait(60000));
        QCOMPARE(done.last().at(0).toBool(), false);
        QVERIFY2(done.last().at(1).toString().contains("not RN50's architecture"),
                 qPrintable(done.last().at(1).toString()));
        QVERIFY(!fs::exists(models::ModelStore().folder() / "clip_cn_rn50.pt"));
        QCOMPARE(dialog.statusOf(QStringLiteral("RN50")), QStringLiteral("not downloaded"));
    }

    void modelManagerDownloadsCancelsResumesAndTheMenuOpensIt()
    {
        ui::MainWindow window;
        QAction* action = window.findChild<QAction*>(QStringLiteral("modelManagerAction"));
        QVERIFY(action);
        action->trigger();
        ui::ModelManagerDialog* dialog = window.modelManager();
        QVERIFY(dialog->isVisible());
        dialog->setCatalog(tinyCatalog());
        dialog->selectModel(QStringLiteral("Tiny"));
        dialog->mirrorBox()->setCurrentIndex(2);
        dialog->endpointEdit()->setText(m_base + "/slow"); // 64 kB every 50 ms: time to cancel
        QSignalSpy done(dialog, &ui::ModelManagerDialog::jobFinished);
        QSignalSpy changed(dialog, &ui::ModelManagerDialog::modelsChanged);
        dialog->downloadSelected();
        QVERIFY(dialog->isBusy());
        QTRY_VERIFY_WITH_TIMEOUT(dialog->progressBar()->value() > 20, 30000); // > 2% arrived
        QVERIFY2(dialog->statusLabel()->text().contains("Downloading Tiny"),
                 qPrintable(dialog->statusLabel()->text()));
        dialog->cancel();
        QVERIFY(done.wait(30000));
        QCOMPARE(done.last().at(0).toBool(), false);
        QVERIFY2(done.last().at(1).toString().contains("Cancelled"),
                 qPrintable(done.last().at(1).toString()));
        QVERIFY2(dialog->statusOf(QStringLiteral("Tiny")).startsWith("partial"),
                 qPrintable(dialog->statusOf(QStringLiteral("Tiny"))));
        QCOMPARE(changed.count(), 0);

        // Hugging Face's way (redirect + X-Linked-ETag): resumed, verified, recorded
        dialog->endpointEdit()->setText(m_base + "/hf");
        dialog->downloadSelected();
        QVERIFY(done.wait(60000));
        QVERIFY2(done.last().at(0).toBool(), qPrintable(done.last().at(1).toString()));
        QVERIFY2(dialog->statusOf(QStringLiteral("Tiny")).startsWith("downloaded, verified"),
                 qPrintable(dialog->statusOf(QStringLiteral("Tiny"))));
        QCOMPARE(changed.count(), 1);
        const auto record = models::ModelStore().record("Tiny");
        QVERIFY(record);
        QCOMPARE(record->size, fs::file_size((kFixtures + "/zeroshot/shapes_vit.pt").toStdString()));
        // the Zero-shot page offers it by name at once
        QVERIFY(window.zeroShotPage()->checkpointBox()->modelNames().contains(QStringLiteral("Tiny")));

        dialog->verifySelected();
        QVERIFY(done.wait(60000));
        QVERIFY2(done.last().at(0).toBool(), qPrintable(done.last().at(1).toString()));
        QVERIFY2(done.last().at(1).toString().contains("OK"), qPrintable(done.last().at(1).toString()));

        // a file downloaded otherwise is identified by its tensors and imported under that name
        dialog->importFile(kFixtures + "/model/init.pt");
        QVERIFY(done.wait(60000));
        QVERIFY2(done.last().at(0).toBool(), qPrintable(done.last().at(1).toString()));
        QCOMPARE(done.last().at(1).toString(), QStringLiteral("Imported as Tiny."));
        QCOMPARE(models::ModelStore().record("Tiny")->size,
                 fs::file_size((kFixtures + "/model/init.pt").toStdString()));
        // a file that is no checkpoint is refused, nothing recorded for it
        const fs::path junk = home() / "junk.pt";
        std::ofstream(junk) << "not a checkpoint";
        dialog->importFile(QString::fromStdString(junk.string()));
        QVERIFY(done.wait(60000));
        QCOMPARE(done.last().at(0).toBool(), false);
        QVERIFY2(done.last().at(1).toString().contains("junk.pt"), qPrintable(done.last().at(1).toString()));
        models::ModelStore().removeRecord("Tiny");
    }

    void configAndRetrievalOfferDownloadedModels()
    {
        models::ModelStore store;
        models::importModelFile(store, tinyCatalog(), (kFixtures + "/zeroshot/shapes_vit.pt").toStdString());
        const QString tiny = QString::fromStdString(store.installedPath("Tiny")->string());

        // Configuration: Resume's "Models" menu starts a fine-tune from the pretrained model
        ui::ConfigPage config;
        auto* resumeModels = config.findChild<ui::DownloadedModelsButton*>(QStringLiteral("models_resume"));
        QVERIFY(resumeModels);
        QCOMPARE(resumeModels->modelNames(), QStringList{QStringLiteral("Tiny")});
        QVERIFY(!resumeModels->choose(QStringLiteral("ViT-H-14"))); // not downloaded
        QVERIFY(resumeModels->choose(QStringLiteral("Tiny")));
        QCOMPARE(QString::fromStdString(config.config().resume.value_or("")), tiny);
        QCOMPARE(QString::fromStdString(config.config().vision_model), QStringLiteral("Tiny-ViT"));
        QCOMPARE(QString::fromStdString(config.config().text_model), QStringLiteral("Tiny-BERT"));
        QVERIFY(config.config().reset_data_offset && config.config().reset_optimizer);
        // CLIP weights / BERT weights: one tower from the model (visual.*, bert.*), its config with it
        config.setConfig(config::TrainConfig());
        auto* clipModels =
            config.findChild<ui::DownloadedModelsButton*>(QStringLiteral("models_clip_weight_path"));
        auto* bertModels =
            config.findChild<ui::DownloadedModelsButton*>(QStringLiteral("models_bert_weight_path"));
        QVERIFY(clipModels && bertModels);
        QVERIFY(clipModels->choose(QStringLiteral("Tiny")));
        QCOMPARE(QString::fromStdString(config.config().clip_weight_path.value_or("")), tiny);
        QCOMPARE(QString::fromStdString(config.config().vision_model), QStringLiteral("Tiny-ViT"));
        QCOMPARE(QString::fromStdString(config.config().text_model),
                 QStringLiteral("RoBERTa-wwm-ext-base-chinese"));
        QVERIFY(!config.config().resume && !config.config().reset_optimizer);
        QVERIFY(bertModels->choose(QStringLiteral("Tiny")));
        QCOMPARE(QString::fromStdString(config.config().bert_weight_path.value_or("")), tiny);
        QCOMPARE(QString::fromStdString(config.config().text_model), QStringLiteral("Tiny-BERT"));

        // the MUGE preset starts from the downloaded ViT-B-16 when DATAPATH has none
        const fs::path vitB16 = models::ModelStore().folder() / "clip_cn_vit-b-16.pt";
        std::ofstream(vitB16) << "stands for the downloaded file";
        models::ModelRecord record;
        record.name = "ViT-B-16";
        record.file = "clip_cn_vit-b-16.pt";
        record.visionModel = "ViT-B-16";
        record.textModel = "RoBERTa-wwm-ext-base-chinese";
        store.putRecord(record);
        QTemporaryDir datapath;
        config.applyPreset(QStringLiteral("muge-finetune-vit-b-16"), datapath.path());
        QCOMPARE(QString::fromStdString(config.config().resume.value_or("")),
                 QString::fromStdString(vitB16.string()));
        QVERIFY2(config.bannerText().contains("downloaded ViT-B-16"), qPrintable(config.bannerText()));
        // ... and DATAPATH's own copy when it has one
        fs::create_directories(fs::path(datapath.path().toStdString()) / "pretrained_weights");
        std::ofstream(fs::path(datapath.path().toStdString()) / "pretrained_weights" / "clip_cn_vit-b-16.pt")
            << "x";
        config.applyPreset(QStringLiteral("muge-finetune-vit-b-16"), datapath.path());
        QVERIFY2(QString::fromStdString(config.config().resume.value_or("")).startsWith(datapath.path()),
                 config.config().resume.value_or("").c_str());
        store.removeRecord("ViT-B-16");

        // Retrieval: the checkpoint and its architecture in one pick
        ui::RetrievalPage retrieval;
        auto* retrievalModels =
            retrieval.findChild<ui::DownloadedModelsButton*>(QStringLiteral("retrievalModels"));
        QVERIFY(retrievalModels);
        retrieval.setModels(QStringLiteral("ViT-B-16"), QStringLiteral("RoBERTa-wwm-ext-base-chinese"));
        QVERIFY(retrievalModels->choose(QStringLiteral("Tiny")));
        QCOMPARE(retrieval.checkpoint(), tiny);
        // ... and either side of the A/B comparison (the pretrained baseline by name)
        auto* compareA = retrieval.findChild<ui::DownloadedModelsButton*>(QStringLiteral("compareModelsA"));
        QVERIFY(compareA);
        QVERIFY(compareA->choose(QStringLiteral("Tiny")));
        QCOMPARE(retrieval.compareView()->checkpoint(ui::RetrievalCompareView::A), tiny);
        const auto combos = retrieval.findChildren<QComboBox*>();
        QVERIFY(std::any_of(combos.begin(), combos.end(),
                            [](QComboBox* box) { return box->currentText() == QLatin1String("Tiny-ViT"); }));
        models::ModelStore().removeRecord("Tiny");
    }

    void pageIsInTheWindow()
    {
        ui::MainWindow window;
        QVERIFY(ui::MainWindow::pageNames().contains(QStringLiteral("zeroshot")));
        QVERIFY(window.showPage(QStringLiteral("zeroshot")));
        QCOMPARE(window.currentPageName(), QStringLiteral("zeroshot"));
        QVERIFY(window.zeroShotPage()->isVisibleTo(&window));
    }
};

QTEST_MAIN(TestZeroShotPage)
#include "TestZeroShotPage.moc"
