// Wide-vector convolution kernels for SparseCNN's dense core (Sources/SparseCNN/Ops/Conv2D.swift).
//
// Swift cannot compile one function for AVX2 or AVX-512 and keep the rest of the binary portable,
// so the ISA-specific inner loops live here, each behind a run-time CPU check. They compute exactly
// what ConvKernel's portable Swift loops compute: the int kernels the same wrapping int32 sums, the
// float kernel the same products added in the same order (ky, kx, cin; unfused), so every path
// gives bit-identical results and the choice is invisible except in speed.
#ifndef CCONVKERNELS_H
#define CCONVKERNELS_H

#include <stdint.h>

/// One call to the convolution core: `batch` NHWC images of inH × inW × cin, each giving
/// outH × outW × cout, kernel × kernel taps at `stride`, `pad` rows/columns of zero padding.
typedef struct {
    long batch, inH, inW, cin, outH, outW, cout, kernel, stride, pad;
} st_conv_shape;

/// 1 when `st_conv_float_rows` can run on this CPU (x86-64 with AVX2), else 0.
int st_conv_float_available(void);

/// Float output rows [rowLo, rowHi) (counted over the batch), without bias. `weightsByTap` is the
/// channel-blocked packing of ConvKernel.float: blocks of 16, then 4, then 1 output channels, each
/// block's weights [ky][kx][cin][lane] at offset firstChannel · k·k·cin.
void st_conv_float_rows(const st_conv_shape *shape, long rowLo, long rowHi, const float *input,
                        const float *weightsByTap, float *output);

/// The widest `st_conv_int16_rows` this CPU runs: 2 = AVX-512 BW + VNNI, 1 = AVX2, 0 = none
/// (not x86-64, or neither extension).
int st_conv_int16_available(void);

/// Int32 accumulators of output rows [rowLo, rowHi) for int8 operands widened to int16:
/// `weights` is [cout][k][k][cin], sums wrap at 32 bits. `isa` (1 or 2, at most
/// `st_conv_int16_available()`) picks the loops.
void st_conv_int16_rows(const st_conv_shape *shape, long rowLo, long rowHi, const int16_t *input,
                        const int16_t *weights, int32_t *output, int isa);

#endif
