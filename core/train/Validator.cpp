#include "train/Validator.h"

#include "data/ImageTransform.h"
#include "train/ContrastiveLoss.h"

namespace clipwb::train {

ValidationMetrics Validator::evaluate(int64_t epoch, int64_t stepNumber)
{
    const auto t0 = Clock::now();
    s.events.log(LogLevel::Info, "Begin to eval on validation set (epoch " + std::to_string(epoch + 1) +
                                     " @ " + std::to_string(stepNumber) + " steps)...");
    s.validating = true;
    s.model->eval();
    torch::NoGradGuard noGrad;
    int64_t i2tCorrect = 0, t2iCorrect = 0, numElements = 0;
    torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().device(s.device));
    s.validLoader->startEpoch(0);
    s.validRecall->begin();
    while (auto batch = s.validLoader->next()) {
        const torch::Tensor images = data::normalizeImages(batch->images.to(s.device, true));
        const torch::Tensor texts = batch->texts.to(s.device, true);
        auto [imageFeatures, textFeatures, logitScale] = s.model->forward(images, texts, 0.0);
        addToRecall(batch->indices, imageFeatures, textFeatures);
        const auto out = contrastiveLoss(imageFeatures, textFeatures, logitScale, true);
        const int64_t batchSize = images.size(0);
        lossSum += out.loss * static_cast<double>(batchSize);
        numElements += batchSize;
        i2tCorrect += out.i2tCorrect.item<int64_t>();
        t2iCorrect += out.t2iCorrect.item<int64_t>();
    }
    if (s.distributed()) {
        // Upstream all-reduces its sums (float32 tensors) over the ranks.
        torch::Tensor counts =
            torch::tensor({i2tCorrect, t2iCorrect, numElements}, torch::kLong).to(s.device);
        s.ranks->allReduceSum(lossSum);
        s.ranks->allReduceSum(counts);
        counts = counts.to(torch::kCPU);
        i2tCorrect = counts[0].item<int64_t>();
        t2iCorrect = counts[1].item<int64_t>();
        numElements = counts[2].item<int64_t>();
    }
    const double cumulativeLoss = lossSum.item<double>();
    ValidationMetrics v;
    v.step = stepNumber;
    v.epoch = epoch + 1;
    v.numSamples = numElements;
    if (numElements > 0) {
        // Upstream accumulates in float32 tensors and divides there.
        v.loss = static_cast<double>(static_cast<float>(cumulativeLoss) / static_cast<float>(numElements));
        v.i2t = static_cast<double>(static_cast<float>(i2tCorrect) / static_cast<float>(numElements));
        v.t2i = static_cast<double>(static_cast<float>(t2iCorrect) / static_cast<float>(numElements));
    }
    s.validRecall->finish(v);
    v.seconds = secondsSince(t0);
    logResult(v);
    s.validating = false;
    return v;
}

void Validator::addToRecall(const std::vector<int64_t>& indices, const torch::Tensor& imageFeatures,
                            const torch::Tensor& textFeatures)
{
    if (!s.distributed()) {
        s.validRecall->add(indices, imageFeatures, textFeatures);
        return;
    }
    // The recall covers the whole split: every rank's batch, in rank order.
    const auto images = s.ranks->allGather(imageFeatures);
    const auto texts = s.ranks->allGather(textFeatures);
    const auto allIndices =
        s.ranks->allGather(torch::tensor(indices, torch::kLong).to(imageFeatures.device()));
    for (size_t r = 0; r < images.size(); ++r) {
        const torch::Tensor idx = allIndices[r].to(torch::kCPU).contiguous();
        const int64_t* p = idx.data_ptr<int64_t>();
        s.validRecall->add(std::vector<int64_t>(p, p + idx.numel()), images[r], texts[r]);
    }
}

void Validator::logResult(const ValidationMetrics& v)
{
    s.events.log(LogLevel::Info,
                 "Validation Result (epoch " + std::to_string(v.epoch) + " @ " + std::to_string(v.step) +
                     " steps) | Valid Loss: " + formatFixed(v.loss) + " | Image2Text Acc: " +
                     formatFixed(v.i2t * 100, 2) + " | Text2Image Acc: " + formatFixed(v.t2i * 100, 2) +
                     " | logit_scale: " + formatFixed(s.model->logitScale().item<double>(), 3) +
                     " | Valid Batch Size: " + std::to_string(s.cfg.valid_batch_size));
    if (v.hasRecall)
        s.events.log(LogLevel::Info, "Validation Recall (" + std::to_string(v.step) +
                                         " steps) | Text2Image R@1/5/10: " + formatFixed(v.t2iR1, 2) + " / " +
                                         formatFixed(v.t2iR5, 2) + " / " + formatFixed(v.t2iR10, 2) +
                                         " | Image2Text R@1/5/10: " + formatFixed(v.i2tR1, 2) + " / " +
                                         formatFixed(v.i2tR5, 2) + " / " + formatFixed(v.i2tR10, 2) +
                                         " | Mean Recall: " + formatFixed(v.meanRecall, 2));
}

} // namespace clipwb::train
