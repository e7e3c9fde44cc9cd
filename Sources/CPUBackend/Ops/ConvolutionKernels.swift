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
