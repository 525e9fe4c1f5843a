/* functional.c - F.linear(x, W, b) is what nn.Linear's forward calls.

   layer = nn.Linear(4, 3)
   F.linear(x, layer.weight, layer.bias)  ==  layer(x)

   Here: lin_linear on the layer's weight and bias views equals
   lin_layer_forward, element for element, for a batch of 2.
*/
#include <stdio.h>

#include "linear.h"

enum { IN = 4, OUT = 3, BATCH = 2 };

int main(void)
{
    float weight[OUT * IN], bias[OUT], x[BATCH * IN] = {1, -1, 2, 0.5f, 0, 3, -2, 1};
    float y_layer[BATCH * OUT], y_f[BATCH * OUT];
    lin_layer layer;
    lin_rng rng;
    lin_tensor w, b, xv = lin_matrix(x, BATCH, IN);
    lin_tensor ylv = lin_matrix(y_layer, BATCH, OUT), yfv = lin_matrix(y_f, BATCH, OUT);
    int i, same = 1;

    lin_rng_seed(&rng, 7);
    if (lin_layer_init(&layer, IN, OUT, weight, bias) != LIN_OK ||
        lin_layer_reset_parameters(&layer, &rng) != LIN_OK)
        return 1;
    w = lin_layer_weight(&layer);
    b = lin_layer_bias(&layer);

    if (lin_layer_forward(&layer, &xv, &ylv) != LIN_OK) return 1;  /* layer(x) */
    if (lin_linear(&xv, &w, &b, &yfv) != LIN_OK) return 1;         /* F.linear(x, W, b) */

    for (i = 0; i < BATCH; ++i) {
        printf("layer(x)[%d]           = [%8.4f, %8.4f, %8.4f]\n", i,
               y_layer[OUT * i], y_layer[OUT * i + 1], y_layer[OUT * i + 2]);
        printf("F.linear(x, W, b)[%d]  = [%8.4f, %8.4f, %8.4f]\n", i,
               y_f[OUT * i], y_f[OUT * i + 1], y_f[OUT * i + 2]);
    }
    for (i = 0; i < BATCH * OUT; ++i) same &= y_layer[i] == y_f[i];
    printf("F.linear equals the layer's output: %s\n", same ? "yes" : "NO");
    return same ? 0 : 1;
}
