import ArchGraph

// conv2d and unfold: the sliding-window ops. Output sizes come from `Window.outputSize`, the
// analysis's own definition.

extension NaiveKernels {
    func conv2d(
        _ x: Tensor, weight: Tensor, bias: Tensor?, _ conv: Conv2d, threads: Int,
        _ counters: inout Counters
    ) -> Tensor {
        let (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        let w = conv.window
        let (outH, outW) = w.outputSize(height: height, width: width)
        let groups = conv.groups, inPerGroup = conv.inChannels / groups, outPerGroup = conv.outChannels / groups
        let out = Tensor(zeros: [batch, conv.outChannels, outH, outW])
        for b in 0..<batch {
            for oc in 0..<conv.outChannels {
                let g = oc / outPerGroup
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        var sum: Float = bias?.data[oc] ?? 0
                        for ic in 0..<inPerGroup {
                            for ky in 0..<w.kernelHeight {
                                for kx in 0..<w.kernelWidth {
                                    counters.macs += 1
                                    let iy = oy * w.strideHeight - w.paddingHeight + ky
                                    let ix = ox * w.strideWidth - w.paddingWidth + kx
                                    guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                    let input = x.data[((b * conv.inChannels + g * inPerGroup + ic) * height + iy) * width + ix]
                                    sum += input * weight.data[((oc * inPerGroup + ic) * w.kernelHeight + ky) * w.kernelWidth + kx]
                                }
                            }
                        }
                        out.data[((b * conv.outChannels + oc) * outH + oy) * outW + ox] = sum
                    }
                }
            }
        }
        return out
    }

    func unfold(_ x: Tensor, _ window: Window) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outH, outW) = window.outputSize(height: height, width: width)
        let (kh, kw) = window.kernel
        let features = channels * kh * kw
        let out = Tensor(zeros: [batch, outH * outW, features])
        for b in 0..<batch {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    for c in 0..<channels {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * window.strideHeight - window.paddingHeight + ky
                                let ix = ox * window.strideWidth - window.paddingWidth + kx
                                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                let token = oy * outW + ox, feature = (c * kh + ky) * kw + kx
                                out.data[(b * outH * outW + token) * features + feature] =
                                    x.data[((b * channels + c) * height + iy) * width + ix]
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

extension OptimizedKernels {
    /// im2col and the GEMM per image and group (the GEMM counts the tiles it ran), or direct
    /// loops for depthwise convs; a 1×1 stride-1 conv multiplies the image in place.
    func conv2d(
        _ x: Tensor, weight: Tensor, bias: Tensor?, _ conv: Conv2d, threads: Int,
        _ counters: inout Counters
    ) -> Tensor {
        let (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        let w = conv.window
        let (outH, outW) = w.outputSize(height: height, width: width)
        let groups = conv.groups, inPerGroup = conv.inChannels / groups, outPerGroup = conv.outChannels / groups
        let out = Tensor(uninitialized: [batch, conv.outChannels, outH, outW])
        if inPerGroup == 1 {
            counters.macs += depthwise(x, weight: weight, bias: bias, conv, out: out, threads: threads)
            return out
        }
        let pixels = outH * outW, depth = inPerGroup * w.kernelHeight * w.kernelWidth
        let direct =
            w.kernelHeight == 1 && w.kernelWidth == 1 && w.strideHeight == 1 && w.strideWidth == 1
            && w.paddingHeight == 0 && w.paddingWidth == 0
        let columns = direct ? nil : Tensor(zeros: [depth, pixels])
        for b in 0..<batch {
            for g in 0..<groups {
                let image = x.data + (b * conv.inChannels + g * inPerGroup) * height * width
                var operand = UnsafePointer(image)
                if let columns {
                    // (Cin/g · kh · kw, H'·W') columns, one row per kernel tap.
                    Im2col.fill(
                        image, channels: inPerGroup, height: height, width: width, window: w,
                        into: columns.data, featureStride: pixels, pixelStride: 1, threads: threads)
                    operand = UnsafePointer(columns.data)
                }
                // (Cout/g, depth) · (depth, H'·W')
                let target = out.data + (b * conv.outChannels + g * outPerGroup) * pixels
                counters.macs += GEMM.multiply(
                    m: outPerGroup, n: pixels, k: depth,
                    a: weight.data + g * outPerGroup * depth, aRowStride: depth, aColStride: 1,
                    b: operand, bRowStride: pixels, bColStride: 1, c: target, cRowStride: pixels,
                    threads: threads, fault: b == 0 && g == 0 ? fault : nil)
                if let bias {
                    for oc in 0..<outPerGroup {
                        let value = bias.data[g * outPerGroup + oc], row = target + oc * pixels
                        for p in 0..<pixels { row[p] += value }
                    }
                }
            }
        }
        return out
    }

    /// One input channel per group (depthwise, possibly with a channel multiplier): direct loops,
    /// with the bounds checks hoisted out of the interior.
    /// - Returns: the MACs of the windows visited, `kh · kw` per output (padding included, as
    ///   the cost model counts it).
    private func depthwise(_ x: Tensor, weight: Tensor, bias: Tensor?, _ conv: Conv2d, out: Tensor, threads: Int) -> Int {
        let (height, width) = (x.shape[2], x.shape[3])
        let w = conv.window
        let (outH, outW) = (out.shape[2], out.shape[3])
        let multiplier = conv.outChannels / conv.groups
        let (kh, kw) = w.kernel
        let planes = out.shape[0] * conv.outChannels
        return Parallel.sum(count: planes, threads: threads) { plane in
            let oc = plane % conv.outChannels, b = plane / conv.outChannels
            let input = x.data + (b * conv.inChannels + oc / multiplier) * height * width
            let kernel = weight.data + oc * kh * kw
            let target = out.data + plane * outH * outW
            let offset = bias?.data[oc] ?? 0
            var visited = 0
            for _ in 0..<(plane == 0 ? fault?.runs ?? 1 : 1) {
                for oy in 0..<outH {
                    let y0 = oy * w.strideHeight - w.paddingHeight
                    for ox in 0..<outW {
                        let x0 = ox * w.strideWidth - w.paddingWidth
                        var sum = offset
                        for ky in max(0, -y0)..<min(kh, height - y0) {
                            let row = input + (y0 + ky) * width
                            for kx in max(0, -x0)..<min(kw, width - x0) { sum += row[x0 + kx] * kernel[ky * kw + kx] }
                        }
                        target[oy * outW + ox] = sum
                    }
                    visited += outW * kh * kw
                }
            }
            return visited
        }
    }

    func unfold(_ x: Tensor, _ window: Window) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outH, outW) = window.outputSize(height: height, width: width)
        let features = channels * window.kernelHeight * window.kernelWidth
        let out = Tensor(uninitialized: [batch, outH * outW, features])
        for b in 0..<batch {
            // (L, C·kh·kw): one row per output position.
            Im2col.fill(
                x.data + b * channels * height * width, channels: channels, height: height, width: width,
                window: window, into: out.data + b * outH * outW * features, featureStride: 1,
                pixelStride: features, threads: 1)
        }
        return out
    }
}

/// Sliding-window patches of one image, written with arbitrary strides so that conv (features
/// as rows) and unfold (pixels as rows) share it. Padding reads as zero.
enum Im2col {
    static func fill(
        _ image: UnsafePointer<Float>, channels: Int, height: Int, width: Int, window w: Window,
        into out: UnsafeMutablePointer<Float>, featureStride: Int, pixelStride: Int, threads: Int
    ) {
        let (outH, outW) = w.outputSize(height: height, width: width)
        let (kh, kw) = w.kernel
        Parallel.forEach(count: channels, threads: threads) { c in
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let feature = (c * kh + ky) * kw + kx
                    for oy in 0..<outH {
                        let iy = oy * w.strideHeight - w.paddingHeight + ky
                        let rowBase = out + feature * featureStride + oy * outW * pixelStride
                        guard iy >= 0, iy < height else {
                            for ox in 0..<outW { rowBase[ox * pixelStride] = 0 }
                            continue
                        }
                        let source = image + (c * height + iy) * width
                        for ox in 0..<outW {
                            let ix = ox * w.strideWidth - w.paddingWidth + kx
                            rowBase[ox * pixelStride] = ix >= 0 && ix < width ? source[ix] : 0
                        }
                    }
                }
            }
        }
    }
}

