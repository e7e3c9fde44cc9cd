import CPUBackend
import Foundation

extension VerificationRun {
    /// Reads and parses the safetensors file at `path` (its header and tensor table; tensors are
    /// decoded when the weights are loaded).
    /// - Throws: ``WeightsFileError`` when the file is absent, unreadable or not a safetensors file.
    public static func readWeights(atPath path: String) throws(WeightsFileError) -> SafetensorsFile {
        // Folders and empty files are named before reading (Foundation's reader also leaks its
        // buffer on an empty file).
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw WeightsFileError(path: path, reason: "no such file")
        }
        if isFolder.boolValue { throw WeightsFileError(path: path, reason: "is a folder, not a safetensors file") }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
            throw WeightsFileError(path: path, reason: "is empty, not a safetensors file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WeightsFileError(path: path, reason: "cannot read the file")
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
    /// What is wrong: `no such file`, a folder, an empty file, `cannot read the file`, or the format problem.
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
