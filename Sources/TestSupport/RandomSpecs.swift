import Architectures
import CPUBackend

extension SeededGenerator {
    /// An integer uniform in `range` (modulo bias is negligible for the small ranges used here).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    public mutating func bool() -> Bool { next() & 1 == 1 }
}

/// Tiny random configurations of every family, valid by construction.
public enum RandomSpecs {
    /// timm's newer ViT options, any valid combination (token pooling keeps the class token).
    public static func vitOptions(_ r: inout SeededGenerator) -> ViTOptions {
        var o = ViTOptions()
        o.globalPool = ViTPool.allCases[r.int(0...ViTPool.allCases.count - 1)]
        o.classToken = o.globalPool == .token || r.bool()
        o.regTokens = r.int(0...2)
        o.noEmbedClass = r.bool()
        o.positionEmbedding = r.bool()
        o.preNorm = r.bool()
        o.finalNorm = r.bool()
        o.fcNorm = [nil, true, false][r.int(0...2)]
        o.poolIncludePrefix = r.bool()
        o.qkNorm = r.bool()
        o.initValues = [nil, 0.1, 0][r.int(0...2)]
        o.projBias = r.bool()
        o.scaleAttnNorm = r.bool()
        o.scaleMlpNorm = r.bool()
        o.activation = ViTOptions.activations[r.int(0...ViTOptions.activations.count - 1)]
        return o
    }

    public static func make(_ r: inout SeededGenerator) -> ModelSpec {
        let heads = r.int(1...3)
        let classes = [0, 10][r.int(0...1)]
        switch r.int(0...4) {
        case 0:
            let patch = r.int(2...8)
            var config = ViTConfig(
                patchSize: patch, embedDim: heads * 8 * r.int(1...2), depth: r.int(1...2), numHeads: heads,
                mlpRatio: [2, 4, 1.5][r.int(0...2)], qkvBias: r.bool(), distilled: r.bool())
            if !config.distilled && r.bool() { config.options = vitOptions(&r) }
            return ModelSpec(name: "random_vit", reference: "", imageSize: ImageSize(32), numClasses: classes, config: .vit(config))
        case 1:
            let stages = r.int(1...3)
            // Each stage's width (base_dims × heads) is a multiple of the previous one, as PiT's pooling needs.
            let base = 4 * r.int(1...2)
            var heads = [r.int(1...2)]
            while heads.count < stages { heads.append(heads[heads.count - 1] * r.int(1...2)) }
            let config = PiTConfig(
                patchSize: r.int(3...8), stride: r.int(2...4), baseDims: Array(repeating: base, count: stages),
                depth: (0..<stages).map { _ in r.int(1...2) }, heads: heads,
                mlpRatio: 2, distilled: r.bool())
            return ModelSpec(name: "random_pit", reference: "", imageSize: ImageSize(32), numClasses: classes, config: .pit(config))
        case 2:
            let config = T2TViTConfig(
                tokensType: r.bool() ? .performer : .transformer, embedDim: heads * 8, depth: r.int(1...2),
                numHeads: heads, mlpRatio: 2, tokenDim: 8 * r.int(1...2), kernelRatio: 0.5)
            return ModelSpec(name: "random_t2t", reference: "", imageSize: ImageSize(32), numClasses: classes, config: .t2tViT(config))
        case 3:
            let count = r.int(1...3)
            let stages = (0..<count).map { index in
                CvTStage(
                    patchSize: 3, patchStride: r.int(1...2), patchPadding: 1, dimEmbed: heads * 4 * r.int(1...2), numHeads: heads,
                    depth: r.int(1...2), qkvBias: r.bool(), clsToken: index == count - 1 && r.bool(), strideKV: r.int(1...2))
            }
            return ModelSpec(
                name: "random_cvt", reference: "", imageSize: ImageSize(32), numClasses: classes, config: .cvt(CvTConfig(stages: stages)))
        default:
            let layers = (0..<r.int(1...4)).map { _ in r.int(1...2) }
            let config = ResNetConfig(layers: layers, channels: layers.map { _ in 2 * r.int(1...4) })
            return ModelSpec(name: "random_resnet", reference: "", imageSize: ImageSize(32), numClasses: classes, config: .resnet(config))
        }
    }

    /// A tiny random Swin at a size whose every stage is whole windows: the first grid is
    /// `window · 2^(stages−1) · m`, so the last stage is `m` windows across (one window, and then
    /// the whole grid, for m = 1).
    public static func swin(_ r: inout SeededGenerator) -> ModelSpec {
        let stages = r.int(2...3), window = r.int(2...3), patch = r.int(2...4), heads = r.int(1...2)
        let grid = window << (stages - 1) * r.int(1...2)
        let config = SwinConfig(
            patchSize: patch, embedDim: heads * 4 * r.int(1...2), depths: (0..<stages).map { _ in r.int(1...2) },
            numHeads: (0..<stages).map { heads << min($0, 1) }, windowSize: Array(repeating: window, count: stages),
            mlpRatio: 2, qkvBias: r.bool())
        return ModelSpec(
            name: "random_swin", reference: "", imageSize: ImageSize(grid * patch), numClasses: [0, 10][r.int(0...1)],
            config: .swin(config))
    }
}
