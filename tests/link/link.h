/* link.h - the three translation units of tests/link: a program with one
   copy of linear.h's code (LIN_IMPLEMENTATION in link_impl.c, LIN_EXTERN
   in the others), or with LINK_STATIC a static inline copy in each. */
#ifndef LINK_H
#define LINK_H
#ifndef LINK_STATIC
#define LIN_EXTERN
#endif
#include "linear.h"
float link_a(void);     /* link_a.c: y[0] of the worked example, 14 */
float link_b(void);     /* link_b.c: y[1] of the worked example, 33 */
#endif
