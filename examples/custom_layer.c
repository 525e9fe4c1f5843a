/* custom_layer.c - the article's CustomLinearLayer, in C.

   class CustomLinearLayer(nn.Module):
       def __init__(self, in_features, out_features):
           super().__init__()
           self.weight = nn.Parameter(torch.randn(out_features, in_features))
           self.bias = nn.Parameter(torch.randn(out_features))
       def forward(self, x):
           return torch.matmul(x, self.weight.T) + self.bias

   nn.Parameter is a buffer the caller owns; torch.randn is lin_rng_normal.
   forward is written twice: as the article writes it (matmul with the
   transposed weight, then + bias), and as one call to lin_linear.
*/
#include <stdio.h>

#include "linear.h"

enum { IN = 3, OUT = 2, BATCH = 4 };

int main(void)
{
    float weight[OUT * IN], bias[OUT];         /* nn.Parameter(torch.randn(...)) */
    float x[BATCH * IN], y1[BATCH * OUT], y2[BATCH * OUT];
    lin_rng rng;
    lin_tensor w = lin_matrix(weight, OUT, IN), wt = lin_transpose(&w), b = lin_vector(bias, OUT);
    lin_tensor xv = lin_matrix(x, BATCH, IN), y1v = lin_matrix(y1, BATCH, OUT);
    lin_tensor y2v = lin_matrix(y2, BATCH, OUT);
    int i, j;

    lin_rng_seed(&rng, 0);
    for (i = 0; i < OUT * IN; ++i) weight[i] = lin_rng_normal(&rng);
    for (i = 0; i < OUT; ++i) bias[i] = lin_rng_normal(&rng);
    for (i = 0; i < BATCH * IN; ++i) x[i] = (float)(i % IN + 1) * (float)(i / IN + 1);

    printf("CustomLinearLayer(%d, %d), parameters from torch.randn-like N(0, 1):\n", IN, OUT);
    for (i = 0; i < OUT; ++i)
        printf("  weight[%d] = [%8.4f, %8.4f, %8.4f]   bias[%d] = %8.4f\n", i,
               weight[IN * i], weight[IN * i + 1], weight[IN * i + 2], i, bias[i]);

    /* forward, as the article writes it: torch.matmul(x, self.weight.T) + self.bias */
    if (lin_matmul(&xv, &wt, &y1v) != LIN_OK) return 1;
    for (i = 0; i < BATCH; ++i)
        for (j = 0; j < OUT; ++j) y1[OUT * i + j] += bias[j];

    /* the same layer in one call: F.linear(x, weight, bias) */
    if (lin_linear(&xv, &w, &b, &y2v) != LIN_OK) return 1;

    printf("x (%d, %d) -> matmul(x, W.T) + b   |   lin_linear(x, W, b)\n", BATCH, IN);
    for (i = 0; i < BATCH; ++i)
        printf("  [%.1f, %.1f, %.1f] -> [%9.4f, %9.4f]   |   [%9.4f, %9.4f]\n",
               x[IN * i], x[IN * i + 1], x[IN * i + 2],
               y1[OUT * i], y1[OUT * i + 1], y2[OUT * i], y2[OUT * i + 1]);
    for (i = 0; i < BATCH * OUT; ++i) {
        /* the two differ only in where b joins the sum: float rounding */
        float d = y1[i] - y2[i], scale = 1e-6f * (1.0f + (y1[i] < 0 ? -y1[i] : y1[i]));
        if (d > scale || d < -scale) return 1;
    }
    printf("both forwards agree\n");
    return 0;
}
