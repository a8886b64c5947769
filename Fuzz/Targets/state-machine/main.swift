import SwitchyardProxy

/// libFuzzer's entry: each byte is one event for a connection's state machine (the low seven bits pick the event,
/// the top bit clear means the head or response asks for keep-alive), then the connection closes. A broken promise
/// (a request not ended exactly once, a second close) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let events = ConnectionEvent.allCases
    var checker = ConnectionPromiseChecker()
    for byte in UnsafeBufferPointer(start: data, count: size) {
        let event = events[Int(byte & 0x7F) % events.count]
        if let broken = checker.apply(event, keepAlive: byte & 0x80 == 0) { fatalError(broken) }
    }
    if let broken = checker.finish() { fatalError(broken) }
    return 0
}
