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

// The scalar forms also finish the vector loops' tails (std::fma is the fma instruction
// inside the avx2 functions, a correctly rounded fma elsewhere: the same value).
inline void momentsOne(float& p, float g, float& m, float& v, const AdamWScalars& s)
{
    if (s.applyDecay)
        p = p * s.decay;
    m = std::fma(g, s.oneMinusBeta1, m * s.beta1);
    v = std::fma(s.oneMinusBeta2 * g, g, v * s.beta2);
}

inline void applyOne(float& p, float m, float root, const AdamWScalars& s)
{
    p = p + (s.negativeStepSize * m) / (root / s.sqrtBiasCorrection2 + s.eps);
}

void momentsScalar(float* param, const float* grad, float* expAvg, float* expAvgSq, int64_t begin,
                   int64_t end, const AdamWScalars& s)
{
    for (int64_t i = begin; i < end; ++i)
        momentsOne(param[i], grad[i], expAvg[i], expAvgSq[i], s);
}

void applyScalar(float* param, const float* expAvg, const float* root, int64_t begin, int64_t end,
                 const AdamWScalars& s)
{
    for (int64_t i = begin; i < end; ++i)
        applyOne(param[i], expAvg[i], root[i], s);
}

#if CLIPWB_ADAMW_AVX2
#define CLIPWB_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) inline

struct Lanes {
    __m256 decay, beta1, oneMinusBeta1, beta2, oneMinusBeta2, sqrtBc2, eps, stepSize;
};

CLIPWB_AVX2_INLINE Lanes lanesOf(const AdamWScalars& s)
{
    return {_mm256_set1_ps(s.decay), _mm256_set1_ps(s.beta1),           _mm256_set1_ps(s.oneMinusBeta1),
            _mm256_set1_ps(s.beta2), _mm256_set1_ps(s.oneMinusBeta2),   _mm256_set1_ps(s.sqrtBiasCorrection2),
            _mm256_set1_ps(s.eps),   _mm256_set1_ps(s.negativeStepSize)};
}

// momentsOne and applyOne on eight lanes, in registers.
CLIPWB_AVX2_INLINE void moments8(const Lanes& l, bool applyDecay, __m256& p, __m256 g, __m256& m, __m256& v)
{
    if (applyDecay)
        p = _mm256_mul_ps(p, l.decay);
    m = _mm256_fmadd_ps(g, l.oneMinusBeta1, _mm256_mul_ps(m, l.beta1));
    v = _mm256_fmadd_ps(_mm256_mul_ps(l.oneMinusBeta2, g), g, _mm256_mul_ps(v, l.beta2));
}

CLIPWB_AVX2_INLINE __m256 apply8(const Lanes& l, __m256 p, __m256 m, __m256 root)
{
    const __m256 denom = _mm256_add_ps(_mm256_div_ps(root, l.sqrtBc2), l.eps);
    return _mm256_add_ps(p, _mm256_div_ps(_mm256_mul_ps(l.stepSize, m), denom));
}

__attribute__((target("avx2,fma"))) void updateAvx2(float* param, const float* grad, float* expAvg,
                                                    float* expAvgSq, int64_t count, const AdamWScalars& s)
{
    const Lanes l = lanesOf(s);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 p = _mm256_loadu_ps(param + i), m = _mm256_loadu_ps(expAvg + i),
               v = _mm256_loadu_ps(expAvgSq + i);
        moments8(l, s.applyDecay, p, _mm256_loadu_ps(grad + i), m, v);
        _mm256_storeu_ps(param + i, apply8(l, p, m, _mm256_sqrt_ps(v)));
        _mm256_storeu_ps(expAvg + i, m);
        _mm256_storeu_ps(expAvgSq + i, v);
    }
    for (; i < count; ++i) {
        momentsOne(param[i], grad[i], expAvg[i], expAvgSq[i], s);
        applyOne(param[i], expAvg[i], std::sqrt(expAvgSq[i]), s);
    }
}

__attribute__((target("avx2,fma"))) void momentsAvx2(float* param, const float* grad, float* expAvg,
                                                     float* expAvgSq, int64_t count, const AdamWScalars& s)
{
    const Lanes l = lanesOf(s);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 p = _mm256_loadu_ps(param + i), m = _mm256_loadu_ps(expAvg + i),
               v = _mm256_loadu_ps(expAvgSq + i);
        moments8(l, s.applyDecay, p, _mm256_loadu_ps(grad + i), m, v);
        _mm256_storeu_ps(param + i, p);
        _mm256_storeu_ps(expAvg + i, m);
        _mm256_storeu_ps(expAvgSq + i, v);
    }
    momentsScalar(param, grad, expAvg, expAvgSq, i, count, s);
}

__attribute__((target("avx2,fma"))) void applyAvx2(float* param, const float* expAvg, const float* root,
                                                   int64_t count, const AdamWScalars& s)
{
    const Lanes l = lanesOf(s);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8)
        _mm256_storeu_ps(param + i, apply8(l, _mm256_loadu_ps(param + i), _mm256_loadu_ps(expAvg + i),
                                           _mm256_loadu_ps(root + i)));
    applyScalar(param, expAvg, root, i, count, s);
}

bool haveAvx2()
{
    static const bool have = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return have;
}
#endif

} // namespace

void adamwMoments(float* param, const float* grad, float* expAvg, float* expAvgSq, int64_t count,
                  const AdamWScalars& s)
{
#if CLIPWB_ADAMW_AVX2
    if (haveAvx2()) {
        momentsAvx2(param, grad, expAvg, expAvgSq, count, s);
        return;
    }
#endif
    momentsScalar(param, grad, expAvg, expAvgSq, 0, count, s);
}

void adamwApply(float* param, const float* expAvg, const float* sqrtExpAvgSq, int64_t count,
                const AdamWScalars& s)
{
#if CLIPWB_ADAMW_AVX2
    if (haveAvx2()) {
        applyAvx2(param, expAvg, sqrtExpAvgSq, count, s);
        return;
    }
#endif
    applyScalar(param, expAvg, sqrtExpAvgSq, 0, count, s);
}

void adamwUpdate(float* param, const float* grad, float* expAvg, float* expAvgSq, int64_t count,
                 const AdamWScalars& s)
{
#if CLIPWB_ADAMW_AVX2
    if (haveAvx2()) {
        updateAvx2(param, grad, expAvg, expAvgSq, count, s);
        return;
    }
#endif
    for (int64_t i = 0; i < count; ++i) {
        momentsOne(param[i], grad[i], expAvg[i], expAvgSq[i], s);
        applyOne(param[i], expAvg[i], std::sqrt(expAvgSq[i]), s);
    }
}

} // namespace clipwb::train
