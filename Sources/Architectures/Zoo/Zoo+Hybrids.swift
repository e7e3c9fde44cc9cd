extension Zoo {
    static let t2tPaper = "Yuan et al. 2021, Tokens-to-Token ViT, Table 2"
    static let cvtPaper = "Wu et al. 2021, CvT: Introducing Convolutions to Vision Transformers, Table 2"

    private static func t2tSpec(
        _ name: String, _ type: T2TTokensType, dim: Int, depth: Int, heads: Int,
        mlpRatio: Double, published: Published? = nil, notes: [String] = []
    ) -> ModelSpec {
        ModelSpec(
            name: name, reference: "yitu-opensource/T2T-ViT models/t2t_vit.py", imageSize: ImageSize(224),
            config: .t2tViT(
                T2TViTConfig(
                    tokensType: type, embedDim: dim, depth: depth, numHeads: heads,
                    mlpRatio: mlpRatio)),
            published: published, notes: notes)
    }

    static let t2tViT: [ModelSpec] = [
        t2tSpec(
            "t2t_vit_7", .performer, dim: 256, depth: 7, heads: 4, mlpRatio: 2,
            published: Published(paramsM: 4.3, gmacs: 1.1, source: t2tPaper)),
        t2tSpec("t2t_vit_10", .performer, dim: 256, depth: 10, heads: 4, mlpRatio: 2),
        t2tSpec("t2t_vit_12", .performer, dim: 256, depth: 12, heads: 4, mlpRatio: 2),
        t2tSpec(
            "t2t_vit_14", .performer, dim: 384, depth: 14, heads: 6, mlpRatio: 3,
            published: Published(paramsM: 21.5, gmacs: 4.8, source: t2tPaper)),
        t2tSpec(
            "t2t_vit_19", .performer, dim: 448, depth: 19, heads: 7, mlpRatio: 3,
            published: Published(paramsM: 39.2, gmacs: 8.5, source: t2tPaper)),
        t2tSpec(
            "t2t_vit_24", .performer, dim: 512, depth: 24, heads: 8, mlpRatio: 3,
            published: Published(paramsM: 64.1, gmacs: 13.8, source: t2tPaper),
            notes: [
                "PyTorch's FlopCounterMode counts 13,661,874,688 MACs (13.7 G) in the authors' t2t_vit_24, as "
                    + "does this tool; the paper's 13.8 G is 1.0% higher and the paper does not say how it counted."
            ]),
        t2tSpec(
            "t2t_vit_t_14", .transformer, dim: 384, depth: 14, heads: 6, mlpRatio: 3,
            published: Published(paramsM: 21.5, gmacs: 6.1, source: t2tPaper)),
        t2tSpec("t2t_vit_t_19", .transformer, dim: 448, depth: 19, heads: 7, mlpRatio: 3),
        t2tSpec("t2t_vit_t_24", .transformer, dim: 512, depth: 24, heads: 8, mlpRatio: 3),
    ]

    private static func cvtSpec(
        _ name: String, yaml: String, size: Int, dims: [Int], heads: [Int], depth: [Int],
        published: Published, exactMacs: String
    ) -> ModelSpec {
        let embeds = [(7, 4, 2), (3, 2, 1), (3, 2, 1)]
        let stages = (0..<3).map { i in
            CvTStage(
                patchSize: embeds[i].0, patchStride: embeds[i].1, patchPadding: embeds[i].2, dimEmbed: dims[i],
                numHeads: heads[i], depth: depth[i], clsToken: i == 2)
        }
        return ModelSpec(
            name: name, reference: "microsoft/CvT lib/models/cls_cvt.py with experiments/imagenet/cvt/\(yaml)",
            imageSize: ImageSize(size), config: .cvt(CvTConfig(stages: stages)), published: published,
            notes: [
                "PyTorch's FlopCounterMode counts \(exactMacs) in the authors' model at \(size)×\(size), "
                    + "as does this tool; the paper's \(published.gmacs) G differs "
                    + "beyond rounding and the paper does not say how it counted."
            ])
    }

    static let cvt: [ModelSpec] = [
        cvtSpec(
            "cvt_13", yaml: "cvt-13-224x224.yaml", size: 224, dims: [64, 192, 384], heads: [1, 3, 6],
            depth: [1, 2, 10], published: Published(paramsM: 20, gmacs: 4.5, source: cvtPaper),
            exactMacs: "4,566,089,216 MACs (4.6 G)"),
        cvtSpec(
            "cvt_21", yaml: "cvt-21-224x224.yaml", size: 224, dims: [64, 192, 384], heads: [1, 3, 6],
            depth: [1, 4, 16], published: Published(paramsM: 32, gmacs: 7.1, source: cvtPaper),
            exactMacs: "7,177,985,024 MACs (7.2 G)"),
        cvtSpec(
            "cvt_w24", yaml: "cvt-w24-384x384.yaml", size: 384, dims: [192, 768, 1024], heads: [3, 12, 16],
            depth: [2, 2, 20], published: Published(paramsM: 277, gmacs: 193.2, source: cvtPaper),
            exactMacs: "194,221,654,016 MACs (194.2 G)"),
    ]

    static let resnet: [ModelSpec] = [
        ModelSpec(
            name: "resnet50", reference: "timm resnet.py (= torchvision resnet50)", imageSize: ImageSize(224),
            config: .resnet(ResNetConfig(layers: [3, 4, 6, 3])),
            published: Published(paramsM: 25.6, gmacs: 4.1, source: pitPaper))
    ]
}
