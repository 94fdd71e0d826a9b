/// What an item's transition does to its key's daily usage (see `Quotas`): an item that
/// ends gives back what it reserved and is charged what it used. A success is charged what
/// it measured (audio seconds, or characters of text); a failure, or a cancellation, after
/// the engine worked on the item (`ParleyError.usedTheEngine`) is charged what it reserved;
/// one that never reached the engine is charged nothing.
public enum QuotaSettlement: Sendable, Equatable {
    /// The item has not ended: its reservation stays.
    case none
    /// It ended without using the engine: the reservation is released, nothing charged.
    case release
    /// It ended having used this much (its kind's part counts).
    case charge(QuotaNeed)
    /// It ended having used the engine without a measure of its own: what it reserved.
    case chargeReserved

    /// How an item that ends on `error` is settled.
    static func ending(_ error: ParleyError) -> QuotaSettlement {
        error.usedTheEngine ? .chargeReserved : .release
    }

    /// What leaves the day's reservations and what is charged, in the unit of `kind`, for
    /// `count` items of that kind that had reserved `reserved` in all; nil when they have not
    /// ended.
    public func amounts(reserved: Double, count: Int = 1, kind: ItemKind) -> (released: Double, charged: Double)? {
        switch self {
        case .none: nil
        case .release: (reserved, 0)
        case .charge(let used): (reserved, (kind == .audio ? used.audioSeconds : Double(used.characters)) * Double(count))
        case .chargeReserved: (reserved, reserved)
        }
    }
}
