/* Floating point: single and double arithmetic, libm, conversions and printf of doubles. */
#include <math.h>
#include <stdio.h>

int main(void) {
  double sum = 0;
  for (int k = 1; k <= 100000; k++) sum += 1.0 / ((double)k * k);
  printf("basel sum %.15f, pi from it %.12f\n", sum, sqrt(6 * sum));
  float single = 0;
  for (int k = 0; k < 1000; k++) single += 0.1f;
  printf("float 0.1 x 1000 = %.9g\n", single);
  printf("sin(1) %.17g cos(1) %.17g exp(2.5) %.17g log(10) %.17g\n", sin(1.0), cos(1.0), exp(2.5), log(10.0));
  printf("fma-ish %.17g, sqrt(2) %.17g, pow(2, 0.5) %.17g\n", 0.1 * 3 - 0.3, sqrt(2.0), pow(2.0, 0.5));
  double values[] = {-2.5, -0.5, 0.5, 1.5, 2.5, 1e300 * 10, -0.0};
  for (int i = 0; i < 7; i++)
    printf("%g -> rint %g, floor %g, (long) %ld\n", values[i], rint(values[i]), floor(values[i]),
           isinf(values[i]) ? 0L : (long)values[i]);
  printf("nan %f, 1/3 %a, float 1/3 %a\n", sqrt(-1.0), 1.0 / 3, (double)(1.0f / 3));
  return 0;
}
