import ArchGraph

// Swin's window ops: the layout moves (cyclic shift, window partition and merge, patch merging)
// and the two additions to window attention's scores (relative position bias, shifted-window
// mask). Tokens are `(B, h·w, C)`, grid row-major; windows `(B·nW, w·w, C)`.

extension Layout {
    /// `(B, h·w, C)` with the grid rolled by `shift` along both axes: output `(y, x)` is input
    /// `((y − shift) mod h, (x − shift) mod w)`, as `torch.roll`.
    static func roll(_ x: Tensor, height: Int, width: Int, shift: Int) -> Tensor {
        let (batch, channels) = (x.shape[0], x.shape[2])
        let out = Tensor(uninitialized: x.shape)
        for b in 0..<batch {
            for y in 0..<height {
                let sy = ((y - shift) % height + height) % height
                for ox in 0..<width {
                    let sx = ((ox - shift) % width + width) % width
                    (out.data + ((b * height + y) * width + ox) * channels)
                        .update(from: x.data + ((b * height + sy) * width + sx) * channels, count: channels)
                }
            }
        }
        return out
    }

    /// Grid position `(y, x)` of token `t` of window `index` (of an image's windows, row-major).
    @inline(__always)
    static func windowPosition(window index: Int, token t: Int, window: Int, windowsAcross: Int) -> (y: Int, x: Int) {
        (index / windowsAcross * window + t / window, index % windowsAcross * window + t % window)
    }

    /// `(B, h·w, C) → (B·nW, w·w, C)`, or back when `merge`.
    static func windows(_ x: Tensor, batch: Int, height: Int, width: Int, window: Int, merge: Bool) -> Tensor {
        let channels = x.shape[2], across = width / window, perImage = (height / window) * across, area = window * window
        let out = Tensor(uninitialized: merge ? [batch, height * width, channels] : [batch * perImage, area, channels])
        for b in 0..<batch {
            for w in 0..<perImage {
                for t in 0..<area {
                    let (y, gx) = windowPosition(window: w, token: t, window: window, windowsAcross: across)
                    let grid = ((b * height + y) * width + gx) * channels, windowed = ((b * perImage + w) * area + t) * channels
                    if merge {
                        (out.data + grid).update(from: x.data + windowed, count: channels)
                    } else {
                        (out.data + windowed).update(from: x.data + grid, count: channels)
                    }
                }
            }
        }
        return out
    }

    /// `(B, h·w, C) → (B, (h/2)·(w/2), 4C)`: the 2×2 neighbourhood of each output token, row
    /// offset fastest: `(0,0), (1,0), (0,1), (1,1)`.
    static func patchMerge(_ x: Tensor, height: Int, width: Int) -> Tensor {
        let (batch, channels) = (x.shape[0], x.shape[2])
        let (outH, outW) = (height / 2, width / 2)
        let out = Tensor(uninitialized: [batch, outH * outW, 4 * channels])
        for b in 0..<batch {
            for y in 0..<outH {
                for ox in 0..<outW {
                    let target = out.data + ((b * outH + y) * outW + ox) * 4 * channels
                    for (part, (dy, dx)) in [(0, 0), (1, 0), (0, 1), (1, 1)].enumerated() {
                        let source = x.data + ((b * height + 2 * y + dy) * width + 2 * ox + dx) * channels
                        (target + part * channels).update(from: source, count: channels)
                    }
                }
            }
        }
        return out
    }

    /// The index into the `(2w−1)²`-row bias table of query `i` and key `j` of a window.
    @inline(__always)
    static func relativeOffset(_ i: Int, _ j: Int, window: Int) -> Int {
        (i / window - j / window + window - 1) * (2 * window - 1) + (i % window - j % window + window - 1)
    }

    /// The region (0–8) of grid position `(y, x)` of the shifted grid: timm's mask labels.
    @inline(__always)
    static func region(y: Int, x: Int, height: Int, width: Int, window: Int, shift: Int) -> Int {
        func band(_ c: Int, _ size: Int) -> Int { c < size - window ? 0 : c < size - shift ? 1 : 2 }
        return band(y, height) * 3 + band(x, width)
    }
}

extension NaiveKernels {
    func relativePositionBias(_ scores: Tensor, table: Tensor, window: Int, _ counters: inout Counters) -> Tensor {
        let (planes, heads, area) = (scores.shape[0], scores.shape[1], scores.shape[2])
        let out = Tensor(zeros: scores.shape)
        for p in 0..<planes {
            for h in 0..<heads {
                for i in 0..<area {
                    for j in 0..<area {
                        let index = ((p * heads + h) * area + i) * area + j
                        out.data[index] = scores.data[index] + table.data[Layout.relativeOffset(i, j, window: window) * heads + h]
                        counters.elementwise += 1
                    }
                }
            }
        }
        return out
    }

    func windowMask(_ scores: Tensor, height: Int, width: Int, window: Int, shift: Int, _ counters: inout Counters) -> Tensor {
        let (planes, heads, area) = (scores.shape[0], scores.shape[1], scores.shape[2])
        let across = width / window, perImage = (height / window) * across
        let out = Tensor(zeros: scores.shape)
        for p in 0..<planes {
            let w = p % perImage
            for h in 0..<heads {
                for i in 0..<area {
                    let a = Layout.windowPosition(window: w, token: i, window: window, windowsAcross: across)
                    for j in 0..<area {
                        let b = Layout.windowPosition(window: w, token: j, window: window, windowsAcross: across)
                        let same =
                            Layout.region(y: a.y, x: a.x, height: height, width: width, window: window, shift: shift)
                            == Layout.region(y: b.y, x: b.x, height: height, width: width, window: window, shift: shift)
                        let index = ((p * heads + h) * area + i) * area + j
                        out.data[index] = scores.data[index] + (same ? 0 : -100)
                        counters.elementwise += 1
                    }
                }
            }
        }
        return out
    }
}

