/// A configuration vit-pytorch rejects when it builds the model, or one whose forward pass fails.
public struct VitPytorchIssue: Hashable, Sendable {
    /// The argument the issue is about: `image_size`, `patch_size`, `s2_proj_kernel`, …
    public let argument: String
    public let message: String
    public let fix: String?
}

extension VitPytorchConfig {
    /// The widest token or channel width a configuration may derive (T2T's unfolded width,
    /// PiT's last stage), so that no count can overflow while the graph is built.
    public static let maxDerivedWidth = 1 << 24

    /// What vit-pytorch 1.26.11 would do wrong with this configuration built for `imageSize`
    /// with `channels` input channels: assertions and errors at construction, and failures in
    /// the forward pass (each message says which).
    public func issues(imageSize: ImageSize, channels: Int) -> [VitPytorchIssue] {
        switch self {
        case .vit(let c): Self.vitIssues(c, imageSize)
        case .pit(let c): Self.pitIssues(c, imageSize)
        case .t2tViT(let c): Self.t2tIssues(c, imageSize, channels: channels)
        case .cvt(let c): Self.cvtIssues(c)
        }
    }

    private static func vitIssues(_ c: VitPytorchViT, _ size: ImageSize) -> [VitPytorchIssue] {
        guard c.patchHeight >= 1, c.patchWidth >= 1 else {
            return [VitPytorchIssue(argument: "patch_size", message: "must be at least 1", fix: nil)]
        }
        var sides: [String] = []
        if size.height % c.patchHeight != 0 { sides.append("height \(size.height) is not a multiple of \(c.patchHeight)") }
        if size.width % c.patchWidth != 0 { sides.append("width \(size.width) is not a multiple of \(c.patchWidth)") }
        guard !sides.isEmpty else { return [] }
        var fixes: [String] = []
        if size.height % c.patchHeight != 0 { fixes.append("height " + multiples(near: size.height, of: c.patchHeight)) }
        if size.width % c.patchWidth != 0 { fixes.append("width " + multiples(near: size.width, of: c.patchWidth)) }
        return [
            VitPytorchIssue(
                argument: "image_size",
                message: "vit-pytorch's ViT asserts at construction that the image divides into whole patches: "
                    + sides.joined(separator: " and "),
                fix: "use an image " + fixes.joined(separator: " and ") + ", or a patch_size that divides the image")
        ]
    }

    private static func pitIssues(_ c: VitPytorchPiT, _ size: ImageSize) -> [VitPytorchIssue] {
        var issues: [VitPytorchIssue] = []
        if size.height != size.width {
            issues.append(square("PiT", size))
        }
        if c.patchSize < 2 {
            issues.append(
                VitPytorchIssue(
                    argument: "patch_size",
                    message:
                        "patch_size \(c.patchSize) makes the unfold stride patch_size // 2 = 0, and vit-pytorch's PiT divides by it at construction (ZeroDivisionError)",
                    fix: "use a patch_size of at least 2"))
        } else if size.height % c.patchSize != 0 {
            issues.append(
                VitPytorchIssue(
                    argument: "image_size",
                    message:
                        "vit-pytorch's PiT asserts at construction that image_size % patch_size == 0: \(size.height) % \(c.patchSize) = \(size.height % c.patchSize)",
                    fix: "use an image_size " + multiples(near: size.height, of: c.patchSize)
                        + ", or a patch_size that divides \(size.height)"))
        }
        if c.depth.count > 1, c.dim > maxDerivedWidth >> min(c.depth.count - 1, 62) {
            issues.append(
                VitPytorchIssue(
                    argument: "dim",
                    message: "doubles at each of the \(c.depth.count - 1) pooling layers to more than \(maxDerivedWidth) channels",
                    fix: "use fewer stages or a smaller dim"))
        }
        return issues
    }

