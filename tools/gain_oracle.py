"""An upper bound for the masks of a skip-path SR network: the map of where it beats its skip path.

Writes, for one ground-truth image, the importance map an oracle would rank input pixels by: per
input pixel, how much the float network's output over its 4x4 output block lowers the squared error
against the truth compared with the skip path's upsampling (which a skipped region keeps). No
predictor can know it (it reads the truth); `sparsetile quality --prior-mask MAP.npy` then gives, for
these weights, what masks that knew where computing pays would save within 0.1 dB (docs/training.md,
"What the masks could save at best").

    bash tools/train-srresnet.sh ... (for the venv), then
    .venv-tools/bin/python tools/gain_oracle.py --image truth.png --out map.npy [--weights DIR]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from skimage import io

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_srresnet import SRResNet, downscale, rgb_uint8  # noqa: E402

BUNDLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "SparseCNN", "Resources",
                       "Weights", "srresnet-8x32-skip-bilinear")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--image", required=True, help="the ground truth (PNG), cropped to a multiple of 4")
    ap.add_argument("--weights", default=BUNDLED, help="a directory written by train_srresnet.py (its training.json "
                                                       "gives the network); default: the bundled skip-bilinear weights")
    ap.add_argument("--out", required=True, help="the .npy map (float32, input height x width) for --prior-mask")
    args = ap.parse_args()
    model = SRResNet.trained(args.weights)
    if not model.skip:
        raise SystemExit(f"{args.weights}: the network has no skip path, so a skipped region has no image to keep")
    img = rgb_uint8(io.imread(args.image))
    h, w = img.shape[0] // 4 * 4, img.shape[1] // 4 * 4
    hr = torch.from_numpy(img[:h, :w].copy()).permute(2, 0, 1)[None].float() / 255
    lr = downscale(hr)
    with torch.no_grad():
        sr = model(lr).clamp(0, 1)
        if model.skip_mode == "bilinear":
            up = F.interpolate(lr, scale_factor=4, mode="bilinear", align_corners=False)
        else:
            up = F.interpolate(lr, scale_factor=4, mode="nearest")
    gain = F.avg_pool2d(((up.clamp(0, 1) - hr) ** 2 - (sr - hr) ** 2).sum(1, keepdim=True), 4)[0, 0].numpy()
    # `--prior-mask` ranks by value and wants positive values: shift, keeping the order.
    np.save(args.out, (gain - gain.min() + 1e-6).astype(np.float32))
    print(f"{args.out}: {gain.shape[0]}x{gain.shape[1]}, the network beats its skip path on "
          f"{100 * float((gain > 0).mean()):.0f} % of the input pixels")


if __name__ == "__main__":
    main()
