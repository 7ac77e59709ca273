namespace Huiqi.Storage.Store;

/// <summary>The outcome of checking the audit chain: how many links were read, and the first broken one (null: intact).</summary>
public sealed record AuditVerification(long Checked, long? BrokenAt, string? Reason)
{
    public bool Intact => BrokenAt is null;
}

/// <summary>Recomputes the hash chain of the audit log from the genesis hash, link by link.</summary>
public static class AuditChain
{
    public static async Task<AuditVerification> VerifyAsync(IAsyncEnumerable<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        var previous = RowCodec.GenesisHash;
        long expectedSeq = 1, count = 0;
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            count++;
            if (record.Seq != expectedSeq)
            {
                return new(count, record.Seq, $"expected seq {expectedSeq}, found {record.Seq} (a record is missing)");
            }

            if (record.PreviousHash != previous)
            {
                return new(count, record.Seq, "prev_hash does not match the hash of the record before");
            }

            var hash = RowCodec.AuditHash(previous, record.Seq, record.Entry, RowCodec.ToMillis(record.At));
            if (hash != record.Hash)
            {
                return new(count, record.Seq, "the record's content does not match its hash (it was altered)");
            }

            previous = hash;
            expectedSeq++;
        }

        return new(count, null, null);
    }
}
