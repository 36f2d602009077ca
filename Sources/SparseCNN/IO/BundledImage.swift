import Foundation

extension Image {
    /// Path of the image SparseTile uses when none is given: `camera.png` (512×512 gray, CC0).
    public static var bundledDefaultPath: String {
        Bundle.module.path(forResource: "camera", ofType: "png")!
    }
}
