// The Configuration page as a user drives it: load, edit, see errors beside the
// fields, save and reload, presets, the unsaved mark, restore on start.
#include "common/AtomicFile.h"
#include "config/TrainConfig.h"
#include "ui/MainWindow.h"
#include "ui/config/ConfigPage.h"

#include <nlohmann/json.hpp>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <filesystem>

using clipwb::ui::ConfigPage;
namespace fs = std::filesystem;

class TestConfigPage : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_settingsDir;
    QTemporaryDir m_work;
    fs::path m_root;

    /// A copy of the fixtures the reference config points at (train/, lmdb/, model/, model_configs/).
    QString fixtureConfig() const
    {
        return QString::fromStdString((m_root / "train/fp32_bs8/config.json").string());
    }

    template <typename T> T* field(ConfigPage& page, const char* key)
    {
        auto* widget = qobject_cast<T*>(page.editor(QLatin1String(key)));
        if (!widget)
            qFatal("no editor for %s", key);
        return widget;
    }

    static void typeInto(QLineEdit* line, const QString& text)
    {
        line->selectAll();
        QTest::keyClicks(line, text);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QCoreApplication::setOrganizationName(QStringLiteral("clipwb-test"));
        QCoreApplication::setApplicationName(QStringLiteral("clipwb-test"));
        m_root = m_work.path().toStdString();
        const fs::path fixtures = CLIPWB_TEST_FIXTURES;
        for (const char* part : {"train", "lmdb", "model", "model_configs"})
            fs::copy(fixtures / part, m_root / part, fs::copy_options::recursive);
    }

    void init() { QSettings().clear(); }

    void everyOptionHasAnEditorAndTooltip()
    {
        ConfigPage page;
        for (const clipwb::config::OptionInfo& info : clipwb::config::options()) {
            QWidget* editor = page.editor(QString::fromStdString(info.key));
            QVERIFY2(editor, info.key.c_str());
            QVERIFY2(editor->parentWidget()->toolTip().contains(QString::fromStdString(info.key)),
                     info.key.c_str());
        }
        QCOMPARE(page.filePath(), QString());
        QVERIFY(!page.isModified());
        QVERIFY(page.findChild<QWidget*>(QStringLiteral("group_Distillation")));
        // The defaults have no training data yet.
        QVERIFY(page.errorText(QStringLiteral("train_data")).contains(QStringLiteral("required")));
    }

    void loadsAConfig()
    {
        ConfigPage page;
        QSignalSpy changed(&page, &ConfigPage::configChanged);
        QVERIFY(page.loadFile(fixtureConfig()));
        QCOMPARE(changed.count(), 1);
        QVERIFY2(page.isValid(), page.issues().empty() ? "" : page.issues().front().text().c_str());
        QVERIFY(!page.isModified());
        QCOMPARE(field<QSpinBox>(page, "batch_size")->value(), 8);
        QCOMPARE(field<QComboBox>(page, "precision")->currentText(), QStringLiteral("fp32"));
        QVERIFY(field<QCheckBox>(page, "grad_checkpointing")->isChecked());
        QVERIFY(field<QLineEdit>(page, "train_data")->text().endsWith(QStringLiteral("lmdb/lmdb/train")));
        QVERIFY(!page.findChild<QCheckBox*>(QStringLiteral("set_max_epochs"))->isChecked());
        QVERIFY(page.findChild<QCheckBox*>(QStringLiteral("set_max_steps"))->isChecked());
        QCOMPARE(page.config().max_steps.value_or(0), int64_t(24));
        QCOMPARE(page.recentFiles().value(0), fixtureConfig());
        QVERIFY(page.findChild<QLabel*>(QStringLiteral("summary"))->text().contains(QStringLiteral("Ready")));
    }

    void editsShowErrorsBesideTheField()
    {
        ConfigPage page;
        QVERIFY(page.loadFile(fixtureConfig()));
        QSignalSpy validity(&page, &ConfigPage::validityChanged);

        typeInto(field<QLineEdit>(page, "train_data"), QStringLiteral("/no/such/split"));
        QTRY_VERIFY(page.errorText(QStringLiteral("train_data"))
                        .contains(QStringLiteral("folder not found: /no/such/split")));
        QVERIFY(page.findChild<QLabel*>(QStringLiteral("error_train_data"))->isVisibleTo(&page));
        QVERIFY(!page.isValid());
        QCOMPARE(validity.count(), 1);
        QVERIFY(page.isModified());

        // Unsetting max_steps leaves neither max_steps nor max_epochs.
        page.findChild<QCheckBox*>(QStringLiteral("set_max_steps"))->setChecked(false);
        QTRY_VERIFY(page.errorText(QStringLiteral("max_steps"))
                        .contains(QStringLiteral("neither max_steps nor max_epochs")));
        QVERIFY(!page.config().max_steps);
        page.findChild<QCheckBox*>(QStringLiteral("set_max_epochs"))->setChecked(true);
        QTRY_VERIFY(page.errorText(QStringLiteral("max_steps")).isEmpty());

        field<QDoubleSpinBox>(page, "mask_ratio")->setValue(1.0);
        QTRY_VERIFY(page.errorText(QStringLiteral("mask_ratio")).contains(QStringLiteral("must be < 1")));

        field<QComboBox>(page, "vision_model")
            ->setCurrentText(QStringLiteral("RoBERTa-wwm-ext-base-chinese"));
        QTRY_VERIFY(page.errorText(QStringLiteral("vision_model"))
                        .contains(QStringLiteral("not a vision model config")));

        // Fixing the fields clears their errors.
        typeInto(field<QLineEdit>(page, "train_data"),
                 QString::fromStdString((m_root / "lmdb/lmdb/train").string()));
        field<QDoubleSpinBox>(page, "mask_ratio")->setValue(0.5);
        field<QComboBox>(page, "vision_model")->setCurrentText(QStringLiteral("Tiny-ViT"));
        QVERIFY(page.isValid()); // at once: validation never lags behind an edit
        QCOMPARE(page.config().mask_ratio, 0.5);
        QCOMPARE(page.config().vision_model, std::string("Tiny-ViT"));
    }

    void loadingABadFileShowsEveryProblem()
    {
        const fs::path bad = m_root / "train/bad.json";
        clipwb::writeFileAtomic(bad, R"({"train_data": "../lmdb/lmdb/train", "batchsize": 8, "batch_size": 0,
                                        "precision": "fp8", "lr": "fast", "vision_model": "Tiny-ViT",
                                        "text_model": "Tiny-BERT", "max_epochs": null})");
        ConfigPage page;
        QVERIFY(page.loadFile(QString::fromStdString(bad.string())));
        QVERIFY(
            page.bannerText().contains(QStringLiteral("batchsize: unknown key; did you mean batch_size?")));
        QVERIFY(page.bannerText().contains(QStringLiteral("lr: wrong type")));
        // Out-of-range values stay visible next to their error instead of being clamped away.
        QCOMPARE(field<QSpinBox>(page, "batch_size")->value(), 0);
        QVERIFY(page.errorText(QStringLiteral("batch_size"))
                    .contains(QStringLiteral("out of range: 0 (must be >= 1)")));
        QCOMPARE(field<QComboBox>(page, "precision")->currentText(), QStringLiteral("fp8"));
        QVERIFY(
            page.errorText(QStringLiteral("precision")).contains(QStringLiteral("unknown precision 'fp8'")));
        QVERIFY(page.errorText(QStringLiteral("max_steps")).contains(QStringLiteral("neither")));
        QVERIFY(page.errorText(QStringLiteral("train_data")).isEmpty());
        QCOMPARE(int(page.issues().size()), 3);
        QVERIFY(!page.loadFile(QString::fromStdString((m_root / "nothing.json").string())));
        QVERIFY(page.bannerText().contains(QStringLiteral("nothing.json")));
    }

    void saveAndReloadRoundTrip()
    {
        clipwb::ui::MainWindow window;
        ConfigPage& page = *window.configPage();
        QVERIFY(page.loadFile(fixtureConfig()));
        QVERIFY(!window.isWindowModified());
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("config.json")));

        field<QSpinBox>(page, "batch_size")->setValue(16);
        field<QCheckBox>(page, "use_augment")->setChecked(true);
        typeInto(field<QLineEdit>(page, "name"), QStringLiteral("edited run"));
        field<QDoubleSpinBox>(page, "lr")->setValue(5e-5);
        page.findChild<QCheckBox*>(QStringLiteral("set_valid_epoch_interval"))->setChecked(true);
        field<QComboBox>(page, "precision")->setCurrentText(QStringLiteral("bf16"));
        QVERIFY(page.isModified());
        QVERIFY(window.isWindowModified()); // the title shows '*'

        const QString out = QString::fromStdString((m_root / "saved.json").string());
        QVERIFY(page.saveAs(out));
        QVERIFY(!page.isModified());
        QVERIFY(!window.isWindowModified());
        QCOMPARE(page.filePath(), out);
        QCOMPARE(page.recentFiles().value(0), out);
        const auto saved = nlohmann::json::parse(clipwb::readFile(out.toStdString()));
        QCOMPARE(saved["train_data"].get<std::string>(),
                 std::string("lmdb/lmdb/train")); // inside the file's folder: relative
        QCOMPARE(saved["batch_size"].get<int>(), 16);

        ConfigPage reloaded;
        QVERIFY(reloaded.loadFile(out));
        QVERIFY(reloaded.config() == page.config());
        const clipwb::config::TrainConfig c = reloaded.config();
        QCOMPARE(c.batch_size, 16);
        QVERIFY(c.use_augment);
        QCOMPARE(c.name, std::string("edited run"));
        QCOMPARE(c.lr.value_or(0), 5e-5);
        QCOMPARE(c.valid_epoch_interval.value_or(0), int64_t(1));
        QCOMPARE(c.precision, std::string("bf16"));
        QVERIFY(reloaded.isValid());

        // Editing back to the saved values clears the mark.
        field<QSpinBox>(page, "batch_size")->setValue(17);
        QVERIFY(page.isModified());
        field<QSpinBox>(page, "batch_size")->setValue(16);
        QVERIFY(!page.isModified());
    }

    void presetsAndResume()
    {
        ConfigPage page;
        page.applyPreset(QStringLiteral("demo"), QString::fromStdString((m_root / "lmdb").string()));
        QVERIFY(page.filePath().isEmpty());
        QVERIFY(page.isModified());
        QCOMPARE(page.config().vision_model, std::string("Tiny-ViT"));
        QCOMPARE(field<QLineEdit>(page, "train_data")->text(),
                 QString::fromStdString((m_root / "lmdb/lmdb/train").string()));
        QVERIFY(page.isValid());
        QVERIFY(page.bannerText().contains(QStringLiteral("Preset")));

        page.setResume(m_root / "model/init.pt");
        QCOMPARE(field<QLineEdit>(page, "resume")->text(),
                 QString::fromStdString((m_root / "model/init.pt").string()));
        QVERIFY(page.isValid());
        page.setResume(m_root / "model/missing.pt");
        QTRY_VERIFY(page.errorText(QStringLiteral("resume")).contains(QStringLiteral("file not found")));

        page.applyPreset(QStringLiteral("low-memory"), QStringLiteral("/data"));
        QVERIFY(field<QCheckBox>(page, "grad_checkpointing")->isChecked());
        QCOMPARE(field<QSpinBox>(page, "accum_freq")->value(), 4);
    }

    void unsetAdamOptionsShowTheModelDefault()
    {
        ConfigPage page;
        auto* lr = field<QDoubleSpinBox>(page, "lr");
        QVERIFY(!lr->isEnabled());
        QCOMPARE(lr->value(), 5e-4);
        field<QComboBox>(page, "vision_model")->setCurrentText(QStringLiteral("ViT-L-14"));
        QCOMPARE(lr->value(), 4e-4);
        QVERIFY(!page.config().lr);
        QCOMPARE(lr->text(), QStringLiteral("0.0004"));
    }

    void copyAsCommandLine()
    {
        ConfigPage page;
        QVERIFY(page.loadFile(fixtureConfig()));
        page.findChild<QToolButton*>(QStringLiteral("copyCommandLine"))->click();
        const QString text = QApplication::clipboard()->text();
        QVERIFY2(text.startsWith(QStringLiteral("clipwb-cli train")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("--batch-size=8")));
        QVERIFY(text.contains(QStringLiteral("--grad-checkpointing")));
        QVERIFY(text.contains(QStringLiteral("--max-epochs=None")));
    }

    void restoresTheLastConfigOnStart()
    {
        {
            ConfigPage page;
            QVERIFY(page.loadFile(fixtureConfig()));
            field<QSpinBox>(page, "warmup")->setValue(7);
        }
        ConfigPage restored;
        QCOMPARE(restored.filePath(), fixtureConfig());
        QVERIFY(restored.isModified());
        QCOMPARE(restored.config().warmup, 7);
        QCOMPARE(restored.config().batch_size, 8);
    }
};

QTEST_MAIN(TestConfigPage)
#include "TestConfigPage.moc"
