using System.Diagnostics;
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
        var batch = new List<ProfileChange>(batchSize);

        async Task FlushAsync()
        {
            if (batch.Count == 0)
            {
                return;
            }

            var result = await writer.WriteAsync(batch, source, by, cancellationToken);
            (inserted, updated, unchanged) = (inserted + result.Inserted, updated + result.Updated, unchanged + result.Unchanged);
            batch.Clear();
            progress?.Report(new ImportProgress(received, rejected));
        }

        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            received++;
            if (row.Profile is null)
            {
                rejected++;
                foreach (var error in row.Errors.Take(Math.Max(0, MaxReportedErrors - errors.Count)))
                {
                    errors.Add(new ImportRowError(row.Line, error.Field, error.Code, error.Message));
                }

                continue;
            }

            batch.Add(new ProfileChange(row.Profile));
            if (batch.Count >= batchSize)
            {
                await FlushAsync();
            }
        }

        await FlushAsync();
        return new ImportSummary(received, inserted, updated, unchanged, rejected, errors, watch.Elapsed);
    }

    public Task<ImportSummary> ImportAsync(IEnumerable<ImportRow> rows, ProfileSource source, string by, int batchSize = 5000,
        IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ImportAsync(rows.ToAsyncEnumerable(), source, by, batchSize, progress, cancellationToken);
}
