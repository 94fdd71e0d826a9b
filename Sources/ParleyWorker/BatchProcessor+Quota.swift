import Foundation
import ParleyCore

extension BatchProcessor {
    /// Reserves an audio item's quota once its bytes are here, where the API could not: audio
    /// by URL, or a container that hid its duration until now (then nothing more is known,
    /// and only a quota already used up stops the item). Returns why the item may not run;
    /// it then fails with `quota_exceeded` without reaching the engine. A store that cannot
    /// answer lets the item run: it is charged when it ends.
    func reserveFetched(_ item: JobItem, audio: Data) async -> QuotaRefusal? {
        guard item.quotaReserved == 0 else { return nil }
        let seconds = AudioDurationProbe.seconds(audio) ?? 0
        do {
            return try await queue.reserveQuota(itemId: item.id, owner: configuration.id, amount: seconds)
        } catch {
            logger.warning("reserving an item's quota failed", metadata: ["item_id": "\(item.id)", "error": "\(error)"])
            return nil
        }
    }
}
