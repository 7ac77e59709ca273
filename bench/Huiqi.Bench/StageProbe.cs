using System.Diagnostics;
using Huiqi.Domain.Serialization;
using Huiqi.Storage.Import;

namespace Huiqi.Bench;

/// <summary>`-- stages FILE`: how long each import stage takes alone (reading and checking rows; serializing and fingerprinting).</summary>
internal static class StageProbe
{
    public static void Run(string path)
    {
        var watch = Stopwatch.StartNew();
        var rows = ProfileFile.Read(new StreamReader(path), ProfileFile.FormatOf(path)).Where(r => r.Profile is not null).Select(r => r.Profile!).ToList();
        Console.WriteLine($"stage_read_validate_s={watch.Elapsed.TotalSeconds:0.00} rows={rows.Count}");
        watch.Restart();
        long bytes = 0;
        foreach (var profile in rows)
        {
            var json = ProfileJson.Serialize(ProfileJson.Normalize(profile));
            bytes += ProfileJson.FingerprintOf(json).Length + json.Length;
        }

        Console.WriteLine($"stage_serialize_fingerprint_s={watch.Elapsed.TotalSeconds:0.00}");
        GC.KeepAlive(bytes);
    }
}
