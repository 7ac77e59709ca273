using Dapper;
using Huiqi.Storage;
using Huiqi.Storage.Store;
using Huiqi.Testing;
using Microsoft.Data.Sqlite;

namespace Huiqi.IntegrationTests.Workflow;

/// <summary>`huiqi audit verify` as an operator runs it: a real process over a real store.</summary>
public sealed class AuditVerifyCliTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"huiqi-audit-{Guid.NewGuid():N}");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }

    private async Task<(int ExitCode, string Output)> VerifyAsync()
    {
        var cli = PlatformProcess.BuildOutputOf("Huiqi.Cli");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(cli, "huiqi.dll"), "audit", "verify", "--data-dir", _dataDir])
        {
            WorkingDirectory = cli,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(psi)!;
        var text = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, text);
    }

    [Fact]
    public async Task Verify_passes_an_intact_chain_and_names_the_first_altered_record()
    {
        var store = new SqliteStore(new StorageOptions { DataDir = _dataDir }, TimeProvider.System);
        await store.MigrateAsync(CancellationToken.None);
        for (var i = 1; i <= 6; i++)
        {
            await store.AppendAuditAsync(new AuditEntry("officer-1", "staff", "entitlement.approve", "lz-award", 1, $"ent-{i}", "hash"), CancellationToken.None);
        }

        var intact = await VerifyAsync();
        Assert.True(intact.ExitCode == 0, intact.Output);
        Assert.Contains("6 record(s) verified", intact.Output);

        // Someone with database access removes the guard and rewrites who approved record 4.
        await using (var connection = new SqliteConnection($"Data Source={store.DatabasePath}"))
        {
            await connection.ExecuteAsync("DROP TRIGGER audit_log_append_only_update; UPDATE audit_log SET who = 'officer-9' WHERE seq = 4");
        }

        SqliteConnection.ClearAllPools();
        var broken = await VerifyAsync();
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("seq=4", broken.Output);
    }
}
