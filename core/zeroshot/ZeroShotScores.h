#pragma once
// Scores of a zero-shot run as upstream computes them, plus what the GUI shows:
// logits = 100 * image_features @ classifier (a fixed 100, not the model's
// logit scale), probabilities = softmax over classes, top-1 = share of images
// whose highest probability is their class. Top-5, per-class accuracy and the
// confusion matrix are ours (upstream computes none of them). No LibTorch in
// this header: the GUI holds these.
#include <cstdint>
#include <string>
#include <vector>

namespace clipwb::zeroshot {

class ZeroShotScores {
public:
    ZeroShotScores() = default;
    /// logits and probabilities N x C row-major (scoreImages computes them), targets N class ids.
    ZeroShotScores(std::int64_t images, std::int64_t classes, std::vector<float> logits,
                   std::vector<float> probs, std::vector<int> targets);

    std::int64_t images() const { return m_images; }
    std::int64_t classes() const { return m_classes; }
    const std::vector<int>& targets() const { return m_targets; }
    /// N x C row-major, dataset order.
    const std::vector<float>& logits() const { return m_logits; }
    const std::vector<float>& probabilities() const { return m_probs; }
    float probability(std::int64_t image, std::int64_t c) const { return m_probs[image * m_classes + c]; }

    /// The class with the highest probability (lowest id among equals).
    int predicted(std::int64_t image) const { return m_predicted[static_cast<std::size_t>(image)]; }
    /// The min(5, C) best classes by probability, best first.
    const std::vector<int>& top5(std::int64_t image) const { return m_top5[static_cast<std::size_t>(image)]; }

    std::int64_t correctTop1() const { return m_correct1; }
    std::int64_t correctTop5() const { return m_correct5; }
    /// Fractions, as upstream prints zeroshot-top1 (correct / N as a double).
    double top1() const;
    double top5Accuracy() const;

    /// Images of class c and how many of them were classified as c.
    std::int64_t classCount(int c) const { return m_classCount[static_cast<std::size_t>(c)]; }
    std::int64_t classCorrect(int c) const { return m_classCorrect[static_cast<std::size_t>(c)]; }
    /// Images of class `truth` predicted as `predicted`.
    std::int64_t confusion(int truth, int predicted) const
    {
        return m_confusion[static_cast<std::size_t>(truth) * m_classes + predicted];
    }

    /// The probability rows reordered as upstream's outputs[index] (negative ids count from the
    /// end, as in Python). Throws clipwb::Error naming `what` for an id out of range.
    std::vector<float> probabilitiesInOrder(const std::vector<std::int64_t>& index,
                                            const std::string& what) const;

private:
    std::int64_t m_images = 0, m_classes = 0;
    std::vector<int> m_targets;
    std::vector<float> m_logits, m_probs;
    std::vector<int> m_predicted;
    std::vector<std::vector<int>> m_top5;
    std::int64_t m_correct1 = 0, m_correct5 = 0;
    std::vector<std::int64_t> m_classCount, m_classCorrect, m_confusion;
};

} // namespace clipwb::zeroshot
