/* link_main.c - the third call site, and main: 0 when all three agree
   with the worked example (y = [14, 33]) */
#include "link.h"

int main(void)
{
    float W[6] = {1, 2, 3, 4, 5, 6}, b[2] = {0, 1}, x[3] = {1, 2, 3}, y[2];
    if (lin_linear_f32(x, W, b, y, 1, 3, 2) != LIN_OK) return 1;
    return link_a() == 14.0f && link_b() == 33.0f && y[0] == 14.0f && y[1] == 33.0f ? 0 : 1;
}
