#pragma once
// The interface language: English (the source strings) or Simplified Chinese
// (translations/clipwb_zh_CN.ts, compiled into the program). The language
// follows the system locale unless the user picked one (View > Language,
// remembered in QSettings) or the command line asks for one (--lang).
// Qt's own strings (dialog buttons, context menus) come from Qt's
// qtbase_zh_CN.qm (Debian: qt6-translations-l10n).
#include <QString>
#include <QStringList>

namespace clipwb::ui {

class Translations {
public:
    /// The languages the interface has: "en", "zh_CN".
    static QStringList languages();
    /// A language's name in that language ("English", "简体中文").
    static QString nativeName(const QString& code);
    /// The saved choice: "" follows the system locale.
    static QString savedLanguage();
    static void saveLanguage(const QString& code);
    /// What to show: requested when it is one of languages(), else the saved
    /// choice, else the system locale's language when the interface has it, else "en".
    static QString resolve(const QString& requested = {});
    /// Installs clipwb's and Qt's translators for code on the running
    /// application (replacing earlier ones) and, for Chinese, prefers Noto
    /// Sans CJK SC. Returns false when clipwb's translation cannot be loaded.
    static bool install(const QString& code);
    /// The language installed last ("en" before any install()).
    static QString current();
};

} // namespace clipwb::ui
