/* test_s8_single.c - test_s8.c again with LIN_SINGLE_ROUNDING: TFLite's and
   CMSIS-NN's single-rounding requantization, in every build test_s8.c runs in. */
#define LIN_SINGLE_ROUNDING
#include "test_s8.c"
