extension Zoo {
    static let timmSwin = "timm swin_transformer.py (SwinTransformer)"
    static let swinPaper = "Liu et al. 2021, Swin Transformer: Hierarchical Vision Transformer using Shifted Windows, Tables 1 and 2"

    private static func swinSpec(
        _ name: String, dim: Int, depths: [Int], heads: [Int], window: Int, size: Int = 224, published: Published
    ) -> ModelSpec {
        ModelSpec(
            name: name, reference: timmSwin, imageSize: ImageSize(size),
            config: .swin(
                SwinConfig(embedDim: dim, depths: depths, numHeads: heads, windowSize: Array(repeating: window, count: depths.count))),
            published: published)
    }

    static let swin: [ModelSpec] = [
        swinSpec(
            "swin_tiny_patch4_window7_224", dim: 96, depths: [2, 2, 6, 2], heads: [3, 6, 12, 24], window: 7,
            published: Published(paramsM: 28, gmacs: 4.5, source: swinPaper)),
        swinSpec(
            "swin_small_patch4_window7_224", dim: 96, depths: [2, 2, 18, 2], heads: [3, 6, 12, 24], window: 7,
            published: Published(paramsM: 50, gmacs: 8.7, source: swinPaper)),
        swinSpec(
            "swin_base_patch4_window7_224", dim: 128, depths: [2, 2, 18, 2], heads: [4, 8, 16, 32], window: 7,
            published: Published(paramsM: 88, gmacs: 15.4, source: swinPaper)),
        swinSpec(
            "swin_large_patch4_window7_224", dim: 192, depths: [2, 2, 18, 2], heads: [6, 12, 24, 48], window: 7,
            published: Published(paramsM: 197, gmacs: 34.5, source: swinPaper)),
        swinSpec(
            "swin_base_patch4_window12_384", dim: 128, depths: [2, 2, 18, 2], heads: [4, 8, 16, 32], window: 12, size: 384,
            published: Published(paramsM: 88, gmacs: 47.0, source: swinPaper)),
    ]
}
