"""Trains the project's SRResNet (x4) on CPU and exports .npy weights for `sparsetile --weights`.

The model here is the graph of `Network.srresnet(blocks:channels:)` in
Sources/SparseCNN/Networks/Builders.swift, layer for layer and name for name: `head` 9x9 + PReLU,
`body.N.conv1` 3x3 + PReLU, `body.N.conv2` 3x3 + the block input, `mid` 3x3 + `head`,
`upsample.N.conv` 3x3 (C -> 4C) + PReLU then pixel shuffle x2 (PReLU before the shuffle: one slope,
elementwise, the same), `tail` 9x9 -> 3. Images are RGB in 0...1 in and out, as the Swift side
feeds them (`Image.rgbTensor`) and reads them back (`Image(unitTensor:)`); the low-resolution
input is the x4 area average of the high-resolution patch, as `Image.resized` makes it.

Data: the photographs and textures that ship inside scikit-image's wheel (`skimage.data`), except
chelsea, grass, text and brick, which are kept for evaluation (docs/training.md).
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

EVALUATION = ["chelsea", "grass", "text", "brick"]
# Everything else in skimage.data that loads without a download (tried in order, failures skipped).
TRAINING = ["astronaut", "camera", "coffee", "rocket", "coins", "moon", "page", "horse", "hubble_deep_field",
            "immunohistochemistry", "retina", "gravel", "clock", "logo", "microaneurysms", "cell", "colorwheel"]


def rgb_uint8(img):
    """An image as the network reads it: H x W x 3 uint8 (gray repeated, alpha dropped, 0...1 floats
    and booleans scaled)."""
    img = np.asarray(img)
    if img.dtype == bool:
        img = img.astype(np.uint8) * 255
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    if img.shape[-1] == 4:
        img = img[..., :3]
    if img.dtype != np.uint8:
        img = (np.clip(img, 0, 1) * 255).astype(np.uint8) if img.max() <= 1 else img.astype(np.uint8)
    return img


def load_images(names):
    from skimage import data
    out = {}
    for n in names:
        try:
            img = getattr(data, n)()
        except Exception:
            continue
        img = rgb_uint8(img)
        if min(img.shape[:2]) >= 96:
            out[n] = img
    return out


class SRResNet(nn.Module):
    def __init__(self, blocks, channels, skip=False, skip_mode="nearest"):
        super().__init__()
        c = channels
        self.skip = skip  # srresnet-BxC-skip: the x4 upsampled input is the tail's residual
        self.skip_mode = skip_mode  # nearest, or bilinear (half-pixel centres: srresnet-BxC-skip-bilinear)
        self.head = nn.Conv2d(3, c, 9, padding=4)
        self.head_act = nn.PReLU(1, 0.25)
        self.body = nn.ModuleList()
        for _ in range(blocks):
            self.body.append(nn.ModuleDict({"conv1": nn.Conv2d(c, c, 3, padding=1), "act": nn.PReLU(1, 0.25),
                                            "conv2": nn.Conv2d(c, c, 3, padding=1)}))
        self.mid = nn.Conv2d(c, c, 3, padding=1)
        self.up = nn.ModuleList([nn.ModuleDict({"conv": nn.Conv2d(c, 4 * c, 3, padding=1), "act": nn.PReLU(1, 0.25)})
                                 for _ in range(2)])
        self.tail = nn.Conv2d(c, 3, 9, padding=4)

    def forward(self, x):
        h = self.head_act(self.head(x))
        skip = h
        for b in self.body:
            y = b["conv2"](b["act"](b["conv1"](skip))) + skip
            skip = y
        y = self.mid(skip) + h
        for u in self.up:
            y = F.pixel_shuffle(u["act"](u["conv"](y)), 2)
        out = self.tail(y)
        if not self.skip:
            return out
        if self.skip_mode == "bilinear":
            return out + F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False)
        return out + F.interpolate(x, scale_factor=4, mode="nearest")

    def forward_masked(self, x, masks):
        """The network as SparseCNN runs it with computation masks (docs/masks.md): `masks[name]`
        (N,1,H,W of the layer's output map, 1 = computed) per conv layer; an output the mask skips
        keeps the layer's default, its residual input (body conv2, mid) or zero, so a skipped tail
        pixel shows the skip path's upsampling."""
        h = masks["head"] * self.head_act(self.head(x))
        skip = h
        for i, b in enumerate(self.body):
            t = masks[f"body.{i}.conv1"] * b["act"](b["conv1"](skip))
            m2 = masks[f"body.{i}.conv2"]
            skip = m2 * (b["conv2"](t) + skip) + (1 - m2) * skip
        m = masks["mid"]
        y = m * (self.mid(skip) + h) + (1 - m) * h
        for i, u in enumerate(self.up):
            y = F.pixel_shuffle(masks[f"upsample.{i}.conv"] * u["act"](u["conv"](y)), 2)
        out = masks["tail"] * self.tail(y)
        if self.skip_mode == "bilinear":
            return out + F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False)
        return out + F.interpolate(x, scale_factor=4, mode="nearest")

    def layer_scales(self):
        """(conv layer name, output scale over the input, tile height, tile width): the tiles the
        default config's mapper picks for SRResNet's layers (2x2; the tail 8x16 in output pairs)."""
        names = ["head"] + [f"body.{i}.conv{j}" for i in range(len(self.body)) for j in (1, 2)] + ["mid"]
        return [(n, 1, 2, 2) for n in names] + [("upsample.0.conv", 1, 2, 2), ("upsample.1.conv", 2, 2, 2), ("tail", 4, 8, 16)]

    def named_layers(self):
        """(name, conv, PReLU or None) of every conv, named as Builders.swift names the layers."""
        yield "head", self.head, self.head_act
        for i, b in enumerate(self.body):
            yield f"body.{i}.conv1", b["conv1"], b["act"]
            yield f"body.{i}.conv2", b["conv2"], None
        yield "mid", self.mid, None
        for i, u in enumerate(self.up):
            yield f"upsample.{i}.conv", u["conv"], u["act"]
        yield "tail", self.tail, None

    @classmethod
    def trained(cls, directory):
        """The network a directory written by this script holds (its training.json names the shape),
        in eval mode."""
        with open(os.path.join(directory, "training.json")) as f:
            t = json.load(f)
        model = cls(t["blocks"], t["channels"], skip=t.get("skip", False), skip_mode=t.get("skipMode", "nearest"))
        model.load(directory)
        model.eval()
        return model

    def load(self, directory):
        """The inverse of `export`."""
        for name, conv, act in self.named_layers():
            conv.weight.data = torch.from_numpy(np.load(os.path.join(directory, f"{name}.weight.npy")))
            conv.bias.data = torch.from_numpy(np.load(os.path.join(directory, f"{name}.bias.npy")))
            if act is not None:
                act.weight.data = torch.from_numpy(np.load(os.path.join(directory, f"{name}.prelu.npy")))

    def export(self, directory):
        """One .npy per parameter (PyTorch layouts)."""
        os.makedirs(directory, exist_ok=True)
        for name, conv, act in self.named_layers():
            np.save(os.path.join(directory, f"{name}.weight.npy"), conv.weight.detach().numpy().astype(np.float32))
            np.save(os.path.join(directory, f"{name}.bias.npy"), conv.bias.detach().numpy().astype(np.float32))
            if act is not None:
                np.save(os.path.join(directory, f"{name}.prelu.npy"), act.weight.detach().numpy().astype(np.float32).reshape(1))


