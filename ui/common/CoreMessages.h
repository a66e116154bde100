#pragma once
// Messages of the core (clipwb::Error texts, config issues, progress stages)
// shown in the GUI. The core stays free of Qt and writes English; this maps a
// message onto one of the known English templates and returns its
// translation with the same arguments, or the message itself when no
// template matches (a new core message shows in English until it is listed
// in CoreMessages.cpp, which lupdate reads).
#include <QString>

#include <string>

namespace clipwb::config {
struct ConfigIssue;
}

namespace clipwb::ui {

class CoreMessages {
public:
    static QString translate(const QString& message);
    static QString translate(const std::string& message)
    {
        return translate(QString::fromStdString(message));
    }
    /// "key: message" with the message translated (the key is the option's JSON name).
    static QString translateIssue(const config::ConfigIssue& issue);
};

} // namespace clipwb::ui
