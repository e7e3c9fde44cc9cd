import Foundation

/// The x86-64 extensions the CPU kernels were compiled to use, and whether this CPU has them.
///
/// A native build compiles CPUBackend with `-march=native`, so it may use any extension of the
/// building CPU (AVX-512 among them); Package.swift records which of them it had. This module is
/// not compiled for the native CPU, so the check itself runs anywhere, before any kernel does.
public enum InstructionSets {
    /// The extensions the build recorded, as `/proc/cpuinfo` names them; empty for a portable
    /// build (`VITSCOPE_PORTABLE=1`) and off x86-64.
    public static let compiled: [String] = {
        var flags: [String] = []
        #if VITSCOPE_BUILT_AVX
            flags.append("avx")
        #endif
        #if VITSCOPE_BUILT_AVX2
            flags.append("avx2")
        #endif
        #if VITSCOPE_BUILT_FMA
            flags.append("fma")
        #endif
        #if VITSCOPE_BUILT_F16C
            flags.append("f16c")
        #endif
        #if VITSCOPE_BUILT_BMI1
            flags.append("bmi1")
        #endif
        #if VITSCOPE_BUILT_BMI2
            flags.append("bmi2")
        #endif
        #if VITSCOPE_BUILT_AVX512F
            flags.append("avx512f")
        #endif
        #if VITSCOPE_BUILT_AVX512CD
            flags.append("avx512cd")
        #endif
        #if VITSCOPE_BUILT_AVX512BW
            flags.append("avx512bw")
        #endif
        #if VITSCOPE_BUILT_AVX512DQ
            flags.append("avx512dq")
        #endif
        #if VITSCOPE_BUILT_AVX512VL
            flags.append("avx512vl")
        #endif
        #if VITSCOPE_BUILT_AVX512IFMA
            flags.append("avx512ifma")
        #endif
        #if VITSCOPE_BUILT_AVX512VBMI
            flags.append("avx512vbmi")
        #endif
        #if VITSCOPE_BUILT_AVX512_VBMI2
            flags.append("avx512_vbmi2")
        #endif
        #if VITSCOPE_BUILT_AVX512_VNNI
            flags.append("avx512_vnni")
        #endif
        #if VITSCOPE_BUILT_AVX512_BITALG
            flags.append("avx512_bitalg")
        #endif
        #if VITSCOPE_BUILT_AVX512_VPOPCNTDQ
            flags.append("avx512_vpopcntdq")
        #endif
        #if VITSCOPE_BUILT_AVX512_BF16
            flags.append("avx512_bf16")
        #endif
        #if VITSCOPE_BUILT_AVX512_FP16
            flags.append("avx512_fp16")
        #endif
        #if VITSCOPE_BUILT_AVX_VNNI
            flags.append("avx_vnni")
        #endif
        return flags
    }()

    /// The extensions this CPU reports in `/proc/cpuinfo`'s `flags` line; `nil` where there is
    /// no such file (then nothing is checked).
    static func running() -> Set<String>? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return nil }
        return Set(line.split(separator: " ").map(String.init))
    }

    /// What `compiled` needs that `available` lacks, in `compiled`'s order.
    static func missing(_ compiled: [String], available: Set<String>) -> [String] {
        compiled.filter { !available.contains($0) }
    }

    /// The message for a binary built for `compiled` on a CPU without `missing`.
    static func message(compiled: [String], missing: [String]) -> String {
        "error: this vitscope was built for a CPU with " + compiled.joined(separator: ", ") + "; this CPU lacks "
            + missing.joined(separator: ", ") + ", so its kernels would stop at an illegal instruction. Build it on this "
            + "machine (swift build -c release), for every AVX2 machine (VITSCOPE_MARCH=x86-64-v3 swift build -c release), "
            + "or a portable binary (VITSCOPE_PORTABLE=1 swift build -c release)\n"
    }

    /// The message when this CPU lacks an extension the build uses, else `nil`; read once.
    public static let problem: String? = {
        guard let available = running() else { return nil }
        let lacking = missing(compiled, available: available)
        return lacking.isEmpty ? nil : message(compiled: compiled, missing: lacking)
    }()
}
