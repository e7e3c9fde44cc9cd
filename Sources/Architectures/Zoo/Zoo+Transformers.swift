extension Zoo {
    static let timmViT = "timm vision_transformer.py (VisionTransformer)"
    static let timmDeiT = "timm deit.py (VisionTransformer / VisionTransformerDistilled)"
    static let pitPaper = "Heo et al. 2021, Rethinking Spatial Dimensions of Vision Transformers (PiT), Table 2"

    private static func vitSpec(
        _ name: String, patch: Int, dim: Int, depth: Int, heads: Int, size: Int = 224,
        classes: Int = 1000, distilled: Bool = false, reference: String = timmViT,
        published: Published? = nil, notes: [String] = []
    ) -> ModelSpec {
        ModelSpec(
            name: name, reference: reference, imageSize: ImageSize(size), numClasses: classes,
            config: .vit(
                ViTConfig(
                    patchSize: patch, embedDim: dim, depth: depth, numHeads: heads,
                    distilled: distilled)),
            published: published, notes: notes)
    }

    static let vit: [ModelSpec] = [
        vitSpec("vit_tiny_patch16_224", patch: 16, dim: 192, depth: 12, heads: 3),
        vitSpec("vit_small_patch16_224", patch: 16, dim: 384, depth: 12, heads: 6),
        vitSpec("vit_base_patch16_224", patch: 16, dim: 768, depth: 12, heads: 12),
        vitSpec("vit_base_patch32_224", patch: 32, dim: 768, depth: 12, heads: 12),
        vitSpec("vit_large_patch16_224", patch: 16, dim: 1024, depth: 24, heads: 16),
        vitSpec(
            "vit_huge_patch14_224", patch: 14, dim: 1280, depth: 32, heads: 16, classes: 0,
            notes: [
                "timm's default tag for this model (orig_in21k) has no classifier head, so "
                    + "timm.create_model gives num_classes=0; pass --num-classes 1000 for an ImageNet-1k head."
            ]),
        vitSpec("vit_base_patch16_384", patch: 16, dim: 768, depth: 12, heads: 12, size: 384),
        vitSpec("vit_large_patch16_384", patch: 16, dim: 1024, depth: 24, heads: 16, size: 384),
    ]

    static let deit: [ModelSpec] = [
        vitSpec(
            "deit_tiny_patch16_224", patch: 16, dim: 192, depth: 12, heads: 3, reference: timmDeiT,
            published: Published(paramsM: 5.7, gmacs: 1.3, source: pitPaper)),
        vitSpec(
            "deit_small_patch16_224", patch: 16, dim: 384, depth: 12, heads: 6, reference: timmDeiT,
            published: Published(paramsM: 22.1, gmacs: 4.6, source: pitPaper)),
        vitSpec(
            "deit_base_patch16_224", patch: 16, dim: 768, depth: 12, heads: 12, reference: timmDeiT,
            published: Published(paramsM: 86.6, gmacs: 17.6, source: pitPaper)),
        vitSpec("deit_base_patch16_384", patch: 16, dim: 768, depth: 12, heads: 12, size: 384, reference: timmDeiT),
        vitSpec(
            "deit_tiny_distilled_patch16_224", patch: 16, dim: 192, depth: 12, heads: 3, distilled: true,
            reference: timmDeiT),
        vitSpec(
            "deit_small_distilled_patch16_224", patch: 16, dim: 384, depth: 12, heads: 6, distilled: true,
            reference: timmDeiT),
        vitSpec(
            "deit_base_distilled_patch16_224", patch: 16, dim: 768, depth: 12, heads: 12, distilled: true,
            reference: timmDeiT),
        vitSpec(
            "deit_base_distilled_patch16_384", patch: 16, dim: 768, depth: 12, heads: 12, size: 384,
            distilled: true, reference: timmDeiT),
    ]

    private static func pitSpec(
        _ name: String, patch: Int = 16, stride: Int = 8, baseDim: Int, depth: [Int],
        heads: [Int], distilled: Bool = false, published: Published? = nil,
        notes: [String] = []
    ) -> ModelSpec {
        ModelSpec(
            name: name, reference: "timm pit.py (= naver-ai/pit)", imageSize: ImageSize(224),
            config: .pit(
                PiTConfig(
                    patchSize: patch, stride: stride, baseDims: [baseDim, baseDim, baseDim],
                    depth: depth, heads: heads, distilled: distilled)),
            published: published, notes: notes)
    }

    static let pit: [ModelSpec] = [
        pitSpec(
            "pit_ti_224", baseDim: 32, depth: [2, 6, 4], heads: [2, 4, 8],
            published: Published(paramsM: 4.9, gmacs: 0.7, source: pitPaper),
            notes: [
                "timm's pit_ti_224 has 4,847,272 parameters (4.85 M, 4.8 M at one decimal); the paper's 4.9 M "
                    + "matches 4.85 M rounded a second time."
            ]),
        pitSpec(
            "pit_xs_224", baseDim: 48, depth: [2, 6, 4], heads: [2, 4, 8],
            published: Published(paramsM: 10.6, gmacs: 1.4, source: pitPaper)),
        pitSpec(
            "pit_s_224", baseDim: 48, depth: [2, 6, 4], heads: [3, 6, 12],
            published: Published(paramsM: 23.5, gmacs: 2.9, source: pitPaper)),
        pitSpec(
            "pit_b_224", patch: 14, stride: 7, baseDim: 64, depth: [3, 6, 4], heads: [4, 8, 16],
            published: Published(paramsM: 73.8, gmacs: 12.5, source: pitPaper),
            notes: [
                "PyTorch's FlopCounterMode counts 12,401,916,928 MACs (12.4 G) in timm's pit_b_224 at 224×224, "
                    + "as does this tool; the paper's 12.5 G is 0.8% higher and the paper does not say how it counted."
            ]),
        pitSpec("pit_ti_distilled_224", baseDim: 32, depth: [2, 6, 4], heads: [2, 4, 8], distilled: true),
        pitSpec("pit_xs_distilled_224", baseDim: 48, depth: [2, 6, 4], heads: [2, 4, 8], distilled: true),
        pitSpec("pit_s_distilled_224", baseDim: 48, depth: [2, 6, 4], heads: [3, 6, 12], distilled: true),
        pitSpec(
            "pit_b_distilled_224", patch: 14, stride: 7, baseDim: 64, depth: [3, 6, 4], heads: [4, 8, 16],
            distilled: true),
    ]
}
