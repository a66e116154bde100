#include "ui/common/Translations.h"

#include <QApplication>
#include <QFont>
#include <QFontDatabase>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTranslator>

#include <cstring>
#include <memory>

namespace clipwb::ui {
namespace {

constexpr auto kSettingsKey = "ui/language";

// tr() looks strings up under the class's full name ("clipwb::ui::ConfigPage"),
// but lupdate does not follow C++17 nested namespace definitions
// (namespace clipwb::ui { ... }) and files them under "ConfigPage". Looking
// the short name up too keeps the .ts as lupdate writes it.
class NamespaceTolerantTranslator : public QTranslator {
public:
    QString translate(const char* context, const char* sourceText, const char* disambiguation,
                      int n) const override
    {
        const QString found = QTranslator::translate(context, sourceText, disambiguation, n);
        if (!found.isEmpty() || !context)
            return found;
        const char* name = std::strrchr(context, ':');
        return name && std::strncmp(context, "clipwb::ui::", 12) == 0
                   ? QTranslator::translate(name + 1, sourceText, disambiguation, n)
                   : found;
    }
};

struct Installed {
    QString code = QStringLiteral("en");
    std::unique_ptr<QTranslator> app;
    std::unique_ptr<QTranslator> qt;
    QFont defaultFont;
    QLocale defaultLocale;
    bool haveDefaults = false;
};

Installed& installed()
{
    static Installed state;
    return state;
}

} // namespace

QStringList Translations::languages()
{
    return {QStringLiteral("en"), QStringLiteral("zh_CN")};
}

QString Translations::nativeName(const QString& code)
{
    if (code == QLatin1String("zh_CN"))
        return QStringLiteral("简体中文");
    return QStringLiteral("English");
}

QString Translations::savedLanguage()
{
    const QString code = QSettings().value(QLatin1String(kSettingsKey)).toString();
    return languages().contains(code) ? code : QString();
}

void Translations::saveLanguage(const QString& code)
{
    QSettings settings;
    if (languages().contains(code))
        settings.setValue(QLatin1String(kSettingsKey), code);
    else
        settings.remove(QLatin1String(kSettingsKey));
}

QString Translations::resolve(const QString& requested)
{
    if (languages().contains(requested))
        return requested;
    const QString saved = savedLanguage();
    if (!saved.isEmpty())
        return saved;
    // Any Chinese locale written in simplified characters (zh_CN, zh_SG, zh_Hans_*) gets the translation.
    const QLocale system = QLocale::system();
    if (system.language() == QLocale::Chinese && system.script() != QLocale::TraditionalChineseScript)
        return QStringLiteral("zh_CN");
    return QStringLiteral("en");
}

bool Translations::install(const QString& code)
{
    Installed& state = installed();
    // --help runs on a QCoreApplication (no display): fonts exist only in a GUI application.
    const bool gui = qobject_cast<QGuiApplication*>(QCoreApplication::instance()) != nullptr;
    if (!state.haveDefaults) {
        if (gui)
            state.defaultFont = QApplication::font();
        state.defaultLocale = QLocale();
        state.haveDefaults = true;
    }
    if (state.app)
        QCoreApplication::removeTranslator(state.app.get());
    if (state.qt)
        QCoreApplication::removeTranslator(state.qt.get());
    state.app.reset();
    state.qt.reset();
    state.code = QStringLiteral("en");
    if (gui)
        QApplication::setFont(state.defaultFont);
    QLocale::setDefault(state.defaultLocale);
    if (code != QLatin1String("zh_CN"))
        return true;

    auto app = std::make_unique<NamespaceTolerantTranslator>();
    if (!app->load(QStringLiteral(":/i18n/clipwb_zh_CN.qm")))
        return false;
    QCoreApplication::installTranslator(app.get());
    state.app = std::move(app);
    auto qt = std::make_unique<QTranslator>();
    if (qt->load(QStringLiteral("qtbase_zh_CN"), QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QCoreApplication::installTranslator(qt.get());
        state.qt = std::move(qt);
    }
    // Noto Sans CJK SC draws Chinese with simplified glyph forms; without it the
    // font fallback may pick the Japanese or Traditional variant of the family.
    if (gui && QFontDatabase::families().contains(QStringLiteral("Noto Sans CJK SC"))) {
        QFont font = state.defaultFont;
        font.setFamilies({QStringLiteral("Noto Sans CJK SC"), state.defaultFont.family()});
        QApplication::setFont(font);
    }
    QLocale::setDefault(QLocale(QLocale::Chinese, QLocale::China));
    state.code = code;
    return true;
}

QString Translations::current()
{
    return installed().code;
}

} // namespace clipwb::ui
