#include "eval/RetrievalSession.h"

#include "eval/BlockedTopK.h"
#include "eval/FeatureTable.h"
#include "eval/RecallEvaluation.h"

#include <cstdlib>
#include <unordered_map>

namespace clipwb::eval {

struct RetrievalSession::Impl {
    RetrievalSessionOptions options;
    bool prepared = false;
    FeatureTable images;
    FeatureTable textFeatures;
    std::vector<RetrievalText> texts;
    std::unordered_map<std::int64_t, std::int64_t> imageRow;
};

RetrievalSession::RetrievalSession(RetrievalSessionOptions options) : m_impl(std::make_unique<Impl>())
{
    m_impl->options = std::move(options);
}

RetrievalSession::~RetrievalSession() = default;
RetrievalSession::RetrievalSession(RetrievalSession&&) noexcept = default;
RetrievalSession& RetrievalSession::operator=(RetrievalSession&&) noexcept = default;

const RetrievalSessionOptions& RetrievalSession::options() const
{
    return m_impl->options;
}

std::filesystem::path RetrievalSession::cacheDirectory() const
{
    std::filesystem::path root = m_impl->options.cacheRoot;
    if (root.empty()) {
        if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
            root = std::filesystem::path(xdg) / "clipwb" / "features";
        else if (const char* home = std::getenv("HOME"); home && *home)
            root = std::filesystem::path(home) / ".cache" / "clipwb" / "features";
        else
            root = std::filesystem::temp_directory_path() / "clipwb-features";
    }
    return root;
}

void RetrievalSession::prepare(const ProgressCallback&, const CancelCallback&)
{
    throw Error("retrieval session: feature extraction is not in this build yet");
}

bool RetrievalSession::isPrepared() const
{
    return m_impl->prepared;
}

std::vector<std::int64_t> RetrievalSession::imageIds() const
{
    return m_impl->images.ids;
}

const std::vector<RetrievalText>& RetrievalSession::texts() const
{
    return m_impl->texts;
}

std::vector<ImageHit> RetrievalSession::queryText(const std::string&, int) const
{
    CLIPWB_CHECK(m_impl->prepared, "retrieval session: prepare() first");
    return {};
}

std::vector<TextHit> RetrievalSession::queryImage(std::int64_t, int) const
{
    CLIPWB_CHECK(m_impl->prepared, "retrieval session: prepare() first");
    return {};
}

RetrievalEvaluation RetrievalSession::evaluate() const
{
    CLIPWB_CHECK(m_impl->prepared, "retrieval session: prepare() first");
    return {};
}

} // namespace clipwb::eval
