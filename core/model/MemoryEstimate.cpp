#include "model/MemoryEstimate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace clipwb::model {
namespace {

constexpr double kFloat = 4;

/// Element sizes of one configuration: what the layers' outputs are stored in (`act`), what a
/// dropout keeps per element (`drop`: a byte mask on CUDA, a noise tensor of the input's type
/// on the CPU), and whether autocast is on (LayerNorm and softmax then keep fp32 copies).
struct Sizes {
    double act = kFloat;
    double dropText = kFloat;
    bool autocast = false;
};

Sizes sizesFor(const MemoryEstimateOptions& o)
{
    Sizes s;
    s.autocast = o.precision == "amp" || o.precision == "fp16" || o.precision == "bf16";
    s.act = s.autocast ? 2 : kFloat;
    // BERT's dropouts see fp32 input after its (fp32) LayerNorms and low-precision input after
    // its linear layers; on the CPU the noise has the input's type.
    s.dropText = o.cuda ? 1 : s.act;
    return s;
}

int64_t visionTokens(const ClipModelConfig& c, double maskRatio)
{
    const int64_t grid = c.visionGridSize();
    const int64_t patches = grid * grid;
    if (maskRatio <= 0)
        return patches + 1;
    return static_cast<int64_t>(static_cast<double>(patches) * (1.0 - maskRatio)) + 1;
}

/// Bytes one ViT block keeps per token for its backward pass (its input excluded: that is the
/// previous block's output). Mirrors ResidualAttentionBlock::forward.
double vitBlockBytesPerToken(const ClipModelConfig& c, int64_t tokens, const Sizes& s, bool fused)
{
    const double w = static_cast<double>(c.visionWidth);
    const double heads = static_cast<double>(c.visionHeads());
    const double a = s.act;
    // Fp32LayerNorm: under autocast it keeps an fp32 copy of its input and returns a low-precision copy.
    const double layerNorm = s.autocast ? kFloat * w + a * w : a * w;
    double attention = 0;
    if (fused) {
        attention = a * w + kFloat * heads; // output and log-sum-exp
    } else {
        // softmax probabilities (fp32 under autocast, then a low-precision copy for the product)
        attention = kFloat * heads * static_cast<double>(tokens) +
                    (s.autocast ? a * heads * static_cast<double>(tokens) : 0);
    }
    const double qkv = a * 3 * w;
    const double context = a * w;     // the heads put back together, input of out_proj
    const double residual = a * w;    // x + attention: input of ln_2
    const double mlp = a * 3 * 4 * w; // c_fc output, its sigmoid, their product (QuickGELU)
    const double output = a * w;      // the block's output
    return 2 * layerNorm + qkv + attention + context + residual + mlp + output;
}

/// Bytes one BERT layer keeps per token (its input excluded). Mirrors BertLayer::forward.
double bertLayerBytesPerToken(const ClipModelConfig& c, int64_t length, const Sizes& s, bool fused, bool cuda)
{
    const double d = static_cast<double>(c.textHiddenSize);
    const double heads = static_cast<double>(c.textNumAttentionHeads);
    const double inter = static_cast<double>(c.textIntermediateSize);
    const double len = static_cast<double>(length);
    const double a = s.act;
    const double drop = s.dropText;
    double bytes = 0;
    // q, k, v projections (under autocast each casts the fp32 hidden state to low precision first)
    bytes += a * 3 * d + (s.autocast ? a * 3 * d : 0);
    // attention over [heads, length, length] with dropout on the probabilities
    const bool fusedHere = fused && (cuda || c.textAttentionProbsDropoutProb <= 0);
    if (fusedHere) {
        bytes += a * d + kFloat * heads;
    } else {
        const double probs = (s.autocast ? kFloat + a : kFloat) * heads * len;
        const double dropout = (cuda ? 1 : kFloat) * heads * len + a * heads * len;
        bytes += probs + dropout;
        if (fused)
            bytes += a * 2 * d; // the math fallback scales q and k into new tensors
    }
    bytes += a * d;      // context, input of attention.output.dense
    bytes += drop * d;   // dropout after it
    bytes += kFloat * d; // residual sum, input of the LayerNorm (fp32 under autocast too)
    bytes += s.autocast ? a * d : kFloat * d; // LayerNorm output as the intermediate layer reads it
    bytes += a * 2 * inter;                   // intermediate output and its GELU
    bytes += drop * d;                        // dropout after output.dense
    bytes += kFloat * d;                      // residual sum, input of the second LayerNorm
    bytes += s.autocast ? 0 : kFloat * d;     // the layer's output (fp32: the next layer's linears keep it)
    return bytes;
}

/// Bytes a ModifiedResNet keeps per sample (stem, Bottleneck stages, attention pool).
double resnetBytesPerSample(const ClipModelConfig& c, const Sizes& s)
{
    const double a = s.act;
    const int64_t width = c.visionWidth;
    int64_t side = c.imageResolution / 2; // stem conv1 has stride 2
    double bytes = 0;
    const auto convBnRelu = [&](int64_t channels, int64_t hw) {
        return 2 * a * static_cast<double>(channels * hw);
    };
    bytes += convBnRelu(width / 2, side * side) * 2 + convBnRelu(width, side * side);
    side /= 2; // avgpool
    bytes += a * static_cast<double>(width * side * side);
    int64_t inplanes = width;
    for (size_t stage = 0; stage < 4 && stage < c.visionLayers.size(); ++stage) {
        const int64_t planes = width << stage;
        for (int64_t block = 0; block < c.visionLayers[stage]; ++block) {
            const int64_t stride = block == 0 && stage > 0 ? 2 : 1;
            const int64_t hwIn = side * side;
            const int64_t outSide = side / stride;
            const int64_t hwOut = outSide * outSide;
            bytes += convBnRelu(planes, hwIn) * 2; // conv1, conv2 with bn and relu
            if (stride > 1)
                bytes += a * static_cast<double>(planes * hwOut);     // avgpool output, conv3's input
            bytes += a * static_cast<double>(planes * 4 * hwOut);     // conv3 output (bn3 input)
            if (block == 0 && (stride > 1 || inplanes != planes * 4)) // downsample: pool, conv, bn
                bytes += a * static_cast<double>((stride > 1 ? inplanes * hwOut : 0) + planes * 4 * hwOut);
            bytes += a * static_cast<double>(planes * 4 * hwOut); // relu(out + identity)
            side = outSide;
            inplanes = planes * 4;
        }
    }
    // attention pool: tokens = HW + 1 of width 32 * width: the sequence, k and v projections
    const double tokens = static_cast<double>(side * side + 1);
    bytes += a * 3 * tokens * static_cast<double>(width * 32);
    return bytes;
}

double largestResnetActivation(const ClipModelConfig& c, double act)
{
    const double side = static_cast<double>(c.imageResolution / 4);
    return act * static_cast<double>(c.visionWidth) * 4 * side * side;
}

} // namespace

