import Architectures
import CPUBackend
import Foundation

/// The fuzzer's generator: the package's seeded SplitMix64, so input `i` of seed `s` is the same
/// on every machine.
public typealias FuzzRandom = SeededGenerator

extension SeededGenerator {
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

/// What the fuzzer starts from: the committed spec files, vit-pytorch and timm calls, presets
/// and the safetensors fixtures with the specs of their models.
public struct FuzzSeeds: Sendable {
    public var specs: [String]
    public var calls: [String]
    /// `--timm` calls: registered names with arguments, and each class written out.
    public var timmCalls = [
        "create_model('vit_base_patch16_224', img_size=384, global_pool='avg', class_token=False)",
        "timm.create_model('vit_small_patch14_dinov2', num_classes=10)",
        "create_model('swin_tiny_patch4_window7_224', img_size=256, window_size=8)",
        "create_model('deit_tiny_distilled_patch16_224', drop_rate=0.1)",
        "VisionTransformer(img_size=32, patch_size=8, embed_dim=32, depth=1, num_heads=2, reg_tokens=2, init_values=1e-5, "
            + "qk_norm=True, global_pool='avgmax', act_layer='gelu_tanh')",
        "SwinTransformer(img_size=64, embed_dim=24, depths=(2, 2), num_heads=(2, 4), window_size=4, num_classes=10)",
        "PoolingVisionTransformer(img_size=64, base_dims=[8, 8], depth=[1, 1], heads=[1, 2], distilled=True)",
        "ResNet(Bottleneck, [1, 1, 1, 1], channels=(8, 16, 32, 64), num_classes=10)",
    ]
    public var presets: [String]
    /// Fixture bytes and the spec text of the model they hold.
    public var fixtures: [(bytes: [UInt8], spec: String)]

