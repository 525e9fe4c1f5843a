/* fw_math.h - a correctly rounded square root in integer arithmetic, so the
   firmware links without libm and lin_layer_reset_parameters gives the same
   bits as on a host (where sqrtf is correctly rounded too). */
#ifndef FW_MATH_H
#define FW_MATH_H

#include <stdint.h>

typedef union fw_bits { float f; uint32_t u; } fw_bits;

/* floor(sqrt(n)) and n - floor(sqrt(n))^2, digit by digit */
static inline uint64_t fw_isqrt(uint64_t n, uint64_t *rem)
{
    uint64_t root = 0, bit = (uint64_t)1 << 62;
    while (bit > n) bit >>= 2;
    while (bit) {
        if (n >= root + bit) {
            n -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    *rem = n;
    return root;
}

static inline float fw_sqrtf(float x)
{
    fw_bits v;
    uint32_t m, r;
    uint64_t q, rem;
    int e, t, k;
    v.f = x;
    if (x != x || x <= 0.0f || v.u == 0x7f800000u) {  /* NaN, +-0, negative, +Inf */
        if (x == 0.0f || x != x || x > 0.0f) return x;
        v.u = 0x7fc00000u;
        return v.f;
    }
    e = (int)(v.u >> 23);
    m = v.u & 0x7fffffu;
    if (e == 0) {                       /* subnormal: normalise */
        e = 1;
        while (!(m & 0x800000u)) { m <<= 1; --e; }
    } else {
        m |= 0x800000u;
    }
    t = e - 127 - 23;                   /* x = m*2^t, m in [2^23, 2^24) */
    if (t & 1) { m <<= 1; --t; }        /* make t even */
    k = m < 0x1000000u ? 26 : 24;       /* n = m*2^k in [2^48, 2^50) */
    q = fw_isqrt((uint64_t)m << k, &rem);        /* 25 bits: 24 + a rounding bit */
    r = (uint32_t)(q >> 1);
    if ((q & 1u) && (rem || (r & 1u))) ++r;      /* to nearest, ties to even */
    e = (t - k) / 2 + 1;                /* sqrt(x) = r*2^e */
    if (r == 0x1000000u) { r >>= 1; ++e; }
    v.u = ((uint32_t)(e + 150) << 23) | (r & 0x7fffffu);
    return v.f;
}

#endif
