/* size_s8.c - the int8 forward, lin_linear_s8, alone in an object file, for
   the README's size table. */
#include "linear.h"

lin_status fw_linear_s8(const int8_t *x, const int8_t *weight, const int32_t *bias, int8_t *y,
                        size_t batch, size_t in_features, size_t out_features, const lin_quant *q);

lin_status fw_linear_s8(const int8_t *x, const int8_t *weight, const int32_t *bias, int8_t *y,
                        size_t batch, size_t in_features, size_t out_features, const lin_quant *q)
{
    return lin_linear_s8(x, weight, bias, y, batch, in_features, out_features, q);
}