    /// Reads `specsFolder` (recursively, `*.json`) and the `*.safetensors` files of `fixturesFolder`.
    public init(specsFolder: URL, fixturesFolder: URL) {
        let manager = FileManager.default
        specs = ((try? manager.subpathsOfDirectory(atPath: specsFolder.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            .compactMap { manager.contents(atPath: specsFolder.appendingPathComponent($0).path) }
            .map { String(decoding: $0, as: UTF8.self) }
        let prefix = "vit-pytorch constructor call: "
        calls =
            VitPytorch.examples.flatMap { $0.notes.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } }
            + [
                "ViT(image_size=224, patch_size=16, num_classes=1000, dim=384, depth=12, heads=6, mlp_dim=1536)",
                "ViT(image_size=32, patch_size=8, num_classes=10, dim=16, depth=1, heads=2, mlp_dim=32, pool='mean')",
                "CvT(num_classes=10, s1_emb_dim=16, s2_emb_dim=32, s3_emb_dim=64, s3_depth=1)",
            ]
        presets = Zoo.names
        fixtures = ((try? manager.contentsOfDirectory(atPath: fixturesFolder.path)) ?? []).filter { $0.hasSuffix(".safetensors") }
            .sorted().compactMap { name -> (bytes: [UInt8], spec: String)? in
                guard let data = manager.contents(atPath: fixturesFolder.appendingPathComponent(name).path) else { return nil }
                let bytes = Array(data)
                guard let range = SafetensorsBytes.headerRange(bytes),
                    let header = (try? JSONSerialization.jsonObject(with: Data(bytes[range]))) as? [String: Any],
                    let spec = (header["__metadata__"] as? [String: String])?["spec"]
                else { return nil }
                return (bytes, spec)
            }
    }
}

/// Makes the `index`-th input of a seed: mutated specs, calls, option values and weight files.
public struct FuzzGenerator: Sendable {
    public let seeds: FuzzSeeds
    public let seed: UInt64

    public init(seeds: FuzzSeeds, seed: UInt64) {
        self.seeds = seeds
        self.seed = seed
    }

    /// Numbers that find edges: zero, signs, powers of two and their neighbours, the limits.
    static let numbers = [
        "0", "-1", "1", "2", "3", "7", "15", "16", "17", "64", "224", "1023", "65535", "65536", "65537", "1048576", "1048577",
        "2147483648", "4611686018427387904", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e308",
        "1e999", "-0", "0.5", "1.0000001", "NaN", "Infinity", "1e-320", "00", "+3", "0x10",
    ]
    static let strings = [
        "", "x", "vit", "pit", "cvt", "t2t_vit", "resnet", "vit_pytorch", "performer", "transformer", "\u{0}", "é", "cls",
    ]

    public func input(_ index: Int) -> FuzzCase {
        var random = FuzzRandom(seed: seed &* 0x1000_0000_01B3 &+ UInt64(index))
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<35: return specCase(&random)
        case 35..<50: return callCase(&random)
        case 50..<75: return optionCase(&random)
        default: return weightsCase(&random)
        }
    }

    // MARK: Specs and calls

    func specCase(_ random: inout FuzzRandom) -> FuzzCase {
        var text = random.pick(seeds.specs)
        for _ in 0..<Int.random(in: 1...4, using: &random) { text = mutate(text, &random) }
        let command = random.pick([
            ["analyze", "{spec}"], ["analyze", "{spec}", "--format", "json"], ["validate", "{spec}", "--format", "json"],
            ["validate", "{spec}"], ["formula", "{spec}"], ["sweep", "{spec}", "--image-sizes", "96:320:32"],
            ["analyze", "{spec}", "--image-size", random.pick(["32", "160", "255", "384x128", "1024"])],
            ["train", "{spec}", "--format", "json"], ["train", "{spec}", "--max-batch", "--precision", "bf16"],
        ])
        return FuzzCase(arguments: command, spec: text)
    }

    func callCase(_ random: inout FuzzRandom) -> FuzzCase {
        let timm = random.chance(0.4)
        var call = random.pick(timm ? seeds.timmCalls : seeds.calls)
        for _ in 0..<Int.random(in: 1...3, using: &random) { call = mutate(call, &random) }
        let command = random.pick(["analyze", "validate", "formula", "train"])
        var arguments = [command, timm ? "--timm" : "--vit-pytorch", call]
        if random.chance(0.3) { arguments += ["--image-size", random.pick(Self.numbers)] }
        return FuzzCase(arguments: arguments)
    }

    /// A structural or byte-level edit of JSON or Python text.
    func mutate(_ text: String, _ random: inout FuzzRandom) -> String {
        var scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return random.pick(Self.strings) }
        let at = Int.random(in: 0..<scalars.count, using: &random)
        switch Int.random(in: 0..<9, using: &random) {
        case 0, 1, 2:
            // Replace a number with an edge value.
            let digits = scalars.indices.filter { scalars[$0].properties.numericType != nil }
            guard let start = digits.isEmpty ? nil : random.pick(digits) else { return text }
            var lower = start, upper = start
            while lower > 0, "0123456789.-eE".unicodeScalars.contains(scalars[lower - 1]) { lower -= 1 }
            while upper + 1 < scalars.count, "0123456789.-eE".unicodeScalars.contains(scalars[upper + 1]) { upper += 1 }
            scalars.replaceSubrange(lower...upper, with: random.pick(Self.numbers).unicodeScalars)
        case 3:
            // Replace a string's contents.
            let quotes = scalars.indices.filter { scalars[$0] == "\"" || scalars[$0] == "'" }
            guard quotes.count >= 2 else { return text }
            let i = Int.random(in: 0..<(quotes.count - 1), using: &random)
            scalars.replaceSubrange((quotes[i] + 1)..<quotes[i + 1], with: random.pick(Self.strings).unicodeScalars)
        case 4:
            // Delete a range.
            let end = min(scalars.count, at + Int.random(in: 1...40, using: &random))
            scalars.removeSubrange(at..<end)
        case 5:
            // Duplicate a range (duplicate keys, longer arrays).
            let end = min(scalars.count, at + Int.random(in: 1...60, using: &random))
            scalars.insert(contentsOf: scalars[at..<end], at: end)
        case 6:
            // Insert syntax.
            scalars.insert(
                contentsOf: random.pick([",", "[", "]", "{", "}", ":", "\"", "(", ")", "=", "[[[[[[", ", \"extra\": 1", "*", "\\"])
                    .unicodeScalars,
                at: at)
        case 7:
            // Flip a character.
            scalars[at] = Unicode.Scalar(UInt8.random(in: 0...127, using: &random))
        default:
            // Truncate.
            scalars.removeSubrange(at...)
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }

    // MARK: Options

    func optionCase(_ random: inout FuzzRandom) -> FuzzCase {
        let command = random.pick(["analyze", "compare", "validate", "formula", "sweep", "list", "verify", "bench", "train", "help"])
        var arguments = [command]
        var spec: String?
        switch command {
        case "verify", "bench":
            // Small models only: they run.
            spec = random.pick(seeds.fixtures).spec
            arguments.append("{spec}")
        case "compare":
            arguments += [random.pick(seeds.presets), random.pick(seeds.presets)]
        case "list", "help":
            break
        default:
            arguments.append(random.chance(0.8) ? random.pick(seeds.presets) : random.pick(seeds.calls))
            if arguments.last?.contains("(") == true { arguments.insert("--vit-pytorch", at: arguments.count - 1) }
        }
        let options = [
            "--batch", "--image-size", "--num-classes", "--format", "--threads", "--seed", "--runs", "--image-sizes", "--layers",
            "--all", "--weights", "--gemm", "--out", "--no-memory-check", "--help", "--", "-x", "--batch=", "--image-size=",
            "--train", "--precision", "--attention", "--checkpoint", "--optimizer", "--gpu", "--memory", "--reserve", "--max-batch",
            "--epochs", "--images", "--gpus", "--utilization", "--calibration",
        ]
        // Commands that run get values that run quickly or are refused (the memory check and large
        // runs are regression cases); the analytic ones get every edge value.
        let runs = command == "verify" || command == "bench"
        let numbers = runs ? ["0", "-1", "1", "2", "3", "+2", "x", "", "1048577", "9223372036854775808", "1e3"] : Self.numbers
        let words =
            runs
            ? ["table", "json", "markdown", "8x9", ""]
            : [
                "table", "json", "csv", "markdown", "224x160", "1:9:9223372036854775807", "32:512:32", "x", "", "bf16", "fp16",
                "eager", "blocks", "sgd", "h100", "V100", "a100", "40GiB", "0", "1.5GB", "99999999999TiB", "0.4", "1e-300",
            ]
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let option = random.pick(options)
            arguments.append(option)
            if option.hasSuffix("=") {
                arguments[arguments.count - 1] += random.pick(numbers)
                continue
            }
            if random.chance(0.85) { arguments.append(random.pick(numbers + words)) }
        }
        if command == "bench", !arguments.contains("--runs") { arguments += ["--runs", "1"] }
        if command == "verify" || command == "bench", !arguments.contains("--threads") { arguments += ["--threads", "1"] }
        if command == "sweep", !arguments.contains("--image-sizes") { arguments += ["--image-sizes", "160,224"] }
        // `--gemm` products are timed; keep them small.
        if let g = arguments.firstIndex(of: "--gemm"), g + 1 < arguments.count {
            arguments[g + 1] = random.pick(["0", "-1", "2x3", "8193", "17"])
        }
        // Writing files is not what this fuzzes (the folder tests do).
        if let o = arguments.firstIndex(of: "--out") { arguments.removeSubrange(o...min(o + 1, arguments.count - 1)) }
        return FuzzCase(arguments: arguments, spec: spec)
    }