class DetailPredictor(nn.Module):
    """A cheap importance map for the masks: log of the network's detail |output - skip upsampling|
    per input pixel (mean over its 4x4 output block and the channels), from the input alone. `depth`
    3x3 convs (3 -> width -> ... -> 1, ReLU); the default 3 x 16 is 2.6 k MACs per input pixel, about
    0.5 % of srresnet-8x32's. Exported as `detail.N.weight.npy` / `.bias.npy`; SparseCNN's
    `DetailPredictor` runs any such stack."""

    def __init__(self, width=16, depth=3):
        super().__init__()
        chans = [3] + [width] * (depth - 1) + [1]
        self.convs = nn.ModuleList([nn.Conv2d(a, b, 3, padding=1) for a, b in zip(chans, chans[1:])])

    def forward(self, x):
        for i, c in enumerate(self.convs):
            x = c(x)
            if i + 1 < len(self.convs):
                x = F.relu(x)
        return x

    def load(self, directory):
        """The inverse of `export` (the stack's width and depth must match the files)."""
        for i, c in enumerate(self.convs):
            w = np.load(os.path.join(directory, f"detail.{i}.weight.npy"))
            if w.shape != tuple(c.weight.shape):
                raise SystemExit(f"{directory}/detail.{i}.weight.npy is {w.shape}, the predictor's layer {i} "
                                 f"{tuple(c.weight.shape)}: give --predictor-width/--predictor-depth of the files")
            c.weight.data = torch.from_numpy(w)
            c.bias.data = torch.from_numpy(np.load(os.path.join(directory, f"detail.{i}.bias.npy")))

    def export(self, directory):
        for i, c in enumerate(self.convs):
            np.save(os.path.join(directory, f"detail.{i}.weight.npy"), c.weight.detach().numpy().astype(np.float32))
            np.save(os.path.join(directory, f"detail.{i}.bias.npy"), c.bias.detach().numpy().astype(np.float32))


