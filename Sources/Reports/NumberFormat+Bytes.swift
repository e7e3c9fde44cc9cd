extension NumberFormat {
    /// A byte count as messages give it: `13.73 GiB` from 1 GiB up, every byte below
    /// (`1,047,488 B`), so that sizes near a boundary never round to look alike.
    public static func bytes(_ value: Int) -> String {
        value.magnitude >= 1 << 30 ? scaled(value, 1 << 30, decimals: 2) + " GiB" : grouped(value) + " B"
    }
}