int64_t visionParameterCount(const ClipModelConfig& c)
{
    const int64_t e = c.embedDim;
    if (!c.isResNet()) {
        const int64_t w = c.visionWidth;
        const int64_t p = c.visionPatchSize;
        const int64_t grid = c.visionGridSize();
        const int64_t layers = c.visionLayers.empty() ? 0 : c.visionLayers[0];
        int64_t n = 3 * w * p * p + w + (grid * grid + 1) * w + 2 * w; // conv1, class, positions, ln_pre
        n += layers * (12 * w * w + 13 * w);                           // attention, MLP, two LayerNorms
        n += 2 * w + w * e;                                            // ln_post, proj
        return n;
    }
    const int64_t w = c.visionWidth;
    const int64_t h = w / 2;
    int64_t n = 3 * h * 9 + 2 * h + h * h * 9 + 2 * h + h * w * 9 + 2 * w; // stem
    int64_t inplanes = w;
    for (size_t stage = 0; stage < 4 && stage < c.visionLayers.size(); ++stage) {
        const int64_t planes = w << stage;
        for (int64_t block = 0; block < c.visionLayers[stage]; ++block) {
            const int64_t stride = block == 0 && stage > 0 ? 2 : 1;
            n += inplanes * planes + 2 * planes + planes * planes * 9 + 2 * planes + planes * planes * 4 +
                 2 * planes * 4;
            if (stride > 1 || inplanes != planes * 4)
                n += inplanes * planes * 4 + 2 * planes * 4;
            inplanes = planes * 4;
        }
    }
    const int64_t embed = w * 32;
    const int64_t spatial = c.imageResolution / 32;
    n += (spatial * spatial + 1) * embed + 3 * (embed * embed + embed) + embed * e + e;
    return n;
}