// Backward of conv2d and unfold. x `(B, Cin, H, W)`, g `(B, Cout, H', W')` (conv) or
// `(B, L, C·kh·kw)` (unfold).

extension Keeps {
    /// A conv keeps its input (the weight gradient reads it; the image counts nothing); its
    /// weight is a parameter.
    static let conv2d: [Keep] = [.input]
    /// Unfold keeps nothing but sizes.
    static let unfold: [Keep] = []
}

extension NaiveKernels {
    /// The forward's loops once per gradient: every tap of every output, padding taps included
    /// (as the forward counts them), scattered into the input's gradient or reduced into the
    /// weight's.
    func conv2dBackward(
        _ g: Tensor, input x: Tensor, weight: Tensor, _ conv: Conv2d, needs: GradientNeeds, threads: Int,
        _ counters: inout BackwardCounters
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        let w = conv.window
        let (outH, outW) = (g.shape[2], g.shape[3])
        let inPerGroup = conv.inChannels / conv.groups, outPerGroup = conv.outChannels / conv.groups
        let dx = needs.input(0) ? Tensor(zeros: x.shape) : nil
        let dw = needs.parameters ? Tensor(zeros: weight.shape) : nil
        let db = needs.parameters && conv.bias ? Tensor(zeros: [conv.outChannels]) : nil
        for b in 0..<batch {
            for oc in 0..<conv.outChannels {
                let group = oc / outPerGroup
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        let gradient = g.data[((b * conv.outChannels + oc) * outH + oy) * outW + ox]
                        if let db {
                            db.data[oc] += gradient
                            counters.elementwise += 1
                        }
                        for ic in 0..<inPerGroup {
                            for ky in 0..<w.kernelHeight {
                                for kx in 0..<w.kernelWidth {
                                    if dx != nil { counters.inputGradientMacs += 1 }
                                    if dw != nil { counters.weightGradientMacs += 1 }
                                    let iy = oy * w.strideHeight - w.paddingHeight + ky
                                    let ix = ox * w.strideWidth - w.paddingWidth + kx
                                    guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                    let input = ((b * conv.inChannels + group * inPerGroup + ic) * height + iy) * width + ix
                                    let tap = ((oc * inPerGroup + ic) * w.kernelHeight + ky) * w.kernelWidth + kx
                                    dx?.data[input] += gradient * weight.data[tap]
                                    dw?.data[tap] += gradient * x.data[input]
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dw, db)
    }

    func unfoldBackward(_ g: Tensor, _ window: Window, inputShape shape: [Int], _ counters: inout BackwardCounters) -> Tensor {
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let (outH, outW) = window.outputSize(height: height, width: width)
        let (kh, kw) = window.kernel
        let features = channels * kh * kw
        let dx = Tensor(zeros: shape)
        for b in 0..<batch {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    for c in 0..<channels {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                counters.elementwise += 1
                                let iy = oy * window.strideHeight - window.paddingHeight + ky
                                let ix = ox * window.strideWidth - window.paddingWidth + kx
                                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                let token = oy * outW + ox, feature = (c * kh + ky) * kw + kx
                                dx.data[((b * channels + c) * height + iy) * width + ix] +=
                                    g.data[(b * outH * outW + token) * features + feature]
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}

extension OptimizedKernels {
    /// Per image and group: the weight gradient `G·colsᵀ` (accumulated over the batch) and the
    /// columns' gradient `Wᵀ·G` folded back onto the image (col2im), both GEMMs counting the
    /// tiles they ran; a 1×1 stride-1 conv reads and writes the image in place; depthwise convs
    /// run direct loops.
    func conv2dBackward(
        _ g: Tensor, input x: Tensor, weight: Tensor, _ conv: Conv2d, needs: GradientNeeds, threads: Int,
        _ counters: inout BackwardCounters
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        let w = conv.window
        let (outH, outW) = (g.shape[2], g.shape[3])
        let groups = conv.groups, inPerGroup = conv.inChannels / groups, outPerGroup = conv.outChannels / groups
        let pixels = outH * outW
        var db: Tensor? = nil
        if needs.parameters && conv.bias {
            let sums = Tensor(uninitialized: [conv.outChannels])
            for oc in 0..<conv.outChannels {
                var total: Float = 0
                for b in 0..<batch { total += Rows.sum(g.data + (b * conv.outChannels + oc) * pixels, pixels) }
                sums.data[oc] = total
                counters.elementwise += batch * pixels
            }
            db = sums
        }
        if inPerGroup == 1 {
            let (dx, dw) = depthwiseBackward(g, input: x, weight: weight, conv, needs: needs, threads: threads, &counters)
            return (dx, dw, db)
        }
        let depth = inPerGroup * w.kernelHeight * w.kernelWidth
        let direct =
            w.kernelHeight == 1 && w.kernelWidth == 1 && w.strideHeight == 1 && w.strideWidth == 1
            && w.paddingHeight == 0 && w.paddingWidth == 0
        let dx = needs.input(0) ? Tensor(zeros: x.shape) : nil
        let dw = needs.parameters ? Tensor(zeros: weight.shape) : nil
        let columns = direct ? nil : Tensor(uninitialized: [depth, pixels])
        for b in 0..<batch {
            for group in 0..<groups {
                let image = x.data + (b * conv.inChannels + group * inPerGroup) * height * width
                let gradient = g.data + (b * conv.outChannels + group * outPerGroup) * pixels
                let kernel = weight.data + group * outPerGroup * depth
                if let dw {
                    var operand = UnsafePointer(image)
                    if let columns {
                        Im2col.fill(
                            image, channels: inPerGroup, height: height, width: width, window: w,
                            into: columns.data, featureStride: pixels, pixelStride: 1, threads: threads)
                        operand = UnsafePointer(columns.data)
                    }
                    // (Cout/g, H'·W') · (H'·W', depth): the columns read transposed.
                    counters.weightGradientMacs += GEMM.multiply(
                        m: outPerGroup, n: depth, k: pixels, a: gradient, aRowStride: pixels, aColStride: 1,
                        b: operand, bRowStride: 1, bColStride: pixels, c: dw.data + group * outPerGroup * depth,
                        cRowStride: depth, accumulate: b > 0, threads: threads)
                }
                if let dx {
                    let target = dx.data + (b * conv.inChannels + group * inPerGroup) * height * width
                    // (depth, Cout/g) · (Cout/g, H'·W'): the kernel read transposed.
                    let product = columns?.data ?? target
                    counters.inputGradientMacs += GEMM.multiply(
                        m: depth, n: pixels, k: outPerGroup, a: kernel, aRowStride: 1, aColStride: depth,
                        b: gradient, bRowStride: pixels, bColStride: 1, c: product, cRowStride: pixels, threads: threads)
                    if columns != nil {
                        Im2col.accumulate(
                            product, channels: inPerGroup, height: height, width: width, window: w, into: target,
                            featureStride: pixels, pixelStride: 1, threads: threads)
                    }
                }
            }
        }
        return (dx, dw, db)
    }

    /// Depthwise convs' gradients by direct loops: the input's per input channel (its
    /// multiplier's output channels in turn), the kernel's per output channel over the batch.
    /// - Returns: the gradients; the MACs are `kh · kw` per output per gradient, as the forward.
    private func depthwiseBackward(
        _ g: Tensor, input x: Tensor, weight: Tensor, _ conv: Conv2d, needs: GradientNeeds, threads: Int,
        _ counters: inout BackwardCounters
    ) -> (Tensor?, Tensor?) {
        let (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        let w = conv.window
        let (outH, outW) = (g.shape[2], g.shape[3])
        let multiplier = conv.outChannels / conv.groups
        let (kh, kw) = w.kernel
        /// Runs `tap(input offset, kernel tap, output gradient)` over one output plane's windows.
        /// - Returns: the taps visited, padding included.
        func sweep(_ body: (Int, Int, Int) -> Void) -> Int {
            var visited = 0
            for oy in 0..<outH {
                let y0 = oy * w.strideHeight - w.paddingHeight
                for ox in 0..<outW {
                    let x0 = ox * w.strideWidth - w.paddingWidth
                    for ky in max(0, -y0)..<min(kh, height - y0) {
                        for kx in max(0, -x0)..<min(kw, width - x0) { body((y0 + ky) * width + x0 + kx, ky * kw + kx, oy * outW + ox) }
                    }
                }
                visited += outW * kh * kw
            }
            return visited
        }
        var dx: Tensor? = nil, dw: Tensor? = nil
        if needs.input(0) {
            let grad = Tensor(zeros: x.shape)
            counters.inputGradientMacs += Parallel.sum(count: batch * conv.inChannels, threads: threads) { plane in
                let (b, ic) = (plane / conv.inChannels, plane % conv.inChannels)
                let target = grad.data + plane * height * width
                var visited = 0
                for oc in (ic * multiplier)..<((ic + 1) * multiplier) {
                    let source = g.data + (b * conv.outChannels + oc) * outH * outW, kernel = weight.data + oc * kh * kw
                    visited += sweep { input, tap, output in target[input] += source[output] * kernel[tap] }
                }
                return visited
            }
            dx = grad
        }
        if needs.parameters {
            let grad = Tensor(zeros: weight.shape)
            counters.weightGradientMacs += Parallel.sum(count: conv.outChannels, threads: threads) { oc in
                let kernel = grad.data + oc * kh * kw
                var visited = 0
                for b in 0..<batch {
                    let source = g.data + (b * conv.outChannels + oc) * outH * outW
                    let image = x.data + (b * conv.inChannels + oc / multiplier) * height * width
                    visited += sweep { input, tap, output in kernel[tap] += source[output] * image[input] }
                }
                return visited
            }
            dw = grad
        }
        return (dx, dw)
    }

    /// Each image's patch gradients added back onto it (col2im with pixels as rows).
    func unfoldBackward(_ g: Tensor, _ window: Window, inputShape shape: [Int], _ counters: inout BackwardCounters) -> Tensor {
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let (outH, outW) = window.outputSize(height: height, width: width)
        let features = channels * window.kernelHeight * window.kernelWidth
        let dx = Tensor(zeros: shape)
        for b in 0..<batch {
            counters.elementwise += Im2col.accumulate(
                g.data + b * outH * outW * features, channels: channels, height: height, width: width, window: window,
                into: dx.data + b * channels * height * width, featureStride: 1, pixelStride: features, threads: 1)
        }
        return dx
    }
}

extension Im2col {
    /// The inverse of ``fill(_:channels:height:width:window:into:featureStride:pixelStride:threads:)``
    /// (col2im): every column element added to the image position it was read from; padding
    /// taps are dropped. Channels run in parallel (each writes only its own plane).
    /// - Returns: the column elements visited, padding taps included.
    @discardableResult
    static func accumulate(
        _ columns: UnsafePointer<Float>, channels: Int, height: Int, width: Int, window w: Window,
        into image: UnsafeMutablePointer<Float>, featureStride: Int, pixelStride: Int, threads: Int
    ) -> Int {
        let (outH, outW) = w.outputSize(height: height, width: width)
        let (kh, kw) = w.kernel
        return Parallel.sum(count: channels, threads: threads) { c in
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let feature = (c * kh + ky) * kw + kx
                    for oy in 0..<outH {
                        let iy = oy * w.strideHeight - w.paddingHeight + ky
                        guard iy >= 0, iy < height else { continue }
                        let rowBase = columns + feature * featureStride + oy * outW * pixelStride
                        let target = image + (c * height + iy) * width
                        for ox in 0..<outW {
                            let ix = ox * w.strideWidth - w.paddingWidth + kx
                            if ix >= 0 && ix < width { target[ix] += rowBase[ox * pixelStride] }
                        }
                    }
                }
            }
            return kh * kw * outH * outW
        }
    }
}
