"""How much of the unseen band a x4 SR network must guess to beat bicubic by a margin.

The x4 area-average input has (H/4)(W/4) samples per channel: about as many degrees of freedom as the
ground truth's low band (DFT frequencies below the input's Nyquist on both axes; the band-edge bin
itself is counted in the high band, one bin per axis). Split any
reconstruction's error into that band and the rest (an orthogonal split, so the two MSEs add up):

    MSE = MSE_low + MSE_high,   MSE_high = mean |Q(out) - Q(truth)|^2,   Q = the band above.

Predicting nothing above the band leaves MSE_high = E_high = mean |Q(truth)|^2. To reach
PSNR(bicubic) + margin, MSE <= MSE_bicubic / 10^(margin/10), so MSE_high must fall at least that low
even with a perfect low band: a network has to guess a fraction f = 1 - that / E_high of the truth's
high-band energy from its priors (for a guess g scaled at best, f = rho^2, rho its correlation with
Q(truth)). The script prints f per image and, for each --weights directory, the fraction the network
actually removes (1 - MSE_high / E_high) and its low-band error, in float.

The saving target asks the same network to stay within 0.1 dB of its dense PSNR with at least half
of the MACs skipped, where a skipped region keeps the skip path's upsampling (bilinear here). With
the dense MSE D, the skip path's S and fraction s of the input pixels (4x4 output blocks) skipped,
the sparse MSE is S - G(kept)/N, G the per-block reduction of squared error over the skip path; within
0.1 dB needs G(kept) >= G(all) - 0.0233 N D. So the best half of the blocks must hold a share
>= 1 - 0.0233 D / (S - D) of the network's whole gain (computed for a network exactly at the target,
and measured, with the blocks sorted by their true gain, for each --weights network: an oracle no
mask reaches, at a finer grain than tiles).

Bicubic is the one `sparsetile quality` compares with: Keys a = -0.5 on the uint8 input (itself the
rounded x4 area average), rounded to uint8, so the bar is the issue's.

    .venv-tools/bin/python tools/sr_band_bound.py [--margin 1.0] [--weights DIR ...]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_srresnet import EVALUATION, SRResNet, load_images  # noqa: E402


def area_x4_uint8(hr):
    """`Image.resized` at an exact x4: the 4x4 mean, rounded half up."""
    h, w, c = hr.shape
    s = hr.astype(np.int64).reshape(h // 4, 4, w // 4, 4, c).sum(axis=(1, 3))
    return ((2 * s + 16) // 32).astype(np.uint8)


def keys_taps(n, m, a=-0.5):
    """Per output coordinate: 4 clamped source indices and Keys' weights (pixel centres aligned)."""
    def k(t):
        x = abs(t)
        if x <= 1:
            return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1
        return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a if x < 2 else 0.0
    idx, wts = np.zeros((m, 4), np.int64), np.zeros((m, 4))
    for o in range(m):
        src = (o + 0.5) * n / m - 0.5
        base = int(np.floor(src))
        for j, d in enumerate(range(-1, 3)):
            idx[o, j] = min(n - 1, max(0, base + d))
            wts[o, j] = k(src - (base + d))
    return idx, wts


def bicubic_uint8(lr, h, w):
    """`Image.bicubicResized`: separable Keys a = -0.5, rounded and clamped to 0...255."""
    ri, rw = keys_taps(lr.shape[0], h)
    ci, cw = keys_taps(lr.shape[1], w)
    x = lr.astype(np.float64)
    rows = (x[ri] * rw[:, :, None, None]).sum(1)            # h x w/4 x c
    out = (rows[:, ci] * cw[None, :, :, None]).sum(2)       # h x w x c
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def high_band(x):
    """Q(x): the part of x (H x W x C, float) at DFT frequencies at or above 1/8 cycle per pixel on
    either axis, i.e. outside the x4 input's band."""
    h, w = x.shape[:2]
    fy = np.abs(np.fft.fftfreq(h))[:, None]
    fx = np.abs(np.fft.fftfreq(w))[None, :]
    keep = ((fy >= 0.125) | (fx >= 0.125))[..., None]
    return np.real(np.fft.ifft2(np.fft.fft2(x, axes=(0, 1)) * keep, axes=(0, 1)))


