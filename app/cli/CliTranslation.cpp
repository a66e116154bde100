#include "CliTranslation.h"

#include <QString>
#include <QTranslator>

#include <cstdlib>
#include <memory>

namespace clipwb::cli {
namespace {

std::string fromEnvironment()
{
    if (const char* chosen = std::getenv("CLIPWB_LANG"); chosen && *chosen)
        return std::string(chosen).rfind("zh", 0) == 0 ? "zh_CN" : "en";
    for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
        const char* value = std::getenv(name);
        if (!value || !*value)
            continue;
        const std::string locale = value;
        // Simplified Chinese (zh_CN, zh_SG, zh_Hans...); zh_TW and zh_HK write traditional characters.
        const bool simplified = locale.rfind("zh", 0) == 0 && locale.find("TW") == std::string::npos &&
                                locale.find("HK") == std::string::npos &&
                                locale.find("Hant") == std::string::npos;
        return simplified ? "zh_CN" : "en";
    }
    return "en";
}

const QTranslator* translator()
{
    static const std::unique_ptr<QTranslator> loaded = [] {
        auto t = std::make_unique<QTranslator>();
        if (messageLanguage() != "zh_CN" || !t->load(QStringLiteral(":/i18n/clipwb_zh_CN.qm")))
            t.reset();
        return t;
    }();
    return loaded.get();
}

} // namespace

std::string messageLanguage()
{
    static const std::string language = fromEnvironment();
    return language;
}

std::string translate(const char* context, const char* text)
{
    const QTranslator* t = translator();
    if (!t)
        return text;
    const QString found = t->translate(context, text);
    return found.isEmpty() ? std::string(text) : found.toStdString();
}

std::string substitute(const std::string& text, std::initializer_list<std::string> args)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char next = i + 1 < text.size() ? text[i + 1] : '\0';
        if (text[i] == '%' && next >= '1' && next <= '9' && std::size_t(next - '1') < args.size()) {
            out += *(args.begin() + (next - '1'));
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

} // namespace clipwb::cli
