#include "net/ModelDownload.h"

#include "common/Error.h"
#include "net/HttpDownloader.h"

namespace clipwb::net {
namespace fs = std::filesystem;
namespace {

/// The download is most of the job's time; hashing the file afterwards is the rest.
constexpr double kDownloadShare = 0.9;

} // namespace

models::ModelRecord downloadModel(models::ModelStore& store, const models::CatalogModel& model,
                                  const std::string& mirror, const ProgressCallback& progress)
{
    DownloadRequest request;
    request.url = models::downloadUrl(model, mirror);
    request.partial = store.partialPathOf(model);
    if (model.size)
        request.expectedSize = model.size;
    const DownloadResult result = downloadFile(request, progressWithin(progress, 0.0, kDownloadShare));

    const fs::path target = store.pathOf(model);
    std::error_code error;
    fs::rename(request.partial, target, error);
    CLIPWB_CHECK(!error, "cannot move ", request.partial.string(), " to ", target.string(), ": ",
                 error.message());
    models::ModelRecord record;
    try {
        record = models::verifyModelFile(target, model, result.size, result.linkedSha256,
                                         progressWithin(progress, kDownloadShare, 1.0 - kDownloadShare));
    } catch (const Cancelled&) {
        fs::rename(target, request.partial, error); // complete but unverified: the next run verifies it
        throw;
    } catch (const Error& e) {
        fs::remove(target, error); // a corrupt file must not pass for the model
        throw Error(std::string(e.what()) + "; the file was removed");
    }
    record.file = target.filename().string();
    record.source = request.url;
    store.putRecord(record);
    return record;
}

} // namespace clipwb::net