extension OptimizedKernels {
    /// The bias of every head expanded once to `(h, w², w²)`, then added plane by plane.
    func relativePositionBias(_ scores: Tensor, table: Tensor, window: Int, _ counters: inout Counters) -> Tensor {
        let (planes, heads, area) = (scores.shape[0], scores.shape[1], scores.shape[2])
        let bias = Tensor(uninitialized: [heads, area, area])
        for h in 0..<heads {
            for i in 0..<area {
                for j in 0..<area {
                    bias.data[(h * area + i) * area + j] = table.data[Layout.relativeOffset(i, j, window: window) * heads + h]
                }
            }
        }
        let out = Tensor(uninitialized: scores.shape), plane = heads * area * area
        for p in 0..<planes {
            counters.elementwise += Rows.zip(scores.data + p * plane, bias.data, out.data + p * plane, count: plane, +)
        }
        return out
    }

    /// The mask of every window of an image built once as `(nW, w², w²)`, then added to each
    /// window's heads.
    func windowMask(_ scores: Tensor, height: Int, width: Int, window: Int, shift: Int, _ counters: inout Counters) -> Tensor {
        let (planes, heads, area) = (scores.shape[0], scores.shape[1], scores.shape[2])
        let across = width / window, perImage = (height / window) * across
        let mask = Tensor(uninitialized: [perImage, area, area])
        for w in 0..<perImage {
            let regions = (0..<area).map { t in
                let (y, x) = Layout.windowPosition(window: w, token: t, window: window, windowsAcross: across)
                return Layout.region(y: y, x: x, height: height, width: width, window: window, shift: shift)
            }
            for i in 0..<area {
                for j in 0..<area { mask.data[(w * area + i) * area + j] = regions[i] == regions[j] ? 0 : -100 }
            }
        }
        let out = Tensor(uninitialized: scores.shape), square = area * area
        for p in 0..<planes {
            let windowMask = mask.data + (p % perImage) * square
            for h in 0..<heads {
                let offset = (p * heads + h) * square
                counters.elementwise += Rows.zip(scores.data + offset, windowMask, out.data + offset, count: square, +)
            }
        }
        return out
    }
}

// Backward. The layout moves run backwards (roll by −shift, merge for partition and back, the
// 2×2 neighbourhoods split out again), the mask passes the gradient on, and the bias table's
// gradient gathers the output gradient at each offset.

extension Keeps {
    /// Swin's window ops keep nothing (the bias index and the mask are fixed).
    static let windows: [Keep] = []
}

extension Layout {
    /// The inverse of ``patchMerge(_:height:width:)``: `(B, (h/2)·(w/2), 4C) → (B, h·w, C)`.
    static func patchSplit(_ g: Tensor, height: Int, width: Int) -> Tensor {
        let (batch, channels) = (g.shape[0], g.shape[2] / 4)
        let (outH, outW) = (height / 2, width / 2)
        let dx = Tensor(uninitialized: [batch, height * width, channels])
        for b in 0..<batch {
            for y in 0..<outH {
                for ox in 0..<outW {
                    let source = g.data + ((b * outH + y) * outW + ox) * 4 * channels
                    for (part, (dy, dx0)) in [(0, 0), (1, 0), (0, 1), (1, 1)].enumerated() {
                        (dx.data + ((b * height + 2 * y + dy) * width + 2 * ox + dx0) * channels)
                            .update(from: source + part * channels, count: channels)
                    }
                }
            }
        }
        return dx
    }
}

extension NaiveKernels {
    func relativePositionBiasBackward(
        _ g: Tensor, tableShape: [Int], window: Int, _ counters: inout BackwardCounters
    ) -> Tensor {
        let (planes, heads, area) = (g.shape[0], g.shape[1], g.shape[2])
        let table = Tensor(zeros: tableShape)
        for p in 0..<planes {
            for h in 0..<heads {
                for i in 0..<area {
                    for j in 0..<area {
                        table.data[Layout.relativeOffset(i, j, window: window) * heads + h] +=
                            g.data[((p * heads + h) * area + i) * area + j]
                        counters.elementwise += 1
                    }
                }
            }
        }
        return table
    }
}

extension OptimizedKernels {
    /// The planes summed 16 lanes at a time into one `(h, w², w²)` plane, then that plane
    /// gathered into the table.
    func relativePositionBiasBackward(
        _ g: Tensor, tableShape: [Int], window: Int, _ counters: inout BackwardCounters
    ) -> Tensor {
        let (planes, heads, area) = (g.shape[0], g.shape[1], g.shape[2])
        let plane = heads * area * area
        let sum = Tensor(zeros: [heads, area, area])
        for p in 0..<planes { counters.elementwise += Rows.zip(sum.data, g.data + p * plane, sum.data, count: plane, +) }
        let table = Tensor(zeros: tableShape)
        for h in 0..<heads {
            for i in 0..<area {
                for j in 0..<area {
                    table.data[Layout.relativeOffset(i, j, window: window) * heads + h] += sum.data[(h * area + i) * area + j]
                }
            }
        }
        return table
    }
}