    private static func t2tIssues(_ c: VitPytorchT2TViT, _ size: ImageSize, channels: Int) -> [VitPytorchIssue] {
        var issues: [VitPytorchIssue] = []
        if size.height != size.width { issues.append(square("T2TViT", size)) }
        guard !c.t2tLayers.isEmpty else {
            return issues + [
                VitPytorchIssue(
                    argument: "t2t_layers",
                    message:
                        "is empty, so vit-pytorch's T2TViT applies its Linear(channels, dim) to the image itself, which fails in the forward pass",
                    fix: "give at least one (kernel_size, stride) pair, e.g. ((7, 4), (3, 2), (3, 2))")
            ]
        }
        var width = channels
        for layer in c.t2tLayers {
            guard layer.kernel >= 1, layer.stride >= 1 else {
                return issues + [VitPytorchIssue(argument: "t2t_layers", message: "kernel sizes and strides must be at least 1", fix: nil)]
            }
            let (square, overflow1) = layer.kernel.multipliedReportingOverflow(by: layer.kernel)
            let (product, overflow2) = width.multipliedReportingOverflow(by: square)
            guard !overflow1, !overflow2, product <= maxDerivedWidth else {
                return issues + [
                    VitPytorchIssue(
                        argument: "t2t_layers",
                        message: "unfolds tokens to more than \(maxDerivedWidth) features (channels × the squares of the kernel sizes)",
                        fix: "use smaller kernels or fewer layers")
                ]
            }
            width = product
        }
        let side = min(size.height, size.width)
        if let (index, grid) = t2tCollapse(c.t2tLayers, side: side) {
            let layer = c.t2tLayers[index]
            let minimum =
                side < Limits.maxImageSide
                ? (side...Limits.maxImageSide).first { t2tCollapse(c.t2tLayers, side: $0) == nil } : nil
            issues.append(
                VitPytorchIssue(
                    argument: "t2t_layers",
                    message:
                        "soft split \(index + 1) (kernel \(layer.kernel), stride \(layer.stride), padding \(layer.stride / 2)) leaves no tokens of the \(grid)×\(grid) grid at image size \(side), so nn.Unfold fails in the forward pass",
                    fix: minimum.map { "use an image_size of at least \($0)" } ?? "use smaller kernels"))
        }
        return issues
    }

    /// The first soft split that leaves no tokens at a `side × side` input, with the side of its input grid.
    private static func t2tCollapse(_ layers: [T2TLayer], side: Int) -> (Int, Int)? {
        var grid = side
        for (index, layer) in layers.enumerated() {
            let span = grid + 2 * (layer.stride / 2) - layer.kernel
            guard span >= 0 else { return (index, grid) }
            grid = span / layer.stride + 1
        }
        return nil
    }

    private static func cvtIssues(_ c: VitPytorchCvT) -> [VitPytorchIssue] {
        c.stages.enumerated().compactMap { index, stage in
            guard stage.projKernel % 2 == 0 else { return nil }
            let k = stage.projKernel
            return VitPytorchIssue(
                argument: "s\(index + 1)_proj_kernel",
                message:
                    "\(k) is even: the query projection (padding \(k) // 2 = \(k / 2), stride 1) turns an H×W grid into (H+1)×(W+1), which vit-pytorch cannot reshape back to the H×W grid, so the forward pass fails",
                fix: "use an odd kernel such as \(k - 1) or \(k + 1)")
        }
    }

    private static func square(_ name: String, _ size: ImageSize) -> VitPytorchIssue {
        VitPytorchIssue(
            argument: "image_size",
            message: "must be square: vit-pytorch's \(name) takes image_size as one int, found \(size)",
            fix: "use a single size such as \(min(size.height, size.width)) or \(max(size.height, size.width))")
    }

    /// `224 or 256`: the multiples of `step` just below and above `value` (at least `step`).
    private static func multiples(near value: Int, of step: Int) -> String {
        let below = value / step * step, above = below + step
        let options = (below >= step ? [below] : []) + (above <= Limits.maxImageSide ? [above] : [])
        return options.isEmpty
            ? "that is a multiple of \(step)"
            : "that is a multiple of \(step) such as " + options.map(String.init).joined(separator: " or ")
    }
}
