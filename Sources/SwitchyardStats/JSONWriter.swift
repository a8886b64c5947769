/// Builds compact JSON text piece by piece, so admin documents can be composed from parts (a snapshot inside a
/// target inside a pool) without Foundation.
///
/// The writer places commas and colons; the caller keeps the structure sound: inside an object, each value follows
/// a `key(_:)`; every `begin` is matched by its `end`. Strings are escaped as RFC 8259 requires; doubles that are not
/// finite are written as `null`.
///
///     var writer = JSONWriter()
///     writer.beginObject()
///     writer.field("name", "pool-a")
///     writer.key("stats")
///     snapshot.writeJSON(to: &writer)
///     writer.endObject()
///     let body = writer.text
///
/// Thread-safety: a value type with no synchronisation; use each writer from one thread at a time.
public struct JSONWriter: Sendable {
    /// The JSON written so far.
    public private(set) var text = ""
    private var needsComma = false

    /// Creates an empty writer.
    public init() {}

    /// Opens an object (`{`).
    public mutating func beginObject() {
        separate()
        text.append("{")
        needsComma = false
    }

    /// Closes the innermost object (`}`).
    public mutating func endObject() {
        text.append("}")
        needsComma = true
    }

    /// Opens an array (`[`).
    public mutating func beginArray() {
        separate()
        text.append("[")
        needsComma = false
    }

    /// Closes the innermost array (`]`).
    public mutating func endArray() {
        text.append("]")
        needsComma = true
    }

    /// Writes an object member's name; the next value written is its value.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        text.append(":")
        needsComma = false
    }

    /// Writes a string value.
    public mutating func value(_ string: String) {
        separate()
        appendQuoted(string)
        needsComma = true
    }

    /// Writes an integer value.
    public mutating func value(_ number: Int) {
        separate()
        text.append(String(number))
        needsComma = true
    }

    /// Writes a number, or `null` when it is infinite or NaN (JSON has no such numbers).
    public mutating func value(_ number: Double) {
        separate()
        text.append(number.isFinite ? String(number) : "null")
        needsComma = true
    }

    /// Writes `true` or `false`.
    public mutating func value(_ flag: Bool) {
        separate()
        text.append(flag ? "true" : "false")
        needsComma = true
    }

    /// Writes `null`.
    public mutating func null() {
        separate()
        text.append("null")
        needsComma = true
    }

    /// Writes an object member: `key(name)` then `value(string)`.
    public mutating func field(_ name: String, _ string: String) {
        key(name)
        value(string)
    }

    /// Writes an object member: `key(name)` then `value(number)`.
    public mutating func field(_ name: String, _ number: Int) {
        key(name)
        value(number)
    }

    /// Writes an object member: `key(name)` then `value(number)`.
    public mutating func field(_ name: String, _ number: Double) {
        key(name)
        value(number)
    }

    /// Writes an object member: `key(name)` then `value(flag)`.
    public mutating func field(_ name: String, _ flag: Bool) {
        key(name)
        value(flag)
    }

    private mutating func separate() {
        if needsComma {
            text.append(",")
        }
    }

    private mutating func appendQuoted(_ string: String) {
        text.append("\"")
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text.append("\\\"")
            case "\\": text.append("\\\\")
            case "\n": text.append("\\n")
            case "\r": text.append("\\r")
            case "\t": text.append("\\t")
            case "\u{08}": text.append("\\b")
            case "\u{0C}": text.append("\\f")
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                text.append("\\u00")
                text.append(hex.count == 1 ? "0" + hex : hex)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text.append("\"")
    }
}
