#pragma once
// The language of clipwb-cli's own messages (usage, argument errors, the error
// line): Simplified Chinese when the locale asks for it, from the same
// translations/clipwb_zh_CN.ts as the GUI (context "clipwb-cli", compiled in).
// The locale is read the way gettext reads it: CLIPWB_LANG (en or zh_CN)
// first, then LC_ALL, LC_MESSAGES, LANG. No QCoreApplication is created: it
// would set the C locale from the environment and change how numbers print.
#include <initializer_list>
#include <string>

namespace clipwb::cli {

/// "zh_CN" or "en", as the environment says.
std::string messageLanguage();
/// text under context in the message language (lupdate reads the calls); text itself in English.
std::string translate(const char* context, const char* text);
/// %1, %2, ... of text replaced by args in one pass (an argument may itself hold "%1").
std::string substitute(const std::string& text, std::initializer_list<std::string> args);

} // namespace clipwb::cli
