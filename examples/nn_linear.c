/* nn_linear.c - nn.Linear(3, 2) in C.

   PyTorch:                               linear.h:
     layer = nn.Linear(3, 2)                lin_layer_init + reset_parameters
     print(layer.weight, layer.bias)        the caller's weight and bias buffers
     print(layer(torch.tensor([1.,2,3])))   lin_layer_forward

   The weights follow PyTorch's default distribution, U(-1/sqrt(3), 1/sqrt(3)),
   from linear.h's own seeded generator, so they are not PyTorch's numbers;
   they are the same on every machine for the same seed.
*/
#include <math.h>
#include <stdio.h>

#include "linear.h"

int main(void)
{
    float weight[2 * 3], bias[2];              /* the layer's nn.Parameters */
    float x[3] = {1, 2, 3}, y[2];
    lin_layer layer;
    lin_rng rng;
    lin_tensor xv = lin_vector(x, 3), yv = lin_vector(y, 2);
    int i;

    lin_rng_seed(&rng, 42);
    if (lin_layer_init(&layer, 3, 2, weight, bias) != LIN_OK ||
        lin_layer_reset_parameters(&layer, &rng) != LIN_OK)
        return 1;

    printf("Linear(in_features=3, out_features=2, bias=True)\n");
    printf("weight (2, 3), bound 1/sqrt(3) = %.4f:\n", 1.0 / sqrt(3.0));
    for (i = 0; i < 2; ++i)
        printf("  [%8.4f, %8.4f, %8.4f]\n", weight[3 * i], weight[3 * i + 1], weight[3 * i + 2]);
    printf("bias (2): [%8.4f, %8.4f]\n", bias[0], bias[1]);

    if (lin_layer_forward(&layer, &xv, &yv) != LIN_OK) return 1;
    printf("layer([1, 2, 3]) = [%.4f, %.4f]\n", y[0], y[1]);
    for (i = 0; i < 2; ++i) {                  /* the same, written out */
        float by_hand = bias[i] + 1 * weight[3 * i] + 2 * weight[3 * i + 1] + 3 * weight[3 * i + 2];
        printf("  y[%d] = b[%d] + 1*W[%d,0] + 2*W[%d,1] + 3*W[%d,2] = %.4f\n", i, i, i, i, i, by_hand);
        if (fabsf(by_hand - y[i]) > 1e-6f) return 1;
    }
    return 0;
}