int64_t parameterCount(const ClipModelConfig& c)
{
    const int64_t d = c.textHiddenSize;
    const int64_t i = c.textIntermediateSize;
    int64_t text = (c.vocabSize + c.textMaxPositionEmbeddings + c.textTypeVocabSize) * d + 2 * d;
    text += c.textNumHiddenLayers * (4 * d * d + 2 * d * i + 9 * d + i);
    return visionParameterCount(c) + text + d * c.embedDim + 1; // text_projection, logit_scale
}

MemoryEstimate estimateTrainingMemory(const ClipModelConfig& c, const MemoryEstimateOptions& o)
{
    const Sizes s = sizesFor(o);
    MemoryEstimate m;
    m.parameterCount = parameterCount(c);
    const int64_t vision = visionParameterCount(c);
    m.trainableParameterCount = m.parameterCount - (o.freezeVision ? vision : 0);
    m.parameterBytes = kFloat * static_cast<double>(m.parameterCount + o.teacherParameterCount);
    m.gradientBytes = kFloat * static_cast<double>(m.trainableParameterCount);
    m.optimizerBytes = 2 * kFloat * static_cast<double>(m.trainableParameterCount);
    if (s.autocast) {
        // Autocast casts the weights of linear and convolution layers once per step and keeps the
        // copies (the backward pass needs them); embeddings and norms stay fp32.
        const int64_t embeddings =
            (c.vocabSize + c.textMaxPositionEmbeddings + c.textTypeVocabSize) * c.textHiddenSize;
        m.castWeightBytes = s.act * static_cast<double>(std::max<int64_t>(0, m.parameterCount - embeddings) +
                                                        o.teacherParameterCount);
    }

    const int64_t length = o.contextLength;
    const double d = static_cast<double>(c.textHiddenSize);
    const double layers = static_cast<double>(c.textNumHiddenLayers);
    const double len = static_cast<double>(length);

    // ---- per sample: the input batch ----
    const double r = static_cast<double>(c.imageResolution);
    double perSample = kFloat * 3 * r * r + 8 * len; // images (fp32), token ids (int64)

    // ---- vision tower ----
    double visionBytes = 0, visionBlockBytes = 0, visionLargest = 0;
    if (!o.freezeVision) {
        if (!c.isResNet()) {
            const int64_t tokens = visionTokens(c, o.maskRatio);
            const double t = static_cast<double>(tokens);
            const double w = static_cast<double>(c.visionWidth);
            const double blocks = static_cast<double>(c.visionLayers.empty() ? 0 : c.visionLayers[0]);
            const double stem =
                (s.autocast ? kFloat * w + s.act * w + s.act * 3 * r * r / t : kFloat * 2 * w);
            const double block = vitBlockBytesPerToken(c, tokens, s, o.fusedAttention);
            visionBlockBytes = block * t;
            visionBytes = stem * t + (o.gradCheckpointing ? s.act * w * t * blocks : block * t * blocks);
            visionLargest = s.act * 4 * w * t;
        } else {
            visionBytes = resnetBytesPerSample(c, s);
            visionLargest = largestResnetActivation(c, s.act);
            visionBlockBytes = visionLargest * 3;
            if (s.autocast)
                visionBytes += s.act * 3 * r * r; // the images cast for conv1
        }
    }

    // ---- text tower ----
    const double embeddingsBytes = (kFloat * 2 * d + s.dropText * d) * len; // LayerNorm in/out, dropout
    const double layer = bertLayerBytesPerToken(c, length, s, o.fusedAttention, o.cuda) * len;
    const double hiddenBytes = kFloat * d * len; // the fp32 hidden state a checkpointed layer keeps
    double textBytes = embeddingsBytes + (o.gradCheckpointing ? hiddenBytes * layers : layer * layers);
    if (s.autocast && !o.gradCheckpointing)
        textBytes += kFloat * d * len; // the last layer's fp32 output, kept by the [CLS] projection
    const double textLargest = s.act * static_cast<double>(c.textIntermediateSize) * len;

    perSample += visionBytes + textBytes;
    m.activationBytesPerSample = perSample;
    const double batch = static_cast<double>(o.batchSize);
    m.activationBytes = perSample * batch;

    // ---- transient buffers ----
    // The backward pass holds a few gradients of the widest activation at once; a checkpointed
    // block is recomputed in full while its gradient flows; the logits are batch x batch.
    double workspace = 3 * std::max(visionLargest, textLargest) * batch;
    if (o.gradCheckpointing)
        workspace += std::max(visionBlockBytes, layer) * batch;
    workspace += 5 * kFloat * batch * batch;
    m.workspaceBytes = workspace;

    m.totalBytes = m.parameterBytes + m.gradientBytes + m.optimizerBytes + m.castWeightBytes +
                   m.activationBytes + m.workspaceBytes;
    return m;
}

