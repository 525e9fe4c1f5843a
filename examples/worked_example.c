/* worked_example.c - the article's worked example, by hand and by linear.h.

   W = [[1,2,3],[4,5,6]] is nn.Linear(3, 2)'s weight, stored (out, in): row j
   holds the weights of output j. For x = [1,2,3] and b = [0,1],
       y = x @ W.T + b = [1*1+2*2+3*3 + 0, 1*4+2*5+3*6 + 1] = [14, 33].
*/
#include <stdio.h>

#include "linear.h"

int main(void)
{
    float W[2 * 3] = {1, 2, 3,
                      4, 5, 6};     /* (out_features 2, in_features 3) */
    float x[3] = {1, 2, 3}, b[2] = {0, 1}, y[2];
    lin_status s;

    printf("W = [[1, 2, 3], [4, 5, 6]]   (out_features=2, in_features=3)\n");
    printf("x = [1, 2, 3], b = [0, 1]\n");
    printf("y[0] = 1*1 + 2*2 + 3*3 + 0 = 14\n");
    printf("y[1] = 1*4 + 2*5 + 3*6 + 1 = 33\n");
    s = lin_linear_f32(x, W, b, y, 1, 3, 2);      /* batch 1 */
    if (s != LIN_OK) {
        printf("lin_linear_f32: %s\n", lin_status_str(s));
        return 1;
    }
    printf("y = [%g, %g]\n", y[0], y[1]);
    return y[0] == 14.0f && y[1] == 33.0f ? 0 : 1;
}
