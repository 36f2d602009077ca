import ArgumentParser
import SparseCNN

extension MaskMode: ExpressibleByArgument {}

extension MaskMode {
    /// `--mode`'s help, the same for every command that chooses masks.
    static let help = ArgumentHelp(
        "How masks are chosen: pixel (rank pixels, pool them into tiles: a tile is active when one of its pixels is) or regional (rank whole tiles by the importance around them; --density is then the tile density).",
        discussion: "docs/masks.md, \"Regional masks\".")
}
