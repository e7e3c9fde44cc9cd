import CPUBackend
import Foundation

extension VerificationRun {
    /// Reads and parses the safetensors file at `path` (its header and tensor table; tensors are
    /// decoded when the weights are loaded).
    /// - Throws: ``WeightsFileError`` when the file is absent, unreadable or not a safetensors file.
    public static func readWeights(atPath path: String) throws(WeightsFileError) -> SafetensorsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WeightsFileError(
                path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        do {
            return try SafetensorsFile(bytes: Array(data))
        } catch {
            throw WeightsFileError(path: path, reason: "\(error)")
        }
    }
}

/// A weights file that cannot be used: `path: reason`.
public struct WeightsFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path as given.
    public let path: String
    /// What is wrong: `no such file`, `cannot read the file`, or the format problem.
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