    // MARK: Weight files

    func weightsCase(_ random: inout FuzzRandom) -> FuzzCase {
        let fixture = random.pick(seeds.fixtures)
        var bytes = fixture.bytes
        for _ in 0..<Int.random(in: 1...3, using: &random) { bytes = mutate(bytes, &random) }
        return FuzzCase(arguments: ["verify", "{spec}", "--weights", "{weights}", "--threads", "1"], spec: fixture.spec, weights: bytes)
    }

    func mutate(_ bytes: [UInt8], _ random: inout FuzzRandom) -> [UInt8] {
        var bytes = bytes
        guard !bytes.isEmpty else { return bytes }
        switch Int.random(in: 0..<8, using: &random) {
        case 0:
            // Truncate anywhere.
            bytes.removeSubrange(Int.random(in: 0..<bytes.count, using: &random)...)
        case 1:
            // Flip bytes anywhere.
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
            }
        case 2:
            // The header length itself.
            let length = random.pick([UInt64(0), 1, 7, UInt64(bytes.count), UInt64.max, 1 << 62, UInt64(bytes.count - 8)])
            withUnsafeBytes(of: length.littleEndian) { for i in 0..<min(8, bytes.count) { bytes[i] = $0[i] } }
        case 3, 4, 5:
            // Edit the header text: numbers (shapes, offsets), strings (dtypes, names), structure.
            guard let range = SafetensorsBytes.headerRange(bytes) else { return bytes }
            var header = String(decoding: bytes[range], as: UTF8.self)
            if random.chance(0.3) {
                let dtypes = ["\"F32\"", "\"F16\"", "\"BF16\"", "\"I64\"", "\"BOOL\"", "\"F8_E4M3\"", "\"Q4\"", "\"\"", "3", "null"]
                if let r = header.range(of: "\"F32\"") { header.replaceSubrange(r, with: random.pick(dtypes)) }
            } else {
                header = mutate(header, &random)
            }
            bytes = SafetensorsBytes.replacingHeader(bytes, with: Array(header.utf8))
        case 6:
            // NaN or infinity in the data, logits included.
            guard let range = SafetensorsBytes.headerRange(bytes), range.upperBound + 4 <= bytes.count else { return bytes }
            let value = random.pick([Float.nan, .infinity, -.infinity, .greatestFiniteMagnitude, 0])
            let at = range.upperBound + 4 * Int.random(in: 0..<((bytes.count - range.upperBound) / 4), using: &random)
            withUnsafeBytes(of: value.bitPattern.littleEndian) { for i in 0..<4 { bytes[at + i] = $0[i] } }
        default:
            // Shift the data against the header's offsets.
            guard let range = SafetensorsBytes.headerRange(bytes), range.upperBound < bytes.count else { return bytes }
            let shift = Int.random(in: 1...16, using: &random)
            bytes.insert(contentsOf: [UInt8](repeating: 0, count: shift), at: range.upperBound)
        }
        return bytes
    }
}