def detail_target(model, lr, sr):
    """log(1e-3 + mean |sr - skip upsampling| over each input pixel's 4x4 block and the channels)."""
    mode = "bilinear" if model.skip_mode == "bilinear" else "nearest"
    up = F.interpolate(lr, scale_factor=4, mode=mode, align_corners=False) if mode == "bilinear" \
        else F.interpolate(lr, scale_factor=4, mode="nearest")
    return torch.log(1e-3 + F.avg_pool2d((sr - up).abs().mean(1, keepdim=True), 4))


def layer_masks(model, importance, density, shapes=None):
    """Each conv layer's mask at its own output map, as the controller makes them (docs/masks.md):
    the map repeated to the layer's scale, the round(density * pixels) most important pixels, pooled
    into the layer's tiles (a tile is computed when one of its pixels is). `shapes` (name -> tile
    height, width) overrides the tiles of `layer_scales`."""
    masks = {}
    n = importance.shape[0]
    for name, scale, th, tw in model.layer_scales():
        th, tw = (shapes or {}).get(name, (th, tw))
        imp = importance if scale == 1 else importance.repeat_interleave(scale, 2).repeat_interleave(scale, 3)
        h, w = imp.shape[2], imp.shape[3]
        k = max(1, int(round(density * h * w)))
        flat = imp.reshape(n, -1)
        thr = flat.topk(k, dim=1).values[:, -1:]
        px = (flat >= thr).float().reshape(n, 1, h, w)
        tiles = F.max_pool2d(px, (th, tw), ceil_mode=True)
        masks[name] = tiles.repeat_interleave(th, 2).repeat_interleave(tw, 3)[:, :, :h, :w]
    return masks


# The tiles the default config's mapper may give a layer (docs/microarchitecture.md §3.1): 8x8, 4x4
# and 2x2, and the tail's output pairs at twice the width. The mapper picks one per layer by its
# cycles, so a network fine-tuned under one fixed choice meets others at inference.
TILE_SHAPES = [(2, 2), (4, 4), (8, 8)]
TAIL_SHAPES = [(2, 4), (4, 8), (8, 16), (8, 8)]


def random_shapes(model, rng):
    """One tile shape per conv layer, drawn independently (the tail's from TAIL_SHAPES)."""
    shapes = {}
    for name, _, _, _ in model.layer_scales():
        choices = TAIL_SHAPES if name == "tail" else TILE_SHAPES
        shapes[name] = choices[rng.integers(len(choices))]
    return shapes


def downscale(hr):
    """x4 area average, NCHW float."""
    return F.avg_pool2d(hr, 4)


