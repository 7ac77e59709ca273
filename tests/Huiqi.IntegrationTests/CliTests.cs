using Huiqi.Testing;

namespace Huiqi.IntegrationTests;

/// <summary>`huiqi` as an operator types it, mistakes included: a real process, its output and its exit code.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"huiqi-cli-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var cli = PlatformProcess.BuildOutputOf("Huiqi.Cli");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(cli, "huiqi.dll"), .. args])
        {
            WorkingDirectory = cli,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment.Remove("Huiqi__DataDir");
        using var process = System.Diagnostics.Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    [Theory]
    [InlineData("migrate")]
    [InlineData("import")]
    [InlineData("generate")]
    [InlineData("token")]
    [InlineData("audit verify")]
    public async Task Every_command_has_help_and_help_runs_nothing(string command)
    {
        var (code, output) = await RunAsync([.. command.Split(' '), "--help", "--data-dir", _dataDir]);
        Assert.True(code == 0, output);
        Assert.Contains("Usage:", output);
        Assert.False(Directory.Exists(_dataDir), $"huiqi {command} --help touched the store");
    }

    [Fact]
    public async Task A_mistyped_option_is_refused_by_name_and_nothing_is_written()
    {
        var file = Path.Combine(Path.GetTempPath(), $"huiqi-gen-{Guid.NewGuid():N}.ndjson");
        var (code, output) = await RunAsync("generate", "--cout", "2", "--out", file);
        Assert.Equal(1, code);
        Assert.Contains("--cout", output);
        Assert.Contains("--count", output); // the suggestion
        Assert.False(File.Exists(file));
    }

    [Theory]
    [InlineData("abc", "--count")]
    [InlineData("0", "--count")]
    [InlineData("-3", "--count")]
    public async Task A_bad_value_is_named_with_exit_code_1(string value, string option)
    {
        var (code, output) = await RunAsync("generate", option, value);
        Assert.Equal(1, code);
        Assert.Contains(option, output);
        Assert.DoesNotContain("Exception", output);
    }

    [Fact]
    public async Task Unknown_commands_missing_files_and_tokens_the_platform_would_refuse_fail_plainly()
    {
        var unknown = await RunAsync("bogus");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("bogus", unknown.Output);

        var missing = await RunAsync("import", Path.Combine(_dataDir, "nope.ndjson"), "--data-dir", _dataDir);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nope.ndjson", missing.Output);

        var catchAll = await RunAsync("token", "--role", "staff", "--jurisdiction", "000000", "--signing-key", "huiqi-development-signing-key-not-for-production-0123456789");
        Assert.Equal(2, catchAll.ExitCode);
        Assert.Contains("--jurisdiction", catchAll.Output);
        Assert.DoesNotContain("Exception", catchAll.Output);
    }

    [Fact]
    public async Task A_good_command_line_does_its_work_with_exit_code_0()
    {
        var (code, output) = await RunAsync("generate", "--count", "3", "--seed", "7");
        Assert.True(code == 0, output);
        Assert.Equal(3, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var migrated = await RunAsync("migrate", "--data-dir", _dataDir);
        Assert.True(migrated.ExitCode == 0, migrated.Output);
        Assert.Contains("schema current", migrated.Output);
    }
}