def psnr(mse):
    return 10 * np.log10(1.0 / mse)


# "Within 0.1 dB of dense": the sparse MSE may exceed the dense one by this fraction (0.0233).
WITHIN_0_1_DB = 10 ** (0.1 / 10) - 1


def skippable_share(dense, skip):
    """The largest share of a network's gain over its skip path (MSE `dense` against `skip`) that the
    skipped blocks may hold with the result within 0.1 dB of dense."""
    return WITHIN_0_1_DB * dense / (skip - dense)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--margin", type=float, default=1.0, help="dB over bicubic (issue 16: 1.0)")
    ap.add_argument("--weights", nargs="*", default=[], help="directories written by train_srresnet.py")
    args = ap.parse_args()
    models = [(d, SRResNet.trained(d)) for d in args.weights]
    for name, img in load_images(EVALUATION).items():
        h, w = img.shape[0] // 4 * 4, img.shape[1] // 4 * 4
        hr8 = np.ascontiguousarray(img[:h, :w])
        lr8 = area_x4_uint8(hr8)
        truth = hr8 / 255.0
        bic = bicubic_uint8(lr8, h, w) / 255.0
        mse_bic = float(np.mean((bic - truth) ** 2))
        q_truth = high_band(truth)
        e_high = float(np.mean(q_truth ** 2))
        mse_target = mse_bic / 10 ** (args.margin / 10)
        f = 1 - mse_target / e_high
        print(f"{name} {h}x{w}: bicubic {psnr(mse_bic):.2f} dB, target {psnr(mse_target):.2f}; "
              f"truth's high band alone (a perfect low band, nothing above) {psnr(e_high):.2f} dB; "
              + (f"a network must guess >= {100 * f:.1f} % of the high band's energy (correlation >= {np.sqrt(f):.2f})" if f > 0
                 else "a perfect low band alone beats the target"))
        lr = torch.from_numpy(lr8).permute(2, 0, 1)[None].float() / 255
        bil = F.interpolate(lr, scale_factor=4, mode="bilinear", align_corners=False).clamp(0, 1)[0].permute(1, 2, 0).double().numpy()
        mse_bil = float(np.mean((bil - truth) ** 2))
        print(f"    the skip path (bilinear) {psnr(mse_bil):.2f} dB; a network at the target keeps within 0.1 dB with half "
              f"the blocks skipped only if that half holds <= {100 * skippable_share(mse_target, mse_bil):.1f} % of its gain")
        for d, m in models:
            with torch.no_grad():
                out = m(lr).clamp(0, 1)[0].permute(1, 2, 0).double().numpy()
            err = out - truth
            mse = float(np.mean(err ** 2))
            mse_high = float(np.mean(high_band(err) ** 2))
            # Per input pixel (its 4x4 output block): squared error saved over the skip path.
            gain = (((bil - truth) ** 2 - err ** 2).sum(2).reshape(h // 4, 4, w // 4, 4).sum(axis=(1, 3))).ravel()
            best_half = np.sort(gain)[::-1][: gain.size // 2].sum()
            sparse = mse_bil - best_half / err.size
            print(f"    {os.path.basename(os.path.normpath(d))}: float {psnr(mse):.2f} dB ({psnr(mse) - psnr(mse_bic):+.2f}); "
                  f"guesses {100 * (1 - mse_high / e_high):.1f} % of the high band; low-band error {psnr(mse - mse_high):.2f} dB; "
                  f"half the blocks skipped by an oracle {psnr(sparse):.2f} dB ({psnr(sparse) - psnr(mse):+.2f}; the best half "
                  f"holds {100 * best_half / gain.sum():.0f} % of the gain, the rest may hold {100 * skippable_share(mse, mse_bil):.1f} %)")


if __name__ == "__main__":
    main()
