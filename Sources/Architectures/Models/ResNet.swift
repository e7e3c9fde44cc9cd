import ArchGraph
import SizeAlgebra

extension GraphBuilder {
    /// timm's / torchvision's bottleneck ResNet (v1.5: the stride sits on the 3×3 conv):
    /// 7×7/2 stem conv, BatchNorm, ReLU, 3×3/2 max pool, four stages of bottlenecks with 4×
    /// expansion, global average pool, linear classifier.
    func buildResNet(_ c: ResNetConfig, inChannels: Int, numClasses: Int) throws {
        let stem = ResNetConfig.stemWidth
        var gridH = Window(kernel: 7, stride: 2, padding: 3).outputHeight(height)
        var gridW = Window(kernel: 7, stride: 2, padding: 3).outputWidth(width)
        let pool = Window(kernel: 3, stride: 2, padding: 1)
        var x = try stage(
            StageInfo(
                name: "stem", kind: .conv, grid: [pool.outputHeight(gridH), pool.outputWidth(gridW)],
                channels: stem), module: nil
        ) {
            let image = try add(.input(channels: inChannels), name: "image")
            let conv = try add(
                .conv2d(Conv2d(inChannels, stem, Window(kernel: 7, stride: 2, padding: 3), bias: false)),
                [image], name: "conv1", reference: .module("conv1"))
            let bn = try add(.batchNorm(channels: stem, eps: 1e-5), [conv], name: "bn1", reference: .module("bn1"))
            let act = try add(.activation(.relu), [bn], name: "act1")
            return try add(.maxPool2d(pool), [act], name: "maxpool")
        }
        (gridH, gridW) = (pool.outputHeight(gridH), pool.outputWidth(gridW))
        var inChannels = stem
        for (index, blocks) in c.layers.enumerated() {
            let planes = c.channels[index]
            let stride = index == 0 ? 1 : 2
            let down = Window(kernel: 3, stride: stride, padding: 1)
            (gridH, gridW) = (down.outputHeight(gridH), down.outputWidth(gridW))
            x = try stage(
                StageInfo(
                    name: "layer\(index + 1)", kind: .conv, grid: [gridH, gridW], channels: planes * 4,
                    depth: blocks), module: "layer\(index + 1)"
            ) {
                var x = x
                for block in 0..<blocks {
                    x = try self.block("block\(block)", module: "\(block)") {
                        try bottleneck(x, inChannels: inChannels, planes: planes, stride: block == 0 ? stride : 1)
                    }
                    inChannels = planes * 4
                }
                return x
            }
        }
        try stage(StageInfo(name: "head", kind: .head, channels: inChannels), module: nil) {
            let pooled = try add(.globalAveragePool, [x], name: "global_pool")
            if numClasses > 0 {
                try add(.linear(Linear(inChannels, numClasses, bias: true)), [pooled], name: "fc", reference: .module("fc"))
            }
        }
    }

    private func bottleneck(_ x: Value, inChannels: Int, planes: Int, stride: Int) throws -> Value {
        let out = planes * 4
        func convBN(_ input: Value, _ cin: Int, _ cout: Int, _ window: Window, _ index: String) throws -> Value {
            let conv = try add(
                .conv2d(Conv2d(cin, cout, window, bias: false)), [input], name: "conv\(index)",
                reference: .module("conv\(index)"))
            return try add(.batchNorm(channels: cout, eps: 1e-5), [conv], name: "bn\(index)", reference: .module("bn\(index)"))
        }
        let a = try add(.activation(.relu), [try convBN(x, inChannels, planes, Window(kernel: 1, stride: 1), "1")], name: "act1")
        let b = try add(
            .activation(.relu), [try convBN(a, planes, planes, Window(kernel: 3, stride: stride, padding: 1), "2")],
            name: "act2")
        let c = try convBN(b, planes, out, Window(kernel: 1, stride: 1), "3")
        var shortcut = x
        if stride != 1 || inChannels != out {
            shortcut = try scope("downsample", module: "downsample") {
                let conv = try add(
                    .conv2d(Conv2d(inChannels, out, Window(kernel: 1, stride: stride), bias: false)), [x], name: "0",
                    reference: .module("0"))
                return try add(.batchNorm(channels: out, eps: 1e-5), [conv], name: "1", reference: .module("1"))
            }
        }
        let sum = try add(.add, [c, shortcut], name: "residual")
        return try add(.activation(.relu), [sum], name: "act3")
    }
}
