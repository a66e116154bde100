#include "train/AdamWKernel.h"

#include <cmath>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CLIPWB_ADAMW_AVX2 1
#include <immintrin.h>
#else
#define CLIPWB_ADAMW_AVX2 0
#endif

// Built with -ffp-contract=off (core/train/CMakeLists.txt): every fma below is
// written out, every other product and sum is rounded on its own, as in ATen.

namespace clipwb::train {
namespace {

inline float updateOne(float& p, float g, float& m, float& v, const AdamWScalars& s)
{
    if (s.applyDecay)
        p = p * s.decay;
    m = std::fma(g, s.oneMinusBeta1, m * s.beta1);
    v = std::fma(s.oneMinusBeta2 * g, g, v * s.beta2);
    const float denom = std::sqrt(v) / s.sqrtBiasCorrection2 + s.eps;
    p = p + (s.negativeStepSize * m) / denom;
    return p;
}

void updateScalar(float* param, const float* grad, float* expAvg, float* expAvgSq, int64_t begin, int64_t end,
                  const AdamWScalars& s)
{
    for (int64_t i = begin; i < end; ++i)
        updateOne(param[i], grad[i], expAvg[i], expAvgSq[i], s);
}

#if CLIPWB_ADAMW_AVX2
__attribute__((target("avx2,fma"))) void updateAvx2(float* param, const float* grad, float* expAvg,
                                                    float* expAvgSq, int64_t count, const AdamWScalars& s)
{
    const __m256 decay = _mm256_set1_ps(s.decay);
    const __m256 beta1 = _mm256_set1_ps(s.beta1);
    const __m256 oneMinusBeta1 = _mm256_set1_ps(s.oneMinusBeta1);
    const __m256 beta2 = _mm256_set1_ps(s.beta2);
    const __m256 oneMinusBeta2 = _mm256_set1_ps(s.oneMinusBeta2);
    const __m256 sqrtBc2 = _mm256_set1_ps(s.sqrtBiasCorrection2);
    const __m256 eps = _mm256_set1_ps(s.eps);
    const __m256 stepSize = _mm256_set1_ps(s.negativeStepSize);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 p = _mm256_loadu_ps(param + i);
        const __m256 g = _mm256_loadu_ps(grad + i);
        __m256 m = _mm256_loadu_ps(expAvg + i);
        __m256 v = _mm256_loadu_ps(expAvgSq + i);
        if (s.applyDecay)
            p = _mm256_mul_ps(p, decay);
        m = _mm256_fmadd_ps(g, oneMinusBeta1, _mm256_mul_ps(m, beta1));
        v = _mm256_fmadd_ps(_mm256_mul_ps(oneMinusBeta2, g), g, _mm256_mul_ps(v, beta2));
        const __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(v), sqrtBc2), eps);
        p = _mm256_add_ps(p, _mm256_div_ps(_mm256_mul_ps(stepSize, m), denom));
        _mm256_storeu_ps(param + i, p);
        _mm256_storeu_ps(expAvg + i, m);
        _mm256_storeu_ps(expAvgSq + i, v);
    }
    for (; i < count; ++i) { // std::fma is the fma instruction in this function
        if (s.applyDecay)
            param[i] = param[i] * s.decay;
        expAvg[i] = std::fma(grad[i], s.oneMinusBeta1, expAvg[i] * s.beta1);
        expAvgSq[i] = std::fma(s.oneMinusBeta2 * grad[i], grad[i], expAvgSq[i] * s.beta2);
        const float denom = std::sqrt(expAvgSq[i]) / s.sqrtBiasCorrection2 + s.eps;
        param[i] = param[i] + (s.negativeStepSize * expAvg[i]) / denom;
    }
}

