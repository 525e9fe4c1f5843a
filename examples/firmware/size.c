/* size.c - the core forward, lin_linear_f32, alone in an object file: what
   `make firmware` measures for the README's size table (.text bytes, and
   the undefined symbols it pulls in). */
#include "linear.h"

lin_status fw_linear_f32(const float *x, const float *weight, const float *bias, float *y,
                         size_t batch, size_t in_features, size_t out_features);

lin_status fw_linear_f32(const float *x, const float *weight, const float *bias, float *y,
                         size_t batch, size_t in_features, size_t out_features)
{
    return lin_linear_f32(x, weight, bias, y, batch, in_features, out_features);
}
