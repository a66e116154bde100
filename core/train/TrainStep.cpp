#include "train/TrainStep.h"

#include "common/Error.h"
#include "data/ImageTransform.h"
#include "train/AutocastScope.h"
#include "train/ContrastiveLoss.h"
#include "train/FeatureGather.h"

#include <cmath>

namespace clipwb::train {

TrainStep::LossTerms TrainStep::lossOf(const torch::Tensor& imageFeatures, const torch::Tensor& textFeatures,
                                       const torch::Tensor& logitScale,
                                       const torch::Tensor& teacherImageFeatures)
{
    if (s.distributed() && !s.cfg.skip_aggregate) {
        // Every rank's features as negatives, labels over the global batch.
        dist::Collectives& ranks = *s.ranks;
        const torch::Tensor allImage = s.cfg.gather_with_grad ? gatherWithGrad(ranks, imageFeatures)
                                                              : gatherOwnFirst(ranks, imageFeatures);
        const torch::Tensor allText = s.cfg.gather_with_grad ? gatherWithGrad(ranks, textFeatures)
                                                             : gatherOwnFirst(ranks, textFeatures);
        const auto out = contrastiveLoss(allImage, allText, logitScale, true);
        torch::Tensor loss = out.loss;
        if (s.cfg.distillation) {
            // Upstream gathers the teacher's features own-first in both modes.
            const torch::Tensor allTeacher = gatherOwnFirst(ranks, teacherImageFeatures);
            loss = loss + cosineSimilarityLoss(allTeacher, allImage) * s.cfg.kd_loss_weight;
        }
        return {loss, out.i2t, out.t2i};
    }
    const auto out = contrastiveLoss(imageFeatures, textFeatures, logitScale, !s.cfg.skip_aggregate);
    torch::Tensor loss = out.loss;
    if (s.cfg.distillation)
        loss = loss + cosineSimilarityLoss(teacherImageFeatures, imageFeatures) * s.cfg.kd_loss_weight;
    return {loss, out.i2t, out.t2i};
}

void TrainStep::averageGradients(const std::vector<torch::Tensor>& params)
{
    if (s.distributed())
        s.ranks->averageGradients(params);
}

void TrainStep::syncBuffers()
{
    // DistributedDataParallel broadcasts rank 0's buffers before each forward: what matters
    // are a ResNet's batch-norm running statistics, which each rank updates on its own data.
    if (!s.distributed() || !s.modelConfig.isResNet())
        return;
    std::vector<torch::Tensor> buffers;
    for (const auto& b : s.model->buffers())
        buffers.push_back(b);
    torch::NoGradGuard noGrad;
    s.ranks->broadcast(buffers, 0);
}

torch::Tensor TrainStep::teacherFeatures(const torch::Tensor& images)
{
    torch::NoGradGuard noGrad;
    return s.teacher->encodeImage(images);
}

void TrainStep::checkFinite(double lossValue, int64_t stepNumber)
{
    if (std::isfinite(lossValue) || s.precision == Precision::Amp)
        return;
    std::string message = "the loss became " + std::string(std::isnan(lossValue) ? "NaN" : "infinite") +
                          " at step " + std::to_string(stepNumber) + " (" + s.precisionName +
                          "): training stopped; try a lower lr";
    message += m_keeper.keptNote();
    throw Error(message);
}

void TrainStep::clear()
{
    m_images.clear();
    m_texts.clear();
    m_imageFeatures.clear();
    m_textFeatures.clear();
    m_teacherFeatures.clear();
}

std::optional<StepResult> TrainStep::feed(const data::Batch& batch, int64_t stepNumber)
{
    const int accum = s.cfg.accum_freq;
    const std::vector<torch::Tensor> params = s.groups.all();
    zeroGradients(params);

    const torch::Tensor images = data::normalizeImages(batch.images.to(s.device, true));
    const torch::Tensor texts = batch.texts.to(s.device, true);
    LossTerms terms;
    double lossValue = 0;
    if (accum == 1) {
        syncBuffers();
        {
            AutocastScope autocast(s.autocastEnabled(), s.device, s.autocastType());
            auto [imageFeatures, textFeatures, logitScale] =
                s.model->forward(images, texts, s.cfg.mask_ratio);
            torch::Tensor teacherImageFeatures;
            if (s.cfg.distillation)
                teacherImageFeatures = teacherFeatures(images);
            terms = lossOf(imageFeatures, textFeatures, logitScale, teacherImageFeatures);
        }
        lossValue = terms.loss.item<double>();
        checkFinite(lossValue, stepNumber);
        s.scaler->scale(terms.loss).backward();
        averageGradients(params);
        s.scaler->step(*s.optimizer, params);
        s.scaler->update();
    } else {
        syncBuffers();
        {
            // Cache the features of every batch of the step without gradients.
            torch::NoGradGuard noGrad;
            AutocastScope autocast(s.autocastEnabled(), s.device, s.autocastType());
            auto [chunkImage, chunkText, unusedScale] = s.model->forward(images, texts, 0.0);
            m_imageFeatures.push_back(chunkImage);
            m_textFeatures.push_back(chunkText);
            if (s.cfg.distillation)
                m_teacherFeatures.push_back(teacherFeatures(images));
            m_images.push_back(images);
            m_texts.push_back(texts);
        }
        if (static_cast<int>(m_images.size()) < accum)
            return std::nullopt;
        // Redo each batch's forward with gradients, the other batches' cached features as negatives.
        zeroGradients(params);
        for (int j = 0; j < accum; ++j) {
            syncBuffers();
            {
                AutocastScope autocast(s.autocastEnabled(), s.device, s.autocastType());
                auto [chunkImage, chunkText, logitScale] =
                    s.model->forward(m_images[j], m_texts[j], s.cfg.mask_ratio);
                auto spliced = [j](const std::vector<torch::Tensor>& cached, const torch::Tensor& chunk) {
                    std::vector<torch::Tensor> parts(cached.begin(), cached.begin() + j);
                    parts.push_back(chunk);
                    parts.insert(parts.end(), cached.begin() + j + 1, cached.end());
                    return torch::cat(parts);
                };
                torch::Tensor teacherImageFeatures;
                if (s.cfg.distillation)
                    teacherImageFeatures = torch::cat(m_teacherFeatures);
                terms = lossOf(spliced(m_imageFeatures, chunkImage), spliced(m_textFeatures, chunkText),
                               logitScale, teacherImageFeatures);
            }
            lossValue = terms.loss.item<double>();
            checkFinite(lossValue, stepNumber);
            s.scaler->scale(terms.loss).backward();
        }
        // DDP reduces after each backward; the sum of the averages is the average of the sums.
        averageGradients(params);
        s.scaler->step(*s.optimizer, params);
        s.scaler->update();
        clear();
    }
    {
        torch::NoGradGuard noGrad;
        s.model->logitScale().clamp_(0, kMaxLogitScale);
    }
    StepResult r;
    r.loss = lossValue;
    r.i2t = terms.i2t;
    r.t2i = terms.t2i;
    r.batchRows = images.size(0);
    return r;
}

} // namespace clipwb::train
