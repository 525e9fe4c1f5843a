/* link_impl.c - the one file that holds linear.h's code */
#define LIN_IMPLEMENTATION
#include "linear.h"
