/* link_b.c - a call site of lin_linear_f32 (see link.h) */
#include "link.h"

float link_b(void)
{
    float W[6] = {1, 2, 3, 4, 5, 6}, b[2] = {0, 1}, x[3] = {1, 2, 3}, y[2];
    return lin_linear_f32(x, W, b, y, 1, 3, 2) == LIN_OK ? y[1] : -1.0f;
}
