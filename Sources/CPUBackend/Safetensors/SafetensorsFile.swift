/// A `.safetensors` file: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data.
public struct SafetensorsFile: Sendable {
    /// One tensor's entry in the header.
    public struct Entry: Hashable, Sendable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        /// Byte range within the data section.
        public let offsets: Range<Int>
    }

    /// Entries in header order.
    public let entries: [Entry]
    /// The header's `__metadata__` map.
    public let metadata: [String: String]
    private let data: [UInt8]
    private let index: [String: Int]

    /// Bytes per element of the dtypes safetensors defines.
    static let elementSizes = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1,
        "BOOL": 1, "U16": 2, "U32": 4, "U64": 8, "F8_E4M3": 1, "F8_E5M2": 1,
    ]

    /// Parses and checks the whole file: the header, and that every entry's byte range lies in
    /// the data and matches its dtype and shape.
    /// - Parameter bytes: the file's contents.
    public init(bytes: [UInt8]) throws(WeightsError) {
        guard bytes.count >= 8 else {
            throw WeightsError("the file is \(bytes.count) bytes long; a safetensors file starts with an 8-byte header length")
        }
        let headerLength = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw WeightsError(
                "the header claims \(headerLength) bytes but the file has \(bytes.count - 8) after the length; the file is truncated or not safetensors"
            )
        }
        let headerEnd = 8 + Int(headerLength)
        let header: HeaderValue
        do {
            header = try HeaderReader.parse(Array(bytes[8..<headerEnd]))
        } catch {
            throw WeightsError("the header is not valid JSON: \(error.message)")
        }
        guard case .object(let members) = header else { throw WeightsError("the header is not a JSON object") }
        data = Array(bytes[headerEnd...])
        var entries: [Entry] = [], metadata: [String: String] = [:]
        for member in members {
            if member.key == "__metadata__" {
                if case .object(let pairs) = member.value {
                    for pair in pairs { if case .string(let text) = pair.value { metadata[pair.key] = text } }
                }
                continue
            }
            entries.append(try Self.entry(member.key, member.value, dataCount: data.count))
        }
        self.entries = entries
        self.metadata = metadata
        index = Dictionary(entries.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private static func entry(_ name: String, _ value: HeaderValue, dataCount: Int) throws(WeightsError) -> Entry {
        guard case .string(let dtype) = value["dtype"] else {
            throw WeightsError(tensor: name, "has no dtype string in the header")
        }
        guard case .array(let dims) = value["shape"], case .array(let range) = value["data_offsets"],
            range.count == 2
        else {
            throw WeightsError(tensor: name, "needs a shape array and two data_offsets in the header")
        }
        func integer(_ v: HeaderValue) -> Int? {
            if case .integer(let i?) = v, i >= 0 { return i }
            return nil
        }
        let shape = dims.compactMap(integer), bounds = range.compactMap(integer)
        guard shape.count == dims.count, bounds.count == 2, bounds[0] <= bounds[1] else {
            throw WeightsError(tensor: name, "has a malformed shape or data_offsets in the header")
        }
        guard bounds[1] <= dataCount else {
            throw WeightsError(
                tensor: name, "needs bytes \(bounds[0])..<\(bounds[1]) but the data section has \(dataCount); the file is truncated")
        }
        guard let size = elementSizes[dtype] else { return Entry(name: name, dtype: dtype, shape: shape, offsets: bounds[0]..<bounds[1]) }
        // The byte count of the shape, every product checked: a huge shape is an error, not a trap.
        var bytes = size
        for dimension in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw WeightsError(tensor: name, "has shape \(shape) of \(dtype), more bytes than a 64-bit integer holds")
            }
            bytes = product
        }
        if bytes != bounds[1] - bounds[0] {
            throw WeightsError(tensor: name, "has \(bounds[1] - bounds[0]) bytes but shape \(shape) of \(dtype) needs \(bytes)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, offsets: bounds[0]..<bounds[1])
    }

    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The named tensor as float32; only `F32` tensors are read.
    public func tensor(_ name: String) throws(WeightsError) -> Tensor {
        guard let entry = entry(name) else { throw WeightsError(tensor: name, "is not in the file") }
        guard entry.dtype == "F32" else {
            throw WeightsError(tensor: name, "has dtype \(entry.dtype); vitscope reads F32 tensors (convert with tensor.float())")
        }
        let tensor = Tensor(zeros: entry.shape)
        data.withUnsafeBytes { raw in
            var offset = entry.offsets.lowerBound
            for i in 0..<tensor.count {
                tensor.data[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                offset += 4
            }
        }
        return tensor
    }
}

/// A weight file that cannot be used, naming the tensor when one is at fault.
public struct WeightsError: Error, Equatable, Sendable, CustomStringConvertible {
    public let tensor: String?
    public let message: String

    public init(_ message: String) {
        tensor = nil
        self.message = message
    }

    public init(tensor: String, _ message: String) {
        self.tensor = tensor
        self.message = message
    }

    public var description: String { tensor.map { "tensor '\($0)' \(message)" } ?? message }
}