def psnr(a, b):
    mse = float(((a - b) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)


def evaluate(model, images):
    """PSNR (0...1 RGB, whole image cropped to a multiple of 4) of the model and of bicubic."""
    out = {}
    model.eval()
    with torch.no_grad():
        for n, img in images.items():
            h, w = img.shape[0] // 4 * 4, img.shape[1] // 4 * 4
            hr = torch.from_numpy(img[:h, :w]).permute(2, 0, 1)[None].float() / 255
            lr = downscale(hr)
            sr = model(lr).clamp(0, 1)
            bic = F.interpolate(lr, scale_factor=4, mode="bicubic", align_corners=False).clamp(0, 1)
            out[n] = {"psnrModel": psnr(sr, hr), "psnrBicubic": psnr(bic, hr)}
    model.train()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="directory for the .npy weights and training.json")
    ap.add_argument("--blocks", type=int, default=16)
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--minutes", type=float, default=45, help="wall-clock training budget")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--patch", type=int, default=24, help="low-resolution patch size (the high-resolution one is 4x)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--skip", action="store_true",
                    help="add the x4 nearest upsampled input to the output (the network srresnet-BxC-skip)")
    ap.add_argument("--skip-mode", choices=["nearest", "bilinear"], default="nearest",
                    help="the skip path's upsampling: bilinear makes the network srresnet-BxC-skip-bilinear")
    ap.add_argument("--init", help="start from the .npy weights in this directory (fine-tuning)")
    ap.add_argument("--sparse", action="store_true",
                    help="train with computation masks too (the L1 of the masked network at a random density in "
                         "--densities, beside the dense one) and a detail predictor whose map chooses them")
    ap.add_argument("--densities", default="0.3,0.7", help="with --sparse: the range of pixel densities (lo,hi)")
    ap.add_argument("--random-shapes", action="store_true",
                    help="with --sparse: pool each layer's mask at a tile shape drawn at random every step "
                         "(8x8, 4x4, 2x2; the tail's in output pairs or not) instead of the fixed 2x2 / 8x16")
    ap.add_argument("--predictor-only", action="store_true",
                    help="with --init: keep the network as it is and train only a detail predictor for it")
    ap.add_argument("--train-on", help="comma-separated skimage.data names to train on instead of the training set; "
                    "naming evaluation images makes the run a bound (it sees their ground truth), never shipped weights")
    ap.add_argument("--predictor-width", type=int, default=16)
    ap.add_argument("--predictor-depth", type=int, default=3)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    train = load_images(args.train_on.split(",") if args.train_on else TRAINING)
    if args.train_on and (missing := set(args.train_on.split(",")) - set(train)):
        raise SystemExit(f"--train-on: {', '.join(sorted(missing))}: not a skimage.data image of at least 96 x 96 pixels")
    test = load_images(EVALUATION)
    print(f"training on {sorted(train)}; evaluating on {sorted(test)}", flush=True)
    names = sorted(train)
    model = SRResNet(args.blocks, args.channels, skip=args.skip, skip_mode=args.skip_mode)
    if args.init:
        model.load(args.init)
    if args.predictor_only and not args.init:
        ap.error("--predictor-only needs --init (the network whose detail it predicts)")
    predictor = DetailPredictor(args.predictor_width, args.predictor_depth) if args.sparse or args.predictor_only else None
    if predictor is not None and args.init and not args.predictor_only \
            and os.path.exists(os.path.join(args.init, f"detail.{args.predictor_depth - 1}.weight.npy")):
        predictor.load(args.init)  # keep training the predictor that came with the weights
        print(f"predictor from {args.init}", flush=True)
    d_lo, d_hi = (float(v) for v in args.densities.split(","))
    params = list(predictor.parameters()) if args.predictor_only else \
        list(model.parameters()) + (list(predictor.parameters()) if predictor else [])
    opt = torch.optim.Adam(params, lr=args.lr)
    hp = args.patch * 4
    start = time.time()
    step = 0
    budget = args.minutes * 60
    while time.time() - start < budget:
        batch = []
        for _ in range(args.batch):
            img = train[names[rng.integers(len(names))]]
            y = rng.integers(img.shape[0] - hp + 1)
            x = rng.integers(img.shape[1] - hp + 1)
            p = img[y:y + hp, x:x + hp]
            if rng.integers(2):
                p = p[:, ::-1]
            p = np.rot90(p, rng.integers(4))
            batch.append(np.ascontiguousarray(p))
        hr = torch.from_numpy(np.stack(batch)).permute(0, 3, 1, 2).float() / 255
        lr = downscale(hr)
        if args.predictor_only:
            with torch.no_grad():
                target = detail_target(model, lr, model(lr))
            loss = F.mse_loss(predictor(lr), target)
        else:
            sr = model(lr)
            loss = F.l1_loss(sr, hr)
        if predictor is not None and not args.predictor_only:
            # The predictor learns the dense network's detail; the masks of this step come from its
            # map (as at inference), and the masked network learns to do without what they skip.
            pred = predictor(lr)
            loss = loss + 0.1 * F.mse_loss(pred, detail_target(model, lr, sr.detach()))
            density = float(rng.uniform(d_lo, d_hi))
            shapes = random_shapes(model, rng) if args.random_shapes else None
            loss = loss + F.l1_loss(model.forward_masked(lr, layer_masks(model, pred.detach(), density, shapes)), hr)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0:
            print(f"step {step}, {time.time() - start:.0f} s, L1 {loss.item():.4f}", flush=True)
        if time.time() - start > 0.8 * budget and opt.param_groups[0]["lr"] == args.lr:
            opt.param_groups[0]["lr"] = args.lr / 4  # the last fifth at a lower rate
    elapsed = time.time() - start
    model.export(args.out)
    if predictor is not None:
        predictor.export(args.out)
    scores = evaluate(model, test)
    network = f"srresnet-{args.blocks}x{args.channels}" + ("-skip" if args.skip else "") \
        + ("-bilinear" if args.skip and args.skip_mode == "bilinear" else "")
    record = {"init": args.init, "sparse": args.sparse, "predictorOnly": args.predictor_only,
              "predictor": {"width": args.predictor_width, "depth": args.predictor_depth} if predictor is not None else None, "densities": args.densities if args.sparse else None, "randomShapes": args.random_shapes, "network": network, "blocks": args.blocks, "channels": args.channels, "skip": args.skip, "skipMode": args.skip_mode, "seed": args.seed, "steps": step, "seconds": round(elapsed),
              "patch": args.patch, "batch": args.batch, "lr": args.lr, "training": names, "evaluation": scores}
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump(record, f, indent=2, sort_keys=True)
    for n, s in scores.items():
        print(f"{n}: float PSNR {s['psnrModel']:.2f} dB, bicubic {s['psnrBicubic']:.2f} dB", flush=True)
    print(f"{step} steps in {elapsed:.0f} s; wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
