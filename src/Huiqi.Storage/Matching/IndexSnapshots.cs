using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Hashing;
using Huiqi.Domain.Matching;
using Microsoft.Extensions.Logging;

namespace Huiqi.Storage.Matching;

/// <summary>
/// The matching index's snapshot file (docs/eligibility.md, "Snapshot"): a header — magic, the index's layout, the
/// store's identity, the change-feed position the index had reached, the payload's length and XxHash3 — then the
/// index's own bytes
/// (<see cref="EligibilityIndex.WriteSnapshot"/>). Written to a temporary file, flushed to disk and renamed over
/// the last one, so a crash mid-write leaves the previous snapshot. A file that is missing, of another layout,
/// damaged (length or checksum), of another database or ahead of the store's change feed is not used: the caller
/// loads in full.
/// </summary>
public sealed class IndexSnapshots(StorageOptions options, ILogger<IndexSnapshots> logger)
{
    private const ulong Magic = 0x3158444951495548; // "HUIQIDX1"
    private const int IdentityBytes = 32;
    private const int HeaderBytes = 8 + 4 + IdentityBytes + 8 + 8 + 8;

    public bool Enabled => options.IndexSnapshotPath is not null;

    /// <summary>
    /// Writes <paramref name="index"/> as of change-feed position <paramref name="position"/> of the store named
    /// <paramref name="identity"/>; returns the file's size.
    /// </summary>
    public async Task<long> WriteAsync(EligibilityIndex index, string identity, long position, CancellationToken cancellationToken)
    {
        var path = options.IndexSnapshotPath ?? throw new InvalidOperationException("no snapshot path configured");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        var watch = Stopwatch.StartNew();
        long length;
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20))
        {
            file.Write(new byte[HeaderBytes]);
            await Task.Run(() => index.WriteSnapshot(file), cancellationToken);
            length = file.Length - HeaderBytes;
            file.Position = HeaderBytes;
            var hash = new XxHash3();
            await hash.AppendAsync(file, cancellationToken);
            file.Position = 0;
            file.Write(Header(identity, position, length, hash.GetCurrentHashAsUInt64()));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        logger.LogInformation("index snapshot written: {Count} enterprises, {Bytes} bytes, position {Position}, {Ms} ms",
            index.Count, length + HeaderBytes, position, watch.ElapsedMilliseconds);
        return length + HeaderBytes;
    }

    /// <summary>
    /// Fills the empty <paramref name="index"/> from the snapshot when it can be trusted; returns the change-feed position
    /// to catch up from, or null (and says why in the log) when the caller must load in full.
    /// </summary>
    public long? TryLoad(EligibilityIndex index, string storeIdentity, long storePosition)
    {
        var path = options.IndexSnapshotPath;
        if (path is null || !File.Exists(path))
        {
            logger.LogInformation("no index snapshot at {Path}: loading in full", path);
            return null;
        }

        if (index.Count > 0)
        {
            // Written into during start-up (the demo seed): the snapshot cannot know those; the store has them all.
            logger.LogInformation("index already holds {Count} enterprises written during start-up: loading in full", index.Count);
            return null;
        }

        var watch = Stopwatch.StartNew();
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            Span<byte> header = stackalloc byte[HeaderBytes];
            file.ReadExactly(header);
            const int At = 12 + IdentityBytes;
            var (magic, layout, identity) = (BinaryPrimitives.ReadUInt64LittleEndian(header), BinaryPrimitives.ReadInt32LittleEndian(header[8..]),
                System.Text.Encoding.ASCII.GetString(header[12..At]).TrimEnd('\0'));
            var (position, length, checksum) = (BinaryPrimitives.ReadInt64LittleEndian(header[At..]),
                BinaryPrimitives.ReadInt64LittleEndian(header[(At + 8)..]), BinaryPrimitives.ReadUInt64LittleEndian(header[(At + 16)..]));
            string? refusal = magic != Magic ? "not an index snapshot"
                : layout != EligibilityIndex.SnapshotFormat ? $"layout {layout}, this version reads {EligibilityIndex.SnapshotFormat}"
                : identity != storeIdentity ? $"taken from database {identity}, this is {storeIdentity}"
                : length != file.Length - HeaderBytes ? $"{file.Length - HeaderBytes} bytes where the header says {length} (cut short?)"
                : position > storePosition ? $"position {position} is ahead of the store's {storePosition} (another or a restored database)"
                : null;
            if (refusal is null)
            {
                var hash = new XxHash3();
                hash.Append(file);
                refusal = hash.GetCurrentHashAsUInt64() != checksum ? "checksum mismatch (damaged)" : null;
            }

            if (refusal is not null)
            {
                logger.LogWarning("index snapshot {Path} not used: {Reason}; loading in full", path, refusal);
                return null;
            }

            file.Position = HeaderBytes;
            index.LoadSnapshot(file);
            logger.LogInformation("index loaded from snapshot: {Count} enterprises at position {Position} in {Ms} ms", index.Count, position, watch.ElapsedMilliseconds);
            return position;
        }
        catch (Exception ex)
        {
            // Whatever went wrong with the file, a full load is always correct.
            logger.LogWarning(ex, "index snapshot {Path} could not be read; loading in full", path);
            return null;
        }
    }

    private static byte[] Header(string identity, long position, long length, ulong checksum)
    {
        var header = new byte[HeaderBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), EligibilityIndex.SnapshotFormat);
        System.Text.Encoding.ASCII.GetBytes(identity.AsSpan(0, Math.Min(identity.Length, IdentityBytes)), header.AsSpan(12, IdentityBytes));
        const int At = 12 + IdentityBytes;
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(At), position);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(At + 8), length);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(At + 16), checksum);
        return header;
    }
}