int64_t largestBatchWithin(const ClipModelConfig& config, MemoryEstimateOptions options,
                           double availableBytes)
{
    options.batchSize = 1;
    if (estimateTrainingMemory(config, options).totalBytes > availableBytes)
        return 0;
    int64_t low = 1, high = 2;
    for (;;) {
        options.batchSize = high;
        if (estimateTrainingMemory(config, options).totalBytes > availableBytes || high >= (int64_t{1} << 24))
            break;
        low = high;
        high *= 2;
    }
    while (high - low > 1) {
        const int64_t mid = low + (high - low) / 2;
        options.batchSize = mid;
        if (estimateTrainingMemory(config, options).totalBytes <= availableBytes)
            low = mid;
        else
            high = mid;
    }
    return low;
}

std::string formatBytes(double bytes)
{
    char text[64];
    if (bytes >= 1024.0 * 1024 * 1024)
        std::snprintf(text, sizeof text, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    else if (bytes >= 1024.0 * 1024)
        std::snprintf(text, sizeof text, "%.0f MiB", bytes / (1024.0 * 1024));
    else
        std::snprintf(text, sizeof text, "%.0f KiB", bytes / 1024.0);
    return text;
}

std::string MemoryEstimate::describe() const
{
    std::ostringstream out;
    out << "parameters " << formatBytes(parameterBytes) << " (" << parameterCount << ", "
        << trainableParameterCount << " trainable)\n";
    out << "gradients " << formatBytes(gradientBytes) << "\n";
    out << "optimizer state (AdamW) " << formatBytes(optimizerBytes) << "\n";
    if (castWeightBytes > 0)
        out << "autocast weight copies " << formatBytes(castWeightBytes) << "\n";
    out << "activations " << formatBytes(activationBytes) << " (" << formatBytes(activationBytesPerSample)
        << " per sample)\n";
    out << "transient buffers " << formatBytes(workspaceBytes) << "\n";
    out << "total " << formatBytes(totalBytes);
    return out.str();
}

} // namespace clipwb::model