__attribute__((target("avx2,fma"))) void momentsAvx2(float* param, const float* grad, float* expAvg,
                                                     float* expAvgSq, int64_t count, const AdamWScalars& s)
{
    const __m256 decay = _mm256_set1_ps(s.decay);
    const __m256 beta1 = _mm256_set1_ps(s.beta1);
    const __m256 oneMinusBeta1 = _mm256_set1_ps(s.oneMinusBeta1);
    const __m256 beta2 = _mm256_set1_ps(s.beta2);
    const __m256 oneMinusBeta2 = _mm256_set1_ps(s.oneMinusBeta2);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 g = _mm256_loadu_ps(grad + i);
        if (s.applyDecay)
            _mm256_storeu_ps(param + i, _mm256_mul_ps(_mm256_loadu_ps(param + i), decay));
        _mm256_storeu_ps(expAvg + i,
                         _mm256_fmadd_ps(g, oneMinusBeta1, _mm256_mul_ps(_mm256_loadu_ps(expAvg + i), beta1)));
        _mm256_storeu_ps(expAvgSq + i, _mm256_fmadd_ps(_mm256_mul_ps(oneMinusBeta2, g), g,
                                                       _mm256_mul_ps(_mm256_loadu_ps(expAvgSq + i), beta2)));
    }
    for (; i < count; ++i) {
        if (s.applyDecay)
            param[i] = param[i] * s.decay;
        expAvg[i] = std::fma(grad[i], s.oneMinusBeta1, expAvg[i] * s.beta1);
        expAvgSq[i] = std::fma(s.oneMinusBeta2 * grad[i], grad[i], expAvgSq[i] * s.beta2);
    }
}

__attribute__((target("avx2,fma"))) void applyAvx2(float* param, const float* expAvg, const float* root,
                                                   int64_t count, const AdamWScalars& s)
{
    const __m256 sqrtBc2 = _mm256_set1_ps(s.sqrtBiasCorrection2);
    const __m256 eps = _mm256_set1_ps(s.eps);
    const __m256 stepSize = _mm256_set1_ps(s.negativeStepSize);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_loadu_ps(root + i), sqrtBc2), eps);
        const __m256 step = _mm256_div_ps(_mm256_mul_ps(stepSize, _mm256_loadu_ps(expAvg + i)), denom);
        _mm256_storeu_ps(param + i, _mm256_add_ps(_mm256_loadu_ps(param + i), step));
    }
    for (; i < count; ++i)
        param[i] = param[i] + (s.negativeStepSize * expAvg[i]) / (root[i] / s.sqrtBiasCorrection2 + s.eps);
}

bool haveAvx2()
{
    static const bool have = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return have;
}
#endif

} // namespace

void adamwUpdate(float* param, const float* grad, float* expAvg, float* expAvgSq, int64_t count,
                 const AdamWScalars& s)
{
#if CLIPWB_ADAMW_AVX2
    if (haveAvx2()) {
        updateAvx2(param, grad, expAvg, expAvgSq, count, s);
        return;
    }
#endif
    updateScalar(param, grad, expAvg, expAvgSq, 0, count, s);
}

void adamwMoments(float* param, const float* grad, float* expAvg, float* expAvgSq, int64_t count,
                  const AdamWScalars& s)
{
#if CLIPWB_ADAMW_AVX2
    if (haveAvx2()) {
        momentsAvx2(param, grad, expAvg, expAvgSq, count, s);
        return;
    }
#endif
    for (int64_t i = 0; i < count; ++i) {
        if (s.applyDecay)
            param[i] = param[i] * s.decay;
        expAvg[i] = std::fma(grad[i], s.oneMinusBeta1, expAvg[i] * s.beta1);
        expAvgSq[i] = std::fma(s.oneMinusBeta2 * grad[i], grad[i], expAvgSq[i] * s.beta2);
    }
}

void adamwApply(float* param, const float* expAvg, const float* sqrtExpAvgSq, int64_t count, const AdamWScalars& s)
{
#if CLIPWB_ADAMW_AVX2
    if (haveAvx2()) {
        applyAvx2(param, expAvg, sqrtExpAvgSq, count, s);
        return;
    }
#endif
    for (int64_t i = 0; i < count; ++i)
        param[i] = param[i] + (s.negativeStepSize * expAvg[i]) / (sqrtExpAvgSq[i] / s.sqrtBiasCorrection2 + s.eps);
}

} // namespace clipwb::train
