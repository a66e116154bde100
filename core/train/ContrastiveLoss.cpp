#include "train/ContrastiveLoss.h"

namespace clipwb::train {

ContrastiveOutput contrastiveLoss(const torch::Tensor& imageFeatures, const torch::Tensor& textFeatures,
                                  const torch::Tensor& logitScale, bool transposeForTextLogits)
{
    const torch::Tensor scale = logitScale.mean();
    const torch::Tensor logitsPerImage = scale * imageFeatures.matmul(textFeatures.t());
    const torch::Tensor logitsPerText =
        transposeForTextLogits ? logitsPerImage.t() : scale * textFeatures.matmul(imageFeatures.t());
    const int64_t n = logitsPerImage.size(0);
    const torch::Tensor groundTruth =
        torch::arange(n, torch::TensorOptions().dtype(torch::kLong).device(logitsPerImage.device()));
    ContrastiveOutput out;
    out.loss = (torch::nn::functional::cross_entropy(logitsPerImage, groundTruth) +
                torch::nn::functional::cross_entropy(logitsPerText, groundTruth)) /
               2;
    torch::NoGradGuard noGrad;
    out.i2tCorrect = (logitsPerImage.argmax(-1) == groundTruth).sum();
    out.t2iCorrect = (logitsPerText.argmax(-1) == groundTruth).sum();
    // Upstream divides the integer count by len(): true division gives float32.
    out.i2t = out.i2tCorrect.to(torch::kFloat) / static_cast<double>(n);
    out.t2i = out.t2iCorrect.to(torch::kFloat) / static_cast<double>(n);
    return out;
}

torch::Tensor cosineSimilarityLoss(const torch::Tensor& teacherFeatures, const torch::Tensor& studentFeatures)
{
    namespace F = torch::nn::functional;
    const torch::Tensor student = studentFeatures.to(teacherFeatures.scalar_type());
    const torch::Tensor resized =
        F::interpolate(student.unsqueeze(0).unsqueeze(0),
                       F::InterpolateFuncOptions()
                           .size(std::vector<int64_t>{teacherFeatures.size(0), teacherFeatures.size(1)})
                           .mode(torch::kBilinear)
                           .align_corners(false))
            .squeeze(0)
            .squeeze(0);
    const torch::Tensor cosine =
        F::cosine_similarity(teacherFeatures, resized, F::CosineSimilarityFuncOptions().dim(1));
    return 1 - cosine.mean();
}

} // namespace clipwb::train
