using System.Diagnostics;
using System.Threading.Channels;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Profiles;
using Huiqi.Storage.Store;

namespace Huiqi.Storage.Import;

public sealed record ImportRowError(long Line, string Field, string Code, string Reason);

public sealed record ImportProgress(long Rows, long Rejected);

public sealed record ImportSummary(long Received, long Inserted, long Updated, long Unchanged, long Rejected, IReadOnlyList<ImportRowError> Errors, TimeSpan Elapsed)
{
    public double RowsPerSecond => Received / Math.Max(Elapsed.TotalSeconds, 1e-6);
}

/// <summary>
/// Bulk import: valid rows go to the store in batches that commit atomically; a bad row is reported with its
/// line, field and reason and stops nothing. Importing the same rows twice changes nothing the second time.
/// </summary>
public sealed class ProfileImporter(ProfileWriter writer)
{
    public const int MaxReportedErrors = 1000;

    public async Task<ImportSummary> ImportAsync(IAsyncEnumerable<ImportRow> rows, ProfileSource source, string by, int batchSize = 5000,
        IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var errors = new List<ImportRowError>();
        long received = 0, inserted = 0, updated = 0, unchanged = 0, rejected = 0;

        // Reading and checking rows overlaps with writing the previous batch: two cores, two stages.
        var batches = Channel.CreateBounded<List<ProfileChange>>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var writing = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in batches.Reader.ReadAllAsync(cancellationToken))
                {
                    var result = await writer.WriteAsync(batch, source, by, cancellationToken);
                    Interlocked.Add(ref inserted, result.Inserted);
                    Interlocked.Add(ref updated, result.Updated);
                    Interlocked.Add(ref unchanged, result.Unchanged);
                    progress?.Report(new ImportProgress(Interlocked.Read(ref received), Interlocked.Read(ref rejected)));
                }
            }
            catch (Exception ex)
            {
                batches.Writer.TryComplete(ex); // the reading side stops instead of waiting on a full channel
                throw;
            }
        }, cancellationToken);

        try
        {
            var batch = new List<ProfileChange>(batchSize);
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                Interlocked.Increment(ref received);
                if (row.Profile is null)
                {
                    Interlocked.Increment(ref rejected);
                    foreach (var error in row.Errors.Take(Math.Max(0, MaxReportedErrors - errors.Count)))
                    {
                        errors.Add(new ImportRowError(row.Line, error.Field, error.Code, error.Message));
                    }

                    continue;
                }

                batch.Add(new ProfileChange(row.Profile));
                if (batch.Count >= batchSize)
                {
                    await batches.Writer.WriteAsync(batch, cancellationToken);
                    batch = new List<ProfileChange>(batchSize);
                }
            }

            if (batch.Count > 0)
            {
                await batches.Writer.WriteAsync(batch, cancellationToken);
            }
        }
        catch (ChannelClosedException)
        {
            // The writing side failed; its exception is rethrown below.
        }
        finally
        {
            batches.Writer.TryComplete();
        }

        await writing;
        return new ImportSummary(received, inserted, updated, unchanged, rejected, errors, watch.Elapsed);
    }

    public Task<ImportSummary> ImportAsync(IEnumerable<ImportRow> rows, ProfileSource source, string by, int batchSize = 5000,
        IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ImportAsync(rows.ToAsyncEnumerable(), source, by, batchSize, progress, cancellationToken);
}
