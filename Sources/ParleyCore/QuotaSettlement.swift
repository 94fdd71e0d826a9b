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

    /// What leaves the day's reservations and what is charged, in the unit of `kind`, for an
    /// item of that kind that had reserved `reserved`; nil when it has not ended.
    public func amounts(reserved: Double, kind: ItemKind) -> (released: Double, charged: Double)? {
        switch self {
        case .none: nil
        case .release: (reserved, 0)
        case .charge(let used): (reserved, (kind == .audio ? used.audioSeconds : Double(used.characters)))
        case .chargeReserved: (reserved, reserved)
        }
    }

    /// What leaves the day's reservations and what is charged, in all, for items of `kind`
    /// that each reserved `reserved` and took `settlement`: one usage update settles them all.
    public static func totals(
        _ settled: some Sequence<(settlement: QuotaSettlement, reserved: Double)>, kind: ItemKind
    ) -> (released: Double, charged: Double) {
        settled.reduce((released: 0, charged: 0)) { total, item in
            guard let (released, charged) = item.settlement.amounts(reserved: item.reserved, kind: kind) else { return total }
            return (total.released + released, total.charged + charged)
        }
    }
}
