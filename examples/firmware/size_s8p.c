/* size_s8p.c - the prepared int8 layer, lin_prepare_s8 (once) and
   lin_linear_prepared_s8 (each call), alone in an object file, for the
   README's size table. */
#include "linear.h"

lin_status fw_prepare_s8(lin_prepared_s8 *p, const int8_t *weight, const int32_t *bias, size_t in_features,
                         size_t out_features, const lin_quant *q, void *buf, size_t buf_bytes);
lin_status fw_linear_prepared_s8(const lin_prepared_s8 *p, const int8_t *x, int8_t *y, size_t batch);

lin_status fw_prepare_s8(lin_prepared_s8 *p, const int8_t *weight, const int32_t *bias, size_t in_features,
                         size_t out_features, const lin_quant *q, void *buf, size_t buf_bytes)
{
    return lin_prepare_s8(p, weight, bias, in_features, out_features, q, buf, buf_bytes);
}

lin_status fw_linear_prepared_s8(const lin_prepared_s8 *p, const int8_t *x, int8_t *y, size_t batch)
{
    return lin_linear_prepared_s8(p, x, y, batch);
}
