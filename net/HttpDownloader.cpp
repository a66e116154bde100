#include "net/HttpDownloader.h"

#include "common/Error.h"

#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <memory>

namespace clipwb::net {
namespace fs = std::filesystem;
namespace {

std::uint64_t fileSize(const fs::path& path)
{
    std::error_code error;
    const auto size = fs::file_size(path, error);
    return error ? 0 : size;
}

/// "bytes 100-199/1000" -> (100, 1000); total -1 when "*".
bool parseContentRange(const QByteArray& header, qint64& start, qint64& total)
{
    static const QRegularExpression pattern(QStringLiteral("^bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)$"));
    const auto match = pattern.match(QString::fromLatin1(header).trimmed());
    if (!match.hasMatch())
        return false;
    start = match.captured(1).toLongLong();
    total = match.captured(3) == QLatin1String("*") ? -1 : match.captured(3).toLongLong();
    return true;
}

std::string sha256FromEtag(const QByteArray& etag)
{
    const QString value =
        QString::fromLatin1(etag).remove(QLatin1Char('"')).remove(QStringLiteral("W/")).trimmed();
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    return hex.match(value).hasMatch() ? value.toStdString() : std::string();
}

/// What one GET produced.
struct Attempt {
    int status = 0;
    bool cancelled = false;
    bool networkError = false;
    QString errorText;
    QUrl redirect;
    qint64 total = -1; ///< the whole resource's size when the response said it
    QByteArray linkedEtag, linkedSize;
    bool restartedFromZero = false;
};

} // namespace

DownloadResult downloadFile(const DownloadRequest& request, const ProgressCallback& progress)
{
    CLIPWB_CHECK(!request.partial.empty(), "download: no target file");
    std::error_code error;
    if (request.partial.has_parent_path())
        fs::create_directories(request.partial.parent_path(), error);
    QNetworkAccessManager manager;
    DownloadResult result;
    std::string linkedSha256;
    qint64 knownTotal = request.expectedSize ? static_cast<qint64>(*request.expectedSize) : -1;
    QUrl url(QString::fromStdString(request.url));
    CLIPWB_CHECK(url.isValid() && (url.scheme() == "http" || url.scheme() == "https"),
                 "not an http(s) URL: ", request.url);
    int redirects = 0, resumesLeft = request.automaticResumes;

    for (;;) {
        std::uint64_t offset = fileSize(request.partial);
        if (knownTotal >= 0 && offset > static_cast<std::uint64_t>(knownTotal)) {
            fs::remove(request.partial, error); // longer than the file can be: start over
            offset = 0;
        }
        if (knownTotal >= 0 && offset == static_cast<std::uint64_t>(knownTotal) && offset > 0) {
            result.size = offset;
            break;
        }
        QNetworkRequest get(url);
        get.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        get.setTransferTimeout(request.stallTimeoutMs);
        get.setRawHeader("User-Agent", "clipwb/" CLIPWB_VERSION);
        if (offset > 0)
            get.setRawHeader("Range", "bytes=" + QByteArray::number(static_cast<qulonglong>(offset)) + "-");

        Attempt attempt;
        QFile out(QString::fromStdString(request.partial.string()));
        bool headersSeen = false;
        std::uint64_t written = offset;
        QEventLoop loop;
        std::unique_ptr<QNetworkReply> reply(manager.get(get));
        // Reports the bytes so far; a false answer aborts the reply (not thrown: we are inside Qt's loop).
        const auto report = [&] {
            if (!progress || attempt.cancelled)
                return;
            const qint64 total = attempt.total >= 0 ? attempt.total : std::max<qint64>(knownTotal, 0);
            const Progress bytes{total > 0 ? std::min(1.0, double(written) / double(total)) : 0.0, "download",
                                 static_cast<std::int64_t>(written), total};
            if (!progress(bytes)) {
                attempt.cancelled = true;
                reply->abort();
            }
        };
        const auto onHeaders = [&] {
            headersSeen = true;
            attempt.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (attempt.linkedEtag.isEmpty())
                attempt.linkedEtag = reply->rawHeader("X-Linked-ETag");
            if (attempt.linkedSize.isEmpty())
                attempt.linkedSize = reply->rawHeader("X-Linked-Size");
            if (attempt.status == 206) {
                qint64 start = 0, total = -1;
                if (!parseContentRange(reply->rawHeader("Content-Range"), start, total) ||
                    start != static_cast<qint64>(offset)) {
                    // not the bytes we asked for: drop them and start over
                    attempt.restartedFromZero = true;
                    reply->abort();
                    return;
                }
                attempt.total = total;
                if (!out.open(QIODevice::Append))
                    attempt.errorText = out.errorString();
            } else if (attempt.status == 200) {
                const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
                attempt.total = length.isValid() ? length.toLongLong() : -1;
                written = 0; // the whole file from byte 0 (a server that ignores Range)
                if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
                    attempt.errorText = out.errorString();
            }
        };
        QObject::connect(reply.get(), &QNetworkReply::metaDataChanged, &loop, onHeaders);
        QObject::connect(reply.get(), &QNetworkReply::readyRead, &loop, [&] {
            if (!headersSeen)
                onHeaders();
            if (!out.isOpen())
                return; // an error body or a redirect: not file content
            const QByteArray chunk = reply->readAll();
            if (out.write(chunk) != chunk.size()) {
                attempt.errorText = out.errorString();
                reply->abort();
                return;
            }
            written += static_cast<std::uint64_t>(chunk.size());
            report();
        });
        QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer poll;
        QObject::connect(&poll, &QTimer::timeout, &loop, report);
        poll.start(50);
        if (!reply->isFinished())
            loop.exec();
        poll.stop();
        if (!headersSeen)
            onHeaders();
        if (out.isOpen()) {
            const QByteArray rest = reply->readAll();
            if (!rest.isEmpty() && !attempt.cancelled && !attempt.restartedFromZero)
                written += static_cast<std::uint64_t>(out.write(rest));
            out.close();
        }
        if (attempt.cancelled)
            throw Cancelled();
        CLIPWB_CHECK(attempt.errorText.isEmpty(), "cannot write ", request.partial.string(), ": ",
                     attempt.errorText.toStdString());
        if (linkedSha256.empty())
            linkedSha256 = sha256FromEtag(attempt.linkedEtag);
        if (knownTotal < 0 && !attempt.linkedSize.isEmpty())
            knownTotal = attempt.linkedSize.toLongLong();
        if (attempt.restartedFromZero) {
            fs::remove(request.partial, error);
            CLIPWB_CHECK(resumesLeft-- > 0, "the server at ", url.toString().toStdString(),
                         " does not answer Range requests consistently");
            continue;
        }

        const int status = attempt.status;
        if (status >= 300 && status < 400) {
            const QVariant location = reply->attribute(QNetworkRequest::RedirectionTargetAttribute);
            CLIPWB_CHECK(location.isValid() && ++redirects <= 10,
                         "too many redirects (or one without a target) from ", request.url);
            url = url.resolved(location.toUrl());
            continue;
        }
        if (status == 416) {
            // Range not satisfiable: we hold the whole file already, or a stale longer one
            qint64 start = 0, total = -1;
            parseContentRange(reply->rawHeader("Content-Range").replace("bytes */", "bytes 0-0/"), start,
                              total);
            if (total >= 0 && static_cast<std::uint64_t>(total) == offset) {
                result.size = offset;
                break;
            }
            fs::remove(request.partial, error);
            CLIPWB_CHECK(resumesLeft-- > 0, "the server at ", url.toString().toStdString(),
                         " refuses the byte range of the partial download");
            continue;
        }
        if (status >= 400 || (status == 0 && !reply->error())) {
            const QString reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
            // Built step by step: GCC 12 warns (-Wrestrict, a false positive) on the one-expression form.
            std::string message = "HTTP " + std::to_string(status);
            if (!reason.isEmpty())
                message += ' ' + reason.toStdString();
            message += " from ";
            message += url.toString().toStdString();
            throw Error(message);
        }
        if (attempt.total >= 0) {
            if (request.expectedSize && static_cast<std::uint64_t>(attempt.total) != *request.expectedSize) {
                fs::remove(request.partial, error); // some other file
                throw Error("wrong size: " + url.toString().toStdString() + " is " +
                            std::to_string(attempt.total) + " bytes, expected " +
                            std::to_string(*request.expectedSize));
            }
            knownTotal = attempt.total;
        }
        const std::uint64_t have = fileSize(request.partial);
        const bool complete = knownTotal >= 0 ? have == static_cast<std::uint64_t>(knownTotal)
                                              : reply->error() == QNetworkReply::NoError;
        if (offset > 0 && status == 206)
            ++result.resumes;
        if (complete && reply->error() == QNetworkReply::NoError) {
            result.size = have;
            break;
        }
        if (knownTotal >= 0 && have > static_cast<std::uint64_t>(knownTotal)) {
            fs::remove(request.partial, error);
            throw Error("the server sent " + std::to_string(have) + " bytes for a file of " +
                        std::to_string(knownTotal) + " from " + url.toString().toStdString());
        }
        const std::string why = reply->error() != QNetworkReply::NoError
                                    ? reply->errorString().toStdString()
                                    : std::string("the connection ended early");
        if (resumesLeft-- > 0)
            continue; // resume where it stopped
        throw Error("download interrupted at " + std::to_string(have) + " of " +
                    (knownTotal >= 0 ? std::to_string(knownTotal) : std::string("?")) + " bytes (" + why +
                    "); run it again to resume from there");
    }
    result.linkedSha256 = linkedSha256;
    result.finalUrl = url.toString().toStdString();
    CLIPWB_CHECK(!request.expectedSize || result.size == *request.expectedSize, "downloaded ", result.size,
                 " bytes from ", request.url, " but expected ", *request.expectedSize, " (wrong size)");
    return result;
}

} // namespace clipwb::net
