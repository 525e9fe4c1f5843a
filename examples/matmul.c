/* matmul.c - torch.matmul and @, and the article's question 2: why x @ W.T
   and not W @ x once x is a batch?

   W @ x for one 1-D x is a matrix-vector product: [14, 32].
   For a batch x of shape (4, 3), W @ x asks for (2, 3) @ (4, 3): the inner
   sizes 3 and 4 differ, and PyTorch refuses with
       mat1 and mat2 shapes cannot be multiplied (2x3 and 4x3)
   x @ W.T is (4, 3) @ (3, 2) -> (4, 2): one row of outputs per input row.
*/
#include <stdio.h>

#include "linear.h"

int main(void)
{
    float W[2 * 3] = {1, 2, 3, 4, 5, 6}, x[3] = {1, 2, 3}, y[2];
    float xb[4 * 3] = {1, 2, 3, 1, 0, 0, 0, 1, 0, 0, 0, 1}, yb[4 * 2];
    lin_tensor w = lin_matrix(W, 2, 3), wt = lin_transpose(&w);
    lin_tensor xv = lin_vector(x, 3), yv = lin_vector(y, 2);
    lin_tensor xbv = lin_matrix(xb, 4, 3), ybv = lin_matrix(yb, 4, 2);
    char why[128];
    lin_status s;
    int i;

    /* torch.matmul(W, x) and W @ x are the same call */
    if (lin_matmul(&w, &xv, &yv) != LIN_OK) return 1;
    printf("matmul(W, x) = [%g, %g]\n", y[0], y[1]);
    printf("W @ x        = [%g, %g]\n", y[0], y[1]);

    /* W @ x_batch: the wrong order, refused with PyTorch's message */
    s = lin_matmul(&w, &xbv, &ybv);
    lin_matmul_explain(&w, &xbv, &ybv, why, sizeof why);
    printf("matmul(W, x_batch): %s: %s\n", lin_status_str(s), why);
    if (s != LIN_ERR_SHAPE) return 1;

    /* x_batch @ W.T: one output row per input row */
    if (lin_matmul(&xbv, &wt, &ybv) != LIN_OK) return 1;
    printf("matmul(x_batch, W.T) =\n");
    for (i = 0; i < 4; ++i)
        printf("  [%g, %g, %g] -> [%g, %g]\n", xb[3 * i], xb[3 * i + 1], xb[3 * i + 2],
               yb[2 * i], yb[2 * i + 1]);
    return 0;
}
