#include "ui/common/CoreMessages.h"

#include "config/TrainConfig.h"

#include <QCoreApplication>
#include <QList>
#include <QRegularExpression>

namespace clipwb::ui {
namespace {

// English templates of the core's messages, %1... standing for the variable parts.
// Longer templates first where one is a prefix of another.
const char* const kTemplates[] = {
    // config issues (core/config/ConfigValidation.cpp, TrainConfig.cpp)
    QT_TRANSLATE_NOOP("CoreMessages", "required: a shipped model config name or the path of a JSON config"),
    QT_TRANSLATE_NOOP("CoreMessages",
                      "unknown model config '%1' (shipped %2 configs: %3; or give a JSON file path)"),
    QT_TRANSLATE_NOOP("CoreMessages", "model config file not found: %1"),
    QT_TRANSLATE_NOOP("CoreMessages", "cannot read model config %1: %2"),
    QT_TRANSLATE_NOOP("CoreMessages", "'%1' is not a %2 model config (it is a %3 config)"),
    QT_TRANSLATE_NOOP("CoreMessages", "'%1' is not a %2 model config"),
    QT_TRANSLATE_NOOP("CoreMessages", "folder not found: %1"),
    QT_TRANSLATE_NOOP("CoreMessages",
                      "not a folder: %1 (expected an LMDB split folder with imgs/ and pairs/)"),
    QT_TRANSLATE_NOOP("CoreMessages", "not an LMDB split folder: %1 lacks %2 (expected imgs/ and pairs/ LMDB "
                                      "environments, as build-lmdb writes them)"),
    QT_TRANSLATE_NOOP("CoreMessages", "empty path (use null to leave it unset)"),
    QT_TRANSLATE_NOOP("CoreMessages", "empty path (use null to disable validation)"),
    QT_TRANSLATE_NOOP("CoreMessages", "file not found: %1"),
    QT_TRANSLATE_NOOP("CoreMessages", "not a file: %1"),
    QT_TRANSLATE_NOOP("CoreMessages", "must be a finite number"),
    QT_TRANSLATE_NOOP("CoreMessages", "out of range: %1 (must be >= %2)"),
    QT_TRANSLATE_NOOP("CoreMessages", "out of range: %1 (must be > %2)"),
    QT_TRANSLATE_NOOP("CoreMessages", "out of range: %1 (must be <= %2)"),
    QT_TRANSLATE_NOOP("CoreMessages", "out of range: %1 (must be < %2)"),
    QT_TRANSLATE_NOOP("CoreMessages", "required: the LMDB folder of the training split"),
    QT_TRANSLATE_NOOP("CoreMessages", "%1 is longer than the %2 positions of text model %3"),
    QT_TRANSLATE_NOOP("CoreMessages", "unknown precision '%1' (amp, fp16, fp32 or bf16)"),
    QT_TRANSLATE_NOOP("CoreMessages", "%1 needs a CUDA device; with device cpu use fp32 or bf16"),
    QT_TRANSLATE_NOOP("CoreMessages",
                      "neither max_steps nor max_epochs is set: one of them says how long to train"),
    QT_TRANSLATE_NOOP("CoreMessages", "required when distillation is on"),
    QT_TRANSLATE_NOOP("CoreMessages", "required: the folder that holds the run folders"),
    QT_TRANSLATE_NOOP("CoreMessages", "not a folder: %1"),
    QT_TRANSLATE_NOOP("CoreMessages", "required: the run folder's name"),
    QT_TRANSLATE_NOOP("CoreMessages", "'%1' is not a folder name (no '/', '.' or '..')"),
    QT_TRANSLATE_NOOP("CoreMessages", "unknown device '%1' (auto, cpu, cuda or cuda:N)"),
    QT_TRANSLATE_NOOP("CoreMessages", "expected a JSON object of options, got %1"),
    QT_TRANSLATE_NOOP("CoreMessages", "unknown key; did you mean %1?"),
    QT_TRANSLATE_NOOP("CoreMessages", "unknown key"),
    QT_TRANSLATE_NOOP("CoreMessages", "must not be null: expected %1"),
    QT_TRANSLATE_NOOP("CoreMessages", "wrong type: expected %1, got %2"),
    QT_TRANSLATE_NOOP("CoreMessages", "%1: not valid JSON: %2"),
    QT_TRANSLATE_NOOP("CoreMessages", "unexpected argument (options look like --batch-size 48)"),
    QT_TRANSLATE_NOOP("CoreMessages", "unknown option; did you mean %1?"),
    QT_TRANSLATE_NOOP("CoreMessages", "unknown option"),
    QT_TRANSLATE_NOOP("CoreMessages", "expected true or false, got '%1'"),
    QT_TRANSLATE_NOOP("CoreMessages", "needs a value"),
    QT_TRANSLATE_NOOP("CoreMessages", "expected %1, got '%2'"),
    // parts that stand inside other messages
    QT_TRANSLATE_NOOP("CoreMessages", "vision"),
    QT_TRANSLATE_NOOP("CoreMessages", "text"),
    QT_TRANSLATE_NOOP("CoreMessages", "true or false"),
    QT_TRANSLATE_NOOP("CoreMessages", "a whole number"),
    QT_TRANSLATE_NOOP("CoreMessages", "a number"),
    QT_TRANSLATE_NOOP("CoreMessages", "a string"),
    // a damaged LMDB file (core/data/LmdbReader.cpp): the Dataset page's banner
    QT_TRANSLATE_NOOP("CoreMessages",
                      "%1: the LMDB file %2 is damaged: %3 while %4; it is closed and not read "
                      "again (rebuild the split with build-lmdb or restore a copy)"),
    QT_TRANSLATE_NOOP("CoreMessages", "%1: the LMDB file %2 is damaged: %3; it is closed and not read again "
                                      "(rebuild the split with build-lmdb or restore a copy)"),
    QT_TRANSLATE_NOOP("CoreMessages", "%1: %2 is not an LMDB environment (no data.mdb)"),
    QT_TRANSLATE_NOOP("CoreMessages", "the file has only %1 bytes, too short to be an LMDB file"),
    QT_TRANSLATE_NOOP("CoreMessages", "the file is too short to hold an LMDB header"),
    QT_TRANSLATE_NOOP("CoreMessages", "opening it"),
    QT_TRANSLATE_NOOP("CoreMessages", "counting the entries"),
    QT_TRANSLATE_NOOP("CoreMessages", "reading %1"),
    QT_TRANSLATE_NOOP("CoreMessages", "%1 imgs"),
    QT_TRANSLATE_NOOP("CoreMessages", "%1 pairs"),
    QT_TRANSLATE_NOOP("CoreMessages", "%1 pair index %2"),
    // progress stages of feature extraction and dataset work (core/eval, core/data)
    QT_TRANSLATE_NOOP("CoreMessages", "images"),
    QT_TRANSLATE_NOOP("CoreMessages", "texts"),
    QT_TRANSLATE_NOOP("CoreMessages", "pairs"),
    QT_TRANSLATE_NOOP("CoreMessages", "imgs"),
    QT_TRANSLATE_NOOP("CoreMessages", "model"),
    QT_TRANSLATE_NOOP("CoreMessages", "cache"),
    QT_TRANSLATE_NOOP("CoreMessages", "records"),
    QT_TRANSLATE_NOOP("CoreMessages", "search"),
    QT_TRANSLATE_NOOP("CoreMessages", "done"),
    QT_TRANSLATE_NOOP("CoreMessages", "drawing %1 images"),
    QT_TRANSLATE_NOOP("CoreMessages", "writing LMDB %1"),
    // split names inside the stages above
    QT_TRANSLATE_NOOP("CoreMessages", "train"),
    QT_TRANSLATE_NOOP("CoreMessages", "valid"),
    QT_TRANSLATE_NOOP("CoreMessages", "test"),
};

struct Pattern {
    const char* source;
    QRegularExpression regex;
};

QList<Pattern> makePatterns()
{
    QList<Pattern> patterns;
    // escape() writes %N as \%N: that becomes a lazy group, and the whole is anchored at both ends.
    static const QRegularExpression placeholder(QStringLiteral("\\\\%(\\d)"));
    for (const char* source : kTemplates) {
        QString regex = QRegularExpression::escape(QString::fromUtf8(source));
        regex.replace(placeholder, QStringLiteral("(.*?)"));
        patterns.append({source, QRegularExpression(QLatin1Char('^') + regex + QLatin1Char('$'),
                                                    QRegularExpression::DotMatchesEverythingOption)});
    }
    return patterns;
}

} // namespace

QString CoreMessages::translate(const QString& message)
{
    static const QList<Pattern> patterns = makePatterns();
    for (const Pattern& pattern : patterns) {
        const QRegularExpressionMatch match = pattern.regex.match(message);
        if (!match.hasMatch())
            continue;
        const QString translated = QCoreApplication::translate("CoreMessages", pattern.source);
        // Substituted in one pass (not QString::arg in a chain): a path may itself hold "%1".
        static const QRegularExpression placeholder(QStringLiteral("%(\\d)"));
        QString text;
        qsizetype at = 0;
        for (auto it = placeholder.globalMatch(translated); it.hasNext();) {
            const QRegularExpressionMatch p = it.next();
            text += translated.mid(at, p.capturedStart() - at);
            const QString part = match.captured(p.captured(1).toInt());
            // A part that is itself a known message ("vision", "a whole number") is translated too.
            text += part == message ? part : translate(part);
            at = p.capturedEnd();
        }
        return text + translated.mid(at);
    }
    return message;
}

QString CoreMessages::translateIssue(const config::ConfigIssue& issue)
{
    const QString message = translate(issue.message);
    return issue.key.empty() ? message : QString::fromStdString(issue.key) + QStringLiteral(": ") + message;
}

} // namespace clipwb::ui
