import ArgumentParser
import SparseCNN

extension MaskMode: ExpressibleByArgument {}

extension MaskMode {
    /// `--mode`'s help, the same for every command that chooses masks.
    static let help = ArgumentHelp(
        "How masks are chosen: pixel (rank pixels, pool them into tiles with the halo) or regional (rank whole tiles by the importance around them; --density is then the tile density).",
        discussion: "docs/masks.md, \"Regional masks\".")
}
