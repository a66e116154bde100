#include "zeroshot/ZeroShotScores.h"

#include "common/Error.h"

#include <algorithm>
#include <numeric>

namespace clipwb::zeroshot {

ZeroShotScores::ZeroShotScores(std::int64_t images, std::int64_t classes, std::vector<float> logits,
                               std::vector<float> probs, std::vector<int> targets)
    : m_images(images), m_classes(classes), m_targets(std::move(targets)), m_logits(std::move(logits)),
      m_probs(std::move(probs))
{
    CLIPWB_CHECK(static_cast<std::int64_t>(m_targets.size()) == m_images &&
                     static_cast<std::int64_t>(m_probs.size()) == m_images * m_classes &&
                     m_logits.size() == m_probs.size(),
                 "zero-shot: ", m_targets.size(), " targets and ", m_probs.size(), " scores for ", m_images,
                 " images of ", m_classes, " classes");
    const auto c = static_cast<std::size_t>(m_classes);
    m_classCount.assign(c, 0);
    m_classCorrect.assign(c, 0);
    m_confusion.assign(c * c, 0);
    const std::size_t k = std::min<std::size_t>(5, c);
    std::vector<int> order(c);
    for (std::int64_t i = 0; i < m_images; ++i) {
        const float* row = m_probs.data() + i * m_classes;
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return row[a] > row[b]; });
        std::vector<int> best(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k));
        const int truth = m_targets[static_cast<std::size_t>(i)];
        const int predicted = best.empty() ? -1 : best.front();
        m_predicted.push_back(predicted);
        if (truth >= 0 && truth < m_classes) {
            ++m_classCount[static_cast<std::size_t>(truth)];
            if (predicted >= 0)
                ++m_confusion[static_cast<std::size_t>(truth) * c + static_cast<std::size_t>(predicted)];
        }
        if (predicted == truth) {
            ++m_correct1;
            ++m_classCorrect[static_cast<std::size_t>(truth)];
        }
        if (std::find(best.begin(), best.end(), truth) != best.end())
            ++m_correct5;
        m_top5.push_back(std::move(best));
    }
}

double ZeroShotScores::top1() const
{
    return m_images ? static_cast<double>(m_correct1) / static_cast<double>(m_images) : 0.0;
}

double ZeroShotScores::top5Accuracy() const
{
    return m_images ? static_cast<double>(m_correct5) / static_cast<double>(m_images) : 0.0;
}

std::vector<float> ZeroShotScores::probabilitiesInOrder(const std::vector<std::int64_t>& index,
                                                        const std::string& what) const
{
    std::vector<float> out;
    out.reserve(index.size() * static_cast<std::size_t>(m_classes));
    for (std::size_t position = 0; position < index.size(); ++position) {
        std::int64_t row = index[position];
        CLIPWB_CHECK(row >= -m_images && row < m_images, what, ": entry ", position, " is ", row,
                     ", out of range for ", m_images, " images");
        if (row < 0)
            row += m_images;
        out.insert(out.end(), m_probs.begin() + row * m_classes, m_probs.begin() + (row + 1) * m_classes);
    }
    return out;
}

} // namespace clipwb::zeroshot
